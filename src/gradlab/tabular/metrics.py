"""The scores in the training report, from `sklearn.metrics`: accuracy, per-class precision,
recall and F1, the confusion matrix, RMSE and R²."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The most classes ``gradlab train`` accepts. The confusion matrix holds k² counts (128 MiB in
#: memory and 64 MiB on disk at this bound), and per-class tables and pictures stop being
#: readable long before.
MAX_CLASSES = 4096


@dataclass
class ClassScores:
    """The confusion matrix and each class's precision, recall, F1 and support (0 where a
    denominator is 0, scikit-learn's ``zero_division=0``)."""

    confusion: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray


def class_scores(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> ClassScores:
    """Score class indices ``y_pred`` against ``y_true``, classes ``0 .. n_classes - 1``.

    Examples
    --------
    >>> import numpy as np
    >>> scores = class_scores(np.array([0, 1, 1]), np.array([0, 0, 1]), 2)
    >>> scores.confusion.tolist(), scores.precision.tolist(), scores.recall.tolist()
    ([[1, 0], [1, 1]], [0.5, 1.0], [1.0, 0.5])
    """
    from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

    labels = np.arange(n_classes)
    matrix = confusion_matrix(y_true, y_pred, labels=labels).astype(np.int64)
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    return ClassScores(matrix, precision, recall, f1, support.astype(np.int64))


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The fraction of rows predicted right (`sklearn.metrics.accuracy_score`)."""
    from sklearn.metrics import accuracy_score

    return float(accuracy_score(y_true, y_pred))


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error, computed by `sklearn.metrics.root_mean_squared_error` on y / s
    and ŷ / s with s = max |y|, |ŷ|, so that values near the float64 maximum do not overflow.

    Examples
    --------
    >>> import numpy as np
    >>> rmse(np.array([0.0, 0.0]), np.array([3.0, -3.0]))
    3.0
    """
    from sklearn.metrics import root_mean_squared_error

    try:
        truth, guess, scale = _scaled(y_true, y_pred)
    except _NotFinite:
        return float("nan")
    return float(scale * root_mean_squared_error(truth, guess))


def r2_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination (`sklearn.metrics.r2_score`), on values scaled as in `rmse`.

    Examples
    --------
    >>> import numpy as np
    >>> r2_score(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    0.5
    """
    from sklearn.metrics import r2_score as sklearn_r2

    try:
        truth, guess, _ = _scaled(y_true, y_pred)
    except _NotFinite:
        return float("nan")
    return float(sklearn_r2(truth, guess))


def _scaled(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    truth = np.asarray(y_true, dtype=np.float64)
    guess = np.asarray(y_pred, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        scale = float(max(np.max(np.abs(truth), initial=0.0), np.max(np.abs(guess), initial=0.0)))
    if scale == 0 or not np.isfinite(scale):
        scale = 1.0
    if not (np.isfinite(truth).all() and np.isfinite(guess).all()):
        raise _NotFinite
    return truth / scale, guess / scale, scale


class _NotFinite(Exception):
    """A prediction overflowed: its score is unknown (NaN), as scikit-learn refuses it."""
