"""Metrics against scikit-learn's (accuracy_score, mean_squared_error, mean_absolute_error)."""

from __future__ import annotations

import numpy as np
import pytest

import gradlab as gl
from gradlab.training import accuracy, mean_absolute_error, mean_squared_error
from gradlab.training.metrics import get as get_metric
from sklearn import metrics as sk

rng = np.random.default_rng(0)
PROBABILITIES = rng.uniform(size=(20, 1))
LOGITS = rng.normal(size=(20, 1))
LABELS = rng.integers(0, 2, size=20)
SCORES = rng.normal(size=(20, 3))
CLASSES = rng.integers(0, 3, size=20)


def test_accuracy_of_probabilities_thresholds_at_one_half():
    expected = sk.accuracy_score(LABELS, (PROBABILITIES[:, 0] > 0.5).astype(int))
    assert accuracy(PROBABILITIES, LABELS) == pytest.approx(expected)
    assert accuracy(PROBABILITIES, LABELS.reshape(-1, 1).astype(float)) == pytest.approx(expected)


def test_accuracy_of_logits_thresholds_at_zero_when_the_loss_takes_logits():
    expected = sk.accuracy_score(LABELS, (LOGITS[:, 0] > 0).astype(int))
    name, metric = get_metric("acc", gl.losses.get("bce_with_logits"))
    assert name == "accuracy"
    assert metric(LOGITS, LABELS) == pytest.approx(expected)
    # Hinge labels are -1 / +1 and its scores are thresholded at 0 too.
    _, hinge_metric = get_metric("accuracy", gl.losses.get("hinge"))
    assert hinge_metric(LOGITS, 2 * LABELS - 1) == pytest.approx(expected)


def test_accuracy_of_several_columns_uses_the_argmax_against_labels_or_one_hot():
    expected = sk.accuracy_score(CLASSES, SCORES.argmax(axis=1))
    assert accuracy(SCORES, CLASSES) == pytest.approx(expected)
    assert accuracy(SCORES, np.eye(3)[CLASSES]) == pytest.approx(expected)


def test_accuracy_rejects_targets_that_do_not_fit():
    with pytest.raises(ValueError, match="does not fit"):
        accuracy(SCORES, np.zeros((20, 2)))


def test_mean_squared_and_absolute_error_match_scikit_learn():
    prediction = rng.normal(size=(20, 2))
    target = rng.normal(size=(20, 2))
    assert mean_squared_error(prediction, target) == pytest.approx(
        sk.mean_squared_error(target, prediction)
    )
    assert mean_absolute_error(prediction, target) == pytest.approx(
        sk.mean_absolute_error(target, prediction)
    )
    column = prediction[:, :1]
    assert mean_squared_error(column, target[:, 0]) == pytest.approx(
        sk.mean_squared_error(target[:, 0], column[:, 0])
    )


def test_metric_functions_are_recorded_under_their_names():
    def median_error(prediction, target):
        return float(np.median(np.abs(prediction - target.reshape(prediction.shape))))

    X = rng.normal(size=(8, 2))
    y = rng.normal(size=8)
    history = gl.fit(
        gl.nn.MLP(2, [2], 1, rng=0), X, y, epochs=2, metrics=[median_error, "mse"],
        validation_data=(X, y), verbose=0,
    )  # fmt: skip
    assert set(history.history) == {
        "loss", "median_error", "mse", "val_loss", "val_median_error", "val_mse",
    }  # fmt: skip
    # With the mse loss the "mse" metric of a full batch is the loss itself.
    np.testing.assert_allclose(
        history.history["mse"], history.history["loss"], rtol=1e-12, atol=1e-14
    )
    with pytest.raises(ValueError, match="needs a name"):
        get_metric(lambda p, t: 0.0)
