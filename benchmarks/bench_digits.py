"""Digits: a 64-128-10 ReLU network trained with Adam, side by side in one run.

scikit-learn's bundled ``load_digits`` scaled to [0, 1], a 75/25 split (random_state 0),
softmax cross-entropy, Adam lr 1e-3, batch 64, 20 epochs (5 with --quick), float32.
Contestants: gradlab (``gl.fit``), the same math handwritten in NumPy (the base), PyTorch
eager on 1 and 2 threads, JAX with one ``jax.jit``-compiled training step (Adam written out,
as in the NumPy loop), and scikit-learn's MLPClassifier (float64). Median of several
interleaved repeats; ratios and test accuracies printed.

    python benchmarks/bench_digits.py [--repeats 5] [--quick] [--no-memory]
"""

from __future__ import annotations

import warnings
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

EPOCHS, BATCH, LR, HIDDEN = 20, 64, 1e-3, 128
BETA1, BETA2, EPS = 0.9, 0.999, 1e-8
BASE = "numpy (handwritten)"


def load() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    X, y = load_digits(return_X_y=True)
    X = (X / 16.0).astype(np.float32)
    return tuple(train_test_split(X, y, test_size=0.25, random_state=0))  # type: ignore[return-value]


def initial_weights(seed: int = 0) -> dict[str, np.ndarray]:
    """Glorot-uniform weights and zero biases shared by every contestant."""
    rng = np.random.default_rng(seed)
    limit1, limit2 = np.sqrt(6 / (64 + HIDDEN)), np.sqrt(6 / (HIDDEN + 10))
    return {
        "0.weight": rng.uniform(-limit1, limit1, (64, HIDDEN)).astype(np.float32),
        "0.bias": np.zeros(HIDDEN, np.float32),
        "2.weight": rng.uniform(-limit2, limit2, (HIDDEN, 10)).astype(np.float32),
        "2.bias": np.zeros(10, np.float32),
    }


def accuracy(scores: np.ndarray, y: np.ndarray) -> float:
    return float(np.mean(np.argmax(scores, axis=1) == y))


def run_gradlab(data: tuple[np.ndarray, ...]) -> float:
    X_train, X_test, y_train, y_test = data
    model = gl.nn.MLP(64, [HIDDEN], 10, activation="relu", dtype=np.float32)
    model.load_state_dict(initial_weights())
    optimizer = gl.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)
    gl.fit(
        model,
        X_train,
        y_train,
        loss="cross_entropy",
        optimizer=optimizer,
        epochs=EPOCHS,
        batch_size=BATCH,
        rng=1,
        verbose=0,
    )
    return accuracy(gl.predict(model, X_test), y_test)


def run_numpy(data: tuple[np.ndarray, ...]) -> float:
    X_train, X_test, y_train, y_test = data
    params = initial_weights()
    w1, b1, w2, b2 = (params[k] for k in ("0.weight", "0.bias", "2.weight", "2.bias"))
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in (w1, b1, w2, b2)]
    rng = np.random.default_rng(1)
    n, t = len(X_train), 0
    for _ in range(EPOCHS):
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            index = order[start : start + BATCH]
            x, y = X_train[index], y_train[index]
            h = x @ w1 + b1
            a = np.maximum(h, 0)
            z = a @ w2 + b2
            e = np.exp(z - z.max(axis=1, keepdims=True))
            dz = e / e.sum(axis=1, keepdims=True)
            dz[np.arange(len(index)), y] -= 1
            dz /= len(index)
            dh = (dz @ w2.T) * (h > 0)
            grads = (x.T @ dh, dh.sum(axis=0), a.T @ dz, dz.sum(axis=0))
            t += 1
            step = LR / (1 - BETA1**t)
            root_correction = np.sqrt(1 - BETA2**t)
            for p, g, (m, v) in zip((w1, b1, w2, b2), grads, moments, strict=True):
                m *= BETA1
                m += (1 - BETA1) * g
                v *= BETA2
                v += (1 - BETA2) * g * g
                p -= step * m / (np.sqrt(v) / root_correction + EPS)
    scores = np.maximum(X_test @ w1 + b1, 0) @ w2 + b2
    return accuracy(scores, y_test)


