"""Train the vectorised 3-4-1 sigmoid network side by side and print median times and ratios.

The network of examples/sigmoid_3_4_1_vectorised.py (from "The Maths behind Neural Networks" by
Alex Punnen, chapter 6).

No biases, 4 samples, half-sum squared error, full-batch gradient descent, lr 1, 1000 steps,
float64. Contestants: gradlab through ``gl.fit``, gradlab as a plain Tensor loop with the fused
loss (dynamic, and its step wrapped in ``gl.compile_step``) and with the loss written in
operators, the same math handwritten in NumPy (the base),
PyTorch eager on 1 and 2 threads, and JAX with one ``jax.jit``-compiled training step.

    python benchmarks/bench_sigmoid_3_4_1.py [--repeats 7] [--quick] [--no-memory]
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

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
Y = np.array([[0, 1, 1, 0]], dtype=np.float64).T
STEPS = 1000
LR = 1.0
BASE = "numpy (handwritten)"


def initial_weights() -> tuple[np.ndarray, np.ndarray]:
    # The tutorial's own draw, through a local generator with the same stream as np.random.seed(1).
    rng = np.random.RandomState(1)
    return rng.random_sample((3, 4)), rng.random_sample((4, 1))


def train_gradlab_fit() -> np.ndarray:
    w1, w2 = initial_weights()
    model = gl.nn.MLP(3, [4], 1, activation="sigmoid", output_activation="sigmoid", bias=False)
    model.load_state_dict({"0.weight": w1, "2.weight": w2})
    gl.fit(
        model, X, Y, loss="half_sse", optimizer="sgd", lr=LR, epochs=STEPS, verbose=0,
        divergence_factor=None,
    )  # fmt: skip
    return weights(model.state_dict()["0.weight"], model.state_dict()["2.weight"])


def train_gradlab(operators: bool = False) -> np.ndarray:
    w1_0, w2_0 = initial_weights()
    w1 = gl.Tensor(w1_0, requires_grad=True)
    w2 = gl.Tensor(w2_0, requires_grad=True)
    x, y = gl.Tensor(X), gl.Tensor(Y)
    for _ in range(STEPS):
        a2 = ((x @ w1).sigmoid() @ w2).sigmoid()
        if operators:
            loss = ((a2 - y) ** 2).sum() * 0.5
        else:
            loss = gl.squared_error(a2, y, reduction="half_sum")
        w1.grad = w2.grad = None
        loss.backward()
        w1.data -= LR * w1.grad
        w2.data -= LR * w2.grad
    return weights(w1.data, w2.data)


def train_gradlab_compiled() -> np.ndarray:
    """The Tensor loop with its step wrapped in `gl.compile_step` (captured once, replayed)."""
    w1_0, w2_0 = initial_weights()
    w1 = gl.Tensor(w1_0, requires_grad=True)
    w2 = gl.Tensor(w2_0, requires_grad=True)
    step = gl.compile_step(
        lambda x, y: gl.squared_error(((x @ w1).sigmoid() @ w2).sigmoid(), y, reduction="half_sum")
    )
    x, y = gl.Tensor(X), gl.Tensor(Y)
    for _ in range(STEPS):
        loss = step(x, y)
        w1.grad = w2.grad = None
        loss.backward()
        w1.data -= LR * w1.grad
        w2.data -= LR * w2.grad
    return weights(w1.data, w2.data)


def weights(w1: Any, w2: Any) -> np.ndarray:
    """The trained weights as one vector, which every contestant must agree on."""
    return np.concatenate([np.asarray(w1).ravel(), np.asarray(w2).ravel()])


def sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def train_numpy() -> np.ndarray:
    w1, w2 = initial_weights()
    for _ in range(STEPS):
        a1 = sigmoid(X @ w1)
        a2 = sigmoid(a1 @ w2)
        delta2 = (a2 - Y) * a2 * (1 - a2)
        delta1 = (delta2 @ w2.T) * a1 * (1 - a1)
        w2 -= LR * (a1.T @ delta2)
        w1 -= LR * (X.T @ delta1)
    return weights(w1, w2)


def train_torch() -> np.ndarray:
    import torch

    w1_0, w2_0 = initial_weights()
    w1 = torch.tensor(w1_0, requires_grad=True)
    w2 = torch.tensor(w2_0, requires_grad=True)
    x, y = torch.tensor(X), torch.tensor(Y)
    for _ in range(STEPS):
        a2 = torch.sigmoid(torch.sigmoid(x @ w1) @ w2)
        loss = ((a2 - y) ** 2).sum() * 0.5
        w1.grad = w2.grad = None
        loss.backward()
        with torch.no_grad():
            w1 -= LR * w1.grad
            w2 -= LR * w2.grad
    return weights(w1.detach().numpy(), w2.detach().numpy())


def _jax_step() -> Any:
    jax, jnp = jax_modules()

    def loss(params: Any) -> Any:
        a2 = jax.nn.sigmoid(jax.nn.sigmoid(X @ params[0]) @ params[1])
        return 0.5 * jnp.sum((a2 - Y) ** 2)

    def step(params: Any) -> Any:
        grads = jax.grad(loss)(params)
        return tuple(p - LR * g for p, g in zip(params, grads, strict=True))

    return jax.jit(step)


_STEP: list[Any] = []


def train_jax() -> np.ndarray:
    if not _STEP:
        _STEP.append(_jax_step())
    _, jnp = jax_modules()
    params = tuple(jnp.asarray(w) for w in initial_weights())
    for _ in range(STEPS):
        params = _STEP[0](params)
    return weights(*map(np.asarray, params))


def runners(quick: bool = False) -> dict[str, Any]:
    found = {
        "gradlab (gl.fit)": train_gradlab_fit,
        "gradlab (Tensor loop)": train_gradlab,
        "gradlab (compile_step loop)": train_gradlab_compiled,
        "gradlab (loss in operators)": lambda: train_gradlab(operators=True),
        BASE: train_numpy,
    }
    add_torch_and_jax(found, train_torch, train_jax)
    return found


def main() -> None:
    args = arguments(__doc__, repeats=7)
    found = runners(args.quick)
    with blas_threads(1):  # 3 x 4 matrices: gradlab's automatic choice, for every contestant
        medians, outputs = interleaved_medians(found, args.repeats)
    for name, out in outputs.items():
        assert np.allclose(out, outputs[BASE], atol=1e-8), name
    report(
        f"3-4-1 sigmoid network, {STEPS} full-batch steps, float64, NumPy BLAS on 1 thread, "
        f"median of {args.repeats} interleaved runs (all end with the same weights to 1e-8)",
        medians,
        BASE,
        unit=1e-3,
        unit_name="ms",
    )
    if not args.no_memory:
        print_memory("bench_sigmoid_3_4_1", list(found), args.quick, BASE)


if __name__ == "__main__":
    main()
