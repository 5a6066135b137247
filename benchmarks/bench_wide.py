"""Wide: one epoch of SGD on 60 000 x 784 float32 through 784-256-128-10 ReLU, side by side.

MNIST's shape with synthetic data (Gaussian inputs labelled by a random linear teacher: MNIST is
not needed offline), batch 128, lr 0.05; --quick trains on the first 12 800 samples.
Contestants: gradlab (``gl.fit``), the same math handwritten in NumPy (the base), PyTorch
eager on 1 and 2 threads, JAX with one ``jax.jit``-compiled training step.

The GEMM floor is the time of the matrix products a step really computes, timed alone on the
same shapes for every batch of the epoch: three forward, three weight gradients, and the input
gradients of the second and third layers only (nobody needs the gradient of the data). The
FLOP count is theirs: 2 x samples x (2 x weights + 256 x 128 + 128 x 10).

    python benchmarks/bench_wide.py [--repeats 3] [--quick] [--no-memory]
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np
from common import (
    add_torch_and_jax,
    arguments,
    blas_threads,
    gradlab_threads,
    interleaved_medians,
    jax_modules,
    print_memory,
    report,
)

import gradlab as gl

N, D, H1, H2, K = 60_000, 784, 256, 128, 10
BATCH, LR = 128, 0.05
BASE = "numpy (handwritten)"
SHAPES = [(D, H1), (H1, H2), (H2, K)]


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
    N = len(X)
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
    N = len(X)
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


_STEP: list[Any] = []


def _jax_step() -> Any:
    jax, jnp = jax_modules()

    def loss(params: Any, x: Any, t: Any) -> Any:
        w1, b1, w2, b2, w3, b3 = params
        a1 = jnp.maximum(x @ w1 + b1, 0)
        z = jnp.maximum(a1 @ w2 + b2, 0) @ w3 + b3
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(z), t[:, None], axis=1))

    def step(params: Any, x: Any, t: Any) -> Any:
        value, grads = jax.value_and_grad(loss)(params, x, t)
        return tuple(p - LR * g for p, g in zip(params, grads, strict=True)), value

    return jax.jit(step)


def run_jax(X: np.ndarray, y: np.ndarray) -> float:
    if not _STEP:
        _STEP.append(_jax_step())
    _, jnp = jax_modules()
    p = initial_weights()
    params = tuple(jnp.asarray(p[f"{i}.{kind}"]) for i in (0, 2, 4) for kind in ("weight", "bias"))
    n = len(X)
    order = np.random.default_rng(2).permutation(n)
    losses = []
    for start in range(0, n, BATCH):
        index = order[start : start + BATCH]
        params, value = _STEP[0](params, X[index], y[index])
        losses.append(value * len(index))
    return float(sum(float(v) for v in losses)) / n


def gemm_floor_seconds(n: int) -> float:
    """The epoch's matrix products alone, on its shapes: a lower bound for any NumPy loop."""
    rng = np.random.default_rng(3)
    w = [rng.standard_normal(shape, dtype=np.float32) for shape in SHAPES]
    x = rng.standard_normal((BATCH, D), dtype=np.float32)
    a1 = rng.standard_normal((BATCH, H1), dtype=np.float32)
    a2 = rng.standard_normal((BATCH, H2), dtype=np.float32)
    dz = rng.standard_normal((BATCH, K), dtype=np.float32)
    start = time.perf_counter()
    for _ in range(-(-n // BATCH)):
        x @ w[0], a1 @ w[1], a2 @ w[2]  # forward
        dz @ w[2].T, a2 @ w[1].T  # input gradients of layers 3 and 2 (a2, a1 stand in)
        x.T @ a1, a1.T @ a2, a2.T @ dz  # weight gradients
    return time.perf_counter() - start


def flops(n: int) -> int:
    """Flops of the products a step computes: forward, weight gradients, two input gradients."""
    weights = sum(rows * cols for rows, cols in SHAPES)
    return 2 * n * (2 * weights + H1 * H2 + H2 * K)


def runners(quick: bool = False) -> dict[str, Any]:
    X, y = make_data()
    if quick:
        X, y = X[:12_800], y[:12_800]
    found: dict[str, Any] = {
        "gradlab (gl.fit)": lambda: run_gradlab(X, y),
        BASE: lambda: run_numpy(X, y),
    }
    add_torch_and_jax(found, lambda: run_torch(X, y), lambda: run_jax(X, y))
    found["GEMM floor"] = lambda: gemm_floor_seconds(len(X))
    return found


def main() -> None:
    args = arguments(__doc__, repeats=3)
    found = runners(args.quick)
    n = 12_800 if args.quick else N
    threads = gradlab_threads(SHAPES, BATCH)
    with blas_threads(threads):  # gradlab's automatic choice, for every NumPy contestant
        medians, losses = interleaved_medians(found, args.repeats)
    rate = flops(n) / medians["GEMM floor"] / 1e9
    extra = {name: f"mean train loss {loss:.4f}" for name, loss in losses.items()}
    extra["GEMM floor"] = f"{flops(n) / 1e9:.1f} GFLOP at {rate:.1f} GFLOP/s"
    report(
        f"wide {n}x{D} float32 -> {H1} -> {H2} -> {K} ReLU, SGD batch {BATCH}, one epoch, "
        f"NumPy BLAS on {threads} thread(s), median of {args.repeats} interleaved runs",
        medians,
        BASE,
        extra,
    )
    if not args.no_memory:
        names = [name for name in found if name != "GEMM floor"]
        print_memory("bench_wide", names, args.quick, BASE)


if __name__ == "__main__":
    main()
