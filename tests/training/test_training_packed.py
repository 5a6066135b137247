"""Packed parameters (`gradlab.nn.pack_parameters`) in training: an MLP's parameters are views
of one buffer, their replayed gradients views of another, and plain SGD and Adam update them
in one call per buffer. The oracle is the same training of the same packed model with the
merge turned off (every update per parameter, on the very same arrays, so that no matrix
product sees other memory): the weights must agree bit for bit, whatever breaks the packing
on the way. Packed against unpacked arrays, the values agree to rounding (a BLAS kernel may
sum in another order at another alignment)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gradlab as gl

RNG = np.random.default_rng(11)
X = RNG.normal(size=(24, 3))
Y = RNG.integers(0, 2, size=24)


def _model(dtype: Any) -> gl.nn.MLP:
    return gl.nn.MLP(3, [5, 4], 2, activation="tanh", rng=3, dtype=dtype)


def _unpacked(model: gl.nn.MLP) -> gl.nn.MLP:
    for p in model.parameters():
        p.data = p.data.copy()
    return model


@pytest.fixture
def unmerged(monkeypatch: pytest.MonkeyPatch) -> Any:
    """``unmerged(train)`` runs ``train()`` with plans never merged over buffers."""
    from gradlab.optim import optimizer

    def run(train: Any) -> Any:
        with monkeypatch.context() as m:
            m.setattr(optimizer, "merge", lambda per_parameter: None)
            return train()

    return run


def _train(model: gl.nn.MLP, optimizer: str, batch_size: int, **kwargs: Any) -> gl.optim.Optimizer:
    opt = {
        "sgd": lambda ps: gl.optim.SGD(ps, lr=0.1),
        "momentum": lambda ps: gl.optim.SGD(ps, lr=0.1, momentum=0.9),
        "adam": lambda ps: gl.optim.Adam(ps, lr=0.01),
    }[optimizer](model.parameters())
    gl.fit(
        model, X.astype(model.dtype), Y, loss="cross_entropy", optimizer=opt, epochs=6,
        batch_size=batch_size, shuffle=False, verbose=0, **kwargs,
    )  # fmt: skip
    return opt


def _same(a: gl.nn.MLP, b: gl.nn.MLP) -> None:
    for (name, p), q in zip(a.named_parameters(), b.parameters(), strict=True):
        assert p.data.dtype == q.data.dtype
        assert p.data.tobytes() == q.data.tobytes(), name


def test_an_mlp_is_built_packed() -> None:
    model = _model(np.float64)
    bases = {p.data.base.ctypes.data for p in model.parameters()}
    assert len(bases) == 1
    assert all(p.data.base is not None for p in model.parameters())


@pytest.mark.parametrize("optimizer", ["sgd", "momentum", "adam"])
@pytest.mark.parametrize("batch_size", [1, 7, 24])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_merged_updates_are_the_per_parameter_updates_bit_for_bit(
    optimizer: str, batch_size: int, dtype: Any, unmerged: Any
) -> None:
    packed, oracle, unpacked = _model(dtype), _model(dtype), _unpacked(_model(dtype))
    opt = _train(packed, optimizer, batch_size)
    unmerged(lambda: _train(oracle, optimizer, batch_size))
    _same(packed, oracle)
    _train(unpacked, optimizer, batch_size)
    tol = 1e-12 if dtype == np.float64 else 1e-5
    for p, q in zip(packed.parameters(), unpacked.parameters(), strict=True):
        np.testing.assert_allclose(p.data, q.data, rtol=tol, atol=tol)
    if optimizer == "sgd" and len(X) % batch_size == 0:  # one multiply and one add for all
        assert opt._plan is not None and len(opt._plan.kernels) == 2


class _Replace(gl.training.Callback):
    """Gives one parameter a new array (same values) after every other epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if epoch % 2 == 0:
            p = self.trainer.model[2].weight
            p.data = p.data.copy()


def test_a_parameter_leaving_the_buffer_mid_training_changes_nothing(unmerged: Any) -> None:
    packed, oracle = _model(np.float64), _model(np.float64)
    _train(packed, "sgd", 8, callbacks=[_Replace()])
    unmerged(lambda: _train(oracle, "sgd", 8, callbacks=[_Replace()]))
    _same(packed, oracle)
    assert packed[2].weight.data.base is None  # it did leave


def test_a_frozen_parameter_is_left_out_and_the_rest_train_alike(unmerged: Any) -> None:
    packed, oracle = _model(np.float64), _model(np.float64)
    for model in (packed, oracle):
        model[0].bias.requires_grad = False
    _train(packed, "sgd", 24)
    unmerged(lambda: _train(oracle, "sgd", 24))
    _same(packed, oracle)
    np.testing.assert_array_equal(packed[0].bias.data, _model(np.float64)[0].bias.data)


def test_astype_and_loading_keep_the_model_packed(tmp_path: Any) -> None:
    model = _model(np.float64)
    model.astype(np.float32)
    assert len({p.data.base.ctypes.data for p in model.parameters()}) == 1
    path = tmp_path / "model.safetensors"
    gl.save(model, path)
    loaded = gl.load(path)
    _same(loaded, model)
    assert len({p.data.base.ctypes.data for p in loaded.parameters()}) == 1


def test_a_plan_is_taken_up_again_after_each_smaller_last_batch(monkeypatch: Any) -> None:
    """Full batches, then a smaller last one (its own replay and, from the second epoch on,
    its own plan): each epoch takes both plans up again instead of building them anew."""
    from gradlab.optim import optimizer

    built = []
    original = optimizer.UpdatePlan.__init__

    def counted(self: Any, *args: Any, **kwargs: Any) -> None:
        built.append(1)
        original(self, *args, **kwargs)

    monkeypatch.setattr(optimizer.UpdatePlan, "__init__", counted)
    packed, oracle = _model(np.float64), _model(np.float64)
    _train(packed, "adam", 7)  # batches of 7, 7, 7 and 3, six epochs
    assert len(built) == 2
    monkeypatch.setattr(optimizer.UpdatePlan, "__init__", original)
    monkeypatch.setattr(optimizer, "merge", lambda per_parameter: None)
    _train(oracle, "adam", 7)
    _same(packed, oracle)
