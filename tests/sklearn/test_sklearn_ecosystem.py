"""The estimators inside scikit-learn's tools: Pipeline, GridSearchCV, cross_val_score,
clone, and pandas DataFrames (whose column names are kept and checked)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest
import sklearn.neural_network as sk
from sklearn.base import clone
from sklearn.datasets import load_diabetes, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from gradlab.sklearn import MLPClassifier, MLPRegressor, Perceptron


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def iris_frame() -> tuple[pd.DataFrame, pd.Series]:
    data = load_iris(as_frame=True)
    return data.data, data.target


def test_pipeline_and_cross_val_score() -> None:
    X, y = iris_frame()
    pipe = make_pipeline(
        StandardScaler(), MLPClassifier((8,), learning_rate_init=0.05, max_iter=60, random_state=0)
    )
    scores = cross_val_score(pipe, X, y, cv=KFold(3, shuffle=True, random_state=0))
    manual = []
    for train, test in KFold(3, shuffle=True, random_state=0).split(X):
        fitted = clone(pipe).fit(X.iloc[train], y.iloc[train])
        manual.append(fitted.score(X.iloc[test], y.iloc[test]))
    np.testing.assert_allclose(scores, manual, atol=1e-12)
    assert scores.mean() > 0.85
    X_reg, y_reg = load_diabetes(return_X_y=True)
    reg = make_pipeline(
        StandardScaler(),
        MLPRegressor(hidden_layer_sizes=(16,), learning_rate_init=0.01, random_state=0),
    )
    assert cross_val_score(reg, X_reg, y_reg / 100, cv=3).mean() > 0.3
    perceptron = make_pipeline(StandardScaler(), Perceptron())
    assert cross_val_score(perceptron, X, y, cv=3).mean() > 0.7


def test_grid_search_in_two_processes_equals_one() -> None:
    X, y = iris_frame()
    grid = {"alpha": [1e-4, 1e-1], "hidden_layer_sizes": [(4,), (8,)]}
    estimator = MLPClassifier(max_iter=40, learning_rate_init=0.05, random_state=0)
    parallel = GridSearchCV(estimator, grid, cv=3, n_jobs=2).fit(X, y)
    serial = GridSearchCV(estimator, grid, cv=3, n_jobs=1).fit(X, y)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_score"], serial.cv_results_["mean_test_score"], atol=1e-12
    )
    assert parallel.best_params_ == serial.best_params_
    assert parallel.best_estimator_.score(X, y) > 0.85
    np.testing.assert_array_equal(parallel.best_estimator_.feature_names_in_, X.columns)


@pytest.mark.parametrize("make", [Perceptron, MLPClassifier, MLPRegressor])
def test_clone_copies_parameters_not_state(make: Any) -> None:
    X, y = iris_frame()
    estimator = make(max_iter=5, random_state=3, warm_start=True).fit(X, y.astype(float))
    copy = clone(estimator)
    assert copy.get_params() == estimator.get_params()
    assert not hasattr(copy, "model_") and not hasattr(copy, "n_features_in_")


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [(MLPClassifier, sk.MLPClassifier), (MLPRegressor, sk.MLPRegressor)],
)
def test_dataframe_feature_names_as_sklearn(ours: Any, theirs: Any) -> None:
    X, y = iris_frame()
    y = y.astype(float)
    fitted = ours(max_iter=3).fit(X, y)
    reference = theirs(max_iter=3).fit(X, y)
    np.testing.assert_array_equal(fitted.feature_names_in_, reference.feature_names_in_)
    shuffled = X[X.columns[::-1]]
    with pytest.raises(ValueError) as expected:
        reference.predict(shuffled)
    with pytest.raises(ValueError, match=re.escape(str(expected.value))):
        fitted.predict(shuffled)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        fitted.predict(X.to_numpy())


def test_perceptron_keeps_feature_names() -> None:
    X, y = iris_frame()
    clf = Perceptron().fit(X, y)
    np.testing.assert_array_equal(clf.feature_names_in_, X.columns)
    assert clf.predict(X).shape == (150,)
