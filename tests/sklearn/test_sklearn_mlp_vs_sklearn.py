"""The MLP estimators trained side by side with scikit-learn's: same numbers.

With solver 'sgd', scikit-learn's random_state draws the same initial weights, batches and
validation splits here as there; with 'sgd' and 'adam' the update rules are scikit-learn's own
(gradlab.sklearn.sklearn_optimizers), so every fitted number must agree to rounding.
"""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
import sklearn.neural_network as sk
from sklearn.datasets import (
    load_iris,
    load_wine,
    make_multilabel_classification,
    make_regression,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.preprocessing import StandardScaler

from gradlab.sklearn import MLPClassifier, MLPRegressor


@pytest.fixture(autouse=True)
def _quiet() -> Iterator[None]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield


def iris() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_iris(return_X_y=True)
    return StandardScaler().fit_transform(X), y


def regression(n_targets: int = 1) -> tuple[np.ndarray, np.ndarray]:
    X, y = make_regression(120, 4, n_targets=n_targets, noise=1.0, random_state=0)
    return X, y / 100


def assert_same_fit(ours: Any, theirs: Any, rtol: float = 1e-12) -> None:
    assert ours.n_iter_ == theirs.n_iter_
    assert ours.t_ == theirs.t_
    assert ours.n_layers_ == theirs.n_layers_
    assert ours.n_outputs_ == theirs.n_outputs_
    assert ours.out_activation_ == theirs.out_activation_
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=rtol, atol=1e-14)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-12)


SGD_SETTINGS = [
    dict(momentum=0.9, nesterovs_momentum=True, batch_size=32),
    dict(momentum=0.9, nesterovs_momentum=False, batch_size="auto"),
    dict(momentum=0.0, batch_size=50, shuffle=False),
]


@pytest.mark.parametrize("settings", SGD_SETTINGS)
@pytest.mark.parametrize("binary", [False, True], ids=["multiclass", "binary"])
def test_classifier_sgd_matches_sklearn(settings: dict[str, Any], binary: bool) -> None:
    X, y = iris()
    if binary:
        y = np.where(y == 1, "versicolor", "other")
    kw = dict(hidden_layer_sizes=(6, 4), solver="sgd", alpha=0.01, max_iter=12, random_state=3)
    ours = MLPClassifier(**kw, **settings).fit(X, y)
    theirs = sk.MLPClassifier(**kw, **settings).fit(X, y)
    assert_same_fit(ours, theirs)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9, atol=1e-15
    )
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


def test_multilabel_classifier_matches_sklearn() -> None:
    X, Y = make_multilabel_classification(100, 6, n_classes=3, random_state=0)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=10, batch_size=16, random_state=1)
    ours, theirs = MLPClassifier(**kw).fit(X, Y), sk.MLPClassifier(**kw).fit(X, Y)
    assert_same_fit(ours, theirs)
    np.testing.assert_allclose(
        ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-9, atol=1e-15
    )
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))


@pytest.mark.parametrize("n_targets", [1, 3])
@pytest.mark.parametrize("activation", ["relu", "tanh", "logistic", "identity"])
def test_regressor_sgd_matches_sklearn(n_targets: int, activation: str) -> None:
    X, y = regression(n_targets)
    kw = dict(
        hidden_layer_sizes=(5,), activation=activation, solver="sgd", alpha=0.1,
        learning_rate_init=0.01, max_iter=10, batch_size=16, random_state=2,
    )  # fmt: skip
    ours, theirs = MLPRegressor(**kw).fit(X, y), sk.MLPRegressor(**kw).fit(X, y)
    assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-12)


def test_poisson_regressor_matches_sklearn() -> None:
    X, _ = regression()
    y = np.random.RandomState(0).poisson(np.exp(0.3 * X[:, 0]))
    kw = dict(loss="poisson", hidden_layer_sizes=(5,), solver="sgd", max_iter=10, random_state=1)
    ours, theirs = MLPRegressor(**kw).fit(X, y), sk.MLPRegressor(**kw).fit(X, y)
    assert ours.out_activation_ == "exp"
    assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-9, atol=1e-12)


