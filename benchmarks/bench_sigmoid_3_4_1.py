"""Train the vectorised 3-4-1 sigmoid network three ways and print median times and ratios.

The network of examples/sigmoid_3_4_1_vectorised.py (from "The Maths behind Neural Networks" by
Alex Punnen, chapter 6).

No biases, 4 samples, half-sum squared error, full-batch gradient descent, lr 1, 1000 steps:
gradlab Tensors vs the same math handwritten in NumPy vs PyTorch (CPU, float64).

    python benchmarks/bench_sigmoid_3_4_1.py [--repeats 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import time
from collections.abc import Callable

import numpy as np

import gradlab as gl

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
Y = np.array([[0, 1, 1, 0]], dtype=np.float64).T
STEPS = 1000
LR = 1.0


def initial_weights() -> tuple[np.ndarray, np.ndarray]:
    # The tutorial's own draw, through a local generator with the same stream as np.random.seed(1).
    rng = np.random.RandomState(1)
    return rng.random_sample((3, 4)), rng.random_sample((4, 1))


def train_gradlab() -> np.ndarray:
    w1_0, w2_0 = initial_weights()
    w1 = gl.Tensor(w1_0, requires_grad=True)
    w2 = gl.Tensor(w2_0, requires_grad=True)
    x, y = gl.Tensor(X), gl.Tensor(Y)
    for _ in range(STEPS):
        a2 = ((x @ w1).sigmoid() @ w2).sigmoid()
        loss = gl.squared_error(a2, y, reduction="half_sum")
        w1.grad = w2.grad = None
        loss.backward()
        w1.data -= LR * w1.grad
        w2.data -= LR * w2.grad
    return a2.data


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
    return a2


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
    return a2.detach().numpy()


def median_seconds(fn: Callable[[], np.ndarray], repeats: int) -> tuple[float, np.ndarray]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    runners = {"gradlab": train_gradlab, "numpy (handwritten)": train_numpy}
    if importlib.util.find_spec("torch"):
        runners["pytorch"] = train_torch
    else:
        print("PyTorch is not installed: its column is skipped (pip install torch==2.13.0).")
    # Interleave the contestants so that machine noise hits all of them alike.
    times: dict[str, list[float]] = {name: [] for name in runners}
    outputs = {}
    for _ in range(args.repeats):
        for name, fn in runners.items():
            seconds, outputs[name] = median_seconds(fn, 1)
            times[name].append(seconds)
    medians = {name: statistics.median(t) for name, t in times.items()}
    for name, out in outputs.items():
        assert np.allclose(out, outputs["numpy (handwritten)"], atol=1e-8), name
    print(f"3-4-1 sigmoid network, {STEPS} full-batch steps, median of {args.repeats} runs")
    print(f"final outputs: {np.round(outputs['gradlab'].ravel(), 3)}")
    base = medians["numpy (handwritten)"]
    for name, seconds in medians.items():
        print(f"  {name:<20} {seconds * 1e3:8.2f} ms   {seconds / base:5.2f}x handwritten NumPy")
    if "pytorch" in medians:
        ratio = medians["pytorch"] / medians["gradlab"]
        print(f"  gradlab is {ratio:.2f}x faster than PyTorch")


if __name__ == "__main__":
    main()
