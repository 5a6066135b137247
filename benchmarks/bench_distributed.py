"""Data-parallel training of the wide network (784-256-128-10 ReLU, float32): what one step
costs in compute and in communication, measured here, and the speed-up on N machines that
those measurements project.

Measured on this machine:

1. compute: one training step (forward, loss, backward, SGD update) through ``gl.fit`` at
   the per-worker batch sizes B / N, with one BLAS thread (median of several runs);
2. communication: the sum of one step's flat gradient buffer (235 146 float32 values plus
   the loss: 0.94 MB) between two Ray workers, by the object store and by Ray's collective
   GLOO allreduce (median milliseconds per round);
3. end to end: ``gradlab.distributed.fit`` with 2 workers against ``gl.fit``, per step.

Projected for N machines (one worker each), stated assumptions: a ring allreduce, whose
time is 2 (N - 1) / N x bytes / bandwidth + 2 (N - 1) x latency, plus the software overhead
of one round measured here (localhost, 2 workers; assumed not to grow with N), for a
network bandwidth of 1, 10 and 25 Gbit/s and 50 microseconds latency per hop; compute at
B / N samples per worker as measured here on one core. Speed-up = step(1) / step(N).

    python benchmarks/bench_distributed.py [--repeats 5] [--json figures.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import numpy as np

import gradlab as gl

D, H1, H2, K = 784, 256, 128, 10
SIZES = (128, 1024)
MACHINES = (1, 2, 4, 8, 16, 32)
BANDWIDTHS_GBIT = (1, 10, 25)
LATENCY_S = 50e-6


def _model() -> gl.nn.Module:
    return gl.nn.MLP(D, [H1, H2], K, activation="relu", dtype=np.float32, rng=0)


def compute_seconds(batch: int, steps: int, repeats: int) -> float:
    """Median seconds of one gl.fit step at ``batch`` samples, with one BLAS thread."""
    from threadpoolctl import threadpool_limits

    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch * steps, D), dtype=np.float32)
    y = rng.integers(0, K, batch * steps)
    times = []
    with threadpool_limits(limits=1):
        for _ in range(repeats):
            model = _model()
            start = time.perf_counter()
            gl.fit(
                model,
                X,
                y,
                loss="cross_entropy",
                optimizer="sgd",
                lr=0.01,
                epochs=1,
                batch_size=batch,
                shuffle=False,
                verbose=0,
            )
            times.append((time.perf_counter() - start) / steps)
    return statistics.median(times)


def sum_milliseconds(communication: str, values: int, rounds: int) -> float:
    """Median milliseconds of one sum of ``values`` float32 between two Ray workers."""
    import ray

    from gradlab.distributed.ray_fit import Team

    team = Team(2, communication, threads=1, cpus=1.0)
    try:
        per_rank = ray.get([w.time_sums.remote(values, "float32", rounds) for w in team.workers])
    finally:
        team.stop()
    return 1e3 * statistics.median(per_rank[0][rounds // 5 :])  # without the warm-up rounds


def end_to_end(steps: int) -> dict[str, float]:
    """Milliseconds per step of gl.fit and of distributed.fit with 2 workers, batch 128."""
    import gradlab.distributed

    rng = np.random.default_rng(0)
    X = rng.standard_normal((128 * steps, D), dtype=np.float32)
    y = rng.integers(0, K, 128 * steps)
    options = {
        "loss": "cross_entropy",
        "optimizer": "sgd",
        "lr": 0.01,
        "epochs": 2,
        "batch_size": 128,
        "rng": 0,
        "verbose": 0,
    }
    start = time.perf_counter()
    gl.fit(_model(), X, y, **options)
    single = (time.perf_counter() - start) / (2 * steps)
    figures = {"gl.fit": 1e3 * single}
    for communication in ("object_store", "collective"):
        start = time.perf_counter()
        history = gradlab.distributed.fit(
            _model(), X, y, num_workers=2, communication=communication, **options
        )
        wall = (time.perf_counter() - start) / (2 * steps)
        comm = history.params["communication"]
        figures[f"distributed {communication} (wall, with start-up)"] = 1e3 * wall
        figures[f"distributed {communication} sum (median)"] = comm["median_ms_per_step"]
    return figures


def project(compute: dict[int, float], overhead_ms: float, nbytes: int) -> list[list[str]]:
    """Rows of projected step time and speed-up for each global batch, N and bandwidth."""
    rows = []
    for global_batch in SIZES:
        base = compute[global_batch]
        for n in MACHINES:
            cells = [str(global_batch), str(n), f"{1e3 * compute[global_batch // n]:.2f}"]
            for gbit in BANDWIDTHS_GBIT:
                if n == 1:
                    cells.append("1.00x")
                    continue
                ring = 2 * (n - 1) / n * nbytes / (gbit * 1e9 / 8) + 2 * (n - 1) * LATENCY_S
                step = compute[global_batch // n] + ring + overhead_ms / 1e3
                cells.append(f"{base / step:.2f}x")
            rows.append(cells)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", help="also write the figures to this file")
    args = parser.parse_args()
    import ray

    params = sum(p.size for p in _model().parameters())
    nbytes = 4 * (params + 1)
    print(f"wide network: {params} parameters; gradient buffer {nbytes / 1e6:.2f} MB (float32)")
    batches = sorted({b // n for b in SIZES for n in MACHINES})
    compute = {b: compute_seconds(b, max(8, 4096 // b), args.repeats) for b in batches}
    print("compute per step, one BLAS thread (gl.fit):")
    for b in batches:
        print(f"  batch {b:>5}: {1e3 * compute[b]:8.3f} ms")
    ray.init(
        address="local",
        include_dashboard=False,
        num_cpus=2,
        log_to_driver=False,
        _node_ip_address="127.0.0.1",
    )
    try:
        sums = {c: sum_milliseconds(c, params + 1, 100) for c in ("object_store", "collective")}
        print("sum of one step's buffer between 2 Ray workers on this machine:")
        for c, ms in sums.items():
            print(f"  {c:<13} {ms:8.3f} ms  ({nbytes / 1e6 / (ms / 1e3):.0f} MB/s)")
        e2e = end_to_end(steps=40)
        print("end to end, batch 128, per step:")
        for name, ms in e2e.items():
            print(f"  {name:<50} {ms:8.3f} ms")
    finally:
        ray.shutdown()
    overhead = min(sums.values())
    print(
        f"projection: ring allreduce, {LATENCY_S * 1e6:.0f} us latency per hop, "
        f"{overhead:.2f} ms software overhead per round (the faster sum measured above)"
    )
    header = ["batch", "N", "compute ms", *(f"{g} Gbit/s" for g in BANDWIDTHS_GBIT)]
    rows = project(compute, overhead, nbytes)
    print("  " + " | ".join(f"{h:>11}" for h in header))
    for row in rows:
        print("  " + " | ".join(f"{c:>11}" for c in row))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "compute_ms": {b: 1e3 * s for b, s in compute.items()},
                    "sum_ms": sums,
                    "end_to_end_ms": e2e,
                    "rows": rows,
                },
                f,
                indent=1,
            )


if __name__ == "__main__":
    main()