def test_sample_weight_matches_sklearn() -> None:
    X, y = regression()
    weights = np.random.RandomState(0).randint(0, 4, len(X)).astype(float)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=10, batch_size=16, random_state=1)
    ours = MLPRegressor(**kw).fit(X, y, sample_weight=weights)
    theirs = sk.MLPRegressor(**kw).fit(X, y, sample_weight=weights)
    assert_same_fit(ours, theirs)
    Xc, yc = iris()
    weights = np.random.RandomState(1).uniform(0, 3, len(Xc))
    ours_c = MLPClassifier(**kw).fit(Xc, yc, sample_weight=weights)
    theirs_c = sk.MLPClassifier(**kw).fit(Xc, yc, sample_weight=weights)
    assert_same_fit(ours_c, theirs_c)


@pytest.mark.parametrize("schedule", ["constant", "invscaling", "adaptive"])
@pytest.mark.parametrize("binary", [False, True], ids=["multiclass", "binary"])
def test_schedules_and_early_stopping_match_sklearn(schedule: str, binary: bool) -> None:
    X, y = iris()
    if binary:
        y = (y == 2).astype(int)
    kw = dict(
        hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, learning_rate=schedule,
        learning_rate_init=0.3, early_stopping=True, n_iter_no_change=2, max_iter=80,
        tol=1e-3, random_state=0,
    )  # fmt: skip
    ours, theirs = MLPClassifier(**kw).fit(X, y), sk.MLPClassifier(**kw).fit(X, y)
    assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, atol=1e-12)
    assert ours.best_validation_score_ == theirs.best_validation_score_
    assert ours.best_loss_ is None and theirs.best_loss_ is None


@pytest.mark.parametrize("schedule", ["invscaling", "adaptive"])
def test_schedules_on_training_loss_match_sklearn(schedule: str) -> None:
    X, y = regression()
    kw = dict(
        hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, learning_rate=schedule,
        learning_rate_init=0.05, n_iter_no_change=2, tol=1e-2, max_iter=60, random_state=0,
    )  # fmt: skip
    ours, theirs = MLPRegressor(**kw).fit(X, y), sk.MLPRegressor(**kw).fit(X, y)
    assert_same_fit(ours, theirs)
    assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-9)


def test_partial_fit_and_warm_start_match_sklearn() -> None:
    X, y = iris()
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", batch_size=40, random_state=0)
    ours, theirs = MLPClassifier(**kw), sk.MLPClassifier(**kw)
    for start in (0, 50, 100, 0):
        part = slice(start, start + 50)
        ours.partial_fit(X[part], y[part], classes=[0, 1, 2])
        theirs.partial_fit(X[part], y[part], classes=[0, 1, 2])
    assert_same_fit(ours, theirs)
    kw = dict(hidden_layer_sizes=(5,), solver="sgd", max_iter=3, warm_start=True, random_state=0)
    ours, theirs = MLPClassifier(**kw), sk.MLPClassifier(**kw)
    for _ in range(3):
        ours.fit(X, y)
        theirs.fit(X, y)
    assert_same_fit(ours, theirs)
    assert len(ours.loss_curve_) == 9


def wine() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_wine(return_X_y=True)
    return StandardScaler().fit_transform(X), y


@pytest.mark.parametrize("epsilon", [1e-8, 1e-3])
@pytest.mark.parametrize("data", [iris, wine])
def test_adam_and_its_epsilon_match_sklearn(data: Any, epsilon: float) -> None:
    X, y = data()
    kw = dict(hidden_layer_sizes=(8,), solver="adam", max_iter=30, epsilon=epsilon, random_state=0)
    ours, theirs = MLPClassifier(**kw).fit(X, y), sk.MLPClassifier(**kw).fit(X, y)
    assert_same_fit(ours, theirs)


@pytest.mark.parametrize("nesterov", [True, False])
@pytest.mark.parametrize("schedule", ["invscaling", "adaptive"])
@pytest.mark.parametrize("data", [iris, wine])
def test_momentum_with_a_changing_rate_matches_sklearn(
    data: Any, schedule: str, nesterov: bool
) -> None:
    # Momentum in units of steps (scikit-learn's) and in units of gradients (PyTorch's) part
    # ways as soon as the learning rate changes: this pins scikit-learn's.
    X, y = data()
    kw = dict(
        hidden_layer_sizes=(6,), solver="sgd", momentum=0.9, nesterovs_momentum=nesterov,
        learning_rate=schedule, learning_rate_init=0.1, power_t=0.3, n_iter_no_change=2,
        tol=1e-2, max_iter=60, random_state=0,
    )  # fmt: skip
    ours, theirs = MLPClassifier(**kw).fit(X, y), sk.MLPClassifier(**kw).fit(X, y)
    assert_same_fit(ours, theirs)


