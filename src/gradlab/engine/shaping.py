"""Changing shape without changing values: reshape, transpose, indexing, concatenate, stack."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from gradlab.engine.tensor import Array, Tensor, node


def reshape(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """The same entries in a new shape. The gradient is reshaped back.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.Tensor([1.0, 2.0, 3.0, 4.0]).reshape(2, 2).shape
    (2, 2)
    """
    old = x.shape
    out = x.data.reshape(shape)
    return node(out, (x,), lambda g: (g.reshape(old),), "reshape", {"shape": out.shape})


def transpose(x: Tensor, axes: Sequence[int] | None = None) -> Tensor:
    """Permute axes (reverse them by default). The gradient is permuted back."""
    inverse = None if axes is None else tuple(np.argsort([a % x.ndim for a in axes]))
    return node(
        np.transpose(x.data, axes),
        (x,),
        lambda g: (np.transpose(g, inverse),),
        "transpose",
        {"axes": None if axes is None else tuple(axes)},
    )


def _plain_index(index: Any) -> Any:
    """Replace tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.data.astype(np.intp) if index.data.dtype.kind == "f" else index.data
    if isinstance(index, tuple):
        return tuple(_plain_index(i) for i in index)
    return index


def getitem(x: Tensor, index: Any) -> Tensor:
    """``x[index]`` with NumPy's basic and advanced indexing.

    The gradient is scattered back with ``np.add.at``, so an entry picked several times by an
    integer array receives the sum of its gradients.
    """
    index = _plain_index(index)
    shape, dtype = x.shape, x.dtype
    basic = all(
        isinstance(i, int | slice) or i is None or i is Ellipsis
        for i in (index if isinstance(index, tuple) else (index,))
    )

    def backward(g: Array) -> tuple[Array]:
        full = np.zeros(shape, dtype=dtype)
        if basic:  # each entry is picked at most once: plain assignment is enough
            full[index] = g
        else:
            np.add.at(full, index, g)
        return (full,)

    return node(x.data[index], (x,), backward, "getitem", {"index": index})


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis. Each input gets its slice of the gradient back."""
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("concatenate needs at least one tensor.")
    axis = axis % tensors[0].ndim
    bounds = np.cumsum([t.shape[axis] for t in tensors])[:-1]

    def backward(g: Array) -> list[Array]:
        return np.split(g, bounds, axis=axis)

    return node(
        np.concatenate([t.data for t in tensors], axis=axis),
        tensors,
        backward,
        "concatenate",
        {"axis": axis},
    )


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of one shape along a new axis. Each input gets its slice of the gradient."""
    tensors = tuple(tensors)
    if not tensors:
        raise ValueError("stack needs at least one tensor.")
    out = np.stack([t.data for t in tensors], axis=axis)
    axis = axis % out.ndim

    def backward(g: Array) -> list[Array]:
        return [np.take(g, i, axis=axis) for i in range(len(tensors))]

    return node(out, tensors, backward, "stack", {"axis": axis})
