"""Replayed training (`gradlab.compile_step` inside `gl.fit`) against the dynamic engine.

The oracle is the dynamic engine itself (``replay=False``): a replay recomputes the same
nodes with the same kernels, so every weight and every recorded loss must be bit for bit equal,
over random MLPs, every loss, every optimizer, float32 and float64, full batches and
mini-batches with a ragged last batch. The fallbacks are checked the same way: a step that
changes (shape, model, frozen parameter, batch callback) must train as the dynamic engine does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradlab as gl
from gradlab.engine import capture

OPTIMIZERS: dict[str, Callable[[Any], Any]] = {
    "sgd": lambda p: gl.optim.SGD(p, lr=0.1),
    "sgd_momentum": lambda p: gl.optim.SGD(p, lr=0.05, momentum=0.9, dampening=0.1),
    "sgd_nesterov_decay": lambda p: gl.optim.SGD(
        p, lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.01
    ),
    "adam": lambda p: gl.optim.Adam(p, lr=0.01, weight_decay=0.001),
    "adam_amsgrad": lambda p: gl.optim.Adam(p, lr=0.01, amsgrad=True),
    "adamw": lambda p: gl.optim.AdamW(p, lr=0.01),
    "rmsprop": lambda p: gl.optim.RMSprop(p, lr=0.01, momentum=0.5, centered=True),
    "adagrad": lambda p: gl.optim.Adagrad(p, lr=0.1, lr_decay=0.01),
}

# loss name -> (output activation, targets from (rng, n, n_out))
LOSSES: dict[str, tuple[str, Callable[[np.random.Generator, int, int], np.ndarray]]] = {
    "mse": ("identity", lambda r, n, k: r.normal(size=(n, k))),
    "sse": ("tanh", lambda r, n, k: r.uniform(-0.9, 0.9, size=(n, k))),
    "half_sse": ("sigmoid", lambda r, n, k: r.random((n, k))),
    "mae": ("identity", lambda r, n, k: r.normal(size=(n, k))),
    "huber": ("identity", lambda r, n, k: 3 * r.normal(size=(n, k))),
    "bce": ("sigmoid", lambda r, n, k: (r.random((n, k)) > 0.5).astype(float)),
    "bce_with_logits": ("identity", lambda r, n, k: (r.random((n, k)) > 0.5).astype(float)),
    "hinge": ("identity", lambda r, n, k: np.where(r.random((n, k)) > 0.5, 1.0, -1.0)),
    "cross_entropy": ("identity", lambda r, n, k: r.integers(0, k, size=n)),
}


@pytest.fixture
def replays(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the replayed steps (forward alone, or forward and backward), to prove the replay
    ran."""
    count = [0]
    for name in ("run", "run_with_backward", "rerun_with_backward"):
        original = getattr(capture._Program, name)

        def counted(self: Any, inputs: Any, original: Any = original) -> Any:
            count[0] += 1
            return original(self, inputs)

        monkeypatch.setattr(capture._Program, name, counted)
    return count


def _problem(seed: int, loss: str, dtype: Any) -> tuple[Any, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(1, 5))
    hidden = [int(h) for h in rng.integers(1, 6, size=int(rng.integers(1, 3)))]
    n_out = int(rng.integers(2, 4)) if loss == "cross_entropy" else int(rng.integers(1, 3))
    activation = ["sigmoid", "tanh", "relu", "softplus", "gelu", "leaky_relu"][seed % 6]
    output, targets = LOSSES[loss]
    model = gl.nn.MLP(
        n_in, hidden, n_out, activation=activation, output_activation=output, rng=seed,
        dtype=dtype, bias_init="uniform",
    )  # fmt: skip
    n = int(rng.integers(5, 12))
    X = rng.normal(size=(n, n_in)).astype(dtype)
    return model, X, targets(rng, n, n_out)


