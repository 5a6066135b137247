"""scikit-learn searches over gradlab's estimators on joblib's loky, Dask and Ray backends,
and Optuna pruning through partial_fit.

The oracle of a parallel search is the same search run sequentially (n_jobs=1): every
backend (loky's processes, joblib's threads, a threaded Dask worker, Ray) must give the same
cv_results_ (scores, ranks, parameters). BLAS is limited to one
thread per task (joblib's inner_max_num_threads, threadpoolctl), so that two tasks on two
cores do not each start two BLAS threads.
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV

from gradlab.sklearn import MLPClassifier, MLPRegressor

joblib = pytest.importorskip("joblib")


def _data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 4))
    return X, (X[:, 0] - X[:, 1] + 0.3 * rng.standard_normal(120) > 0).astype(int)


def _grid():
    estimator = MLPClassifier((6,), max_iter=30, learning_rate_init=0.05, random_state=0)
    grid = {"alpha": [1e-4, 1e-1], "activation": ["tanh", "relu"]}
    return GridSearchCV(estimator, grid, cv=2, n_jobs=2)


def _comparable(results):
    return {k: v for k, v in results.items() if "time" not in k}


def _assert_same_results(got, want):
    assert got.keys() == want.keys()
    for key, values in want.items():
        if key.startswith(("mean_", "std_", "split")):
            np.testing.assert_allclose(got[key], values, rtol=0, atol=1e-12)
        else:
            assert list(got[key]) == list(values), key


@pytest.fixture(scope="module")
def sequential():
    X, y = _data()
    with pytest.warns(Warning), joblib.parallel_backend("sequential"):
        return _comparable(_grid().fit(X, y).cv_results_)


def _search(backend, **options):
    X, y = _data()
    with pytest.warns(Warning), joblib.parallel_backend(backend, **options):
        return _comparable(_grid().fit(X, y).cv_results_)


def test_a_grid_search_on_loky_with_one_blas_thread_per_task(sequential):
    _assert_same_results(_search("loky", inner_max_num_threads=1), sequential)


def test_a_grid_search_in_threads_of_one_process(sequential):
    # joblib's threading backend: the fits share the process (grad mode is per thread).
    _assert_same_results(_search("threading"), sequential)


def test_a_grid_search_on_a_dask_local_cluster(sequential):
    distributed = pytest.importorskip("dask.distributed", reason="needs gradlab[dask]")
    with (
        # An in-process worker (inproc:// transport, no port opened) with two threads, so
        # that two fits run at once in one process.
        distributed.LocalCluster(
            n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):  # fmt: skip
        _assert_same_results(_search("dask"), sequential)


def test_a_randomized_search_on_ray_matches_loky(cluster):
    from ray.util.joblib import register_ray

    register_ray()
    X, _ = _data()
    target = X[:, 0] - 2 * X[:, 2]
    space = {"alpha": [1e-4, 1e-2, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    estimator = MLPRegressor(max_iter=20, learning_rate_init=0.05, random_state=0)
    results = {}
    for backend in ("sequential", "ray"):
        search = RandomizedSearchCV(estimator, space, n_iter=3, cv=2, n_jobs=2, random_state=0)
        with pytest.warns(Warning), joblib.parallel_backend(backend):
            results[backend] = _comparable(search.fit(X, target).cv_results_)
    _assert_same_results(results["ray"], results["sequential"])


def test_optuna_prunes_trials_through_partial_fit():
    optuna = pytest.importorskip("optuna")
    X, y = _data()
    X_train, y_train, X_val, y_val = X[:80], y[:80], X[80:], y[80:]
    curves = {}

    def objective(trial):
        lr = trial.suggest_float("learning_rate_init", 1e-4, 0.3, log=True)
        clf = MLPClassifier((6,), learning_rate_init=lr, batch_size=16, random_state=0)
        curve = curves.setdefault(trial.number, [])
        for epoch in range(15):
            clf.partial_fit(X_train, y_train, classes=[0, 1])
            curve.append(clf.score(X_val, y_val))
            trial.report(curve[-1], epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return curve[-1]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=0),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=2),
    )
    study.optimize(objective, n_trials=10)
    states = [t.state for t in study.trials]
    pruned = [t for t in study.trials if t.state == optuna.trial.TrialState.PRUNED]
    assert pruned, states
    for trial in pruned:  # stopped early, on the values partial_fit reached
        assert len(curves[trial.number]) < 15
        assert list(trial.intermediate_values.values()) == curves[trial.number]
    assert study.best_value >= 0.8
