"""gradlab.sklearn.Perceptron: Rosenblatt's rule (the tutorial's MyPerceptron), scikit-learn's
conventions."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest
from sklearn.datasets import load_iris, make_blobs
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Perceptron as SklearnPerceptron
from sklearn.model_selection import train_test_split

import gradlab as gl
from gradlab.sklearn import Perceptron
from gradlab.sklearn.parameters import InvalidParameterError


def blobs_split() -> list[np.ndarray]:
    X, y = make_blobs(
        n_samples=100,
        n_features=2,
        centers=[[-3.5, -2.0], [2.5, 3.5]],
        cluster_std=2.25,
        random_state=5,
    )
    return train_test_split(X, y, test_size=0.25, random_state=5)


def seed_rule(X: np.ndarray, y: np.ndarray, eta: float, epochs: int) -> tuple[np.ndarray, float]:
    """The tutorial's MyPerceptron.fit, transcribed, starting from zero weights and bias."""
    weights, bias = np.zeros(X.shape[1]), 0.0
    for _ in range(epochs):
        for i in range(len(X)):
            ayp = np.where(np.dot(X[i], weights) + bias > 0.0, 1, 0)
            loss = ayp - y[i]
            if loss != 0:
                weights -= eta * loss * X[i]
                bias -= eta * loss
    return weights, bias


def sklearn_error(estimator: object, *args: object) -> str:
    with pytest.raises(ValueError) as info:
        estimator.fit(*args)  # type: ignore[attr-defined]
    return str(info.value)


def test_blobs_accuracy_at_least_the_tutorial_and_sklearn() -> None:
    X_train, X_test, y_train, y_test = blobs_split()
    accuracy = Perceptron().fit(X_train, y_train).score(X_test, y_test)
    sklearn_accuracy = SklearnPerceptron().fit(X_train, y_train).score(X_test, y_test)
    assert accuracy >= 0.84  # the tutorial's published accuracy
    assert accuracy >= sklearn_accuracy


@pytest.mark.parametrize("eta0", [0.01, 1.0])
def test_weights_follow_the_seed_rule(eta0: float) -> None:
    X_train, _, y_train, _ = blobs_split()
    clf = Perceptron(eta0=eta0, shuffle=False, tol=None, max_iter=7).fit(X_train, y_train)
    weights, bias = seed_rule(X_train, y_train, eta0, epochs=7)
    np.testing.assert_allclose(clf.coef_, [weights], rtol=1e-12, atol=1e-12 * eta0)
    np.testing.assert_allclose(clf.intercept_, [bias], rtol=1e-12, atol=1e-12 * eta0)
    assert clf.n_iter_ == 7
    assert clf.t_ == 7 * len(X_train) + 1


