"""Packed arrays (`gradlab.engine.packing`): tiles of one buffer, their siblings, and kernels
merged over whole buffers. The oracle of a merge is the per-array calls it replaces, run on
copies of the same arrays: the merged call must write the same bytes, and anything that is
not an elementwise ufunc on tiles covering their buffers at matching places is refused."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from gradlab.engine.kernels import run
from gradlab.engine.packing import merge, pack, sibling, tile

SHAPES = [(3, 4), (4,), (4, 1), (1,), ()]


def _packed(rng: np.random.Generator, dtype: Any) -> list[np.ndarray]:
    return pack([rng.normal(size=s).astype(dtype) for s in SHAPES])


def test_pack_keeps_values_and_makes_tiles_of_one_buffer() -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.normal(size=s) for s in SHAPES]
    views = pack(arrays)
    for a, v in zip(arrays, views, strict=True):
        np.testing.assert_array_equal(a, v)
        assert v.shape == a.shape and v.flags.c_contiguous and not np.shares_memory(a, v)
    assert {tile(v)[0].ctypes.data for v in views} == {views[0].base.ctypes.data}
    assert [tile(v)[1] for v in views] == [0, 12, 16, 20, 21]


def test_tile_refuses_what_is_not_a_contiguous_view_of_a_flat_buffer() -> None:
    owner = np.zeros(6)
    assert tile(owner) is None
    assert tile(owner.reshape(2, 3).T) is None  # not C-contiguous
    assert tile(np.zeros((4, 4))[1:3]) is None  # the buffer is not flat
    assert tile(owner[2:5]) == (owner, 2)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_merged_update_writes_the_bytes_of_the_per_array_updates(dtype: Any) -> None:
    rng = np.random.default_rng(1)
    data, grads = _packed(rng, dtype), _packed(rng, dtype)
    cache: dict[int, Any] = {}
    work = [sibling(d, cache) for d in data]
    step = [np.array(-0.3, dtype) for _ in data]  # equal constants, one per array

    def kernels(d: list[np.ndarray], g: list[np.ndarray], w: list[np.ndarray]) -> list[Any]:
        return [
            [(np.multiply, (gi, si, wi)), (np.add, (di, wi, di)), (np.sqrt, (np.abs(di), wi))]
            for di, gi, wi, si in zip(d, g, w, step, strict=True)
        ]

    merged = merge([k[:2] for k in kernels(data, grads, work)])
    assert merged is not None and len(merged) == 2
    copies = pack([d.copy() for d in data])
    run([k for per in kernels(copies, grads, [np.empty_like(c) for c in copies]) for k in per[:2]])
    run(merged)
    for d, c in zip(data, copies, strict=True):
        assert d.tobytes() == c.tobytes()
    # An input that is not a tile of one buffer (np.abs makes new arrays): refused.
    assert merge([k[2:] for k in kernels(data, grads, work)]) is None


def _update(d: np.ndarray, g: np.ndarray, w: np.ndarray, s: Any) -> list[Any]:
    return [(np.multiply, (g, s, w)), (np.add, (d, w, d))]


def test_merge_refuses_what_would_change_the_numbers() -> None:
    rng = np.random.default_rng(2)
    data, grads = _packed(rng, np.float64), _packed(rng, np.float64)
    cache: dict[int, Any] = {}
    work = [sibling(d, cache) for d in data]
    lists = [_update(d, g, w, np.array(-0.1)) for d, g, w in zip(data, grads, work, strict=True)]
    assert merge(lists) is not None
    assert merge(lists[:1]) is None  # nothing to merge
    assert merge(lists[1:]) is None  # the buffer is not covered
    other = [np.array(-0.1), np.array(-0.2)] + [np.array(-0.1)] * 3
    unequal = [_update(d, g, w, s) for d, g, w, s in zip(data, grads, work, other, strict=True)]
    assert merge(unequal) is None  # constants differ
    swapped = grads[1:] + grads[:1]  # the same buffer, at other places
    assert (
        merge([_update(d, g, w, -0.1) for d, g, w in zip(data, swapped, work, strict=True)]) is None
    )
    reduced = [[(np.add.reduce, (g, None, None, w))] for g, w in zip(grads, work, strict=True)]
    assert merge(reduced) is None  # a reduction is not elementwise
    square = pack([np.ones((2, 2)), np.ones((2, 2))])
    products = [[(np.matmul, (a, a, w))] for a, w in zip(square, pack(square), strict=True)]
    assert merge(products) is None  # nor is a generalized ufunc
    constant_out = [[(np.multiply, (g, 2.0, np.zeros(())))] for g in grads]
    assert merge(constant_out) is None  # an output must be a tile


def test_sibling_is_made_once_per_buffer() -> None:
    data = _packed(np.random.default_rng(3), np.float64)
    cache: dict[int, Any] = {}
    first = [sibling(d, cache) for d in data]
    again = [sibling(d, cache) for d in data]
    assert all(a.base is first[0].base for a in first + again)
    assert [tile(a)[1] for a in first] == [tile(d)[1] for d in data]
    assert sibling(np.zeros(3), cache) is None
