"""Callbacks: the order of the hooks, the logs they get, the stop flag, ModelCheckpoint."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_oracles import TorchMLP

import gradlab as gl

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0], [0.5, 0.5]])
Y = np.array([1.0, 1.0, 0.0, 0.0, 1.0])


class Recorder(gl.training.Callback):
    def __init__(self, tag: str = "") -> None:
        self.tag = tag
        self.calls: list[tuple] = []

    def on_train_begin(self, logs):
        self.calls.append((self.tag + "train_begin",))

    def on_train_end(self, logs):
        self.calls.append((self.tag + "train_end", sorted(logs)))

    def on_epoch_begin(self, epoch, logs):
        self.calls.append((self.tag + "epoch_begin", epoch))

    def on_epoch_end(self, epoch, logs):
        self.calls.append((self.tag + "epoch_end", epoch, sorted(logs)))

    def on_batch_begin(self, batch, logs):
        self.calls.append((self.tag + "batch_begin", batch, logs["size"]))

    def on_batch_end(self, batch, logs):
        self.calls.append((self.tag + "batch_end", batch, logs["size"]))


def test_hooks_are_called_in_keras_order():
    recorder = Recorder()
    model = gl.nn.MLP(2, [3], 1, rng=0)
    gl.fit(
        model, X, Y, epochs=2, batch_size=2, shuffle=False, validation_split=0.2,
        callbacks=[recorder], verbose=0,
    )  # fmt: skip
    logs = ["loss", "val_loss"]
    epoch = [
        ("batch_begin", 0, 2),
        ("batch_end", 0, 2),
        ("batch_begin", 1, 2),
        ("batch_end", 1, 2),
    ]
    assert recorder.calls == [
        ("train_begin",),
        ("epoch_begin", 0),
        *epoch,
        ("epoch_end", 0, logs),
        ("epoch_begin", 1),
        *epoch,
        ("epoch_end", 1, logs),
        ("train_end", logs),
    ]


def test_callbacks_are_called_in_the_order_given():
    first, second = Recorder("a:"), Recorder("b:")
    calls: list[tuple] = []
    first.calls = second.calls = calls
    gl.fit(gl.nn.MLP(2, [2], 1, rng=0), X, Y, epochs=1, callbacks=[first, second], verbose=0)
    assert [c[0] for c in calls] == [
        "a:train_begin", "b:train_begin", "a:epoch_begin", "b:epoch_begin",
        "a:batch_begin", "b:batch_begin", "a:batch_end", "b:batch_end",
        "a:epoch_end", "b:epoch_end", "a:train_end", "b:train_end",
    ]  # fmt: skip


def test_batch_logs_hold_each_batch_loss_as_torch_computes_it():
    class BatchLosses(gl.training.Callback):
        def __init__(self):
            self.losses = []

        def on_batch_end(self, batch, logs):
            self.losses.append(logs["loss"])

    model = gl.nn.MLP(2, [3], 1, activation="tanh", rng=1)
    net = TorchMLP(model.state_dict(), ["tanh", "identity"])
    recorder = BatchLosses()
    gl.fit(
        model, X, Y, lr=0.3, epochs=2, batch_size=2, shuffle=False, callbacks=[recorder],
        verbose=0,
    )  # fmt: skip
    optimizer = torch.optim.SGD(net.parameters(), lr=0.3)
    x, y = torch.tensor(X), torch.tensor(Y).reshape(-1, 1)
    expected = []
    for _ in range(2):
        for start in (0, 2, 4):
            loss = ((net(x[start : start + 2]) - y[start : start + 2]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            expected.append(loss.item())
    np.testing.assert_allclose(recorder.losses, expected, rtol=1e-12, atol=1e-14)


def test_a_callback_can_stop_training_after_a_batch():
    class StopAtBatch(gl.training.Callback):
        def on_batch_end(self, batch, logs):
            if batch == 1:
                self.trainer.stop_training = True

    recorder = Recorder()
    history = gl.fit(
        gl.nn.MLP(2, [2], 1, rng=0), X, Y, epochs=5, batch_size=2,
        callbacks=[StopAtBatch(), recorder], verbose=0,
    )  # fmt: skip
    assert history.stop_reason == "callback"
    assert history.epoch == [0]
    assert [c[:2] for c in recorder.calls if c[0] == "batch_end"] == [
        ("batch_end", 0),
        ("batch_end", 1),
    ]


def test_trainer_exposes_model_optimizer_and_log_names():
    seen = {}

    class Look(gl.training.Callback):
        def on_train_begin(self, logs):
            seen["model"] = self.model
            seen["optimizer"] = self.trainer.optimizer
            seen["names"] = list(self.trainer.log_names)

    model = gl.nn.MLP(2, [2], 1, rng=0)
    gl.fit(
        model, X, Y, optimizer="adam", epochs=1, metrics=["mse"], validation_split=0.4,
        callbacks=[Look()], verbose=0,
    )  # fmt: skip
    assert seen["model"] is model
    assert isinstance(seen["optimizer"], gl.optim.Adam)
    assert seen["names"] == ["loss", "mse", "val_loss", "val_mse"]


def test_model_checkpoint_writes_a_loadable_file_per_epoch(tmp_path):
    class Weights(gl.training.Callback):
        def __init__(self):
            self.states = []

        def on_epoch_end(self, epoch, logs):
            self.states.append(self.model.state_dict())

    weights = Weights()
    model = gl.nn.MLP(2, [3], 1, rng=0)
    checkpoint = gl.training.ModelCheckpoint(tmp_path / "model-{epoch:02d}.safetensors")
    history = gl.fit(
        model, X, Y, lr=0.5, epochs=3, validation_split=0.2, callbacks=[weights, checkpoint],
        verbose=0,
    )  # fmt: skip
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "model-01.safetensors",
        "model-02.safetensors",
        "model-03.safetensors",
    ]
    for epoch in range(3):
        loaded, metadata = gl.io.load_with_metadata(tmp_path / f"model-{epoch + 1:02d}.safetensors")
        assert metadata["epoch"] == epoch + 1
        assert metadata["val_loss"] == pytest.approx(history.history["val_loss"][epoch])
        for name, value in loaded.state_dict().items():
            np.testing.assert_array_equal(value, weights.states[epoch][name])
        np.testing.assert_array_equal(
            gl.predict(loaded, X), gl.predict(_with_state(weights.states[epoch]), X)
        )


def _with_state(state):
    model = gl.nn.MLP(2, [3], 1)
    model.load_state_dict(state)
    return model


def test_model_checkpoint_save_best_only_writes_on_improvement(tmp_path):
    rng = np.random.default_rng(0)
    X_val = rng.normal(size=(6, 2))
    y_val = rng.normal(size=6)
    checkpoint = gl.training.ModelCheckpoint(
        tmp_path / "e{epoch}.safetensors", monitor="val_loss", save_best_only=True
    )
    history = gl.fit(
        gl.nn.MLP(2, [3], 1, rng=0), X, Y, lr=2.0, epochs=12, validation_data=(X_val, y_val),
        callbacks=[checkpoint], verbose=0,
        divergence_factor=None,  # lr=2 runs away on purpose, so that val_loss gets worse
    )  # fmt: skip
    val = history.history["val_loss"]
    # Oracle: the recorded curve's new minima.
    improved = [e for e in range(len(val)) if val[e] < min(val[:e], default=np.inf)]
    assert [str(tmp_path / f"e{e + 1}.safetensors") for e in improved] == checkpoint.saved
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        f"e{e + 1}.safetensors" for e in improved
    )
    assert 1 <= len(improved) < 12
    assert checkpoint.best == min(val)


def test_model_checkpoint_checks_its_folder_and_monitor_before_training(tmp_path):
    model = gl.nn.MLP(2, [2], 1, rng=0)
    before = model.state_dict()
    missing = gl.training.ModelCheckpoint(tmp_path / "nowhere" / "m.safetensors")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        gl.fit(model, X, Y, epochs=2, callbacks=[missing], verbose=0)
    no_val = gl.training.ModelCheckpoint(tmp_path / "m.safetensors", save_best_only=True)
    with pytest.raises(ValueError, match=r"val_loss.*validation_data or validation_split"):
        gl.fit(model, X, Y, epochs=2, callbacks=[no_val], verbose=0)
    bad_field = gl.training.ModelCheckpoint(tmp_path / "m-{accuracy}.safetensors")
    with pytest.raises(ValueError, match="cannot be filled in"):
        gl.fit(model, X, Y, epochs=2, callbacks=[bad_field], verbose=0)
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name])
    assert list(tmp_path.iterdir()) == []


def test_early_stopping_rejects_a_monitor_the_run_does_not_record():
    with pytest.raises(ValueError, match="EarlyStopping monitors 'val_loss'"):
        gl.fit(
            gl.nn.MLP(2, [2], 1, rng=0), X, Y, epochs=2,
            callbacks=[gl.training.EarlyStopping()], verbose=0,
        )  # fmt: skip
    with pytest.raises(ValueError, match="patience"):
        gl.training.EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="mode"):
        gl.training.EarlyStopping(mode="lowest")


def test_callbacks_must_be_callback_objects():
    with pytest.raises(TypeError, match="Callback instances"):
        gl.fit(gl.nn.MLP(2, [2], 1, rng=0), X, Y, callbacks=[print], verbose=0)


def test_history_is_ready_to_plot(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    history = gl.fit(gl.nn.MLP(2, [2], 1, rng=0), X, Y, epochs=4, validation_split=0.2, verbose=0)
    ax = history.plot()
    assert [line.get_label() for line in ax.get_lines()] == ["loss", "val_loss"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3, 4])
    np.testing.assert_array_equal(ax.get_lines()[1].get_ydata(), history["val_loss"])
    assert len(history) == 4


def test_model_checkpoint_saves_an_epoch_whose_val_loss_is_infinite(tmp_path):
    # A finite training loss and an overflowing validation loss: (1e200)^2 is inf in float64.
    model = gl.nn.Linear.from_values([[1.0], [1.0]], bias=[0.0])
    X_val, y_val = np.array([[1e200, 0.0]]), np.array([0.0])
    assert float("inf") == 1e200 * 1e200
    checkpoint = gl.training.ModelCheckpoint(tmp_path / "last.safetensors")
    with np.errstate(over="ignore"):
        history = gl.fit(
            model, X, Y, lr=0.0, epochs=1, validation_data=(X_val, y_val),
            callbacks=[checkpoint], verbose=0,
        )  # fmt: skip
    _, metadata = gl.io.load_with_metadata(tmp_path / "last.safetensors")
    assert metadata["epoch"] == 1
    assert metadata["loss"] == pytest.approx(history.history["loss"][0])
    assert metadata["val_loss"] == "inf"
