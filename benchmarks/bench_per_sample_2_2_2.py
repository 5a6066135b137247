"""Per-sample training of a 2-2-2 sigmoid network: 10 samples, batch size 1, 100 epochs.

Biases, sigmoid hidden and output layers, half-sum squared error, SGD lr 0.5, the samples in a
fixed order (1000 steps of one sample each), float64. Each step is a few 1x2 and 2x2
products, so the time is the Python around the kernels. Contestants: gradlab through
``gl.fit``, the same math handwritten in NumPy (the base), PyTorch eager on 1 and 2 threads,
JAX with one ``jax.jit``-compiled training step.

    python benchmarks/bench_per_sample_2_2_2.py [--repeats 7] [--quick] [--no-memory]
"""

from __future__ import annotations

from typing import Any

import numpy as np
from common import (
    add_torch_and_jax,
    arguments,
    blas_threads,
    interleaved_medians,
    jax_modules,
    print_memory,
    report,
)

import gradlab as gl

N, EPOCHS, LR = 10, 100, 0.5
BASE = "numpy (handwritten)"
_data = np.random.default_rng(0)
X = _data.uniform(-1, 1, (N, 2))
Y = _data.uniform(0.1, 0.9, (N, 2))


def initial_weights() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    return {
        "0.weight": rng.uniform(-1, 1, (2, 2)),
        "0.bias": rng.uniform(-1, 1, 2),
        "2.weight": rng.uniform(-1, 1, (2, 2)),
        "2.bias": rng.uniform(-1, 1, 2),
    }


def flat(*arrays: Any) -> np.ndarray:
    return np.concatenate([np.asarray(a).ravel() for a in arrays])


def train_gradlab() -> np.ndarray:
    model = gl.nn.MLP(2, [2], 2, activation="sigmoid", output_activation="sigmoid")
    model.load_state_dict(initial_weights())
    gl.fit(
        model, X, Y, loss="half_sse", optimizer="sgd", lr=LR, epochs=EPOCHS, batch_size=1,
        shuffle=False, verbose=0, divergence_factor=None,
    )  # fmt: skip
    state = model.state_dict()
    return flat(*(state[k] for k in ("0.weight", "0.bias", "2.weight", "2.bias")))


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def train_numpy() -> np.ndarray:
    p = initial_weights()
    w1, b1, w2, b2 = p["0.weight"], p["0.bias"], p["2.weight"], p["2.bias"]
    for _ in range(EPOCHS):
        for i in range(N):
            x, y = X[i : i + 1], Y[i : i + 1]
            a1 = sigmoid(x @ w1 + b1)
            a2 = sigmoid(a1 @ w2 + b2)
            d2 = (a2 - y) * a2 * (1 - a2)
            d1 = (d2 @ w2.T) * a1 * (1 - a1)
            w2 -= LR * (a1.T @ d2)
            b2 -= LR * d2[0]
            w1 -= LR * (x.T @ d1)
            b1 -= LR * d1[0]
    return flat(w1, b1, w2, b2)


def train_torch() -> np.ndarray:
    import torch

    p = {k: torch.tensor(v, requires_grad=True) for k, v in initial_weights().items()}
    w1, b1, w2, b2 = p["0.weight"], p["0.bias"], p["2.weight"], p["2.bias"]
    Xt, Yt = torch.tensor(X), torch.tensor(Y)
    optimizer = torch.optim.SGD([w1, b1, w2, b2], lr=LR)
    for _ in range(EPOCHS):
        for i in range(N):
            a2 = torch.sigmoid(torch.sigmoid(Xt[i : i + 1] @ w1 + b1) @ w2 + b2)
            loss = 0.5 * ((a2 - Yt[i : i + 1]) ** 2).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return flat(*(t.detach().numpy() for t in (w1, b1, w2, b2)))


_STEP: list[Any] = []


def _jax_step() -> Any:
    jax, jnp = jax_modules()

    def loss(params: Any, x: Any, y: Any) -> Any:
        w1, b1, w2, b2 = params
        a2 = jax.nn.sigmoid(jax.nn.sigmoid(x @ w1 + b1) @ w2 + b2)
        return 0.5 * jnp.sum((a2 - y) ** 2)

    def step(params: Any, x: Any, y: Any) -> Any:
        grads = jax.grad(loss)(params, x, y)
        return tuple(p - LR * g for p, g in zip(params, grads, strict=True))

    return jax.jit(step)


def train_jax() -> np.ndarray:
    if not _STEP:
        _STEP.append(_jax_step())
    _, jnp = jax_modules()
    p = initial_weights()
    params = tuple(jnp.asarray(p[k]) for k in ("0.weight", "0.bias", "2.weight", "2.bias"))
    rows = [(jnp.asarray(X[i : i + 1]), jnp.asarray(Y[i : i + 1])) for i in range(N)]
    for _ in range(EPOCHS):
        for x, y in rows:
            params = _STEP[0](params, x, y)
    return flat(*params)


def runners(quick: bool = False) -> dict[str, Any]:
    found = {"gradlab (gl.fit)": train_gradlab, BASE: train_numpy}
    add_torch_and_jax(found, train_torch, train_jax)
    return found


def main() -> None:
    args = arguments(__doc__, repeats=7)
    found = runners(args.quick)
    with blas_threads(1):  # 1 x 2 rows: gradlab's automatic choice, for every contestant
        medians, weights = interleaved_medians(found, args.repeats)
    for name, w in weights.items():
        assert np.allclose(w, weights[BASE], atol=1e-8), name
    report(
        f"2-2-2 sigmoid network, {N} samples, batch size 1, {EPOCHS} epochs ({N * EPOCHS} "
        f"steps), float64, NumPy BLAS on 1 thread, median of {args.repeats} interleaved runs "
        "(all end with the same weights to 1e-8)",
        medians,
        BASE,
        unit=1e-3,
        unit_name="ms",
    )
    if not args.no_memory:
        print_memory("bench_per_sample_2_2_2", list(found), args.quick, BASE)


if __name__ == "__main__":
    main()