def test_momentum_with_invscaling_matches_sklearn_on_regression() -> None:
    X, y = regression(2)
    kw = dict(
        hidden_layer_sizes=(5,), solver="sgd", momentum=0.8, learning_rate="invscaling",
        learning_rate_init=0.05, max_iter=25, random_state=2,
    )  # fmt: skip
    assert_same_fit(MLPRegressor(**kw).fit(X, y), sk.MLPRegressor(**kw).fit(X, y))


def printed_lines(estimator: Any, *args: Any, **kwargs: Any) -> list[str]:
    """The lines ``fit`` prints that scikit-learn and gradlab both print, word for word."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        estimator.fit(*args, **kwargs)
    keep = ("Iteration ", "Validation score: ")
    return [line for line in out.getvalue().splitlines() if line.startswith(keep)]


@pytest.mark.parametrize("early_stopping", [False, True])
def test_verbose_lines_match_sklearn(early_stopping: bool) -> None:
    X, y = iris()
    kw = dict(
        hidden_layer_sizes=(4,), solver="sgd", max_iter=15, verbose=True, random_state=0,
        early_stopping=early_stopping,
    )  # fmt: skip
    ours = printed_lines(MLPClassifier(**kw), X, y)
    theirs = printed_lines(sk.MLPClassifier(**kw), X, y)
    assert ours == theirs
    assert sum(line.startswith("Iteration") for line in theirs) > 5


def test_partial_fit_keeps_the_plateau_and_adaptive_rate_like_sklearn() -> None:
    # A tiny rate and tol=0.5 make every call a stall: the count carries over from call to
    # call, and each time it passes n_iter_no_change the adaptive rate is divided by 5.
    X, y = regression()
    kw = dict(
        hidden_layer_sizes=(3,), solver="sgd", momentum=0.0, learning_rate="adaptive",
        learning_rate_init=1e-3, tol=0.5, n_iter_no_change=2, batch_size=30, random_state=0,
    )  # fmt: skip
    ours, theirs = MLPRegressor(**kw), sk.MLPRegressor(**kw)
    rates = []
    for _ in range(12):
        ours.partial_fit(X, y)
        theirs.partial_fit(X, y)
        rates.append(theirs._optimizer.learning_rate)
        assert ours._schedule.learning_rate == pytest.approx(rates[-1], rel=1e-15)
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-12)
    assert len(set(rates)) > 2  # the rate did fall, more than once
    assert_same_fit(ours, theirs)
    assert len(ours.loss_curve_) == 12


def test_warm_start_with_early_stopping_matches_sklearn() -> None:
    # The best validation score and its weights carry over from one warm-start fit to the next.
    X, y = iris()
    kw = dict(
        hidden_layer_sizes=(4,), solver="sgd", momentum=0.0, learning_rate_init=0.2,
        early_stopping=True, n_iter_no_change=3, tol=1e-3, max_iter=15, warm_start=True,
        random_state=0,
    )  # fmt: skip
    ours, theirs = MLPClassifier(**kw), sk.MLPClassifier(**kw)
    for _ in range(2):
        ours.fit(X, y)
        theirs.fit(X, y)
        assert_same_fit(ours, theirs)
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, atol=1e-12)
        assert ours.best_validation_score_ == theirs.best_validation_score_
    best = [p.copy() for p in theirs.coefs_ + theirs.intercepts_]
    # The third fit starts stalled, so it stops after one epoch that does not improve, and
    # puts the best weights back: those of the second fit. (scikit-learn's own third fit keeps
    # the epoch's weights instead: its saved best arrays are the very arrays it then trains.)
    ours.fit(X, y)
    theirs.fit(X, y)
    assert ours.n_iter_ == theirs.n_iter_ == 1
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, atol=1e-12)
    for a, b in zip(ours.coefs_ + ours.intercepts_, best, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)


def test_sample_weight_with_early_stopping_matches_sklearn() -> None:
    X, y = iris()
    weights = np.random.RandomState(2).uniform(0, 2, len(X))
    weights[:20] = 0.0  # whole batches of zero weight, too
    kw = dict(
        hidden_layer_sizes=(5,), solver="sgd", batch_size=10, shuffle=False, max_iter=20,
        early_stopping=True, n_iter_no_change=4, random_state=1,
    )  # fmt: skip
    ours = MLPClassifier(**kw).fit(X, y, sample_weight=weights)
    theirs = sk.MLPClassifier(**kw).fit(X, y, sample_weight=weights)
    assert_same_fit(ours, theirs)
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, atol=1e-12)