def test_one_vs_all_columns_follow_the_seed_rule() -> None:
    X, y = load_iris(return_X_y=True)
    clf = Perceptron(shuffle=False, tol=None, max_iter=3).fit(X, y)
    for k in range(3):
        weights, bias = seed_rule(X, (y == k).astype(int), 1.0, epochs=3)
        np.testing.assert_allclose(clf.coef_[k], weights, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(clf.intercept_[k], bias, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(clf.predict(X), np.argmax(clf.decision_function(X), axis=1))


def test_binary_predictions_are_the_step_of_the_decision_function() -> None:
    X_train, X_test, y_train, _ = blobs_split()
    labels = np.array(["blue", "red"])[y_train]
    clf = Perceptron().fit(X_train, labels)
    scores = clf.decision_function(X_test)
    assert scores.shape == (len(X_test),)
    np.testing.assert_allclose(
        scores, X_test @ clf.coef_[0] + clf.intercept_[0], rtol=1e-12, atol=1e-12
    )
    np.testing.assert_array_equal(clf.predict(X_test), clf.classes_[(scores > 0).astype(int)])


def test_model_is_a_linear_layer_and_a_step() -> None:
    X_train, _, y_train, _ = blobs_split()
    clf = Perceptron().fit(X_train, y_train)
    assert isinstance(clf.model_[0], gl.nn.Linear)
    assert isinstance(clf.model_[1], gl.nn.Step)
    assert clf.model_.num_parameters() == 3
    table = clf.model_.summary(print_fn=None)
    assert "Linear" in table and "Step" in table


def test_convergence_warning_at_max_iter() -> None:
    X, y = load_iris(return_X_y=True)
    with pytest.warns(ConvergenceWarning, match="Maximum number of iteration reached"):
        Perceptron(max_iter=2).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        Perceptron(max_iter=2, tol=None).fit(X, y)  # no stopping rule: no warning


def test_early_stopping_holds_out_data_and_stops() -> None:
    X_train, X_test, y_train, y_test = blobs_split()
    clf = Perceptron(early_stopping=True, validation_fraction=0.2, n_iter_no_change=3)
    clf.fit(X_train, y_train)
    assert clf.n_iter_ < 1000
    assert clf.score(X_test, y_test) >= 0.7


def test_partial_fit_is_one_epoch_of_the_rule() -> None:
    X_train, _, y_train, _ = blobs_split()
    clf = Perceptron(shuffle=False)
    for _ in range(3):
        clf.partial_fit(X_train, y_train, classes=[0, 1])
    weights, bias = seed_rule(X_train, y_train, 1.0, epochs=3)
    np.testing.assert_allclose(clf.coef_, [weights], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(clf.intercept_, [bias], rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        Perceptron().partial_fit(X_train, y_train)
    with pytest.raises(ValueError, match=re.escape("`y` has classes not in `self.classes_`")):
        clf.partial_fit(X_train, y_train + 5)


def test_warm_start_continues_and_fit_intercept_false() -> None:
    X_train, _, y_train, _ = blobs_split()
    clf = Perceptron(shuffle=False, tol=None, max_iter=2, warm_start=True).fit(X_train, y_train)
    clf.fit(X_train, y_train)
    weights, bias = seed_rule(X_train, y_train, 1.0, epochs=4)
    np.testing.assert_allclose(clf.coef_, [weights], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(clf.intercept_, [bias], rtol=1e-12, atol=1e-12)
    no_bias = Perceptron(fit_intercept=False).fit(X_train, y_train)
    assert no_bias.model_[0].bias is None
    np.testing.assert_array_equal(no_bias.intercept_, [0.0])


def test_float32_stays_float32() -> None:
    X_train, X_test, y_train, _ = blobs_split()
    clf = Perceptron().fit(X_train.astype(np.float32), y_train)
    assert clf.coef_.dtype == np.float32
    assert clf.decision_function(X_test.astype(np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    "bad",
    [
        lambda X, y: (np.where(X > 3, np.nan, X), y),
        lambda X, y: (np.where(X > 3, np.inf, X), y),
        lambda X, y: (X[:, 0], y),
        lambda X, y: (X[:0], y[:0]),
        lambda X, y: (X, y[:-1]),
        lambda X, y: (X, np.zeros_like(y)),
    ],
    ids=["nan", "inf", "1d", "empty", "lengths", "one-class"],
)
def test_errors_match_sklearn(bad: object) -> None:
    X_train, _, y_train, _ = blobs_split()
    args = bad(X_train, y_train)  # type: ignore[operator]
    expected = sklearn_error(SklearnPerceptron(), *args)
    with pytest.raises(ValueError, match=re.escape(expected)):
        Perceptron().fit(*args)


def test_invalid_parameter_message_matches_sklearn() -> None:
    X_train, _, y_train, _ = blobs_split()
    for params in [{"eta0": -1.0}, {"max_iter": 0}, {"validation_fraction": 1.5}]:
        with pytest.raises(ValueError) as expected:
            SklearnPerceptron(**params).fit(X_train, y_train)
        with pytest.raises(InvalidParameterError, match=re.escape(str(expected.value))):
            Perceptron(**params).fit(X_train, y_train)