def _train(
    seed: int, loss: str, optimizer: str, dtype: Any, batch_size: int | None, replay: bool,
    callbacks: tuple[Any, ...] = (),
) -> tuple[list[np.ndarray], list[float]]:  # fmt: skip
    model, X, y = _problem(seed, loss, dtype)
    history = gl.fit(
        model, X, y, loss=loss, optimizer=OPTIMIZERS[optimizer](model.parameters()),
        epochs=4, batch_size=batch_size, rng=seed, verbose=0, replay=replay,
        callbacks=list(callbacks),
    )  # fmt: skip
    return [p.data.copy() for p in model.parameters()], history.history["loss"]


def _assert_same(a: Any, b: Any) -> None:
    (weights_a, losses_a), (weights_b, losses_b) = a, b
    assert losses_a == losses_b
    for wa, wb in zip(weights_a, weights_b, strict=True):
        assert wa.dtype == wb.dtype
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("loss", sorted(LOSSES))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_every_loss_replays_bit_for_bit(loss: str, dtype: Any, replays: list[int]) -> None:
    for seed, batch_size in ((1, None), (2, 3)):
        replayed = _train(seed, loss, "sgd_momentum", dtype, batch_size, True)
        _assert_same(replayed, _train(seed, loss, "sgd_momentum", dtype, batch_size, False))
    assert replays[0] > 0


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
@pytest.mark.parametrize("seed", [3, 4, 5])
def test_every_optimizer_replays_bit_for_bit(optimizer: str, seed: int, replays: list[int]) -> None:
    dtype = np.float32 if seed % 2 else np.float64
    # batch 4 of 5 to 11 samples: mini-batches with a ragged last one (or one of 4 exactly)
    replayed = _train(seed, "mse", optimizer, dtype, 4, True)
    _assert_same(replayed, _train(seed, "mse", optimizer, dtype, 4, False))
    assert replays[0] > 0


class _SwapActivation(gl.training.Callback):
    """After epoch 2: the hidden activation replaced, then the first bias frozen."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        model = self.model
        if epoch == 1:
            setattr(model, "1", gl.nn.Tanh())
        if epoch == 2:
            model[0].bias.requires_grad = False
            model[0].bias.grad = None


# SGD's planned update lets batches repeat the replay; full batches would repeat across epochs
@pytest.mark.parametrize(("optimizer", "batch_size"), [("adam", 3), ("sgd", 3), ("sgd", None)])
def test_a_model_changed_mid_training_trains_as_the_dynamic_engine(
    optimizer: str, batch_size: int | None, replays: list[int]
) -> None:
    swap = (_SwapActivation(),)
    replayed = _train(7, "mse", optimizer, np.float64, batch_size, True, swap)
    dynamic = _train(7, "mse", optimizer, np.float64, batch_size, False, swap)
    _assert_same(replayed, dynamic)
    unchanged = _train(7, "mse", optimizer, np.float64, batch_size, False)
    assert not np.array_equal(unchanged[0][1], dynamic[0][1])  # the change did act
    assert replays[0] > 0


def test_validation_each_epoch_keeps_the_capture(replays: list[int]) -> None:
    model, X, y = _problem(10, "mse", np.float64)
    gl.fit(model, X[:4], y[:4], validation_data=(X[4:], y[4:]), epochs=6, verbose=0)
    assert replays[0] == 5  # one capture, then every step replayed


class _KeepOutputs(gl.training.Callback):
    """A batch hook that could keep a batch's tensors: the run must stay dynamic."""

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        self.enabled = self.trainer.replay.enabled


def test_a_batch_callback_runs_the_dynamic_engine(replays: list[int]) -> None:
    keep = _KeepOutputs()
    replayed = _train(8, "mse", "sgd", np.float64, 2, True, (keep,))
    assert keep.enabled is False and replays[0] == 0
    _assert_same(replayed, _train(8, "mse", "sgd", np.float64, 2, False))


def test_a_users_module_runs_the_dynamic_engine(replays: list[int]) -> None:
    class Doubling(gl.nn.Module):
        def forward(self, x: Any) -> Any:
            return x * 2.0

    model = gl.nn.Sequential(gl.nn.Linear(2, 1, rng=0), Doubling())
    gl.fit(model, np.ones((3, 2)), np.zeros(3), epochs=2, verbose=0)
    assert replays[0] == 0


