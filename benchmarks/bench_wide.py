"""Wide: one epoch of SGD on 60 000 x 784 float32 through 784-256-128-10 ReLU, side by side.

Contestants: gradlab (``gl.fit``), the same math handwritten in NumPy, PyTorch (CPU). The GEMM
floor is 6 x samples x weights (forward, and two products backward, of 2 flops each) divided
by the float32 matmul rate measured in the same run. Peak memory (tracemalloc, which sees NumPy's
allocations) of gradlab and of the handwritten loop is measured in separate runs so that
tracing does not slow the timed ones.

    python benchmarks/bench_wide.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import time

import numpy as np
from common import interleaved_medians, peak_memory_bytes, print_table

import gradlab as gl

N, D, H1, H2, K = 60_000, 784, 256, 128, 10
BATCH, LR = 128, 0.05


def make_data() -> tuple[np.ndarray, np.ndarray]:
    """Gaussian inputs labelled by a random linear teacher, so that there is something to learn."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((N, D), dtype=np.float32)
    teacher = rng.standard_normal((D, K), dtype=np.float32)
    return X, np.argmax(X @ teacher, axis=1)


def initial_weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    sizes = [(D, H1), (H1, H2), (H2, K)]
    weights = {}
    for i, (fan_in, fan_out) in enumerate(sizes):
        limit = np.sqrt(6 / (fan_in + fan_out))
        weights[f"{2 * i}.weight"] = rng.uniform(-limit, limit, (fan_in, fan_out)).astype(
            np.float32
        )
        weights[f"{2 * i}.bias"] = np.zeros(fan_out, np.float32)
    return weights


def run_gradlab(X: np.ndarray, y: np.ndarray) -> float:
    with gl.nn.init.skip_init():  # the shared initial weights are loaded right after
        model = gl.nn.MLP(D, [H1, H2], K, activation="relu", dtype=np.float32)
    model.load_state_dict(initial_weights())
    history = gl.fit(
        model,
        X,
        y,
        loss="cross_entropy",
        optimizer=gl.optim.SGD(model.parameters(), lr=LR),
        epochs=1,
        batch_size=BATCH,
        rng=2,
        verbose=0,
    )
    return float(history.history["loss"][-1])


def run_numpy(X: np.ndarray, y: np.ndarray) -> float:
    p = initial_weights()
    w1, b1, w2, b2, w3, b3 = (p[k] for k in sorted(p, key=lambda k: (int(k[0]), k[2:] == "bias")))
    order = np.random.default_rng(2).permutation(N)
    total = 0.0
    for start in range(0, N, BATCH):
        index = order[start : start + BATCH]
        x, t = X[index], y[index]
        h1 = x @ w1 + b1
        a1 = np.maximum(h1, 0)
        h2 = a1 @ w2 + b2
        a2 = np.maximum(h2, 0)
        z = a2 @ w3 + b3
        shifted = z - z.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        sums = e.sum(axis=1, keepdims=True)
        rows = np.arange(len(index))
        total += float(np.mean(np.log(sums[:, 0]) - shifted[rows, t])) * len(index)
        dz = e / sums
        dz[rows, t] -= 1
        dz /= len(index)
        d2 = (dz @ w3.T) * (h2 > 0)
        d1 = (d2 @ w2.T) * (h1 > 0)
        grads = (x.T @ d1, d1.sum(0), a1.T @ d2, d2.sum(0), a2.T @ dz, dz.sum(0))
        for param, grad in zip((w1, b1, w2, b2, w3, b3), grads, strict=True):
            param -= LR * grad
    return total / N


def run_torch(X: np.ndarray, y: np.ndarray) -> float:
    import torch

    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    p = initial_weights()
    model = torch.nn.Sequential(
        torch.nn.Linear(D, H1),
        torch.nn.ReLU(),
        torch.nn.Linear(H1, H2),
        torch.nn.ReLU(),
        torch.nn.Linear(H2, K),
    )
    with torch.no_grad():
        for i in (0, 2, 4):
            model[i].weight.copy_(torch.from_numpy(p[f"{i}.weight"].T))
            model[i].bias.copy_(torch.from_numpy(p[f"{i}.bias"]))
    optimizer = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.from_numpy(np.random.default_rng(2).permutation(N))
    total = 0.0
    for start in range(0, N, BATCH):
        index = order[start : start + BATCH]
        optimizer.zero_grad()
        loss = loss_fn(model(Xt[index]), yt[index])
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
    return total / N


def matmul_flops_per_second() -> float:
    """The float32 GEMM rate on this layer's shapes (forward and both backward products)."""
    rng = np.random.default_rng(3)
    a = rng.standard_normal((BATCH, D), dtype=np.float32)
    w = rng.standard_normal((D, H1), dtype=np.float32)
    g = rng.standard_normal((BATCH, H1), dtype=np.float32)
    repeats = 200
    start = time.perf_counter()
    for _ in range(repeats):
        a @ w
        a.T @ g
        g @ w.T
    seconds = time.perf_counter() - start
    return 3 * 2 * BATCH * D * H1 * repeats / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    X, y = make_data()
    runners = {
        "gradlab": lambda: run_gradlab(X, y),
        "numpy (handwritten)": lambda: run_numpy(X, y),
    }
    if importlib.util.find_spec("torch"):
        runners["pytorch"] = lambda: run_torch(X, y)
    else:
        print("PyTorch is not installed: its row is skipped (pip install torch==2.13.0).")
    medians, losses = interleaved_medians(runners, args.repeats)
    weights = D * H1 + H1 * H2 + H2 * K
    floor = 6 * N * weights / matmul_flops_per_second()
    medians["GEMM floor"] = floor
    print_table(
        f"wide {N}x{D} float32 -> {H1} -> {H2} -> {K} ReLU, SGD batch {BATCH}, one epoch, "
        f"median of {args.repeats}",
        medians,
        "numpy (handwritten)",
        {name: f"mean train loss {loss:.4f}" for name, loss in losses.items()},
    )
    if "pytorch" in medians:
        print(f"  gradlab is {medians['pytorch'] / medians['gradlab']:.2f}x faster than pytorch")
    peak_gradlab = peak_memory_bytes(lambda: run_gradlab(X, y))
    peak_numpy = peak_memory_bytes(lambda: run_numpy(X, y))
    print(
        f"  peak memory beyond the data: gradlab {peak_gradlab / 2**20:.1f} MiB, handwritten "
        f"{peak_numpy / 2**20:.1f} MiB ({peak_gradlab / peak_numpy:.2f}x)"
    )


if __name__ == "__main__":
    main()
