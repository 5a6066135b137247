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
            verbose=0, divergence_factor=None,  # the non-finite rule alone
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


# ------------------------------------------------------------------- a loss that blows up
def _numpy_gradient_descent(X, y, w, b, lr, epochs):
    """Full-batch GD on mean squared error, written by hand: the losses and weights per epoch."""
    losses, weights = [], []
    for _ in range(epochs):
        weights.append((w.copy(), b.copy()))
        r = X @ w + b - y
        losses.append(float(np.mean(r**2)))
        w = w - lr * 2 * X.T @ r / len(X)
        b = b - lr * 2 * r.mean(axis=0)
    return losses, weights


def test_a_loss_a_million_times_its_best_stops_training_before_it_overflows():
    X, y = regression_data()
    y = y.reshape(-1, 1)
    w0, b0 = np.full((3, 1), 0.1), np.zeros(1)
    # Just past the stable step 2/λmax: the loss grows by a constant factor per epoch, finitely.
    lam = np.linalg.eigvalsh(2 * np.c_[X, np.ones(len(X))].T @ np.c_[X, np.ones(len(X))] / 12)
    lr = 2.6 / lam.max()
    losses, weights = _numpy_gradient_descent(X, y, w0, b0, lr, 200)
    best = np.minimum.accumulate(losses)
    expected = next(e for e in range(1, 200) if losses[e] > 1e6 * best[e - 1])
    assert np.isfinite(losses).all()  # the old rule, non-finite only, would not have stopped
    model = gl.nn.Linear.from_values(w0, bias=b0)
    with pytest.raises(gl.training.DivergenceError) as caught:
        gl.fit(model, X, y, lr=lr, epochs=200, verbose=0)
    error = caught.value
    assert isinstance(error, ValueError)
    assert (error.epoch, error.batch) == (expected, 0)
    assert f"epoch {expected + 1}/200" in str(error) and "times its best" in str(error)
    # The weights of the epoch's start: those before the update that produced the blow-up.
    np.testing.assert_allclose(model.weight.data, weights[expected][0], rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(model.bias.data, weights[expected][1], rtol=1e-10, atol=1e-10)
    assert error.history.history["loss"] == pytest.approx(losses[:expected], rel=1e-10)


def test_the_growth_rule_floors_the_best_loss_at_rounding_and_ignores_non_positive_losses():
    from gradlab.training.divergence import GrowthRule

    eps = np.finfo(np.float64).eps
    rule = GrowthRule(np.float64)
    # A fit that reached zero up to rounding and wobbles there is not diverging ...
    assert [rule.blew_up(v) for v in (1.0, 1e-30, 1e6 * eps * 0.9)] == [False] * 3
    # ... but a million times the floor is.
    assert rule.blew_up(1e6 * eps * 1.1)
    float32 = GrowthRule(np.float32)
    assert [float32.blew_up(v) for v in (2.0, 1e-20, 1e6 * 2 * np.finfo(np.float32).eps * 0.9)] == [
        False
    ] * 3
    negative = GrowthRule(np.float64)
    assert [negative.blew_up(v) for v in (-1.0, -1e-9, 1e12)] == [False] * 3


def test_estimators_raise_divergence_error_where_scikit_learn_raises_value_error():
    from sklearn.neural_network import MLPRegressor as SkMLPRegressor

    from gradlab.sklearn import MLPRegressor, Perceptron

    X, y = regression_data()
    settings = dict(hidden_layer_sizes=(4,), solver="sgd", learning_rate_init=1e8, max_iter=20)
    with warnings.catch_warnings(), pytest.raises(ValueError, match="non-finite"):
        warnings.simplefilter("ignore")
        SkMLPRegressor(**settings, random_state=0).fit(X, y)
    with pytest.raises(gl.training.DivergenceError, match=r"epoch \d+, batch \d+"):
        MLPRegressor(**settings, random_state=0).fit(X, y)
    # In this order: sample 1 is misclassified (z = 0), so w = x1; at sample 2, z = x2·w is
    # 1e308·(-1e308) + 1e308·1e308, not a number, and w += x2 overflows to inf.
    huge = np.array([[1e308, -1e308], [-1e308, 1e308], [1e308, 1e308]])
    labels = [0, 1, 1]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # one error, no stream of NumPy overflow warnings
        with pytest.raises(gl.training.DivergenceError, match="epoch 1, batch 3") as caught:
            Perceptron(max_iter=5, shuffle=False).fit(huge, labels)
    assert isinstance(caught.value, ValueError) and caught.value.epoch == 0


@pytest.mark.parametrize("optimizer", ["adam", "rmsprop", "adagrad"])
def test_adaptive_optimizers_at_a_huge_rate_are_stopped_against_the_initial_loss(optimizer):
    # Their steps are bounded by lr, so the loss never overflows: it sits at ~1e12 from the
    # first epoch on, which only a comparison with the loss before any update can see.
    X, y = regression_data()
    model = gl.nn.MLP(3, [4], 1, activation="tanh", rng=0)
    w = {name: p.data.copy() for name, p in model.named_parameters()}
    w1, b1, w2, b2 = w["0.weight"], w["0.bias"], w["2.weight"], w["2.bias"]
    initial = float(np.mean((np.tanh(X @ w1 + b1) @ w2 + b2 - y.reshape(-1, 1)) ** 2))
    with pytest.raises(gl.training.DivergenceError) as caught:
        gl.fit(model, X, y, optimizer=optimizer, lr=1e6, epochs=50, verbose=0)
    error = caught.value
    assert (error.epoch, error.batch) == (1, 0)  # the first update's effect shows in epoch 2
    assert f"times its best, {initial:.6g}" in str(error)
    assert all(np.isfinite(p.data).all() for p in model.parameters())