class _Interrupt(gl.training.Callback):
    def __init__(self, at: int | None) -> None:
        self.at = at

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if epoch == self.at:
            raise KeyboardInterrupt


def test_checkpoint_resume_with_replay_ends_where_the_dynamic_run_ends(tmp_path: Any) -> None:
    def run(at: int | None, replay: bool, path: Any) -> list[np.ndarray]:
        model, X, y = _problem(9, "mse", np.float64)
        gl.fit(
            model, X, y, optimizer="adam", lr=0.01, epochs=5, batch_size=3, rng=1,
            verbose=0, replay=replay, checkpoint=path, callbacks=[_Interrupt(at)],
        )  # fmt: skip
        return [p.data for p in model.parameters()]

    path = tmp_path / "run.ckpt"
    with pytest.raises(KeyboardInterrupt):
        run(2, True, path)
    resumed = run(None, True, path)
    straight = run(None, False, None)
    for a, b in zip(resumed, straight, strict=True):
        np.testing.assert_array_equal(a, b)


class _EveryEpoch(gl.training.Callback):
    """An epoch hook that changes nothing: its code runs between two epochs."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.seen = epoch


@pytest.fixture
def repeats(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the batches that repeated the previous batch's replay without its checks."""
    count = [0]
    original = capture._Program.rerun_with_backward

    def counted(self: Any, inputs: Any) -> Any:
        count[0] += 1
        return original(self, inputs)

    monkeypatch.setattr(capture._Program, "rerun_with_backward", counted)
    return count


@pytest.mark.parametrize(
    ("callbacks", "expected"),
    [
        ((), 16),  # 3 epochs of 6 batches: all but the capture and the first replay
        ((_EveryEpoch(),), 14),  # each epoch's first batch checks again after the hook
    ],
)
def test_batches_repeat_the_replay_until_other_code_runs(
    callbacks: tuple[Any, ...], expected: int, repeats: list[int]
) -> None:
    def run(replay: bool) -> tuple[list[np.ndarray], list[float]]:
        model, X, y = _problem(11, "half_sse", np.float64)
        history = gl.fit(
            model, X[:6], y[:6], loss="half_sse", optimizer="sgd", lr=0.5, epochs=3,
            batch_size=1, shuffle=False, verbose=0, replay=replay, callbacks=list(callbacks),
        )  # fmt: skip
        return [p.data.copy() for p in model.parameters()], history.history["loss"]

    _assert_same(run(True), run(False))
    assert repeats[0] == expected


