"""Memory: one epoch on a float32 np.memmap of --gib GiB (784 features, 10 classes).

Each contestant runs in its own subprocess, which reports its peak resident set (VmHWM: it
includes the file's pages that the kernel maps in as they are read, which it can drop at any
time) and its peak private memory (the ``Anonymous`` memory of /proc/self/smaps_rollup,
sampled every 20 ms: what the process itself allocated, and what would not fit if the data
were copied). A copy of X in float64 would take 2 x the file's size of private memory.

    python benchmarks/bench_memmap.py                 # 0.5 GiB: about two minutes
    python benchmarks/bench_memmap.py --gib 6.5       # more than a quarter of 24 GiB of RAM
    python benchmarks/bench_memmap.py --gib 1 --sklearn   # also scikit-learn's MLPClassifier

The file is written to --dir (default: the system's temporary folder) and removed after.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

D, K, BATCH = 784, 10, 128
GIB = 2**30

CONTESTANTS = {
    "gl.fit float32 model": "fit32",
    "gl.fit float64 model (float32 file)": "fit64",
    "gradlab MLPClassifier (float64)": "estimator",
    "scikit-learn MLPClassifier": "sklearn",
}


def write_data(path: Path, rows: int) -> None:
    """Gaussian inputs labelled by a random linear teacher, written 65 536 rows at a time."""
    rng = np.random.default_rng(0)
    teacher = rng.standard_normal((D, K), dtype=np.float32)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(rows, D))
    labels = np.empty(rows, np.int64)
    for start in range(0, rows, 65_536):
        block = rng.standard_normal((min(65_536, rows - start), D), dtype=np.float32)
        X[start : start + len(block)] = block
        labels[start : start + len(block)] = np.argmax(block @ teacher, axis=1)
    X.flush()
    del X
    np.save(path.with_suffix(".labels.npy"), labels)


def _anonymous_bytes() -> int:
    with open("/proc/self/smaps_rollup") as f:
        for line in f:
            if line.startswith("Anonymous:"):
                return int(line.split()[1]) * 1024
    return 0


def _peak_rss_bytes() -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    return 0


def child(kind: str, path: Path) -> None:
    """Train one epoch in this process and print its figures as one JSON line."""
    import gradlab as gl

    X = np.load(path, mmap_mode="r")
    y = np.load(path.with_suffix(".labels.npy"))
    peak = [_anonymous_bytes()]
    before = peak[0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.02):
            peak[0] = max(peak[0], _anonymous_bytes())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    start = time.perf_counter()
    if kind in ("fit32", "fit64"):
        dtype = np.float32 if kind == "fit32" else np.float64
        model = gl.nn.MLP(D, [256, 128], K, activation="relu", dtype=dtype, rng=0)
        gl.fit(
            model,
            X,
            y,
            loss="cross_entropy",
            optimizer="sgd",
            lr=0.05,
            epochs=1,
            batch_size=BATCH,
            rng=1,
            verbose=0,
        )
    else:
        import warnings

        from sklearn.exceptions import ConvergenceWarning

        if kind == "estimator":
            from gradlab.sklearn import MLPClassifier
        else:
            from sklearn.neural_network import MLPClassifier
        warnings.simplefilter("ignore", ConvergenceWarning)
        MLPClassifier((256, 128), max_iter=1, batch_size=BATCH, random_state=0).fit(X, y)
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    peak[0] = max(peak[0], _anonymous_bytes())
    print(
        json.dumps(
            {
                "seconds": seconds,
                "rss": _peak_rss_bytes(),
                "private": peak[0],
                "private_before": before,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gib", type=float, default=0.5, help="size of the float32 file")
    parser.add_argument("--dir", default=tempfile.gettempdir(), help="where to write the file")
    parser.add_argument("--sklearn", action="store_true", help="also scikit-learn's MLP")
    parser.add_argument("--only", choices=list(CONTESTANTS.values()), help="one contestant")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child[0], Path(args.child[1]))
        return
    rows = int(args.gib * GIB) // (D * 4)
    folder = Path(tempfile.mkdtemp(dir=args.dir, prefix="gradlab-memmap-"))
    path = folder / "X.npy"
    try:
        start = time.perf_counter()
        write_data(path, rows)
        print(
            f"X: {rows} x {D} float32 = {path.stat().st_size / GIB:.2f} GiB "
            f"(written in {time.perf_counter() - start:.0f} s); one epoch, batch {BATCH}, "
            "784-256-128-10 ReLU"
        )
        print(
            f"  {'contestant':<38} {'seconds':>8} {'peak RSS':>12} {'peak private':>13} "
            f"{'(of which training)':>20}"
        )
        for name, kind in CONTESTANTS.items():
            if (kind == "sklearn" and not args.sklearn) or args.only not in (None, kind):
                continue
            out = subprocess.run(
                [sys.executable, __file__, "--child", kind, str(path)],
                check=True,
                capture_output=True,
                text=True,
                env={**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")},
            ).stdout
            figures = json.loads(out.strip().splitlines()[-1])
            print(
                f"  {name:<38} {figures['seconds']:8.1f} {figures['rss'] / GIB:8.2f} GiB "
                f"{figures['private'] / GIB:9.3f} GiB "
                f"{(figures['private'] - figures['private_before']) / GIB:16.3f} GiB"
            )
    finally:
        for file in folder.iterdir():
            file.unlink()
        folder.rmdir()


if __name__ == "__main__":
    main()
