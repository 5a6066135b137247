"""Arithmetic: + - * / negation, powers and matrix products, each forward beside its backward.

A Python number on either side stays a number (no tensor is built for it), which keeps
float32 as float32 and saves time on the hot path. NumPy scalars are lifted to tensors of the
other operand's dtype instead: np.float64 subclasses float, but NumPy promotes float32 with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine.kernels import Kernel, owned, register_backward_kernel, register_kernel
from gradlab.engine.linear import linear_grads
from gradlab.engine.tensor import Array, Operand, Tensor, lift, node

_NUMBER = (int, float)
_NO_OUT = (None, None, None)
_SCALAR = (int, float, np.integer, np.floating)


def _power(base: Array, exponent: Any) -> Array:
    """base ** exponent without NumPy's warnings for 0 ** negative (inf) and 0 * inf."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return base**exponent


def _pair(a: Operand, b: Operand) -> tuple[Tensor, Tensor]:
    if isinstance(a, Tensor):
        return a, lift(b, a)
    assert isinstance(b, Tensor)
    return lift(a, b), b


def add(a: Operand, b: Operand) -> Tensor:
    """a + b, broadcasting. d/da = 1, d/db = 1.

    Examples
    --------
    >>> import gradlab as gl
    >>> (gl.Tensor([1.0, 2.0]) + 1).data
    array([2., 3.])
    """
    if type(b) in _NUMBER and isinstance(a, Tensor):
        return node(a.data + b, (a,), lambda g: (g,), "add", {"constant": b})
    a, b = _pair(a, b)
    return node(a.data + b.data, (a, b), lambda g: (g, g), "add")


def sub(a: Operand, b: Operand) -> Tensor:
    """a - b, broadcasting. d/da = 1, d/db = -1."""
    if type(b) in _NUMBER and isinstance(a, Tensor):
        return node(a.data - b, (a,), lambda g: (g,), "sub", {"constant": b})
    if type(a) in _NUMBER and isinstance(b, Tensor):
        return node(a - b.data, (b,), lambda g: (-g,), "sub", {"constant": a, "left": True})
    a, b = _pair(a, b)
    return node(a.data - b.data, (a, b), lambda g: (g, -g), "sub")


def mul(a: Operand, b: Operand) -> Tensor:
    """a * b elementwise, broadcasting. d/da = b, d/db = a."""
    if type(b) in _NUMBER and isinstance(a, Tensor):
        k = b
        return node(a.data * k, (a,), lambda g: (g * k,), "mul", {"constant": k})
    a, b = _pair(a, b)
    ad, bd = a.data, b.data
    return node(ad * bd, (a, b), lambda g: (g * bd, g * ad), "mul")


def div(a: Operand, b: Operand) -> Tensor:
    """a / b elementwise, broadcasting. d/da = 1/b, d/db = -a/b^2."""
    if type(b) in _NUMBER and isinstance(a, Tensor):
        k = b
        return node(a.data / k, (a,), lambda g: (g / k,), "div", {"constant": k})
    a, b = _pair(a, b)
    bd = b.data
    out = a.data / bd
    return node(out, (a, b), lambda g: (g / bd, -g * out / bd), "div")


def neg(a: Tensor) -> Tensor:
    """-a. d/da = -1."""
    return node(-a.data, (a,), lambda g: (-g,), "neg")


def power(a: Operand, b: Operand) -> Tensor:
    """a ** b elementwise.

    d/da = b a^(b-1), 0 where b = 0 (also at a = 0); d/db = a^b ln a, taken as 0 where a = 0
    and b >= 0, -inf where a = 0 and b < 0, and NaN where a < 0 (the real power has no
    derivative in its exponent there), as PyTorch does.
    """
    if isinstance(b, _SCALAR) and not isinstance(b, bool) and isinstance(a, Tensor):
        # A NumPy scalar exponent becomes a Python number, so float32 stays float32.
        ad, k = a.data, (float(b) if isinstance(b, float | np.floating) else int(b))
        exponent = {"constant": k}
        if k == 2:
            return node(ad * ad, (a,), lambda g: (g * 2 * ad,), "pow", exponent)
        if k == 0:  # d/da = 0 also at a = 0, where k a^(k-1) would be 0 * inf
            return node(np.ones_like(ad), (a,), lambda g: (np.zeros_like(g),), "pow", exponent)
        with np.errstate(divide="ignore"):  # 0 ** negative is inf, as in PyTorch
            return node(ad**k, (a,), lambda g: (g * k * _power(ad, k - 1),), "pow", exponent)
    a, b = _pair(a, b)
    ad, bd = a.data, b.data
    out = _power(ad, bd)

    def backward(g: Array) -> tuple[Array | None, Array | None]:
        ga = gb = None
        with np.errstate(divide="ignore", invalid="ignore"):  # the masked 0 * inf entries
            if a.requires_grad:
                ga = np.where(bd == 0, 0, g * bd * ad ** (bd - 1)).astype(g.dtype, copy=False)
            if b.requires_grad:
                log_a = np.log(np.where(ad < 0, np.nan, ad))
                gb = g * np.where((ad == 0) & (bd >= 0), 0, out * log_a)
        return ga, gb

    return node(out, (a, b), backward, "pow")