@pytest.mark.parametrize(
    ("optimizer", "repeated"),
    [
        ("sgd_momentum", True),
        ("sgd_nesterov_decay", False),
        ("adam", False),
        ("adamw", True),
        ("adam_amsgrad", True),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_batches_repeat_only_a_planned_update(
    optimizer: str, repeated: bool, dtype: Any, repeats: list[int]
) -> None:
    # a coupled weight decay keeps the Python update, checked every batch
    replayed = _train(12, "mse", optimizer, dtype, 1, True)
    _assert_same(replayed, _train(12, "mse", optimizer, dtype, 1, False))
    assert (repeats[0] > 0) == repeated


class _Replacing(gl.optim.SGD):
    """A user's optimizer whose update replaces each parameter's array."""

    def _update(self, p: Any, grad: Any, state: Any, group: Any) -> None:
        p.data = p.data - group[0] * grad


def test_an_optimizer_replacing_the_arrays_is_followed(repeats: list[int]) -> None:
    results = []
    for replay in (True, False):
        model, X, y = _problem(13, "mse", np.float64)
        gl.fit(
            model, X, y, optimizer=_Replacing(model.parameters(), lr=0.1), epochs=3,
            batch_size=2, rng=1, verbose=0, replay=replay,
        )  # fmt: skip
        results.append([p.data.copy() for p in model.parameters()])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)
    assert repeats[0] == 0


@pytest.mark.parametrize("penalty", ["l1", "l2"])
@pytest.mark.parametrize("optimizer", ["sgd", "adamw"])
def test_a_penalised_run_repeats_bit_for_bit(
    penalty: str, optimizer: str, repeats: list[int]
) -> None:
    from gradlab.training.data import Batches
    from gradlab.training.penalty import PENALTIES

    def run(replay: bool) -> tuple[list[np.ndarray], list[float]]:
        model, X, y = _problem(14, "mse", np.float64)
        weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
        trainer = gl.training.Trainer(
            model, gl.losses.get("mse"), OPTIMIZERS[optimizer](model.parameters()),
            Batches(X, y, 2, False, None), epochs=3, replay=replay,
            penalty=PENALTIES[penalty](weights, alpha=0.3),
        )  # fmt: skip
        history = trainer.run()
        return [p.data.copy() for p in model.parameters()], history.history["loss"]

    _assert_same(run(True), run(False))
    assert repeats[0] > 0


class _HalvingSGD(gl.optim.SGD):
    """A user's optimizer whose own step halves the gradients in place first: it must run."""

    def step(self, closure: Any = None) -> Any:
        for group in self.param_groups:
            for p in group["params"]:
                p.grad *= 0.5
        return super().step(closure)


class _NowAndThenPenalty(gl.training.penalty.L2Penalty):
    """A user's penalty that adds in place, but every third time into a new array."""

    calls = 0

    def add_gradient(self, total: float) -> None:
        self.calls += 1
        for p in self.parameters:
            if self.calls % 3:
                p.grad += self.alpha / total * p.data
            else:
                p.grad = p.grad + self.alpha / total * p.data


class _NowAndThenReporter:
    """A user's progress display that gives a weight a new array after every third batch."""

    per_batch = True

    def __init__(self, model: Any) -> None:
        self.model, self.calls = model, 0

    def epoch_begin(self, epoch: int) -> None:
        pass

    def batch_end(self, batch: int, loss: float) -> None:
        self.calls += 1
        if self.calls % 3 == 0:
            weight = self.model[0].weight
            weight.data = weight.data * 1.0

    def epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        pass

    def close(self) -> None:
        pass


@pytest.mark.parametrize("part", ["optimizer", "penalty", "reporter"])
def test_user_code_between_batches_is_never_skipped(part: str, repeats: list[int]) -> None:
    from gradlab.training.data import Batches

    def run(replay: bool) -> tuple[list[np.ndarray], list[float]]:
        model, X, y = _problem(15, "mse", np.float64)
        weights = [model[0].weight]
        trainer = gl.training.Trainer(
            model, gl.losses.get("mse"),
            (_HalvingSGD if part == "optimizer" else gl.optim.SGD)(model.parameters(), lr=0.1),
            Batches(X, y, 2, False, None), epochs=3, replay=replay,
            penalty=_NowAndThenPenalty(weights, alpha=0.3) if part == "penalty" else None,
            reporter=_NowAndThenReporter(model) if part == "reporter" else None,  # type: ignore[arg-type]
        )  # fmt: skip
        history = trainer.run()
        return [p.data.copy() for p in model.parameters()], history.history["loss"]

    _assert_same(run(True), run(False))
    assert repeats[0] == 0


def test_a_second_run_of_a_trainer_checks_its_first_batch(repeats: list[int]) -> None:
    from gradlab.training.data import Batches

    def run(replay: bool) -> list[np.ndarray]:
        model, X, y = _problem(16, "mse", np.float64)
        trainer = gl.training.Trainer(
            model, gl.losses.get("mse"), gl.optim.SGD(model.parameters(), lr=0.1),
            Batches(X, y, len(X), False, None), epochs=3, replay=replay,
        )  # fmt: skip
        trainer.run()
        model[0].weight.data = model[0].weight.data * 0.5  # between the runs: a new array
        trainer.run()
        return [p.data.copy() for p in model.parameters()]

    for a, b in zip(run(True), run(False), strict=True):
        np.testing.assert_array_equal(a, b)
    assert repeats[0] > 0
