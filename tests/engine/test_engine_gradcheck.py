"""`gl.gradcheck`: passes correct gradients, and names the input and worst entry of wrong ones."""

from __future__ import annotations

import inspect
from collections.abc import Callable

import numpy as np
import pytest

import gradlab as gl

RNG = np.random.default_rng(7)
X = RNG.uniform(0.5, 1.5, size=(2, 3))
W = RNG.uniform(-1.0, 1.0, size=(3, 4))
V = RNG.uniform(-1.0, 1.0, size=(2, 3))

CORRECT: dict[str, tuple[Callable[..., gl.Tensor], tuple[np.ndarray, ...]]] = {
    "tanh(x @ w) summed": (lambda x, w: gl.tanh(x @ w).sum(), (X, W)),
    "softmax(x * x) over rows": (lambda x: gl.softmax(x * x, axis=0), (X,)),
    "log_softmax(x + v) broadcast": (lambda x, v: gl.log_softmax(x + v[0], -1), (X, V)),
    "x ** v on positive x": (lambda x, v: x**v / (1 + gl.exp(-x)), (X, V)),
    "max, mean and indexing": (lambda x: x.max(axis=1) * x[[0, 0, 1], 1:].mean(), (X,)),
    "fused loss": (lambda x, w: gl.softmax_cross_entropy(x @ w, np.array([3, 1])), (X, W)),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32], ids=["float64", "float32"])
