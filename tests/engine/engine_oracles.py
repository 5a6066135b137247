"""The oracles of the engine tests: PyTorch in float64 and central finite differences.

Every expected number in tests/engine comes from one of these two (or from a figure published
in a worked example's tutorial), never from gradlab's own backward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from hypothesis import settings
from hypothesis import strategies as st

import gradlab as gl

SETTINGS = settings(max_examples=25, deadline=None)

# Agreement with PyTorch in float64 is 1e-10 relative. The absolute floor covers entries that
# cancel to (near) zero, where no relative bound exists: sums and dot products of the drawn
# values (|x| <= 60) carry ~1e-14 absolute rounding error, accumulated in a different order
# by NumPy and PyTorch.
RTOL = 1e-10
ATOL = 1e-12

# Central differences with step 1e-6 in float64: truncation error ~ eps^2 |f'''| / 6 < 1e-9 and
# rounding error ~ 1e-16 |f| / eps summed over at most 27 outputs < 1e-7 for |f| <= 60.
FD_EPS = 1e-6
FD_RTOL = 1e-6
FD_ATOL = 1e-6


@dataclasses.dataclass(frozen=True)
class Drawn:
    """The differentiable inputs of an op and its other (constant) arguments."""

    arrays: tuple[np.ndarray, ...]
    kwargs: dict[str, Any] = dataclasses.field(default_factory=dict)


def reals(low: float, high: float) -> st.SearchStrategy[float]:
    """Finite floats in [low, high], without subnormals."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


def with_ties(low: float, high: float, *specials: float) -> st.SearchStrategy[float]:
    """Floats in [low, high] that often hit ``specials`` (kinks, ties, clip bounds)."""
    return st.one_of(st.sampled_from(specials), reals(low, high))


def half_grid(low: float, high: float) -> st.SearchStrategy[float]:
    """Odd multiples of 0.005 in [low, high]: never 0, never a multiple of 0.01.

    Kinks and ties of the non-smooth ops sit at multiples of 0.01 (0, -0.5, 0.75, class margins),
    so these points lie at least 0.005 >> FD_EPS away from them and finite differences apply.
    """
    return st.integers(round(low * 100), round(high * 100) - 1).map(lambda i: (i + 0.5) / 100)


def direction(shape: tuple[int, ...], seed: int, dtype: Any = np.float64) -> np.ndarray:
    """A random upstream gradient v: backward(v) gives the vector-Jacobian product v^T J."""
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def copies(drawn: Drawn) -> list[np.ndarray]:
    """Copies of every array the op sees, to prove afterwards that none was mutated."""
    values = [*drawn.arrays, *drawn.kwargs.values()]
    return [np.array(v, copy=True) for v in values if isinstance(v, np.ndarray)]


def assert_unchanged(drawn: Drawn, before: list[np.ndarray]) -> None:
    values = [*drawn.arrays, *drawn.kwargs.values()]
    now = [v for v in values if isinstance(v, np.ndarray)]
    for old, new in zip(before, now, strict=True):
        assert np.array_equal(old, new), "an op mutated its input"


def run_gradlab(
    fn: Callable[..., gl.Tensor], drawn: Drawn, seed: int
) -> tuple[gl.Tensor, list[gl.Tensor], np.ndarray]:
    """fn's output, its input tensors (grads filled by backward(v)) and the direction v."""
    tensors = [gl.Tensor(a, requires_grad=True) for a in drawn.arrays]
    out = fn(*tensors, **drawn.kwargs)
    v = direction(out.shape, seed, out.dtype)
    out.backward(v)
    return out, tensors, v


def run_torch(
    fn: Callable[..., torch.Tensor], drawn: Drawn, v: np.ndarray
) -> tuple[np.ndarray, list[np.ndarray]]:
    """PyTorch's float64 value of fn and the gradients of v . fn with respect to each input."""
    tensors = [torch.tensor(a, dtype=torch.float64, requires_grad=True) for a in drawn.arrays]
    out = fn(*tensors, **drawn.kwargs)
    out.backward(torch.from_numpy(np.array(v, dtype=np.float64)))
    grads = [
        np.zeros(a.shape) if t.grad is None else t.grad.numpy()
        for a, t in zip(drawn.arrays, tensors, strict=True)
    ]
    return out.detach().numpy(), grads


def finite_differences(
    fn: Callable[..., gl.Tensor], drawn: Drawn, v: np.ndarray, eps: float = FD_EPS
) -> list[np.ndarray]:
    """d(v . fn)/d(input) by central differences of fn's forward values, one entry at a time."""
    points = [np.array(a, dtype=np.float64, copy=True) for a in drawn.arrays]

    def forward() -> np.ndarray:
        with gl.no_grad():  # a copy: views (reshape, slices) would follow the next nudge
            return np.array(fn(*[gl.Tensor(p) for p in points], **drawn.kwargs).data, copy=True)

    grads = []
    for point in points:
        grad = np.zeros_like(point)
        flat, grad_flat = point.reshape(-1), grad.reshape(-1)
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            upper = forward()
            flat[j] = original - eps
            lower = forward()
            flat[j] = original
            grad_flat[j] = np.sum(v * (upper - lower)) / (2 * eps)
        grads.append(grad)
    return grads


def assert_close(
    actual: np.ndarray,
    expected: np.ndarray,
    rtol: float = RTOL,
    atol: float = ATOL,
    what: str = "",
) -> None:
    """Same shape and |actual - expected| <= atol + rtol |expected| entry by entry."""
    actual, expected = np.asarray(actual), np.asarray(expected)
    assert actual.shape == expected.shape, f"{what}: shape {actual.shape} != {expected.shape}"
    np.testing.assert_allclose(actual, expected, rtol=rtol, atol=atol, err_msg=what)