def run_torch(data: tuple[np.ndarray, ...]) -> float:
    import torch

    X_train, X_test, y_train, y_test = (torch.from_numpy(np.asarray(a)) for a in data)
    params = initial_weights()
    model = torch.nn.Sequential(
        torch.nn.Linear(64, HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, 10)
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.from_numpy(params["0.weight"].T))
        model[0].bias.copy_(torch.from_numpy(params["0.bias"]))
        model[2].weight.copy_(torch.from_numpy(params["2.weight"].T))
        model[2].bias.copy_(torch.from_numpy(params["2.bias"]))
    optimizer = torch.optim.Adam(model.parameters(), lr=LR, betas=(BETA1, BETA2), eps=EPS)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(1)
    n = len(X_train)
    for _ in range(EPOCHS):
        order = torch.from_numpy(rng.permutation(n))
        for start in range(0, n, BATCH):
            index = order[start : start + BATCH]
            optimizer.zero_grad()
            loss = loss_fn(model(X_train[index]), y_train[index])
            loss.backward()
            optimizer.step()
    with torch.no_grad():
        return accuracy(model(X_test).numpy(), y_test.numpy())


_STEP: list[Any] = []


def _jax_step() -> Any:
    jax, jnp = jax_modules()

    def loss(params: Any, x: Any, y: Any) -> Any:
        w1, b1, w2, b2 = params
        z = jnp.maximum(x @ w1 + b1, 0) @ w2 + b2
        return -jnp.mean(jnp.take_along_axis(jax.nn.log_softmax(z), y[:, None], axis=1))

    def step(params: Any, moments: Any, t: Any, x: Any, y: Any) -> Any:
        grads = jax.grad(loss)(params, x, y)
        size = LR / (1 - BETA1**t)
        root_correction = jnp.sqrt(1 - BETA2**t)
        new_params, new_moments = [], []
        for p, g, (m, v) in zip(params, grads, moments, strict=True):
            m = BETA1 * m + (1 - BETA1) * g
            v = BETA2 * v + (1 - BETA2) * g * g
            new_params.append(p - size * m / (jnp.sqrt(v) / root_correction + EPS))
            new_moments.append((m, v))
        return tuple(new_params), tuple(new_moments)

    return jax.jit(step)


def run_jax(data: tuple[np.ndarray, ...]) -> float:
    if not _STEP:
        _STEP.append(_jax_step())
    _, jnp = jax_modules()
    X_train, X_test, y_train, y_test = data
    p = initial_weights()
    params = tuple(jnp.asarray(p[k]) for k in ("0.weight", "0.bias", "2.weight", "2.bias"))
    moments = tuple((jnp.zeros_like(w), jnp.zeros_like(w)) for w in params)
    rng = np.random.default_rng(1)
    n, t = len(X_train), 0
    for _ in range(EPOCHS):
        order = rng.permutation(n)
        for start in range(0, n, BATCH):
            index = order[start : start + BATCH]
            t += 1
            params, moments = _STEP[0](
                params, moments, np.float32(t), X_train[index], y_train[index]
            )
    w1, b1, w2, b2 = (np.asarray(w) for w in params)
    return accuracy(np.maximum(X_test @ w1 + b1, 0) @ w2 + b2, y_test)


def run_sklearn(data: tuple[np.ndarray, ...]) -> float:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier

    X_train, X_test, y_train, y_test = data
    clf = MLPClassifier(
        hidden_layer_sizes=(HIDDEN,),
        activation="relu",
        solver="adam",
        alpha=0.0,
        batch_size=BATCH,
        learning_rate_init=LR,
        max_iter=EPOCHS,
        tol=0.0,
        n_iter_no_change=EPOCHS + 1,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(X_train, y_train)
    return float(clf.score(X_test, y_test))


def runners(quick: bool = False) -> dict[str, Any]:
    global EPOCHS
    if quick:
        EPOCHS = 5
    data = load()
    found: dict[str, Any] = {
        "gradlab (gl.fit)": lambda: run_gradlab(data),
        BASE: lambda: run_numpy(data),
    }
    add_torch_and_jax(found, lambda: run_torch(data), lambda: run_jax(data))
    found["scikit-learn"] = lambda: run_sklearn(data)
    return found


def main() -> None:
    args = arguments(__doc__, repeats=5)
    found = runners(args.quick)
    threads = gradlab_threads([(64, HIDDEN), (HIDDEN, 10)], BATCH)
    with blas_threads(threads):  # gradlab's automatic choice, for every NumPy contestant
        medians, accuracies = interleaved_medians(found, args.repeats)
    report(
        f"digits 64-128-10 ReLU, Adam, batch {BATCH}, {EPOCHS} epochs, float32, NumPy BLAS on "
        f"{threads} thread(s), median of {args.repeats} interleaved runs",
        medians,
        BASE,
        {name: f"test accuracy {acc:.4f}" for name, acc in accuracies.items()},
    )
    if not args.no_memory:
        print_memory("bench_digits", list(found), args.quick, BASE)


if __name__ == "__main__":
    main()
