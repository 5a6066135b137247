"""`WeightSnapshot` and `StateSnapshot`, the copies the loop restores after a divergence.

The oracle is a plain copy of the values taken at the same moment (``np.copy`` of the weights,
``Optimizer.state_dict()`` of the optimizer)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gradlab as gl
from gradlab.training.snapshot import StateSnapshot, WeightSnapshot


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_finite_weights_whose_sum_of_squares_overflows_are_still_taken(dtype: Any) -> None:
    big = np.finfo(dtype).max
    w = gl.nn.Parameter(np.array([1.0, 2.0], dtype=dtype))
    snapshot = WeightSnapshot([w])
    w.data[:] = [big, big]  # every entry finite, their sum of squares is not
    with np.errstate(over="ignore"):  # as the training loop runs it
        assert snapshot.capture()
    w.data[:] = 0
    snapshot.restore()
    np.testing.assert_array_equal(w.data, [big, big])


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_entry_keeps_the_previous_snapshot(bad: float) -> None:
    w = gl.nn.Parameter([1.0, 2.0])
    v = gl.nn.Parameter([[3.0], [4.0]])
    snapshot = WeightSnapshot([w, v])
    kept = [w.data.copy(), v.data.copy()]
    v.data[1, 0] = bad
    w.data += 1
    assert not snapshot.capture()
    snapshot.restore()
    np.testing.assert_array_equal(w.data, kept[0])
    np.testing.assert_array_equal(v.data, kept[1])


def _adam_after(steps: int, params: list[Any], optimizer: Any) -> None:
    rng = np.random.default_rng(steps)
    for _ in range(steps):
        for p in params:
            p.grad = rng.normal(size=p.shape)
        optimizer.step()


def test_optimizer_state_is_restored_as_it_was_captured() -> None:
    params = [gl.nn.Parameter(np.ones((2, 3))), gl.nn.Parameter(np.zeros(3))]
    optimizer = gl.optim.Adam(params, lr=0.1, amsgrad=True)
    _adam_after(2, params, optimizer)
    snapshot = StateSnapshot(optimizer)
    for extra in (3, 1):  # later captures refresh the kept buffers in place
        _adam_after(extra, params, optimizer)
        expected = optimizer.state_dict()
        snapshot.capture()
        _adam_after(2, params, optimizer)
        snapshot.restore()
        got = optimizer.state_dict()
        for index, entries in expected["state"].items():
            assert set(got["state"][index]) == set(entries)
            for key, value in entries.items():
                np.testing.assert_array_equal(got["state"][index][key], value)


def test_a_parameter_that_gains_state_later_is_captured_too() -> None:
    first, second = gl.nn.Parameter([1.0]), gl.nn.Parameter([2.0])
    optimizer = gl.optim.SGD([first, second], lr=0.1, momentum=0.9)
    first.grad = np.array([1.0])
    optimizer.step()  # only ``first`` has state
    snapshot = StateSnapshot(optimizer)
    first.grad, second.grad = np.array([1.0]), np.array([1.0])
    optimizer.step()
    expected = optimizer.state_dict()
    snapshot.capture()
    first.grad, second.grad = np.array([5.0]), np.array([5.0])
    optimizer.step()
    snapshot.restore()
    got = optimizer.state_dict()
    assert got["state"].keys() == expected["state"].keys()
    for index, entries in expected["state"].items():
        for key, value in entries.items():
            np.testing.assert_array_equal(got["state"][index][key], value)
