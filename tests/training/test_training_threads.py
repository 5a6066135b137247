"""BLAS threads during `fit`: the option is checked, the chosen limit is the one in force while
training (read by threadpoolctl from a callback), and the result does not depend on it."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_info, threadpool_limits

import gradlab as gl
from gradlab.training import threads as policy


def blas_threads_now() -> set[int]:
    return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}


class RecordThreads(gl.training.Callback):
    """Reads the BLAS thread counts in force at the end of every epoch."""

    def __init__(self) -> None:
        self.seen: list[set[int]] = []

    def on_epoch_end(self, epoch, logs):
        self.seen.append(blas_threads_now())


def data(n: int = 64, features: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, features))
    return X, np.tanh(X @ rng.standard_normal(features))


def train(threads, hidden=(16,), batch_size=16, epochs=2, callbacks=(), n=64, features=8):
    X, y = data(n, features)
    model = gl.nn.MLP(features, list(hidden), 1, activation="tanh", rng=1)
    gl.fit(
        model, X, y, optimizer="sgd", lr=0.05, epochs=epochs, batch_size=batch_size, rng=2,
        verbose=0, threads=threads, callbacks=list(callbacks),
    )  # fmt: skip
    return [p.data.copy() for p in model.parameters()]


@pytest.mark.parametrize(
    ("value", "error"),
    [(0, ValueError), (-2, ValueError), (1.5, TypeError), (True, TypeError), ("2", TypeError)],
)
def test_bad_thread_counts_are_refused_in_one_line(value, error) -> None:
    with pytest.raises(error, match=r"^threads must be None \(automatic\) or a positive integer"):
        train(value)


def test_an_explicit_count_is_in_force_during_training_and_restored_after() -> None:
    before = threadpool_info()
    record = RecordThreads()
    train(1, callbacks=[record])
    assert record.seen == [{1}, {1}]
    assert threadpool_info() == before


def test_small_matrices_train_on_one_thread_under_a_higher_limit() -> None:
    record = RecordThreads()
    with threadpool_limits(policy.cores()):
        train(None, callbacks=[record])  # 2 x 16 x 8 x 16 flops: far below the threshold
    assert record.seen == [{1}, {1}]


def test_large_matrices_use_every_core_allowed(monkeypatch: pytest.MonkeyPatch) -> None:
    # The threshold lowered so that a small network counts as large: the rule, not the size.
    monkeypatch.setattr(policy, "MIN_FLOPS_FOR_THREADS", 1)
    outside = max(blas_threads_now())
    record = RecordThreads()
    train(None, callbacks=[record])
    expected = min(policy.cores(), outside)
    assert record.seen == [{expected}, {expected}]


def test_the_automatic_choice_keeps_a_limit_already_set(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(policy, "MIN_FLOPS_FOR_THREADS", 1)
    record = RecordThreads()
    with threadpool_limits(1):
        train(None, callbacks=[record])
    assert record.seen == [{1}, {1}]


def test_the_flops_of_the_largest_product() -> None:
    # 784-256-128-10 with batch 128: the first layer's 2 x 128 x 784 x 256.
    shapes = [(784, 256), (256,), (256, 128), (128,), (128, 10), (10,)]
    assert policy.largest_matmul_flops(shapes, 128) == 2 * 128 * 784 * 256
    assert policy.largest_matmul_flops([(5,)], 128) == 0
    assert policy.choose_threads(policy.MIN_FLOPS_FOR_THREADS, 2) == 2
    assert policy.choose_threads(policy.MIN_FLOPS_FOR_THREADS - 1, 2) == 1


def test_the_weights_agree_whatever_the_thread_count() -> None:
    # Products above OpenBLAS's own single-thread cut-off (m n k > 262144), so that two threads
    # really split them; the one-thread run is the reference.
    kwargs = dict(hidden=(96, 96), batch_size=128, epochs=3, n=512, features=64)
    one = train(1, **kwargs)
    for count in (2, policy.cores()):
        for a, b in zip(one, train(count, **kwargs), strict=True):
            assert_allclose(b, a, rtol=1e-10, atol=1e-12)
