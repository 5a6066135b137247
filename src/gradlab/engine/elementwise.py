"""Elementwise functions: exp, log, sqrt, abs, maximum, minimum, clip, where, astype."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, DTypeLike

from gradlab.engine.tensor import Array, Operand, Tensor, as_float_array, lift, node


def _tensor(x: Operand) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def exp(x: Operand) -> Tensor:
    """e^x. d/dx = e^x.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.exp(gl.Tensor(0.0)).item()
    1.0
    """
    x = _tensor(x)
    out = np.exp(x.data)
    return node(out, (x,), lambda g: (g * out,), "exp")


def log(x: Operand) -> Tensor:
    """Natural logarithm ln x. d/dx = 1/x."""
    x = _tensor(x)
    xd = x.data
    return node(np.log(xd), (x,), lambda g: (g / xd,), "log")


def sqrt(x: Operand) -> Tensor:
    """Square root. d/dx = 1 / (2 sqrt x)."""
    x = _tensor(x)
    out = np.sqrt(x.data)
    return node(out, (x,), lambda g: (g / (2 * out),), "sqrt")


def abs(x: Operand) -> Tensor:
    """|x|. d/dx = sign(x), which is 0 at 0."""
    x = _tensor(x)
    xd = x.data
    return node(np.abs(xd), (x,), lambda g: (g * np.sign(xd),), "abs")


def _operands(a: Operand, b: Operand) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, lift(b, a)
    b = _tensor(b)
    return lift(a, b), b


def _extremum(a: Tensor, b: Tensor, out: Array, a_loses: Array, b_loses: Array, op: str) -> Tensor:
    # Ties share the gradient equally; where either side is NaN (the output is NaN) both get
    # it, as PyTorch does.
    tie = a.data == b.data
    weight_a = np.where(tie, 0.5, ~a_loses).astype(out.dtype)
    weight_b = np.where(tie, 0.5, ~b_loses).astype(out.dtype)
    return node(out, (a, b), lambda g: (g * weight_a, g * weight_b), op)


def maximum(a: Operand, b: Operand) -> Tensor:
    """Elementwise max(a, b), NaN if either is NaN. The gradient goes to the larger input,
    split equally on ties."""
    a, b = _operands(a, b)
    ad, bd = a.data, b.data
    return _extremum(a, b, np.maximum(ad, bd), ad < bd, ad > bd, "maximum")


def minimum(a: Operand, b: Operand) -> Tensor:
    """Elementwise min(a, b), NaN if either is NaN. The gradient goes to the smaller input,
    split equally on ties."""
    a, b = _operands(a, b)
    ad, bd = a.data, b.data
    return _extremum(a, b, np.minimum(ad, bd), ad > bd, ad < bd, "minimum")


def clip(x: Operand, low: float | None = None, high: float | None = None) -> Tensor:
    """Limit x to [low, high]. d/dx = 1 where low <= x <= high, else 0."""
    x = _tensor(x)
    xd = x.data
    out = np.clip(xd, low, high).astype(xd.dtype, copy=False)  # NumPy-scalar bounds promote
    inside = np.ones(xd.shape, dtype=bool)
    if low is not None:
        inside &= xd >= low
    if high is not None:
        inside &= xd <= high
    return node(out, (x,), lambda g: (g * inside,), "clip", {"low": low, "high": high})


def where(condition: ArrayLike | Tensor, a: Operand, b: Operand) -> Tensor:
    """Pick a where ``condition`` holds, else b. d/da = condition, d/db = not condition."""
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition, dtype=bool)
    a, b = _operands(a, b)
    out = np.where(cond, a.data, b.data)
    return node(out, (a, b), lambda g: (g * cond, g * ~cond), "where")


def astype(x: Tensor, dtype: DTypeLike) -> Tensor:
    """The same values in another float dtype; the gradient returns in x's dtype."""
    out = as_float_array(x.data, dtype)
    return node(out, (x,), lambda g: (g,), "astype")
