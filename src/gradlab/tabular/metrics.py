"""The scores in the training report: accuracy, per-class precision/recall/F1, RMSE and R²."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

#: The most classes ``gradlab train`` accepts. The confusion matrix holds k² counts (128 MiB in
#: memory and 64 MiB on disk at this bound), and per-class tables and pictures stop being
#: readable long before.
MAX_CLASSES = 4096


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, n_classes: int) -> np.ndarray:
    """Counts ``C[i, j]`` of rows of true class ``i`` predicted as class ``j``.

    Examples
    --------
    >>> import numpy as np
    >>> confusion_matrix(np.array([0, 1, 1]), np.array([0, 0, 1]), 2)
    array([[1, 0],
           [1, 1]])
    """
    matrix = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


@dataclass
class ClassScores:
    """Precision, recall, F1 and support of each class, from a confusion matrix.

    precision_c = C[c, c] / sum_i C[i, c], recall_c = C[c, c] / sum_j C[c, j],
    F1_c = 2 precision_c recall_c / (precision_c + recall_c); 0 where a denominator is 0
    (scikit-learn's ``zero_division=0``).
    """

    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    support: np.ndarray

    @classmethod
    def from_confusion(cls, matrix: np.ndarray) -> ClassScores:
        """Compute the scores of every class.

        Examples
        --------
        >>> import numpy as np
        >>> scores = ClassScores.from_confusion(np.array([[1, 0], [1, 1]]))
        >>> scores.precision.tolist(), scores.recall.tolist()
        ([0.5, 1.0], [1.0, 0.5])
        """
        hits = np.diag(matrix).astype(np.float64)
        predicted = matrix.sum(axis=0)
        support = matrix.sum(axis=1)
        precision = _ratio(hits, predicted)
        recall = _ratio(hits, support)
        f1 = _ratio(2 * precision * recall, precision + recall)
        return cls(precision, recall, f1, support)


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """The fraction of rows predicted right."""
    return float(np.mean(y_true == y_pred))


def rmse(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Root mean squared error, sqrt(mean((y - ŷ)²)), computed on y / s and ŷ / s with
    s = max |y|, |ŷ| so that values near the float64 maximum do not overflow.

    Examples
    --------
    >>> import numpy as np
    >>> rmse(np.array([0.0, 0.0]), np.array([3.0, -3.0]))
    3.0
    """
    truth, guess, scale = _scaled(y_true, y_pred)
    return float(scale * np.sqrt(np.mean((truth - guess) ** 2)))


def r2_score(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    """Coefficient of determination, 1 - sum((y - ŷ)²) / sum((y - mean y)²).

    A constant ``y_true`` gives 1.0 for a perfect prediction and 0.0 otherwise (scikit-learn).
    The ratio does not depend on the units, so it is computed on scaled values as `rmse` is.

    Examples
    --------
    >>> import numpy as np
    >>> r2_score(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0]))
    0.5
    """
    truth, guess, _ = _scaled(y_true, y_pred)
    residual = float(np.sum((truth - guess) ** 2))
    total = float(np.sum((truth - truth.mean()) ** 2))
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return 1.0 - residual / total


def _scaled(y_true: np.ndarray, y_pred: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    truth = np.asarray(y_true, dtype=np.float64)
    guess = np.asarray(y_pred, dtype=np.float64)
    with np.errstate(invalid="ignore"):
        scale = float(max(np.max(np.abs(truth), initial=0.0), np.max(np.abs(guess), initial=0.0)))
    if scale == 0 or not np.isfinite(scale):
        scale = 1.0
    return truth / scale, guess / scale, scale


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.zeros(np.shape(numerator), dtype=np.float64)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
