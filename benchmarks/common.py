"""Shared helpers of the benchmarks: interleaved timing, medians, ratio tables, peak memory."""

from __future__ import annotations

import statistics
import time
import tracemalloc
from collections.abc import Callable
from typing import Any


def interleaved_medians(
    runners: dict[str, Callable[[], Any]], repeats: int
) -> tuple[dict[str, float], dict[str, Any]]:
    """Run every contestant once per round, ``repeats`` rounds, and return median seconds.

    Interleaving spreads the noise of a shared machine over all contestants alike.
    """
    times: dict[str, list[float]] = {name: [] for name in runners}
    results: dict[str, Any] = {}
    for _ in range(repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(t) for name, t in times.items()}, results


def peak_memory_bytes(run: Callable[[], Any]) -> int:
    """Peak of Python and NumPy allocations (tracemalloc) during one call of ``run``."""
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def print_table(title: str, medians: dict[str, float], base: str, extra: dict[str, str]) -> None:
    """Print median times with their ratio to ``base`` and one extra column per contestant."""
    print(title)
    width = max(len(name) for name in medians)
    for name, seconds in medians.items():
        ratio = seconds / medians[base]
        print(f"  {name:<{width}}  {seconds:8.3f} s  {ratio:6.2f}x {base}  {extra.get(name, '')}")
