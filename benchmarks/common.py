"""Shared helpers of the benchmarks: interleaved timing, medians, ratio tables, thread limits,
PyTorch and JAX contestants, and peak memory measured in a fresh process per contestant."""

from __future__ import annotations

import argparse
import functools
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
Runner = Callable[[], Any]


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


def arguments(doc: str, repeats: int) -> argparse.Namespace:
    """The options every benchmark takes: --repeats, --quick, --no-memory."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument(
        "--quick", action="store_true", help="a smaller workload and 3 repeats, for a check"
    )
    parser.add_argument(
        "--no-memory", action="store_true", help="skip the peak-memory runs (one process each)"
    )
    args = parser.parse_args()
    if args.quick:
        args.repeats = min(args.repeats, 3)
    return args


# ------------------------------------------------------------------------------ threads
@functools.cache
def _blas() -> Any:
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController().select(user_api="blas")


def blas_threads(n: int) -> Any:
    """A context in which NumPy's BLAS uses ``n`` threads."""
    return _blas().limit(limits=n)


def gradlab_threads(shapes: list[tuple[int, ...]], batch: int) -> int:
    """The BLAS threads gradlab's automatic rule chooses for this workload."""
    from gradlab.training import threads

    return threads.choose_threads(threads.largest_matmul_flops(shapes, batch), threads.cores())


def on_blas_threads(n: int, run: Runner) -> Runner:
    """``run`` with NumPy's BLAS held to ``n`` threads."""

    def limited() -> Any:
        with blas_threads(n):
            return run()

    return limited


def on_torch_threads(n: int, run: Runner) -> Runner:
    """``run`` with PyTorch's intra-op pool at ``n`` threads (restored after)."""

    def limited() -> Any:
        import torch

        before = torch.get_num_threads()
        torch.set_num_threads(n)
        try:
            return run()
        finally:
            torch.set_num_threads(before)

    return limited


def have(module: str) -> bool:
    if importlib.util.find_spec(module) is None:
        print(f"{module} is not installed: its rows are skipped (pip install -e '.[bench]').")
        return False
    return True


def add_torch_and_jax(
    runners: dict[str, Runner], torch_run: Runner | None, jax_run: Runner | None
) -> None:
    """Add PyTorch eager on 1 and 2 threads and the JAX contestant, when installed."""
    if torch_run is not None and have("torch"):
        runners["pytorch 1 thread"] = on_torch_threads(1, torch_run)
        runners["pytorch 2 threads"] = on_torch_threads(2, torch_run)
    if jax_run is not None and have("jax"):
        jax_run()  # compiles the step: jit's cache keeps it for the timed runs
        runners["jax jit step"] = jax_run


@functools.cache
def jax_modules() -> tuple[Any, Any]:
    """``jax`` and ``jax.numpy`` with float64 enabled (float32 inputs stay float32)."""
    import jax

    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    return jax, jnp


# ------------------------------------------------------------------------ peak memory
_CHILD = """
import json, sys
sys.path.insert(0, {here!r})
import {module} as bench
def rss(field):
    for line in open('/proc/self/status'):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
runners = bench.runners({quick!r})
runner = runners[{name!r}]
runner()  # warm: imports, thread pools, caches; the second run is the one measured
base = rss('VmRSS:')
with open('/proc/self/clear_refs', 'w') as f:
    f.write('5')  # resets the high-water mark VmHWM to the current size
runner()
print(json.dumps(rss('VmHWM:') - base))
"""


def peak_rss_bytes(module: str, name: str, quick: bool) -> int | None:
    """Resident memory a contestant adds at its peak, measured in a fresh process.

    The child imports the benchmark, builds the data and every contestant (compiling a JAX
    step), runs the contestant once to warm it (imports, thread pools), resets the kernel's
    high-water mark, runs it again and reports its peak resident size minus the size before
    that run. Linux only (``/proc``); None elsewhere. The same page-granular measure for every
    library (tracemalloc would not see PyTorch's or XLA's allocations).
    """
    if not Path("/proc/self/clear_refs").exists():
        return None
    code = _CHILD.format(here=str(HERE), module=module, quick=quick, name=name)
    # Blocks from 64 KiB up are mapped and unmapped one by one, so that resident memory follows
    # what is live rather than what glibc's arenas kept from the warm-up run.
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TRIM_THRESHOLD_": "0"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    if done.returncode != 0:
        print(f"  (peak memory of {name} failed: {done.stderr.strip().splitlines()[-1:]})")
        return None
    return int(json.loads(done.stdout.strip().splitlines()[-1]))


def print_memory(module: str, names: list[str], quick: bool, base: str) -> None:
    """Peak resident memory of each contestant, one process each, and its ratio to ``base``."""
    # PyTorch on 2 threads holds what it holds on 1, and under load takes many times as long.
    names = [name for name in names if name != "pytorch 2 threads"]
    peaks = {name: peak_rss_bytes(module, name, quick) for name in names}
    print("  peak memory added by one run (resident, a fresh process per contestant):")
    reference = peaks.get(base)
    for name, peak in peaks.items():
        if peak is None:
            continue
        ratio = f"  {peak / reference:5.2f}x {base}" if reference else ""
        width = max(map(len, peaks))
        print(f"    {name:<{width}} {peak / 2**20:8.1f} MiB{ratio}")


def report(
    title: str,
    medians: dict[str, float],
    base: str,
    extra: dict[str, str] | None = None,
    unit: float = 1.0,
    unit_name: str = "s",
) -> None:
    """Median times, their ratio to ``base`` and to gradlab, and any extra text per row."""
    print(title)
    width = max(len(name) for name in medians)
    gradlab = next((n for n in medians if n.startswith("gradlab")), base)
    for name, seconds in medians.items():
        print(
            f"  {name:<{width}}  {seconds / unit:9.3f} {unit_name}  "
            f"{seconds / medians[base]:6.2f}x {base}  {seconds / medians[gradlab]:6.2f}x "
            f"{gradlab}  {(extra or {}).get(name, '')}"
        )
