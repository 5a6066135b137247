"""The engine's switches belong to one thread (and one asyncio task): ``no_grad``, a capture's
tape and ``skip_init`` entered in one thread do not reach another. Each test holds one thread
inside the switch (an Event) while the other works, so the interleaving is certain, not timed;
the oracle is the same work done with no other thread."""

from __future__ import annotations

import asyncio
import itertools
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradlab as gl


def _while_held(context: Callable[[], Any], work: Callable[[], Any]) -> Any:
    """Run ``work`` in this thread while another thread sits inside ``context()``."""
    inside, done = threading.Event(), threading.Event()
    seen: list[Any] = []

    def hold() -> None:
        with context():
            seen.append(gl.is_grad_enabled())
            inside.set()
            done.wait(timeout=60)

    other = threading.Thread(target=hold)
    other.start()
    try:
        assert inside.wait(timeout=60)
        return work(), seen
    finally:
        done.set()
        other.join()


def test_no_grad_in_another_thread_leaves_this_one_recording() -> None:
    w = gl.Tensor([1.0, 2.0], requires_grad=True)

    def work() -> tuple[bool, bool, np.ndarray]:
        y = (w * 3.0).sum()
        y.backward()
        return gl.is_grad_enabled(), y.requires_grad, w.grad.copy()

    (enabled, recorded, grad), seen = _while_held(gl.no_grad, work)
    assert seen == [False]  # the other thread was inside no_grad all along
    assert enabled and recorded
    np.testing.assert_array_equal(grad, [3.0, 3.0])


def test_no_grad_here_leaves_a_new_thread_recording() -> None:
    w = gl.Tensor([1.0], requires_grad=True)
    result: list[bool] = []
    with gl.no_grad():
        thread = threading.Thread(target=lambda: result.append((w * 2.0).requires_grad))
        thread.start()
        thread.join()
        assert not (w * 2.0).requires_grad
    assert result == [True]


def test_a_capture_in_another_thread_does_not_record_this_threads_nodes() -> None:
    w = gl.Tensor([[0.5], [-0.5]], requires_grad=True)
    x = gl.Tensor([[1.0, 2.0]])
    inside, done = threading.Event(), threading.Event()

    def slow_step(x: gl.Tensor) -> gl.Tensor:
        out = (x @ w).sigmoid().sum()
        inside.set()
        done.wait(timeout=60)  # the tape stays open while the main thread computes
        return out

    step = gl.compile_step(slow_step)
    other = threading.Thread(target=step, args=(x,))
    other.start()
    try:
        assert inside.wait(timeout=60)
        v = gl.Tensor([3.0], requires_grad=True)
        made = gl.Tensor([1.0])  # a leaf, which a tape would take for a constant of its step
        (v * made).sum()
    finally:
        done.set()
        other.join()
    assert step.captures == 1
    assert step.reasons == {}  # the main thread's leaf and nodes were not in its tape
    # One label per kernel: an op of several steps (the sigmoid's) repeats its name.
    labels = [op for op, _ in itertools.groupby(
        label.split(":")[0] for label in next(iter(step.programs().values()))
    )]  # fmt: skip
    forward = ["matmul", "sigmoid", "sum"]
    assert labels == forward + [f"{op} backward" for op in reversed(forward)]


def test_skip_init_in_another_thread_leaves_this_ones_layers_initialised() -> None:
    oracle = gl.nn.Linear(3, 2, rng=0).weight.data
    layer, _ = _while_held(gl.nn.init.skip_init, lambda: gl.nn.Linear(3, 2, rng=0))
    np.testing.assert_array_equal(layer.weight.data, oracle)


def test_asyncio_tasks_have_their_own_grad_mode() -> None:
    w = gl.Tensor([1.0], requires_grad=True)

    async def quiet(entered: asyncio.Event, leave: asyncio.Event) -> bool:
        with gl.no_grad():
            entered.set()
            await leave.wait()
            return (w * 2.0).requires_grad

    async def loud(entered: asyncio.Event, leave: asyncio.Event) -> bool:
        await entered.wait()
        recorded = (w * 2.0).requires_grad
        leave.set()
        return recorded

    async def main() -> list[bool]:
        entered, leave = asyncio.Event(), asyncio.Event()
        return list(await asyncio.gather(quiet(entered, leave), loud(entered, leave)))

    assert asyncio.run(main()) == [False, True]


def test_one_no_grad_entered_twice_is_refused_and_leaves_the_mode_as_it_was() -> None:
    quiet = gl.no_grad()
    with quiet:
        with pytest.raises(RuntimeError, match=r"^this no_grad\(\) is already in use"):
            quiet.__enter__()
        assert not gl.is_grad_enabled()
    assert gl.is_grad_enabled()
