"""The estimators' training steps are captured and replayed, bit for bit as the dynamic engine.

The oracle is the dynamic engine (the loop's ``replay=False``): a replay recomputes the same
nodes with the same kernels, so the weights and the recorded loss curve must be equal to the
last bit. Each case also proves that the replay ran (and, for a loss the capture cannot
replay, that it fell back and still trained the same).
"""

from __future__ import annotations

import functools
import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

from gradlab.sklearn import MLPClassifier, MLPRegressor, mlp_base
from gradlab.training.loop import Trainer

RNG = np.random.default_rng(7)
X = RNG.normal(size=(90, 5))
CASES: dict[str, tuple[Any, Any]] = {
    "multiclass softmax": (
        lambda: MLPClassifier(hidden_layer_sizes=(7,), batch_size=16, max_iter=4, random_state=0),
        RNG.integers(0, 3, size=90),
    ),
    "binary logistic": (
        lambda: MLPClassifier(
            hidden_layer_sizes=(6, 4), solver="sgd", max_iter=4, batch_size=32, random_state=1
        ),
        RNG.integers(0, 2, size=90),
    ),
    "regression, two outputs, alpha": (
        lambda: MLPRegressor(
            hidden_layer_sizes=(8,), alpha=0.01, max_iter=4, batch_size=25, random_state=2
        ),
        RNG.normal(size=(90, 2)),
    ),
    "poisson (composed loss: falls back)": (
        lambda: MLPRegressor(
            hidden_layer_sizes=(5,), loss="poisson", max_iter=3, batch_size=30, random_state=3
        ),
        RNG.poisson(2.0, size=90).astype(float),
    ),
}


def _fit(monkeypatch: pytest.MonkeyPatch, case: str, replay: bool) -> tuple[Any, list[Any]]:
    runs: list[Any] = []

    class Watched(Trainer):
        def run(self) -> Any:
            history = super().run()
            runs.append(self.replay)
            return history

    monkeypatch.setattr(mlp_base, "Trainer", functools.partial(Watched, replay=replay))
    make, y = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # a few epochs, on purpose
        return make().fit(X, y), runs


@pytest.mark.parametrize("case", list(CASES))
def test_estimator_replay_is_bit_identical(monkeypatch: pytest.MonkeyPatch, case: str) -> None:
    replayed, runs = _fit(monkeypatch, case, replay=True)
    dynamic, _ = _fit(monkeypatch, case, replay=False)
    step = runs[-1]
    if case.startswith("poisson"):
        assert step.replays == 0 and step.reasons  # the capture said why it cannot replay
    else:
        assert step.replays > 0 and not step.reasons
    assert replayed.loss_curve_ == dynamic.loss_curve_
    trained = replayed.coefs_ + replayed.intercepts_
    for a, b in zip(trained, dynamic.coefs_ + dynamic.intercepts_, strict=True):
        assert np.array_equal(a, b)
