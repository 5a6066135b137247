"""The MLP estimators on data read as it goes: np.memmap, Dask arrays, partial_fit streams.

The oracle is the same estimator fitted on the data as one float64 array in memory: the same
batches in the same order give the same weights. Memory is bounded with tracemalloc: a float64
copy of a float32 X would take 2 X.nbytes.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from gradlab.sklearn import MLPClassifier, MLPRegressor

da = pytest.importorskip("dask.array", reason="the Dask tests need gradlab[dask]")


def _memmap(tmp_path, array, name="X.npy"):
    path = tmp_path / name
    out = np.lib.format.open_memmap(path, mode="w+", dtype=array.dtype, shape=array.shape)
    out[...] = array
    out.flush()
    del out
    return np.load(path, mmap_mode="r")


def _data(n=400, d=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


def _assert_same_weights(a, b):
    for got, want in zip(a.coefs_ + a.intercepts_, b.coefs_ + b.intercepts_, strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(a.loss_curve_, b.loss_curve_)


OPTIONS = {"hidden_layer_sizes": (7,), "max_iter": 4, "batch_size": 32, "random_state": 0}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("early_stopping", [False, True])
def test_a_float32_memmap_fits_as_the_float64_array_in_memory(tmp_path, early_stopping):
    X, y = _data()
    options = {**OPTIONS, "early_stopping": early_stopping}
    oracle = MLPClassifier(**options).fit(X.astype(np.float64), y)
    mapped = MLPClassifier(**options).fit(_memmap(tmp_path, X), y)
    _assert_same_weights(mapped, oracle)
    assert mapped.coefs_[0].dtype == np.float64


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_memmap_is_not_upcast_into_memory(tmp_path):
    X, y = _data(n=20_000, d=20)  # 1.6 MB float32; a float64 copy is 3.2 MB
    mapped = _memmap(tmp_path, X)
    tracemalloc.start()
    try:
        MLPClassifier((8,), max_iter=1, batch_size=200, random_state=0).fit(mapped, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # The labels, their one-hot rows, the epoch's order and a few batches; not X.
    assert peak < mapped.nbytes, (peak, mapped.nbytes)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_a_dask_array_fits_as_the_array_in_memory_without_shuffling():
    X, _ = _data()
    target = X[:, 0] - 2 * X[:, 2]
    options = {**OPTIONS, "shuffle": False}
    oracle = MLPRegressor(**options).fit(X.astype(np.float64), target)
    chunked = MLPRegressor(**options).fit(
        da.from_array(X, chunks=(45, 6)), da.from_array(target, chunks=45)
    )
    _assert_same_weights(chunked, oracle)
    assert chunked.n_features_in_ == 6
    # Shuffled: the chunks and the rows within them in a random order; it trains.
    shuffled = MLPRegressor(**{**OPTIONS, "max_iter": 30}).fit(da.from_array(X, chunks=45), target)
    assert shuffled.score(X, target) > 0.5


def test_partial_fit_streams_chunks_of_a_memmap_as_arrays_in_memory(tmp_path):
    X, y = _data()
    mapped = _memmap(tmp_path, X)
    oracle, streamed = MLPClassifier(**OPTIONS), MLPClassifier(**OPTIONS)
    for start in range(0, len(X), 100):
        rows = slice(start, start + 100)
        oracle.partial_fit(X[rows].astype(np.float64), y[rows], classes=[0, 1])
        streamed.partial_fit(mapped[rows], y[rows], classes=[0, 1])
    _assert_same_weights(streamed, oracle)


def test_dask_data_refuses_what_needs_the_rows_in_memory():
    X, y = _data()
    Xd = da.from_array(X, chunks=100)
    with pytest.raises(ValueError, match="early_stopping=True needs X in memory"):
        MLPClassifier(**OPTIONS, early_stopping=True).fit(Xd, y)
    with pytest.raises(ValueError, match="sample_weight is not supported with a Dask"):
        MLPClassifier(**OPTIONS).fit(Xd, y, sample_weight=np.ones(len(y)))
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        MLPClassifier(**OPTIONS).fit(Xd, y[:-1])
    with pytest.raises(ValueError, match="Expected a 2D Dask array"):
        MLPClassifier(**OPTIONS).fit(Xd[:, 0], y)
