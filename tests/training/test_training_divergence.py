"""Divergence: a non-finite loss or parameter stops training with an error naming the epoch
and batch, and the model keeps its last finite weights."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import gradlab as gl


class WeightsAfterEachBatch(gl.training.Callback):
    def __init__(self):
        self.states: list[dict[str, np.ndarray]] = []

    def on_batch_end(self, batch, logs):
        self.states.append(self.model.state_dict())


def regression_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12, 3))
    return X, X @ np.array([1.0, -2.0, 0.5]) + 3.0


def test_huge_learning_rate_raises_naming_epoch_and_batch_and_keeps_finite_weights():
    X, y = regression_data()
    model = gl.nn.MLP(3, [4], 1, activation="tanh", rng=0)
    recorder = WeightsAfterEachBatch()
    with pytest.raises(gl.training.DivergenceError) as caught:
        gl.fit(
            model, X, y, lr=1e6, epochs=50, batch_size=4, rng=0, callbacks=[recorder],
            verbose=0,
        )  # fmt: skip
    error = caught.value
    assert isinstance(error, FloatingPointError)
    batches_done = len(recorder.states)
    assert (error.epoch, error.batch) == divmod(batches_done, 3)
    assert f"epoch {error.epoch + 1}/50, batch {error.batch + 1}/3" in str(error)
    assert "lr=1000000.0" in str(error)
    for p in model.parameters():
        assert np.isfinite(p.data).all()
    # Stopped before the failing batch's update: the weights are those of the previous step.
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, recorder.states[-1][name])
    assert error.history.epoch == list(range(error.epoch))


def test_a_parameter_that_overflows_restores_the_weights_of_the_epoch_start():
    # Inputs of 1e150 keep the loss finite (~1e300) while the step lr * dL/dw overflows.
    X = np.array([[1e150], [2e150]])
    y = np.array([0.0, 1.0])
    model = gl.nn.Linear.from_values([[1.0]], bias=[0.0])
    with pytest.raises(gl.training.DivergenceError) as caught:
        gl.fit(model, X, y, lr=1e10, epochs=5, verbose=0)
    error = caught.value
    assert (error.epoch, error.batch) == (0, 0)
    assert "parameter 'weight'" in str(error)
    assert "epoch 1/5, batch 1/1" in str(error)
    np.testing.assert_array_equal(model.weight.data, [[1.0]])
    np.testing.assert_array_equal(model.bias.data, [0.0])


def test_nan_from_the_model_is_caught_before_any_update():
    class LogOfInput(gl.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = gl.nn.Parameter([[1.0]])

        def forward(self, x):
            return gl.log(x) @ self.w

    model = LogOfInput()
    with pytest.raises(gl.training.DivergenceError, match="epoch 1/3, batch 2/2") as caught:
        gl.fit(
            model, [[1.0], [2.0], [-1.0]], [0.0, 0.0, 0.0], epochs=3, batch_size=2,
            shuffle=False, lr=0.1, verbose=0,
        )  # fmt: skip
    assert "loss is nan" in str(caught.value)
    # Only the first batch's step happened: w - 0.1 * d/dw mean((w ln x)^2) over x in {1, 2}.
    expected = 1.0 - 0.1 * np.mean(2 * np.log([1.0, 2.0]) ** 2)
    np.testing.assert_allclose(model.w.data, [[expected]], rtol=1e-15, atol=1e-15)


def test_divergence_emits_no_numpy_warnings():
    X, y = regression_data()
    model = gl.nn.MLP(3, [4], 1, rng=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # overflow, invalid and divide warn by default
        with pytest.raises(gl.training.DivergenceError):
            gl.fit(model, X, y, lr=1e8, epochs=50, verbose=0)


def test_non_finite_initial_weights_are_refused():
    model = gl.nn.Linear.from_values([[np.nan]])
    with pytest.raises(ValueError, match="'weight' holds NaN or inf before training"):
        gl.fit(model, [[1.0]], [1.0], verbose=0)


def test_an_interrupt_mid_epoch_leaves_the_weights_of_the_last_complete_epoch():
    class InterruptInSecondEpoch(gl.training.Callback):
        def __init__(self):
            self.epoch_end_states = []

        def on_epoch_end(self, epoch, logs):
            self.epoch_end_states.append(self.model.state_dict())

        def on_batch_end(self, batch, logs):
            if len(self.epoch_end_states) == 1 and batch == 1:
                raise KeyboardInterrupt

    X, y = regression_data()
    model = gl.nn.MLP(3, [4], 1, rng=0)
    interrupt = InterruptInSecondEpoch()
    with pytest.raises(KeyboardInterrupt):
        gl.fit(model, X, y, lr=0.01, epochs=5, batch_size=4, callbacks=[interrupt], verbose=0)
    assert len(interrupt.epoch_end_states) == 1
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, interrupt.epoch_end_states[0][name])


def test_a_restore_puts_the_optimizer_state_back_to_the_epoch_start_too():
    # Momentum buffers updated by the diverging epoch would push the restored weights the
    # same way again if the optimizer were reused; they go back with the weights.
    class LearningRateBlowsUpInEpochTwo(gl.training.Callback):
        def on_epoch_begin(self, epoch, logs):
            if epoch == 1:
                self.weights = self.model.state_dict()
                self.optimizer_state = optimizer.state_dict()["state"]
                optimizer.param_groups[0]["lr"] = 1e308

    model = gl.nn.Linear.from_values([[0.5]], bias=[0.0])
    optimizer = gl.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    spy = LearningRateBlowsUpInEpochTwo()
    with pytest.raises(gl.training.DivergenceError, match="optimizer state") as caught:
        gl.fit(
            model, [[10.0], [10.0]], [0.0, 0.0], optimizer=optimizer, epochs=3, batch_size=1,
            shuffle=False, callbacks=[spy], verbose=0,
        )  # fmt: skip
    assert (caught.value.epoch, caught.value.batch) == (1, 1)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, spy.weights[name])
    state = optimizer.state_dict()["state"]
    assert state.keys() == spy.optimizer_state.keys() and state
    for index, saved in spy.optimizer_state.items():
        np.testing.assert_array_equal(state[index]["momentum_buffer"], saved["momentum_buffer"])
    assert optimizer.param_groups[0]["lr"] == 1e308
