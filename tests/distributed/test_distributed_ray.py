"""gradlab.distributed.fit on a local Ray cluster (127.0.0.1, two CPUs), against gl.fit.

The oracle is single-process gl.fit with the same global batches (same data, batch size and
seed): the data-parallel sum of the shards' weighted gradients is the global batch's
gradient, so weights, losses, metrics and stopping agree to rounding (1e-9 in float64). The
cluster starts once for the module (Ray takes seconds to start) and is shut down after.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest

import gradlab as gl

ray = pytest.importorskip("ray", reason="the distributed tests need gradlab[ray]")
distributed = pytest.importorskip("gradlab.distributed")
# The workers cannot import this test module: its callbacks travel by value.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


def _data(n=203, d=5):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, d))
    return X, X @ rng.standard_normal(d) + 0.1 * rng.standard_normal(n)


def _model():
    return gl.nn.MLP(5, [8], 1, activation="tanh", rng=1)


def _assert_same(model, oracle, history, oracle_history):
    for got, want in zip(model.parameters(), oracle.parameters(), strict=True):
        np.testing.assert_allclose(got.data, want.data, rtol=0, atol=1e-9)
    assert history.history.keys() == oracle_history.history.keys()
    for key, values in oracle_history.history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=0, atol=1e-9)
    assert history.stop_reason == oracle_history.stop_reason


class StopAtBatch(gl.training.Callback):
    def __init__(self, batch):
        self.batch = batch

    def on_batch_end(self, batch, logs):
        if batch == self.batch:
            self.trainer.stop_training = True


def test_two_workers_train_as_one_process_with_the_same_global_batches(cluster, tmp_path):
    X, y = _data()
    options = {
        "optimizer": "adam", "lr": 0.05, "epochs": 12, "batch_size": 32, "rng": 3,
        "metrics": ["mae"], "validation_data": (X[:40], y[:40]), "verbose": 0,
    }  # fmt: skip
    # Uneven shards: the last batch of 11 samples splits 5 / 6.
    oracle = _model()
    stop = gl.training.EarlyStopping(min_delta=0.05, patience=1)
    oracle_history = gl.fit(oracle, X, y, callbacks=[stop], **options)
    assert oracle_history.stop_reason == "callback"  # early stopping fired before epoch 12

    model, path = _model(), tmp_path / "run.ckpt"
    stop = gl.training.EarlyStopping(min_delta=0.05, patience=1)
    history = distributed.fit(
        model, X, y, num_workers=2, communication="object_store", checkpoint=path,
        callbacks=[stop], **options,
    )  # fmt: skip
    _assert_same(model, oracle, history, oracle_history)
    figures = history.params["communication"]
    params = sum(p.size for p in model.parameters())
    assert figures["bytes_per_step"] == 8 * (params + 1)  # float64 gradient and loss
    assert figures["steps"] == 7 * len(history.epoch)
    assert set(figures["blas_threads"]) <= {1}
    # Rank 0 wrote the checkpoint; the same call resumes from it: finished, same weights.
    assert path.exists()
    again = _model()
    stop = gl.training.EarlyStopping(min_delta=0.05, patience=1)
    resumed = distributed.fit(
        again, X, y, num_workers=2, communication="object_store", checkpoint=path,
        callbacks=[stop], **options,
    )  # fmt: skip
    _assert_same(again, oracle, resumed, oracle_history)


def test_a_stop_within_an_epoch_on_rank_0_stops_every_worker_there(cluster):
    X, y = _data()
    options = {"optimizer": "sgd", "lr": 0.05, "epochs": 3, "batch_size": 16, "rng": 5}
    oracle = _model()
    oracle_history = gl.fit(oracle, X, y, callbacks=[StopAtBatch(4)], verbose=0, **options)
    model = _model()
    history = distributed.fit(
        model,
        X,
        y,
        num_workers=2,
        communication="object_store",
        callbacks=[StopAtBatch(4)],
        verbose=0,
        **options,
    )
    _assert_same(model, oracle, history, oracle_history)
    assert len(history.epoch) == 1


def test_arguments_are_checked_before_any_worker_starts():
    X, y = _data()
    with pytest.raises(ValueError, match="num_workers must be a positive integer"):
        distributed.fit(_model(), X, y, num_workers=0)
    with pytest.raises(ValueError, match="backend must be one of"):
        distributed.fit(_model(), X, y, backend="mpi")
    with pytest.raises(ValueError, match="communication must be one of"):
        distributed.fit(_model(), X, y, communication="carrier pigeon")


def test_without_ray_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ImportError, match=r'pip install "gradlab\[ray\]"'):
        distributed.fit(_model(), *_data())


def test_the_collective_sum_trains_as_one_process(cluster):
    # The object store's sum meets the same oracle in the tests above.
    if not distributed.communication.collective_available():
        pytest.skip("Ray's collective GLOO backend needs torch in the workers")
    X, y = _data()
    options = {"optimizer": "sgd", "lr": 0.05, "epochs": 2, "batch_size": 32, "rng": 4}
    oracle = _model()
    oracle_history = gl.fit(oracle, X, y, verbose=0, **options)
    model = _model()
    history = distributed.fit(
        model, X, y, num_workers=2, communication="collective", verbose=0, **options
    )
    assert history.params["communication"]["method"] == "collective"
    _assert_same(model, oracle, history, oracle_history)


def test_forcing_an_unavailable_collective_names_what_to_install(monkeypatch):
    monkeypatch.setattr(distributed.ray_fit, "collective_available", lambda: False)
    with pytest.raises(ImportError, match=r"^communication='collective' needs .*pip install torch"):
        distributed.fit(_model(), *_data(), communication="collective")
