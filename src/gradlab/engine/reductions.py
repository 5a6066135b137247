"""Reductions over any axes, with keepdims: sum, mean, max, min."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from gradlab.engine.kernels import Kernel, owned, register_kernel
from gradlab.engine.tensor import Array, Axis, Tensor, node


def _axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of bounds for a tensor with {ndim} dimensions.")
    return tuple(sorted(a % ndim for a in axes))


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _spread(g: Array, kept: tuple[int, ...], shape: tuple[int, ...]) -> Array:
    """Copy a reduced gradient back over the reduced axes (faster than np.broadcast_to)."""
    full = np.empty(shape, g.dtype)
    full[...] = g.reshape(kept)
    return full


def sum(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Sum over ``axis`` (all axes by default). d/dx_i = 1 for every summed entry.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.Tensor([[1.0, 2.0], [3.0, 4.0]]).sum(axis=0).data
    array([4., 6.])
    """
    shape = x.shape
    axes = _axes(axis, x.ndim)
    kept = _kept_shape(shape, axes)
    out = np.sum(x.data, axis=axes, keepdims=keepdims)
    attrs = {"axes": axes, "keepdims": keepdims}
    return node(out, (x,), lambda g: (_spread(g, kept, shape),), "sum", attrs)


def mean(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Mean over ``axis`` (all axes by default). d/dx_i = 1/n, n the number of averaged entries."""
    shape = x.shape
    axes = _axes(axis, x.ndim)
    kept = _kept_shape(shape, axes)
    count = int(np.prod([shape[a] for a in axes]))
    out = np.mean(x.data, axis=axes, keepdims=keepdims)
    attrs = {"axes": axes, "keepdims": keepdims}
    return node(out, (x,), lambda g: (_spread(g / count, kept, shape),), "mean", attrs)


def _extreme(x: Tensor, axis: Axis, keepdims: bool, reduce: np.ufunc, op: str) -> Tensor:
    axes = _axes(axis, x.ndim)
    xd = x.data
    extreme = reduce.reduce(xd, axis=axes, keepdims=True)
    out = (
        extreme
        if keepdims
        else extreme.reshape([n for i, n in enumerate(extreme.shape) if i not in axes])
    )
    kept = extreme.shape

    def backward(g: Array) -> tuple[Array]:
        # Tied extremes share the gradient equally, as PyTorch's amax/amin do.
        hits = xd == extreme
        return (g.reshape(kept) * hits / hits.sum(axis=axes, keepdims=True),)

    return node(out, (x,), backward, op, {"axes": axes, "keepdims": keepdims})


def max(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Largest entry over ``axis``. The gradient goes to the maximum, split equally on ties."""
    return _extreme(x, axis, keepdims, np.maximum, "max")


def min(x: Tensor, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Smallest entry over ``axis``. The gradient goes to the minimum, split equally on ties."""
    return _extreme(x, axis, keepdims, np.minimum, "min")


def _reduction_kernels(reduce: Any) -> Any:
    """``sum`` or ``mean`` above into the node's own array (see engine.capture)."""

    def build(t: Tensor) -> list[Kernel] | None:
        if not isinstance(t.data, np.ndarray) or not owned(t.data):
            return None
        attrs = t.attrs or {}
        kernel = functools.partial(
            reduce, axis=attrs["axes"], keepdims=attrs["keepdims"], out=t.data
        )
        return [(kernel, (t._parents[0].data,))]

    return build


register_kernel("sum", _reduction_kernels(np.sum))
register_kernel("mean", _reduction_kernels(np.mean))
