"""`UpdatePlan`: an optimizer step run as recorded kernels when the same gradient arrays come
back every step (a replayed training step). The oracle is the same optimizer given a fresh
copy of each gradient every step, which never plans: bit for bit equal parameters, through
every change the plan must notice (learning rate, a parameter's array, a missing gradient,
the state replaced, a group added)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradlab as gl

Change = Callable[[Any, list[Any], int], None]


def _params(dtype: Any) -> list[gl.nn.Parameter]:
    rng = np.random.default_rng(0)
    return [gl.nn.Parameter(rng.normal(size=shape).astype(dtype)) for shape in ((3, 2), (2,))]


PLANNED: dict[str, Callable[[Any], Any]] = {
    "sgd": lambda p: gl.optim.SGD(p, lr=0.3),
    "sgd_momentum": lambda p: gl.optim.SGD(p, lr=0.1, momentum=0.9, dampening=0.2),
    "sgd_nesterov": lambda p: gl.optim.SGD(p, lr=0.1, momentum=0.8, nesterov=True),
    "adam": lambda p: gl.optim.Adam(p, lr=0.05),
    "adam_amsgrad": lambda p: gl.optim.Adam(p, lr=0.05, betas=(0.8, 0.9), amsgrad=True),
    "adamw": lambda p: gl.optim.AdamW(p, lr=0.05, weight_decay=0.1),
}


def _train(
    dtype: Any, stable: bool, change: Change, steps: int = 8, optimizer: str = "sgd"
) -> tuple[list[Any], Any]:
    params = _params(dtype)
    opt = PLANNED[optimizer](params)
    grads = [np.empty_like(p.data) for p in params]  # arrays a replay would write each step
    rng = np.random.default_rng(1)
    for step in range(steps):
        for p, g in zip(params, grads, strict=True):
            g[...] = rng.normal(size=g.shape)
            p.grad = g if stable else g.copy()
        change(opt, params, step)
        opt.step()
    return [p.data.copy() for p in params], opt


def _none(opt: Any, params: list[Any], step: int) -> None:
    pass


def _lr(opt: Any, params: list[Any], step: int) -> None:
    opt.param_groups[0]["lr"] = 0.3 / (1 + step)


def _new_array(opt: Any, params: list[Any], step: int) -> None:
    if step == 4:
        params[0].data = params[0].data * 1.0


def _missing_gradient(opt: Any, params: list[Any], step: int) -> None:
    if step in (4, 5):
        params[1].grad = None


def _state_replaced(opt: Any, params: list[Any], step: int) -> None:
    if step == 4:
        opt.state = {}  # as restoring the snapshot of a stateless optimizer does


def _group_added(opt: Any, params: list[Any], step: int) -> None:
    if step == 4:
        extra = gl.nn.Parameter(np.ones(2, dtype=params[0].dtype))
        extra.grad = np.full(2, 0.5, dtype=params[0].dtype)
        opt.add_param_group({"params": [extra], "lr": 0.1})


def _moment_replaced(opt: Any, params: list[Any], step: int) -> None:
    if step == 4 and opt.state.get(params[0], {}).get("exp_avg") is not None:
        opt.state[params[0]]["exp_avg"] = opt.state[params[0]]["exp_avg"] * 0.5


def _same_state(a: dict[str, Any], b: dict[str, Any]) -> None:
    assert a["param_groups"] == b["param_groups"] and a["state"].keys() == b["state"].keys()
    for key in a["state"]:
        for name, value in a["state"][key].items():
            np.testing.assert_array_equal(value, b["state"][key][name])


@pytest.mark.parametrize(
    "change",
    [_none, _lr, _new_array, _missing_gradient, _state_replaced, _group_added, _moment_replaced],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("optimizer", sorted(PLANNED))
def test_a_planned_step_is_the_optimizer_step(change: Change, dtype: Any, optimizer: str) -> None:
    planned, opt = _train(dtype, True, change, optimizer=optimizer)
    fresh, oracle = _train(dtype, False, change, optimizer=optimizer)
    _same_state(opt.state_dict(), oracle.state_dict())
    for a, b in zip(planned, fresh, strict=True):
        assert a.dtype == b.dtype == dtype
        np.testing.assert_array_equal(a, b)
    assert opt.planned  # the last steps ran as kernels
    if change is _group_added and optimizer == "sgd":
        extra = opt.param_groups[1]["params"][0]
        np.testing.assert_allclose(extra.data, 1.0 - 0.1 * 0.5 * 4, rtol=0, atol=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda p: gl.optim.Adam(p, weight_decay=0.01),  # coupled: the gradient is a new array
        lambda p: gl.optim.Adam(p, maximize=True),
        lambda p: gl.optim.RMSprop(p),
    ],
)
def test_an_update_without_kernels_stays_python(make: Callable[[Any], Any]) -> None:
    params = _params(np.float64)
    opt = make(params)
    grads = [np.ones_like(p.data) for p in params]
    for _ in range(3):
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        opt.step()
    assert not opt.planned


def test_a_planned_momentum_step_in_numbers() -> None:
    params = _params(np.float64)
    opt = gl.optim.SGD(params, lr=0.1, momentum=0.9)
    grads = [np.ones_like(p.data) for p in params]
    for _ in range(3):
        for p, g in zip(params, grads, strict=True):
            p.grad = g
        opt.step()
    assert opt.planned  # the third step ran as kernels
    # b = 1, 1.9, 2.71: the parameter moved by lr * 5.61
    np.testing.assert_allclose(
        params[1].data, _params(np.float64)[1].data - 0.561, rtol=0, atol=1e-12
    )


class _SignSGD(gl.optim.SGD):
    """A user's optimizer: SGD's settings, its own update in place (the sign of the gradient)."""

    def _update(self, p: Any, grad: Any, state: Any, group: Any) -> None:
        p.data -= group[0] * np.sign(grad)


def test_a_subclass_with_its_own_update_keeps_it() -> None:
    params = _params(np.float64)
    start = [p.data.copy() for p in params]
    opt = _SignSGD(params, lr=0.25)
    grads = [np.full_like(p.data, -3.0) for p in params]
    for _ in range(4):
        for p, g in zip(params, grads, strict=True):
            p.grad = g  # the same arrays every step, as a replay gives them
        opt.step()
    assert not opt.planned
    for p, p0 in zip(params, start, strict=True):
        np.testing.assert_allclose(p.data, p0 + 4 * 0.25, rtol=0, atol=1e-12)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_repeated_step_is_the_optimizer_step(dtype: Any) -> None:
    results = []
    for repeat in (True, False):
        params = _params(dtype)
        opt = gl.optim.SGD(params, lr=0.3)
        grads = [np.empty_like(p.data) for p in params]
        rng = np.random.default_rng(1)
        for _ in range(6):
            for p, g in zip(params, grads, strict=True):
                g[...] = rng.normal(size=g.shape)  # new values in the same arrays
                p.grad = g if repeat else g.copy()
            if not (repeat and opt.repeat_step()):
                opt.step()
        results.append([p.data.copy() for p in params])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)


def test_repeat_step_without_a_plan_does_nothing() -> None:
    params = _params(np.float64)
    before = [p.data.copy() for p in params]
    opt = gl.optim.SGD(params, lr=0.1, momentum=0.9)
    for p in params:
        p.grad = np.ones_like(p.data)
    assert not opt.planned and opt.repeat_step() is False
    for p, b in zip(params, before, strict=True):
        np.testing.assert_array_equal(p.data, b)


@pytest.mark.parametrize("optimizer", ["adam", "sgd_momentum"])
@pytest.mark.parametrize("change", ["load_state_dict", "add_param_group"])
def test_loading_a_state_or_adding_a_group_ends_the_plan(optimizer: str, change: str) -> None:
    results = []
    for stable in (True, False):  # the same gradient arrays (a plan), or fresh copies (none)
        params = _params(np.float64)
        opt = PLANNED[optimizer](params)
        grads = [np.full_like(p.data, 0.5) for p in params]
        extra = gl.nn.Parameter(np.ones(2))
        saved = None
        for step in range(4):
            for p, g in zip(params, grads, strict=True):
                p.grad = g if stable else g.copy()
            extra.grad = np.full(2, 0.25)
            if step == 1:
                saved = opt.state_dict()
            if step == 3 and change == "load_state_dict":
                opt.load_state_dict(saved)  # the moments of step 1 again, in new arrays
            if step == 3 and change == "add_param_group":
                opt.add_param_group({"params": [extra]})
            if step == 3:
                assert not opt.planned and opt.repeat_step() is False
            opt.step()
        results.append([p.data.copy() for p in [*params, extra]])
    for a, b in zip(*results, strict=True):
        np.testing.assert_array_equal(a, b)
