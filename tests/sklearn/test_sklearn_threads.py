"""The estimators' ``threads``: checked in fit in scikit-learn's wording, in force while
training, and without effect on the fitted weights beyond rounding."""

from __future__ import annotations

import numpy as np
import pytest
from numpy.testing import assert_allclose
from threadpoolctl import threadpool_info

from gradlab.sklearn import MLPClassifier, MLPRegressor
from gradlab.sklearn.parameters import InvalidParameterError
from gradlab.training import loop


def problem(n: int = 256, features: int = 32) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n, features))
    return X, (X[:, 0] + X[:, 1] > 0).astype(int)


@pytest.mark.parametrize("estimator", [MLPClassifier, MLPRegressor])
@pytest.mark.parametrize("value", [0, -1, 2.5, "4", True])
def test_bad_threads_are_refused_in_fit(estimator, value) -> None:
    X, y = problem(20, 3)
    model = estimator(threads=value)
    assert model.get_params()["threads"] is value  # stored as given; checked in fit
    with pytest.raises(InvalidParameterError, match=r"The 'threads' parameter of MLP\w+ must be"):
        model.fit(X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_limit_is_in_force_while_training(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[set[int]] = []
    run = loop.Trainer.run

    def recording(self):
        seen.append({lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"})
        return run(self)

    monkeypatch.setattr(loop.Trainer, "run", recording)
    X, y = problem(40, 4)
    MLPClassifier((8,), max_iter=2, random_state=0, threads=1).fit(X, y)
    MLPClassifier((8,), max_iter=2, random_state=0).fit(X, y)  # automatic: small, one thread
    assert seen == [{1}, {1}]


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_the_weights_agree_whatever_the_thread_count() -> None:
    X, y = problem()
    fits = [
        MLPClassifier((128, 128), batch_size=128, max_iter=3, random_state=0, threads=t).fit(X, y)
        for t in (1, 2)
    ]
    one, two = ([*f.coefs_, *f.intercepts_] for f in fits)
    for a, b in zip(one, two, strict=True):
        assert_allclose(b, a, rtol=1e-10, atol=1e-12)
