"""Fits in threads of one process (joblib's threading backend, Dask's threaded workers, Ray
Tune's trials): two `gl.fit` calls and two estimator fits, run at once while a third thread
predicts under ``no_grad`` and builds models, give the weights of the same fits run one after
the other, to the last bit; and the BLAS limit they share comes back to what it was.

The oracle is the serial run. The switch interval is cut to 10 microseconds so that the
threads interleave within every step, not only between epochs.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
import threadpoolctl
from threadpoolctl import threadpool_info

import gradlab as gl
from gradlab.sklearn import MLPClassifier, MLPRegressor
from gradlab.training import threads as policy


@pytest.fixture
def fine_interleaving() -> Iterator[None]:
    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-5)
    try:
        yield
    finally:
        sys.setswitchinterval(previous)


def _data(seed: int, n: int = 96, features: int = 5) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features))
    return X, np.tanh(X @ rng.standard_normal(features))


def _fit_regression() -> list[np.ndarray]:
    X, y = _data(0)
    model = gl.nn.MLP(5, [12], 1, activation="tanh", rng=1)
    gl.fit(model, X, y, optimizer="adam", lr=0.01, epochs=8, batch_size=16, rng=2, verbose=0)
    return [p.data.copy() for p in model.parameters()]


def _fit_classification() -> list[np.ndarray]:
    X, y = _data(3)
    model = gl.nn.MLP(5, [8, 6], 2, activation="relu", rng=4)
    gl.fit(
        model, X, (y > 0).astype(int), loss="cross_entropy", optimizer="sgd", lr=0.1,
        epochs=8, batch_size=12, rng=5, verbose=0, validation_split=0.25,
    )  # fmt: skip
    return [p.data.copy() for p in model.parameters()]


def _estimator_classifier() -> list[np.ndarray]:
    X, y = _data(6)
    clf = MLPClassifier((10,), max_iter=15, batch_size=16, random_state=0, early_stopping=True)
    clf.fit(X, y > 0)  # not converged in 15 epochs: the test ignores the warning
    return [*clf.coefs_, *clf.intercepts_, clf.predict_proba(X)]


def _estimator_regressor() -> list[np.ndarray]:
    X, y = _data(7)
    reg = MLPRegressor(
        hidden_layer_sizes=(7,), activation="tanh", max_iter=15, batch_size=8, random_state=1
    )
    reg.fit(X, y)
    return [*reg.coefs_, *reg.intercepts_, reg.predict(X)]


def _concurrently(fits: list[Callable[[], list[np.ndarray]]]) -> list[list[np.ndarray]]:
    """Run ``fits`` in threads while another thread predicts and builds models till they end."""
    X, _ = _data(9, n=32)
    other = gl.nn.MLP(5, [4], 1, rng=0)
    stop = threading.Event()
    predictions = 0

    def disturb() -> None:
        nonlocal predictions
        while not stop.is_set():
            gl.predict(other, X)  # no_grad and eval/train in this thread
            gl.nn.Linear(5, 3, rng=0)  # a new module: every capture is stale
            predictions += 1

    disturber = threading.Thread(target=disturb)
    disturber.start()
    try:
        with ThreadPoolExecutor(len(fits)) as pool:
            results = [f.result() for f in [pool.submit(fit) for fit in fits]]
    finally:
        stop.set()
        disturber.join()
    assert predictions > 0
    return results


def _assert_identical(got: list[list[np.ndarray]], want: list[list[np.ndarray]]) -> None:
    for run_got, run_want in zip(got, want, strict=True):
        for a, b in zip(run_got, run_want, strict=True):
            np.testing.assert_array_equal(a, b)


def test_two_fits_in_threads_beside_a_predicting_thread_equal_serial_fits(
    fine_interleaving: None,
) -> None:
    fits = [_fit_regression, _fit_classification]
    serial = [fit() for fit in fits]
    _assert_identical(_concurrently(fits), serial)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_two_estimator_fits_in_threads_equal_serial_fits(fine_interleaving: None) -> None:
    fits = [_estimator_classifier, _estimator_regressor]
    serial = [fit() for fit in fits]
    _assert_identical(_concurrently(fits), serial)


def _blas_counts() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"]


def test_fits_in_threads_leave_the_blas_limits_as_they_found_them() -> None:
    """Limits entered and left in overlapping order (first in, first out) by two threads."""
    if not hasattr(threadpoolctl.OpenBLASController, "clear_controlling_thread"):
        pytest.skip("threadpoolctl < 3.8 lets threads undo each other's OpenBLAS limits")
    before = _blas_counts()
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with policy.blas_threads(1, [], 1):
            a_in.set()
            b_in.wait(timeout=60)
        a_out.set()

    def second() -> None:
        a_in.wait(timeout=60)
        with policy.blas_threads(2, [], 1):
            b_in.set()
            a_out.wait(timeout=60)

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert _blas_counts() == before
