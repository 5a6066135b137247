"""Packed arrays: several arrays as views ("tiles") into one flat buffer, and kernels merged
over it.

A model's parameters live in one buffer per dtype (`pack`), each parameter's array a
C-contiguous view of its own slice. Arrays made alike for them, gradients and optimizer work
arrays, take the same slice of a buffer of their own (`sibling`). An elementwise update
applied to every parameter is then the same ufunc on each tile of the same buffers, and
`merge` turns those per-array calls into one call over the whole buffers: the same
operations on the same numbers (an elementwise ufunc computes each entry alone), in a
fraction of the calls. Anything that does not fit (an array replaced by another, a
parameter left out, a reduction, constants that differ) is left as it was.

Examples
--------
>>> import numpy as np
>>> a, b = pack([np.array([1.0, 2.0]), np.array([[3.0]])])
>>> a.base is b.base, a.base.tolist()
(True, [1.0, 2.0, 3.0])
>>> cache = {}
>>> ga, gb = sibling(a, cache), sibling(b, cache)
>>> ga.base is gb.base and ga.base is not a.base
True
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any, TypeVar

import numpy as np

from gradlab.engine.kernels import Kernel

Array = np.ndarray
_F = TypeVar("_F")


def pack(arrays: Sequence[Array]) -> list[Array]:
    """Views holding the values of ``arrays`` (all of one dtype), in order, in one new buffer.

    Each view is C-contiguous and has its array's shape; the buffer is their ``base``.
    """
    dtype = arrays[0].dtype
    buffer = np.empty(sum(a.size for a in arrays), dtype)
    views, start = [], 0
    for a in arrays:
        view = buffer[start : start + a.size].reshape(a.shape)
        np.copyto(view, a)
        views.append(view)
        start += a.size
    return views


def tile(array: Any) -> tuple[Array, int] | None:
    """``(buffer, offset)`` when ``array`` is a C-contiguous view into a flat C-contiguous
    buffer of its dtype, starting ``offset`` entries in; else None."""
    if type(array) is not np.ndarray or not array.flags.c_contiguous:
        return None
    base = array.base
    if (
        type(base) is not np.ndarray
        or base.ndim != 1
        or base.dtype != array.dtype
        or not base.flags.c_contiguous
    ):
        return None
    gap = array.__array_interface__["data"][0] - base.__array_interface__["data"][0]
    offset, rest = divmod(gap, array.itemsize)
    if rest or offset < 0 or offset + array.size > base.size:
        return None
    return base, offset


def sibling(array: Array, cache: dict[int, tuple[Array, Array]]) -> Array | None:
    """The tile at ``array``'s place in a buffer like ``array``'s own, made once per buffer
    and kept in ``cache`` (None when ``array`` is not a tile). Its values are undefined."""
    found = tile(array)
    if found is None:
        return None
    base, offset = found
    kept = cache.get(id(base))
    if kept is None or kept[0] is not base:
        kept = cache[id(base)] = (base, np.empty_like(base))
    return kept[1][offset : offset + array.size].reshape(array.shape)


def bookkeeping(function: _F) -> _F:
    """Mark a kernel function that keeps one array's own records (a step count), for `merge`.

    A marked kernel writes nothing an elementwise kernel of another list reads, except 0-d
    arrays that every list shares (the same objects) and into which every list's call
    writes the same values; so all lists' calls may run first, and the elementwise kernels
    after them, merged.
    """
    function.bookkeeping = True  # type: ignore[attr-defined]
    return function


def merge(per_array: Sequence[list[Kernel]]) -> list[Kernel] | None:
    """One list of kernels doing what the lists of ``per_array`` do, over whole buffers.

    Each list may open with the same `bookkeeping` kernels, which all stay (each list's, in
    order, first); the rest must be the same elementwise ufunc calls
    (``ufunc(*inputs, *outputs)``) in the same order. At each argument position of those,
    either every list passes a tile, the tiles lying at the same offsets as the first
    position's and together covering their buffer exactly, or every list passes the same
    constant: an equal Python number, the very same array, or, when no list keeps records, an
    equal 0-d array that owns its memory. None when they do not, or when fewer than two
    lists would merge.
    """
    if len(per_array) < 2:
        return None
    first = per_array[0]
    if any(len(kernels) != len(first) for kernels in per_array):
        return None
    opening = 0
    while opening < len(first) and getattr(first[opening][0], "bookkeeping", False):
        opening += 1
    if any(k[j][0] is not first[j][0] for k in per_array for j in range(opening)):
        return None
    merged: list[Kernel] = [k[j] for k in per_array for j in range(opening)]
    elementwise = _merged([k[opening:] for k in per_array], identical=opening > 0)
    return None if elementwise is None else merged + elementwise


def _merged(per_array: Sequence[list[Kernel]], identical: bool) -> list[Kernel] | None:
    first = per_array[0]
    layout: list[tuple[int, int]] | None = None  # (offset, size) of each list's tiles
    merged: list[Kernel] = []
    for j, (function, arguments) in enumerate(first):
        if (
            not isinstance(function, np.ufunc)
            or function.signature is not None  # a generalized ufunc (matmul) is not elementwise
            or len(arguments) != function.nin + function.nout
        ):
            return None
        calls = [kernels[j] for kernels in per_array]
        if any(f is not function or len(a) != len(arguments) for f, a in calls):
            return None
        joined = []
        for k in range(len(arguments)):
            column = [a[k] for _, a in calls]
            value, layout = _joined(column, layout, k >= function.nin, identical)
            if value is None:
                return None
            joined.append(value)
        merged.append((function, tuple(joined)))
    return merged


def _joined(
    column: list[Any], layout: list[tuple[int, int]] | None, output: bool, identical: bool
) -> tuple[Any, list[tuple[int, int]] | None]:
    """The argument standing for ``column`` in the merged call, and the tiles' layout."""
    tiles = [tile(a) for a in column]
    if all(t is not None for t in tiles):
        base = tiles[0][0]  # type: ignore[index]
        if any(t[0] is not base for t in tiles):  # type: ignore[index]
            return None, layout
        found = [(t[1], a.size) for t, a in zip(tiles, column, strict=True)]  # type: ignore[index]
        if layout is None:
            ends = sorted(found)
            covered = all(a[0] + a[1] == b[0] for a, b in itertools.pairwise(ends))
            if ends[0][0] != 0 or ends[-1][0] + ends[-1][1] != base.size or not covered:
                return None, layout
            layout = found
        elif found != layout:
            return None, layout
        return base, layout
    if output or any(t is not None for t in tiles):
        return None, layout
    if all(_same_constant(column[0], a, identical) for a in column):
        return column[0], layout
    return None, layout


def _same_constant(a: Any, b: Any, identical: bool) -> bool:
    """Whether ``a`` and ``b`` are one constant: equal numbers (immutable), or arrays that are
    the same object, or, unless ``identical`` (kernels keeping records may write arrays), equal
    0-d arrays owning their memory."""
    if a is b:
        return True
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            not identical
            and type(a) is np.ndarray
            and type(b) is np.ndarray
            and a.shape == () == b.shape
            and a.base is None
            and b.base is None
            and a.dtype == b.dtype
            and a.tobytes() == b.tobytes()
        )
    return type(a) is type(b) and isinstance(a, int | float | bool) and a == b