@pytest.mark.parametrize("name", CORRECT)
def test_gradcheck_passes_correct_gradients_and_leaves_inputs_alone(name: str, dtype: type) -> None:
    fn, arrays = CORRECT[name]
    tensors = [gl.Tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    before = [t.data.copy() for t in tensors]
    # In float32 a step of 1e-6 would be below the resolution: passing proves float64 copies.
    assert gl.gradcheck(fn, *tensors) is True
    for t, old in zip(tensors, before, strict=True):
        assert t.dtype == dtype and np.array_equal(t.data, old) and t.grad is None


def test_gradcheck_defaults_are_pytorchs() -> None:
    parameters = inspect.signature(gl.gradcheck).parameters
    assert parameters["eps"].default == 1e-6
    assert parameters["atol"].default == 1e-5
    assert parameters["rtol"].default == 1e-3


def _wrong_product(factors: dict[tuple[int, int], float]) -> Callable[..., gl.Tensor]:
    """x * w whose backward scales dL/dw at the given entries by the given factors."""

    def fn(x: gl.Tensor, w: gl.Tensor) -> gl.Tensor:
        scale = np.ones(w.shape)
        for index, factor in factors.items():
            scale[index] = factor
        xd, wd = x.data, w.data
        return gl.engine.node(xd * wd, (x, w), lambda g: (g * wd, g * xd * scale), "wrong_product")

    return fn


def test_gradcheck_names_the_input_and_the_worst_entry_of_a_wrong_op() -> None:
    x = gl.Tensor(X, requires_grad=True)
    w = gl.Tensor(V, requires_grad=True)
    # Two wrong entries; the one off by a factor 3 is the worst.
    wrong = _wrong_product({(0, 0): 1.1, (1, 2): 3.0})
    with pytest.raises(gl.GradcheckError, match=r"input 1 at index \(1, 2\)"):
        gl.gradcheck(wrong, x, w)
    assert gl.gradcheck(wrong, x, w, raise_exception=False) is False


def test_gradcheck_names_a_named_input() -> None:
    x = gl.Tensor(X, name="x")
    w = gl.Tensor(V, name="w5")
    with pytest.raises(gl.GradcheckError, match=r"input 1 \('w5'\) at index \(0, 1\)"):
        gl.gradcheck(_wrong_product({(0, 1): -1.0}), x, w)


def test_gradcheck_tolerance_is_atol_plus_rtol_times_the_numeric_value() -> None:
    x = gl.Tensor(X)

    def scaled_double(relative_error: float) -> Callable[[gl.Tensor], gl.Tensor]:
        factor = 2 * (1 + relative_error)
        return lambda t: gl.engine.node(t.data * 2, (t,), lambda g: (g * factor,), "scaled_double")

    assert gl.gradcheck(scaled_double(5e-4), x) is True  # within rtol = 1e-3
    with pytest.raises(gl.GradcheckError, match="input 0"):
        gl.gradcheck(scaled_double(5e-3), x)


def test_gradcheck_fails_where_finite_differences_are_not_finite() -> None:
    # Defined (as x) only for x >= 0 and NaN left of it; checked at its edge x = 0, where the
    # lower difference is NaN. The claimed slope 1 cannot be confirmed there, so it must fail.
    def right_of_zero(t: gl.Tensor) -> gl.Tensor:
        td = t.data
        return gl.engine.node(np.where(td >= 0, td, np.nan), (t,), lambda g: (g,), "right_of_zero")

    x = gl.Tensor([1.0, 0.0, 2.0])
    with pytest.raises(gl.GradcheckError, match=r"input 0 at index \(1,\)"):
        gl.gradcheck(right_of_zero, x)


def test_gradcheck_fails_on_a_non_finite_autograd_gradient() -> None:
    x = gl.Tensor([4.0, 0.0])  # at 0 the chain rule meets sqrt's infinite slope: inf * 0 = NaN
    with (
        pytest.raises(gl.GradcheckError, match=r"input 0 at index \(1,\)"),
        np.errstate(divide="ignore", invalid="ignore"),
    ):
        gl.gradcheck(lambda t: gl.sqrt(t * t + 0 * t), x)


# Deliberately wrong custom ops, each written twice: as a gradlab node and as a
# torch.autograd.Function with the same forward and the same wrong backward. PyTorch's own
# gradcheck is the oracle of the verdict.
def _torch_op(forward, backward):
    import torch

    class Op(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return torch.from_numpy(forward(x.detach().numpy()))

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return torch.from_numpy(backward(g.detach().numpy(), x.detach().numpy()))

    return Op.apply


def _gradlab_op(forward, backward):
    def fn(t: gl.Tensor) -> gl.Tensor:
        td = t.data
        return gl.engine.node(forward(td), (t,), lambda g: (backward(g, td),), "custom")

    return fn


def _square_off_at(index: int, by: float):
    def backward(g, x):
        slope = 2 * x
        slope.reshape(-1)[index] += by
        return g * slope

    return backward


CUSTOM = {
    # Off by 5e-5 at inputs of size 1e-3, at the entry the old seed-0 projection weighed least:
    # within atol of that projection, not of J.
    "small inputs, small slope error": (
        np.full(4, 1e-3),
        lambda x: x**2,
        _square_off_at(3, 5e-5),
        False,
    ),
    # One entry of a 100x100 Jacobian off by 5e-4, where a projection weighs it by 0.004.
    "one wrong entry of a 100x100 Jacobian": (
        np.linspace(-1, 1, 100),
        lambda x: x**2,
        _square_off_at(52, 5e-4),
        False,
    ),
    # Every entry off by a factor 1.0005: within rtol.
    "a relative error below rtol": (
        np.linspace(0.5, 2, 6),
        lambda x: x**2,
        lambda g, x: g * 2 * x * 1.0005,
        True,
    ),
    "correct": (np.linspace(-2, 2, 7), np.sin, lambda g, x: g * np.cos(x), True),
    "wrong sign": (np.linspace(-2, 2, 7), np.sin, lambda g, x: -g * np.cos(x), False),
}


@pytest.mark.parametrize("name", CUSTOM)
def test_gradcheck_gives_pytorchs_verdict_on_custom_ops(name: str) -> None:
    import torch

    x, forward, backward, expected = CUSTOM[name]
    torch_verdict = torch.autograd.gradcheck(
        _torch_op(forward, backward),
        (torch.tensor(x, requires_grad=True),),
        eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=False,
    )  # fmt: skip
    assert torch_verdict is expected  # the cases mean what they say
    ours = gl.gradcheck(_gradlab_op(forward, backward), gl.Tensor(x), raise_exception=False)
    assert ours is torch_verdict


def test_fast_mode_checks_one_projection_and_names_it() -> None:
    x, forward, backward, _ = CUSTOM["wrong sign"]
    with pytest.raises(gl.GradcheckError, match="in a random projection"):
        gl.gradcheck(_gradlab_op(forward, backward), gl.Tensor(x), fast_mode=True)
    with pytest.raises(gl.GradcheckError, match=r"at index \(52,\) for output entry 52"):
        x, forward, backward, _ = CUSTOM["one wrong entry of a 100x100 Jacobian"]
        gl.gradcheck(_gradlab_op(forward, backward), gl.Tensor(x))
