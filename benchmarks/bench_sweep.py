"""Width x batch sweep: one training step of a 2-layer MLP, 784 -> hidden -> 10, side by side.

Hidden 8, 64, 512, 2048 x batch 1, 32, 1024; ReLU, softmax cross-entropy, SGD lr 0.01,
float32, the same batch every step. For each cell: the median time per step of gradlab
(``gl.fit``, one full-batch step per epoch), the handwritten NumPy step (the base), PyTorch
eager on 1 and 2 threads and a ``jax.jit``-compiled step, as ratios to NumPy; and the GEMM
floor, the five products a step computes (two forward, two weight gradients, the input
gradient of the second layer; none for the data) timed alone. NumPy's BLAS runs on gradlab's
automatic thread count for the cell (column "thr").

    python benchmarks/bench_sweep.py [--repeats 5] [--quick]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from common import (
    add_torch_and_jax,
    arguments,
    blas_threads,
    gradlab_threads,
    interleaved_medians,
    jax_modules,
)

import gradlab as gl

D, K, LR = 784, 10, 0.01
HIDDEN = (8, 64, 512, 2048)
BATCHES = (1, 32, 1024)
BASE = "numpy"


def flops(hidden: int, batch: int) -> int:
    """2 x batch x (2 x weights + hidden x K): forward, weight gradients, one input gradient."""
    return 2 * batch * (2 * (D * hidden + hidden * K) + hidden * K)


def problem(hidden: int, batch: int) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((batch, D), dtype=np.float32)
    y = rng.integers(0, K, batch)
    weights = {
        "0.weight": (rng.standard_normal((D, hidden)) / np.sqrt(D)).astype(np.float32),
        "0.bias": np.zeros(hidden, np.float32),
        "2.weight": (rng.standard_normal((hidden, K)) / np.sqrt(hidden)).astype(np.float32),
        "2.bias": np.zeros(K, np.float32),
    }
    return X, y, weights


def contestants(hidden: int, batch: int, steps: int) -> dict[str, Any]:
    X, y, start = problem(hidden, batch)

    def run_gradlab() -> np.ndarray:
        with gl.nn.init.skip_init():
            model = gl.nn.MLP(D, [hidden], K, activation="relu", dtype=np.float32)
        model.load_state_dict(start)
        gl.fit(
            model, X, y, loss="cross_entropy", optimizer="sgd", lr=LR, epochs=steps,
            shuffle=False, verbose=0, divergence_factor=None,
        )  # fmt: skip
        return model.state_dict()["2.weight"]

    def run_numpy() -> np.ndarray:
        w1, b1, w2, b2 = (start[k].copy() for k in ("0.weight", "0.bias", "2.weight", "2.bias"))
        rows = np.arange(batch)
        for _ in range(steps):
            h = X @ w1 + b1
            a = np.maximum(h, 0)
            z = a @ w2 + b2
            e = np.exp(z - z.max(axis=1, keepdims=True))
            dz = e / e.sum(axis=1, keepdims=True)
            dz[rows, y] -= 1
            dz /= batch
            dh = (dz @ w2.T) * (h > 0)
            w2 -= LR * (a.T @ dz)
            b2 -= LR * dz.sum(0)
            w1 -= LR * (X.T @ dh)
            b1 -= LR * dh.sum(0)
        return w2

    def run_torch() -> np.ndarray:
        import torch

        model = torch.nn.Sequential(
            torch.nn.Linear(D, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, K)
        )
        with torch.no_grad():
            for i in (0, 2):
                model[i].weight.copy_(torch.from_numpy(start[f"{i}.weight"].T))
                model[i].bias.copy_(torch.from_numpy(start[f"{i}.bias"]))
        optimizer = torch.optim.SGD(model.parameters(), lr=LR)
        loss_fn = torch.nn.CrossEntropyLoss()
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        for _ in range(steps):
            optimizer.zero_grad()
            loss_fn(model(Xt), yt).backward()
            optimizer.step()
        return model[2].weight.detach().numpy().T

    jax_step: list[Any] = []

    def run_jax() -> np.ndarray:
        jax, jnp = jax_modules()
        if not jax_step:

            def loss(params: Any) -> Any:
                w1, b1, w2, b2 = params
                z = jnp.maximum(X @ w1 + b1, 0) @ w2 + b2
                return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(z), y[:, None], axis=1))

            def step(params: Any) -> Any:
                grads = jax.grad(loss)(params)
                return tuple(p - LR * g for p, g in zip(params, grads, strict=True))

            jax_step.append(jax.jit(step))
        params = tuple(jnp.asarray(start[k]) for k in ("0.weight", "0.bias", "2.weight", "2.bias"))
        for _ in range(steps):
            params = jax_step[0](params)
        return np.asarray(params[2])

    def gemm_floor() -> np.ndarray:
        w1, w2 = start["0.weight"], start["2.weight"]
        a = np.ones((batch, hidden), np.float32)
        dz = np.ones((batch, K), np.float32)
        for _ in range(steps):
            X @ w1, a @ w2  # forward
            dz @ w2.T  # the hidden layer's input gradient
            a.T @ dz, X.T @ a  # weight gradients (a stands in for the hidden gradient)
        return w2

    found: dict[str, Any] = {"gradlab": run_gradlab, BASE: run_numpy}
    add_torch_and_jax(found, run_torch, run_jax)
    found["GEMM floor"] = gemm_floor
    return found


def main() -> None:
    args = arguments(__doc__, repeats=5)
    budget = 2e8 if args.quick else 1e9  # flops per timed run, so every cell takes similar time
    names = ["gradlab", "pytorch 1 thread", "pytorch 2 threads", "jax jit step", "GEMM floor"]
    print(
        f"2-layer MLP {D} -> hidden -> {K}, one SGD step, float32; median of {args.repeats} "
        "interleaved runs; times are NumPy's per step, the rest ratios to it"
    )
    header = f"{'hidden':>6} {'batch':>5} {'MFLOP':>8} {'thr':>3} {'numpy/step':>11}"
    print(header + "".join(f" {name:>17}" for name in names))
    for hidden in HIDDEN:
        for batch in BATCHES:
            work = flops(hidden, batch)
            steps = int(max(3, min(300 if args.quick else 1000, budget / work)))
            found = contestants(hidden, batch, steps)
            threads = gradlab_threads([(D, hidden), (hidden, K)], batch)
            with blas_threads(threads):
                medians, weights = interleaved_medians(found, args.repeats)
            for name in ("gradlab", "pytorch 1 thread", "jax jit step"):
                if name in weights:
                    assert np.allclose(weights[name], weights[BASE], atol=1e-4), (name, hidden)
            per_step = medians[BASE] / steps
            unit = f"{per_step * 1e6:8.1f} us" if per_step < 1e-2 else f"{per_step * 1e3:8.2f} ms"
            row = f"{hidden:>6} {batch:>5} {work / 1e6:>8.2f} {threads:>3} {unit:>11}"
            row += "".join(
                f" {medians[n] / medians[BASE]:>16.2f}x" if n in medians else f" {'-':>17}"
                for n in names
            )
            print(row, flush=True)


if __name__ == "__main__":
    main()