def matmul(a: Operand, b: Operand) -> Tensor:
    """Matrix product a @ b with NumPy's rules for 1-D, 2-D and batched (broadcast) operands.

    For C = A B: dL/dA = dL/dC B^T and dL/dB = A^T dL/dC; batch axes that broadcasting
    added are summed by the engine.
    """
    if type(a) is not Tensor or type(b) is not Tensor:
        a, b = _pair(a, b)
    ad, bd = a.data, b.data
    if ad.ndim == 2 and bd.ndim == 2:
        # For matrices ndarray.dot is the same product as @, at half the call overhead of the
        # matmul gufunc (which dominates for the small matrices of hand-sized networks).

        def backward(g: Array) -> tuple[Array | None, ...]:
            return linear_grads(ad, bd, g, (a.requires_grad, b.requires_grad, False), _NO_OUT)[:2]

        return node(ad.dot(bd), (a, b), backward, "matmul")
    out = ad @ bd

    def backward_general(g: Array) -> tuple[Array | None, Array | None]:
        # Promote 1-D operands to matrices as NumPy does, then drop the added axis again.
        a2 = ad[None, :] if ad.ndim == 1 else ad
        b2 = bd[:, None] if bd.ndim == 1 else bd
        g2 = g
        # b's axis first: for vector @ vector the 0-d gradient grows to (1,) and then (1, 1).
        if bd.ndim == 1:
            g2 = np.expand_dims(g2, -1)
        if ad.ndim == 1:
            g2 = np.expand_dims(g2, -2)
        ga = gb = None
        if a.requires_grad:
            ga = g2 @ np.swapaxes(b2, -1, -2)
            if ad.ndim == 1:
                ga = ga[..., 0, :]
        if b.requires_grad:
            gb = np.swapaxes(a2, -1, -2) @ g2
            if bd.ndim == 1:
                gb = gb[..., 0]
        return ga, gb

    return node(out, (a, b), backward_general, "matmul")


# ------------------------------------------------------------------------ replay kernels
# Each op above as the same ufunc writing into the node's own array (see engine.capture).
def _ufunc_kernels(ufunc: np.ufunc) -> Callable[[Tensor], list[Kernel] | None]:
    def build(t: Tensor) -> list[Kernel] | None:
        if not owned(t.data):
            return None
        operands = [p.data for p in t._parents]
        attrs = t.attrs or {}
        if "constant" in attrs:
            operands.insert(0 if attrs.get("left") else 1, attrs["constant"])
        return [(ufunc, (*operands, t.data))]

    return build


def _square_kernels(t: Tensor) -> list[Kernel] | None:
    if (t.attrs or {}).get("constant") != 2 or len(t._parents) != 1 or not owned(t.data):
        return None
    base = t._parents[0].data
    return [(np.multiply, (base, base, t.data))]


def _matmul_kernels(t: Tensor) -> list[Kernel] | None:
    a, b = (p.data for p in t._parents)
    if a.ndim != 2 or b.ndim != 2 or not owned(t.data):
        return None
    return [(np.dot, (a, b, t.data))]


def _matmul_backward_kernels(
    t: Tensor, upstream: Array, outs: dict[int, Array]
) -> list[Kernel] | None:
    """A matrix product's `linear_grads` into the flat backward's arrays."""
    a, b = (p.data for p in t._parents)
    if a.ndim != 2 or b.ndim != 2:
        return None
    need = (0 in outs, 1 in outs, False)
    return [(linear_grads, (a, b, upstream, need, (outs.get(0), outs.get(1), None)))]


for _op, _ufunc in (("add", np.add), ("sub", np.subtract), ("mul", np.multiply)):
    register_kernel(_op, _ufunc_kernels(_ufunc))
register_kernel("neg", _ufunc_kernels(np.negative))
register_kernel("pow", _square_kernels)
register_kernel("matmul", _matmul_kernels)
register_backward_kernel("matmul", _matmul_backward_kernels)
