"""Update plans over packed parameters (`gradlab.nn.pack_parameters`): merged into one call per
buffer, and refused when what the merged kernels share no longer holds. The oracle is the
same optimizer over the same values unpacked (each parameter its own array, every update
per parameter), bit for bit."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gradlab as gl
from gradlab.engine.packing import pack, sibling

SHAPES = [(3, 2), (2,), (2, 1), (1,)]


def _setup(packed: bool, make: Any) -> tuple[list[gl.nn.Parameter], list[np.ndarray], Any]:
    rng = np.random.default_rng(4)
    values = [rng.normal(size=s) for s in SHAPES]
    params = [gl.nn.Parameter(v) for v in values]
    grads = [rng.normal(size=s) for s in SHAPES]
    if packed:
        for p, view in zip(params, pack([p.data for p in params]), strict=True):
            p.data = view
        cache: dict[int, Any] = {}
        tiles = [sibling(p.data, cache) for p in params]
        for t, g in zip(tiles, grads, strict=True):
            t[...] = g
        grads = tiles
    return params, grads, make(params)


OPTIMIZERS = {
    "sgd": lambda ps: gl.optim.SGD(ps, lr=0.1),
    "adam": lambda ps: gl.optim.Adam(ps, lr=0.05),
    "adamw": lambda ps: gl.optim.AdamW(ps, lr=0.05, weight_decay=0.1),
}


def _run(packed: bool, name: str, skipped: set[int]) -> tuple[list[np.ndarray], list[int]]:
    """Ten steps on fixed gradient arrays (their values changed in place each step), the
    first parameter given no gradient at the steps in ``skipped``."""
    params, grads, opt = _setup(packed, OPTIMIZERS[name])
    sizes = []
    for step in range(10):
        for p, g in zip(params, grads, strict=True):
            g *= -0.9
            p.grad = g
        if step in skipped:
            params[0].grad = None
        opt.step()
        sizes.append(len(opt._plan.kernels) if opt._plan is not None else 0)
    return [p.data.copy() for p in params], sizes


@pytest.mark.parametrize("name", sorted(OPTIMIZERS))
@pytest.mark.parametrize("skipped", [set(), {4}, {4, 5}])
def test_a_packed_update_is_the_unpacked_one_bit_for_bit(name: str, skipped: set[int]) -> None:
    packed, sizes = _run(True, name, skipped)
    unpacked, _ = _run(False, name, skipped)
    for a, b in zip(packed, unpacked, strict=True):
        assert a.tobytes() == b.tobytes()
    merged = {"sgd": 2, "adam": 4 + 12, "adamw": 4 + 1 + 12}[name]
    assert sizes[2] == merged  # a plan from the second step on, over the whole buffers
    if skipped and name != "sgd":
        # Once the first parameter's step count lags, the merged plan (which shares the bias
        # corrections of one count) is never taken up again.
        assert merged not in sizes[max(skipped) + 1 :]
