"""Kernel functions that declare their NumPy calls (`gradlab.engine.kernels.with_steps`): the
steps, run one by one as a replayed program runs them, write what the function itself writes,
bit for bit, and `inline` puts them in its place. The oracle is the function itself (its
dynamic form, which the engine's other tests hold against PyTorch, SymPy and finite
differences)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradlab.engine.kernels import inline, run
from gradlab.engine.linear import linear_grads
from gradlab.engine.special import sigmoid_and_slope, sigmoid_array

DTYPES = [np.float64, np.float32]


def _values(rng: np.random.Generator, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
    x = rng.normal(scale=30.0, size=shape).astype(dtype)
    x.flat[:3] = [1e4, -1e4, 0.0]  # both tails and the middle
    return x


def _inlined(function: Any, arguments: tuple[Any, ...]) -> None:
    steps = inline([(function, arguments)])
    assert all(not hasattr(f, "steps") for f, _ in steps)  # only direct NumPy calls remain
    direct = (np.dot, np.copyto)
    assert all(isinstance(f, np.ufunc) or f in direct or "reduce" in f.__name__ for f, _ in steps)
    run(steps)


@pytest.mark.parametrize("dtype", DTYPES)
def test_sigmoid_steps_write_the_functions_values(dtype: Any) -> None:
    x = _values(np.random.default_rng(0), (7, 5), dtype)
    out = np.empty_like(x)
    _inlined(sigmoid_array, (x, out))
    np.testing.assert_array_equal(out, sigmoid_array(x))
    assert out.dtype == dtype
    a, slope = np.empty_like(x), np.empty_like(x)
    _inlined(sigmoid_and_slope, (x, a, slope))
    expected = sigmoid_and_slope(x)
    np.testing.assert_array_equal(a, expected[0])
    np.testing.assert_array_equal(slope, expected[1])
    assert np.isfinite(slope).all() and slope.dtype == dtype


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("rows", [9, 1])
@pytest.mark.parametrize("need", [(True, True, True), (False, True, False), (True, False, True)])
def test_linear_grad_steps_write_the_functions_gradients(
    dtype: Any, rows: int, need: tuple[bool, bool, bool]
) -> None:
    rng = np.random.default_rng(1)
    x, w, g = (rng.normal(size=s).astype(dtype) for s in [(rows, 4), (4, 3), (rows, 3)])
    if rows == 1:
        g[0, :2] = [-0.0, np.nan]  # a sum of one row: NumPy's reduction makes -0.0 +0.0
    shapes = [(rows, 4), (4, 3), (3,)]
    outs = tuple(np.empty(s, dtype) if n else None for s, n in zip(shapes, need, strict=True))
    _inlined(linear_grads, (x, w, g, need, outs))
    expected = linear_grads(x, w, g, need, (None, None, None))
    for out, value in zip(outs, expected, strict=True):
        assert (out is None) is (value is None)
        if out is not None:
            assert out.dtype == value.dtype and out.tobytes() == value.tobytes()
