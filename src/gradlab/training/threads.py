"""BLAS threads that fit the work: one thread for small matrices, every core for large ones.

A matrix product split over threads pays only when each thread's share of it outlasts waking
and joining the threads; on a machine shared with other processes a waiting BLAS thread can
lose its core for a whole time slice, so small products get slower, not faster (one wide epoch
took 24-32 s on two OpenBLAS threads under load against 2.0-2.6 s on one). gradlab therefore
sizes the largest matrix product of a training step, 2 x batch x fan_in x fan_out flops for
each weight matrix, and uses every core only from `MIN_FLOPS_FOR_THREADS` up
(benchmarks/README.md gives the measurements behind it).
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

MIN_FLOPS_FOR_THREADS = 2e8
"""Flops of the step's largest matrix product from which every core is used (else one)."""


def check_threads(threads: Any) -> None:
    """Refuse anything but None (automatic) or a whole number >= 1, in one line.

    Examples
    --------
    >>> check_threads(None), check_threads(2)
    (None, None)
    """
    if threads is None:
        return
    if isinstance(threads, bool | np.bool_) or not isinstance(threads, int | np.integer):
        raise TypeError(f"threads must be None (automatic) or a positive integer; got {threads!r}.")
    if threads < 1:
        raise ValueError(f"threads must be None (automatic) or a positive integer; got {threads}.")


def cores() -> int:
    """The number of cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # pragma: no cover - platforms without affinity masks


def largest_matmul_flops(shapes: Iterable[tuple[int, ...]], batch_size: int) -> int:
    """Flops of the largest product of a batch with a weight matrix: 2 x batch x rows x columns.

    Parameters
    ----------
    shapes : iterable of tuple of int
        The parameters' shapes; the two-dimensional ones are weight matrices.
    batch_size : int
        Samples per training step.

    Examples
    --------
    >>> largest_matmul_flops([(784, 256), (256,), (256, 10)], 128)
    51380224
    """
    sizes = [shape[0] * shape[1] for shape in shapes if len(shape) == 2]
    return 2 * int(batch_size) * max(sizes, default=0)


def choose_threads(flops: float, available: int) -> int:
    """The automatic thread count: ``available`` from `MIN_FLOPS_FOR_THREADS` flops, else 1.

    Examples
    --------
    >>> choose_threads(51380224, 2), choose_threads(4.3e9, 2)
    (1, 2)
    """
    return max(1, int(available)) if flops >= MIN_FLOPS_FOR_THREADS else 1


@functools.cache
def _controller() -> Any:
    # Building a controller scans the loaded libraries (about 1.5 ms); once per process.
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def current_blas_threads() -> int:
    """The most threads any loaded BLAS may use now (1 when none is found)."""
    return max((lib.num_threads for lib in _controller().lib_controllers), default=1)


def _held_by_another_thread() -> bool:
    """Whether another live Python thread controls OpenBLAS's one thread count.

    threadpoolctl gives that control to the first thread that sets a limit, until its block
    ends; another thread's block would then limit nothing on entry yet, once control is free,
    set on exit the count it saw on entry, undoing the first block's restore.
    """
    from threadpoolctl import OpenBLASController

    state = getattr(OpenBLASController, "_SHARED_STATE", None)
    owner = getattr(state, "controlling_thread", None)
    return owner is not None and owner is not threading.current_thread() and owner.is_alive()


@contextmanager
def blas_threads(
    threads: int | None, shapes: Iterable[tuple[int, ...]], batch_size: int
) -> Iterator[int]:
    """Limit BLAS to ``threads`` threads, or to the automatic choice when None, for a block.

    The automatic choice (`choose_threads` of the largest product) never exceeds the cores
    available nor a limit already in force (``OPENBLAS_NUM_THREADS``, an enclosing
    ``threadpoolctl.threadpool_limits``). The previous limits are restored on exit.

    OpenBLAS (with pthreads) has one thread count per process. threadpoolctl lets one Python
    thread control it, the first that sets a limit, until its block ends; a block in another
    thread (a fit in joblib's threading backend, a Dask or Ray Tune thread) meanwhile asks for
    nothing and leaves the count as it is on entry and on exit, so fits in threads never undo
    each other's limits. Set the limit for them in the thread that starts them
    (``threadpool_limits(1)`` around the search).

    Parameters
    ----------
    threads : int or None
        The number of threads, or None for the automatic choice.
    shapes : iterable of tuple of int
        The model's parameter shapes.
    batch_size : int
        Samples per training step.

    Yields
    ------
    int
        The thread count in force.

    Examples
    --------
    >>> with blas_threads(None, [(3, 4), (4, 1)], batch_size=4) as n:
    ...     n
    1
    """
    check_threads(threads)
    controller = _controller()
    if threads is None:
        limit = min(cores(), current_blas_threads())
        threads = choose_threads(largest_matmul_flops(shapes, batch_size), limit)
    if not controller.lib_controllers:
        yield int(threads)
        return
    if _held_by_another_thread():  # its limit stays in force, through this block and after
        yield current_blas_threads()
        return
    with controller.limit(limits=int(threads)):
        yield int(threads)
