"""gradlab's MLPClassifier against scikit-learn's on the digits data, measured side by side.

load_digits scaled to [0, 1] (X / 16), train_test_split(test_size=0.25, random_state=0);
hidden_layer_sizes=(128,), solver="adam", batch_size=64, max_iter=20 and tol=0 (so both run
all 20 epochs). scikit-learn computes in float64; gradlab in float32 (``dtype=np.float32``)
and float64. The runs are interleaved and each figure is the median over ``--repeats`` seeds
(the same seeds for both libraries). BLAS is limited to ``--threads`` threads for both: on
a shared machine, multi-threaded BLAS on such small matrices mostly measures contention.

    python benchmarks/bench_sklearn_digits.py [--repeats 7] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier as SklearnMLP
from threadpoolctl import threadpool_limits

from gradlab.sklearn import MLPClassifier as GradlabMLP

SETTINGS: dict[str, Any] = dict(
    hidden_layer_sizes=(128,), solver="adam", batch_size=64, max_iter=20, tol=0.0
)


def run(make: Any, data: tuple[np.ndarray, ...], seed: int) -> tuple[float, float]:
    """Fit time in seconds and test accuracy of one estimator."""
    X_train, X_test, y_train, y_test = data
    model = make(seed)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    assert model.n_iter_ == SETTINGS["max_iter"]
    return elapsed, float(model.score(X_test, y_test))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()

    X, y = load_digits(return_X_y=True)
    data = tuple(train_test_split(X / 16.0, y, test_size=0.25, random_state=0))
    contenders = {
        "scikit-learn (float64)": lambda seed: SklearnMLP(**SETTINGS, random_state=seed),
        "gradlab (float32)": lambda seed: GradlabMLP(
            **SETTINGS, random_state=seed, dtype=np.float32
        ),
        "gradlab (float64)": lambda seed: GradlabMLP(**SETTINGS, random_state=seed),
    }
    times: dict[str, list[float]] = {name: [] for name in contenders}
    scores: dict[str, list[float]] = {name: [] for name in contenders}
    with threadpool_limits(args.threads), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        for make in contenders.values():  # warm-up: imports, caches
            run(make, data, seed=0)
        for seed in range(args.repeats):
            for name, make in contenders.items():
                elapsed, score = run(make, data, seed)
                times[name].append(elapsed)
                scores[name].append(score)

    reference = "scikit-learn (float64)"
    base_time = statistics.median(times[reference])
    base_score = statistics.mean(scores[reference])
    print(
        f"digits, {len(data[0])} training samples, MLP (128,), adam, batch 64, 20 epochs; "
        f"median of {args.repeats} runs, BLAS threads: {args.threads}"
    )
    print(f"{'':24s} {'fit time':>10s} {'speed-up':>9s} {'test accuracy':>14s} {'vs sklearn':>11s}")
    for name in contenders:
        median = statistics.median(times[name])
        accuracy = statistics.mean(scores[name])
        print(
            f"{name:24s} {median * 1000:8.1f} ms {base_time / median:8.2f}x "
            f"{accuracy:14.4f} {100 * (accuracy - base_score):+10.2f}pt"
        )


if __name__ == "__main__":
    main()
