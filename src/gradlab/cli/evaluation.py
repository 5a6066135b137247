"""Scoring a trained network on its training and validation rows, for the report and pictures."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradlab.cli import metrics
from gradlab.cli.preprocessing import CLASSIFICATION
from gradlab.cli.training_data import TrainingData


@dataclass
class Evaluation:
    """The scores of a trained network, and the rows the pictures show.

    Parameters
    ----------
    record : dict
        JSON-able scores: ``{"training": {...}, "validation": {...} or None, "per_class": ...,
        "confusion": ...}``; each part holds ``rows``, ``loss`` and ``accuracy`` or
        ``rmse`` and ``r2`` (in the target's units).
    part : str
        The part the per-class scores and pictures describe: "validation", or "training" when
        there is no validation part.
    y_true, y_pred : numpy.ndarray
        That part's targets and predictions (class indices, or values in the target's units).
    """

    record: dict[str, Any]
    part: str
    y_true: np.ndarray
    y_pred: np.ndarray
    confusion: np.ndarray | None = field(default=None)


def evaluate(model: Any, data: TrainingData, loss_name: str) -> Evaluation:
    """Score ``model`` on ``data``'s training and validation rows.

    Parameters
    ----------
    model : gradlab.nn.Module
        The trained network.
    data : TrainingData
        The encoded rows and their split.
    loss_name : str
        The training loss, a name of `gradlab.losses.get`.

    Returns
    -------
    Evaluation
    """
    import gradlab as gl

    loss = gl.losses.get(loss_name)
    prep = data.preprocessing
    dtype = model.dtype if model.dtype is not None else np.float64
    record: dict[str, Any] = {"training": None, "validation": None}
    kept: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for part, rows in (("training", data.train), ("validation", data.validation)):
        if rows.size == 0:
            continue
        outputs = gl.predict(model, data.X[rows].astype(dtype))
        target = data.y[rows]
        scores: dict[str, Any] = {"rows": int(rows.size)}
        if prep.task == CLASSIFICATION:
            with gl.no_grad():
                scores["loss"] = float(loss(gl.Tensor(outputs), target).item())
            predicted = outputs.argmax(axis=1)
            scores["accuracy"] = metrics.accuracy(target, predicted)
            kept[part] = (target, predicted)
        else:
            column = target.reshape(-1, 1).astype(dtype)
            with gl.no_grad():
                scores["loss"] = float(loss(gl.Tensor(outputs), column).item())
            truth = prep.decode_regression(target)
            predicted_values = prep.decode_regression(outputs[:, 0])
            scores["rmse"] = metrics.rmse(truth, predicted_values)
            scores["r2"] = metrics.r2_score(truth, predicted_values)
            kept[part] = (truth, predicted_values)
        # JSON has no inf or NaN: a score that overflowed is recorded as unknown.
        record[part] = {k: v if np.isfinite(v) else None for k, v in scores.items()}
    part = "validation" if "validation" in kept else "training"
    y_true, y_pred = kept[part]
    evaluation = Evaluation(record, part, y_true, y_pred)
    if prep.task == CLASSIFICATION:
        matrix = metrics.confusion_matrix(y_true, y_pred, len(prep.classes))
        per_class = metrics.ClassScores.from_confusion(matrix)
        record["per_class"] = {
            "part": part,
            "classes": prep.classes,
            "precision": per_class.precision.tolist(),
            "recall": per_class.recall.tolist(),
            "f1": per_class.f1.tolist(),
            "support": per_class.support.tolist(),
        }
        record["confusion"] = matrix.tolist()
        evaluation.confusion = matrix
    return evaluation
