"""gl.fit on data read as it goes: np.memmap, Dask arrays, and (X, y) batches.

The oracle is gl.fit on the same samples as one NumPy array in memory, with the same batches
in the same order: the weights must be the same numbers (a batch gathered from a file, or cut
across two Dask chunks, holds the same values). Memory is bounded with tracemalloc: a copy of
X in the model's dtype would take at least X.nbytes.
"""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

import gradlab as gl

da = pytest.importorskip("dask.array", reason="the Dask tests need gradlab[dask]")


def _data(n=600, d=5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    y = (X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)).astype(np.float32)
    return X, y


def _memmap(tmp_path, array):
    path = tmp_path / "X.npy"
    out = np.lib.format.open_memmap(path, mode="w+", dtype=array.dtype, shape=array.shape)
    out[...] = array
    out.flush()
    del out
    return np.load(path, mmap_mode="r")


def _train(X, y=None, **options):
    model = gl.nn.MLP(5, [8], 1, activation="tanh", rng=1)
    settings = {"optimizer": "adam", "lr": 0.01, "epochs": 3, "verbose": 0, **options}
    history = gl.fit(model, X, y, **settings)
    return [p.data.copy() for p in model.parameters()], history.history["loss"]


def _assert_same(run, oracle):
    for got, want in zip(run[0], oracle[0], strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(run[1], oracle[1])


def test_a_float32_memmap_trains_as_the_array_in_memory_with_the_same_shuffled_batches(tmp_path):
    X, y = _data()
    mapped = _memmap(tmp_path, X)
    oracle = _train(X.astype(np.float64), y, batch_size=32, rng=7)
    _assert_same(_train(mapped, y, batch_size=32, rng=7), oracle)
    oracle = _train(X.astype(np.float64), y, batch_size=32, validation_split=0.25, shuffle=False)
    _assert_same(_train(mapped, y, batch_size=32, validation_split=0.25, shuffle=False), oracle)


def test_a_memmap_is_not_copied_into_memory(tmp_path):
    X, y = _data(n=40_000, d=5)
    mapped = _memmap(tmp_path, np.repeat(X, 10, axis=1))  # 1.6 MB float32; float64 would be 3.2
    model = gl.nn.MLP(50, [8], 1, rng=1)
    tracemalloc.start()
    try:
        gl.fit(model, mapped, y, epochs=1, batch_size=256, rng=0, verbose=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    # y (0.3 MB as float64), the epoch's order (0.3 MB) and a few batches; not X.
    assert peak < mapped.nbytes / 2, (peak, mapped.nbytes)


def test_a_dask_array_trains_as_the_array_in_memory_batch_for_batch():
    X, y = _data()
    # Chunks of 70 rows: batches of 32 straddle the chunk boundaries.
    Xd, yd = da.from_array(X, chunks=(70, 5)), da.from_array(y, chunks=70)
    oracle = _train(X.astype(np.float64), y, batch_size=32, shuffle=False)
    _assert_same(_train(Xd, yd, batch_size=32, shuffle=False), oracle)
    _assert_same(_train(Xd, y, batch_size=32, shuffle=False), oracle)


def test_a_shuffled_dask_epoch_visits_every_sample_once_reading_each_chunk_once():
    from gradlab.training.streams import DaskBatches

    X = np.arange(200.0).reshape(100, 2)
    Xd = da.from_array(X, chunks=(30, 2))
    batches = DaskBatches(
        Xd, X[:, 0], 16, True, np.random.default_rng(0), prepare=lambda x, y: (x, y)
    )
    for _ in range(2):
        seen = np.concatenate([xb.data[:, 0] for xb, *_ in batches.epoch()])
        np.testing.assert_array_equal(np.sort(seen), X[:, 0])
        assert not np.array_equal(seen, X[:, 0])


def test_a_dask_array_read_from_a_file_is_read_chunk_by_chunk(tmp_path):
    X, y = _data(n=40_000, d=5)
    mapped = _memmap(tmp_path, np.repeat(X, 10, axis=1))
    Xd = da.from_array(mapped, chunks=(2_000, 50))
    model = gl.nn.MLP(50, [8], 1, rng=1)
    tracemalloc.start()
    try:
        gl.fit(model, Xd, y, epochs=1, batch_size=256, rng=0, verbose=0)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < mapped.nbytes / 2, (peak, mapped.nbytes)


def _pairs(X, y, k):
    return [(X[i : i + k], y[i : i + k]) for i in range(0, len(X), k)]


def test_batches_from_a_callable_or_a_reiterable_train_as_the_same_batches_of_an_array():
    X, y = _data()
    oracle = _train(X, y, batch_size=50, shuffle=False)
    pairs = _pairs(X, y, 50)
    _assert_same(_train(pairs), oracle)
    _assert_same(_train(lambda: iter(pairs)), oracle)

    class Reader:
        def __iter__(self):
            return iter(pairs)

    run = _train(Reader(), validation_data=(X[:10], y[:10]))
    _assert_same((run[0], run[1]), oracle)


def test_a_one_shot_generator_serves_one_epoch_and_is_refused_for_more():
    X, y = _data()
    oracle = _train(X, y, batch_size=50, shuffle=False, epochs=1)
    _assert_same(_train(iter(_pairs(X, y, 50)), epochs=1), oracle)
    with pytest.raises(ValueError, match=r"one-shot iterator .*epochs=3 needs them 3 times"):
        _train(p for p in _pairs(X, y, 50))


@pytest.mark.parametrize(
    ("X", "y", "options", "message"),
    [
        (np.ones((4, 5)), None, {}, "y is required, unless X gives"),
        ([(np.ones((4, 5)), np.ones(4)), (np.ones((4, 3)), np.ones(4))], None, {}, "3 features"),
        ([(np.ones((4, 5)), np.ones(4))], None, {"batch_size": 2}, "leave batch_size=None"),
        ([(np.ones((4, 5)), np.ones(4))], None, {"validation_split": 0.5}, "validation_data"),
        ([np.ones((4, 5))], None, {}, r"not an \(X, y\) pair"),
        ([], None, {"epochs": 1}, "gave no batches"),
        ([(np.full((4, 5), np.nan), np.ones(4))], None, {}, "Input X contains NaN"),
    ],
)
def test_bad_batches_are_refused_with_one_message(X, y, options, message):
    with pytest.raises(ValueError, match=message):
        _train(X, y, **options)


def test_a_dask_array_refuses_validation_split_and_checks_each_chunk():
    X, y = _data()
    with pytest.raises(ValueError, match="validation_data=\\(X_val, y_val\\)"):
        _train(da.from_array(X, chunks=(70, 5)), y, validation_split=0.2)
    X[500, 2] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        _train(da.from_array(X, chunks=(70, 5)), y, batch_size=32)
