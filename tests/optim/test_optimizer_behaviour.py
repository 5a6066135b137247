"""Optimizer mechanics: checkpoints, skipped and untouched gradients, validation, `get`."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gradlab as gl

OPTIMIZERS: list[tuple[type[gl.optim.Optimizer], dict[str, Any]]] = [
    (gl.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (gl.optim.Adam, {"lr": 0.01, "amsgrad": True, "weight_decay": 0.01}),
    (gl.optim.AdamW, {"lr": 0.01}),
    (gl.optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
    (gl.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01, "initial_accumulator_value": 0.1}),
]
IDS = [cls.__name__ for cls, _ in OPTIMIZERS]


def _params(seed: int = 0) -> list[gl.nn.Parameter]:
    rng = np.random.default_rng(seed)
    return [gl.nn.Parameter(rng.normal(size=(3, 2))), gl.nn.Parameter(rng.normal(size=(2,)))]


def _set_grads(params: list[gl.nn.Parameter], k: int) -> None:
    for i, p in enumerate(params):
        shift = np.random.default_rng(100 * k + i).normal(size=p.shape)
        p.grad = 2 * p.data + shift


def _run(opt: gl.optim.Optimizer, params: list[gl.nn.Parameter], steps: range) -> None:
    for k in steps:
        _set_grads(params, k)
        opt.step()


@pytest.mark.parametrize(("cls", "kwargs"), OPTIMIZERS, ids=IDS)
def test_state_dict_round_trip_continues_like_an_uninterrupted_run(cls, kwargs):
    reference = _params()
    _run(cls(reference, **kwargs), reference, range(8))

    params = _params()
    first = cls(params, **kwargs)
    _run(first, params, range(4))
    saved = first.state_dict()
    fresh = cls(params, lr=123.0)  # hyper-parameters come from the saved state
    fresh.load_state_dict(saved)
    assert fresh.param_groups[0]["lr"] == kwargs["lr"]
    _run(fresh, params, range(4, 8))
    for p, r in zip(params, reference, strict=True):
        np.testing.assert_array_equal(p.data, r.data)


@pytest.mark.parametrize(("cls", "kwargs"), OPTIMIZERS, ids=IDS)
def test_state_dict_is_a_plain_copy(cls, kwargs):
    params = _params()
    opt = cls(params, **kwargs)
    _run(opt, params, range(2))
    saved = opt.state_dict()
    assert set(saved) == {"state", "param_groups"}
    assert saved["param_groups"][0]["params"] == [0, 1]
    frozen = {i: {k: np.copy(v) for k, v in s.items()} for i, s in saved["state"].items()}
    _run(opt, params, range(2, 4))
    for i, entries in saved["state"].items():
        for key, value in entries.items():
            assert not isinstance(value, gl.Tensor)
            np.testing.assert_array_equal(value, frozen[i][key])
    saved["param_groups"][0]["lr"] = 99.0
    assert opt.param_groups[0]["lr"] == kwargs["lr"]


def test_load_state_dict_rejects_a_different_layout():
    opt = gl.optim.Adam(_params(), lr=0.01)
    _run(opt, opt.param_groups[0]["params"], range(1))
    saved = opt.state_dict()
    with pytest.raises(ValueError, match="has 2 parameters but this Adam's has 1"):
        gl.optim.Adam([gl.nn.Parameter(np.zeros(2))]).load_state_dict(saved)
    with pytest.raises(ValueError, match="has shape"):
        gl.optim.Adam([gl.nn.Parameter(np.zeros(3)), gl.nn.Parameter(np.zeros(2))]).load_state_dict(
            saved
        )
    with pytest.raises(ValueError, match="'state' and 'param_groups'"):
        opt.load_state_dict({"state": {}})


@pytest.mark.parametrize(("cls", "kwargs"), OPTIMIZERS, ids=IDS)
def test_gradients_are_never_modified_and_none_is_skipped(cls, kwargs):
    params = _params()
    frozen = gl.nn.Parameter(np.ones(4))
    opt = cls([*params, frozen], **kwargs)
    for k in range(3):
        _set_grads(params, k)
        grads = [p.grad for p in params]
        copies = [np.copy(g) for g in grads]
        opt.step()
        for p, g, c in zip(params, grads, copies, strict=True):
            assert p.grad is g
            np.testing.assert_array_equal(g, c)
    np.testing.assert_array_equal(frozen.data, np.ones(4))
    assert frozen not in opt.state


@pytest.mark.parametrize(("cls", "kwargs"), OPTIMIZERS, ids=IDS)
def test_parameters_are_updated_in_place(cls, kwargs):
    params = _params()
    arrays = [p.data for p in params]
    before = [a.copy() for a in arrays]
    opt = cls(params, **kwargs)
    _run(opt, params, range(2))
    for p, a, b in zip(params, arrays, before, strict=True):
        assert p.data is a
        assert not np.array_equal(a, b)


def test_zero_grad_and_closure():
    w = gl.nn.Parameter([1.0, 2.0])
    opt = gl.optim.SGD([w], lr=0.5)

    def closure():
        opt.zero_grad()
        loss = (w * w).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 5.0
    np.testing.assert_array_equal(w.data, [0.0, 0.0])  # w - 0.5 * 2w
    opt.zero_grad(set_to_none=False)
    np.testing.assert_array_equal(w.grad, [0.0, 0.0])
    opt.zero_grad()
    assert w.grad is None


def test_add_param_group_and_repr():
    a, b = gl.nn.Parameter([1.0]), gl.nn.Parameter([2.0])
    opt = gl.optim.SGD([a], lr=0.1, momentum=0.9)
    opt.add_param_group({"params": b, "lr": 0.01})
    assert opt.param_groups[1]["lr"] == 0.01 and opt.param_groups[1]["momentum"] == 0.9
    assert "Parameter Group 1" in repr(opt) and "lr: 0.01" in repr(opt)
    with pytest.raises(ValueError, match="appears more than once"):
        opt.add_param_group({"params": [a]})


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda p: gl.optim.SGD(p, lr=-0.1), ValueError, "lr must be >= 0"),
        (lambda p: gl.optim.SGD(p, lr=float("nan")), ValueError, "lr must be finite"),
        (lambda p: gl.optim.SGD(p, lr="fast"), TypeError, "lr must be a number"),
        (lambda p: gl.optim.SGD(p, momentum=-0.5), ValueError, "momentum must be >= 0"),
        (lambda p: gl.optim.SGD(p, nesterov=True), ValueError, "Nesterov momentum needs"),
        (
            lambda p: gl.optim.SGD(p, momentum=0.9, dampening=0.1, nesterov=True),
            ValueError,
            "dampening = 0",
        ),
        (lambda p: gl.optim.Adam(p, betas=(1.0, 0.9)), ValueError, r"betas\[0\] must lie in"),
        (lambda p: gl.optim.Adam(p, betas=(0.9, -0.1)), ValueError, r"betas\[1\] must lie in"),
        (lambda p: gl.optim.Adam(p, betas=0.9), ValueError, "must be a pair"),
        (lambda p: gl.optim.Adam(p, eps=-1e-8), ValueError, "eps must be >= 0"),
        (lambda p: gl.optim.AdamW(p, weight_decay=-1), ValueError, "weight_decay must be >= 0"),
        (lambda p: gl.optim.Adam(p, amsgrad="yes"), TypeError, "amsgrad must be True or False"),
        (lambda p: gl.optim.RMSprop(p, alpha=-0.1), ValueError, "alpha must be >= 0"),
        (lambda p: gl.optim.Adagrad(p, lr_decay=-1), ValueError, "lr_decay must be >= 0"),
        (
            lambda p: gl.optim.Adagrad(p, initial_accumulator_value=-1),
            ValueError,
            "initial_accumulator_value must be >= 0",
        ),
        (lambda p: gl.optim.SGD([{"params": p, "lr": -1}]), ValueError, "lr must be >= 0"),
    ],
)
def test_invalid_hyper_parameters_are_named(make, error, message):
    with pytest.raises(error, match=message):
        make(_params())


def test_bad_parameter_lists_are_named():
    with pytest.raises(ValueError, match="empty parameter list"):
        gl.optim.Adam([])
    with pytest.raises(ValueError, match="empty parameter list"):
        gl.optim.SGD(iter(()))
    with pytest.raises(TypeError, match=r"wrap it in a list"):
        gl.optim.SGD(gl.nn.Parameter([1.0]))
    with pytest.raises(TypeError, match=r"pass model.parameters\(\)"):
        gl.optim.SGD(gl.nn.Module())
    with pytest.raises(TypeError, match="gradlab Tensors"):
        gl.optim.SGD([np.zeros(3)])
    with pytest.raises(TypeError, match="not a set"):
        gl.optim.SGD([{"params": {gl.nn.Parameter([1.0])}}])
    p = gl.nn.Parameter([1.0])
    with pytest.raises(ValueError, match="appears more than once"):
        gl.optim.SGD([p, p])


def test_a_gradient_of_the_wrong_shape_is_named():
    p = gl.nn.Parameter(np.zeros(3))
    p.grad = np.zeros(2)
    with pytest.raises(ValueError, match="gradient of shape"):
        gl.optim.SGD([p]).step()


def test_a_parameter_given_a_new_array_of_another_shape_or_dtype_is_updated_as_plain_sgd():
    # The oracle: theta - lr * g, written out; the optimizer's work array must follow the
    # parameter's new array (another shape, then float32) rather than keep the old one's.
    p = gl.nn.Parameter(np.ones(3))
    opt = gl.optim.SGD([p], lr=0.5)
    p.grad = np.full(3, 2.0)
    opt.step()
    for data in (np.ones((2, 2)), np.ones((2, 2), np.float32)):
        p.data = data.copy()
        p.grad = np.arange(4, dtype=data.dtype).reshape(2, 2)
        opt.step()
        np.testing.assert_array_equal(p.data, data - 0.5 * p.grad)
        assert p.data.dtype == data.dtype


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("sgd", gl.optim.SGD),
        ("gd", gl.optim.SGD),
        ("adam", gl.optim.Adam),
        ("adamw", gl.optim.AdamW),
        ("rmsprop", gl.optim.RMSprop),
        ("adagrad", gl.optim.Adagrad),
        ("Adam", gl.optim.Adam),
    ],
)
def test_get_by_name(name, cls):
    opt = gl.optim.get(name, _params(), lr=0.3)
    assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.3


def test_get_drops_none_and_keeps_defaults():
    assert gl.optim.get("adamw", _params(), lr=None).param_groups[0]["lr"] == 1e-3
    assert gl.optim.get("sgd", _params()).param_groups[0]["lr"] == 0.01
    assert gl.optim.GD is gl.optim.SGD


def test_get_with_instances_classes_and_bad_names():
    opt = gl.optim.RMSprop(_params())
    assert gl.optim.get(opt) is opt
    assert gl.optim.get(opt, _params(), lr=None) is opt
    assert isinstance(gl.optim.get(gl.optim.Adagrad, _params()), gl.optim.Adagrad)
    with pytest.raises(ValueError, match="already built"):
        gl.optim.get(opt, lr=0.1)
    with pytest.raises(ValueError, match=r"sgd \(alias gd\), adam, adamw, rmsprop, adagrad"):
        gl.optim.get("lbfgs", _params())
    with pytest.raises(TypeError, match="needs params"):
        gl.optim.get("adam")
    with pytest.raises(TypeError, match="must be a name"):
        gl.optim.get(42, _params())  # type: ignore[arg-type]


def test_adam_and_squared_error_recover_a_linear_model():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 3))
    y = x @ np.array([[1.0], [-2.0], [0.5]]) + 0.3
    w = gl.nn.Parameter(np.zeros((3, 1)))
    b = gl.nn.Parameter(np.zeros(1))
    opt = gl.optim.Adam([w, b], lr=0.1)
    loss = gl.losses.SquaredError()
    for _ in range(200):
        opt.zero_grad()
        loss(gl.Tensor(x) @ w + b, y).backward()
        opt.step()
    np.testing.assert_allclose(w.data.ravel(), [1.0, -2.0, 0.5], atol=1e-2)
    np.testing.assert_allclose(b.data, [0.3], atol=1e-2)
