"""scikit-learn's own estimator test suite, run over the three gradlab estimators.

``parametrize_with_checks`` is the judge of scikit-learn compatibility: every check it yields
must pass. The MLPs are checked with ``max_iter=100`` instead of 200 (scikit-learn checks its
own MLPs with the same setting) to keep the suite fast; the Perceptron with its defaults.
"""

from __future__ import annotations

import warnings

import pytest
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils.estimator_checks import parametrize_with_checks

from gradlab.sklearn import MLPClassifier, MLPRegressor, Perceptron

ESTIMATORS = [Perceptron(), MLPClassifier(max_iter=100), MLPRegressor(max_iter=100)]


def expected_failed_checks(estimator: object) -> dict[str, str]:
    """Checks each estimator is known to fail, with the reason (none so far)."""
    return {}


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible_estimator(estimator: object, check: object) -> None:
    with warnings.catch_warnings():
        # Short runs on the checks' tiny data sets stop at max_iter by design.
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)  # type: ignore[operator]


def test_every_estimator_is_checked() -> None:
    assert {type(e) for e in ESTIMATORS} == {Perceptron, MLPClassifier, MLPRegressor}
    with pytest.raises(TypeError):
        Perceptron(1.0)  # type: ignore[misc]  # keyword-only, as scikit-learn's
