"""Scoring a trained network on its training and validation rows, for the report and pictures.

The confusion matrix is k x k counts: it is stored as an integer tensor in its own file,
``evaluation.safetensors`` (tensor ``"confusion"``), not in the JSON record, so that thousands of
classes keep the model file's header small and `gradlab.load` of ``model.safetensors`` reads
the network alone.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradlab.tabular import metrics
from gradlab.tabular.files import EVALUATION_FILE
from gradlab.tabular.preprocessing import CLASSIFICATION
from gradlab.tabular.training_data import TrainingData


@dataclass
class Evaluation:
    """The scores of a trained network, and the rows the pictures show.

    Parameters
    ----------
    record : dict
        JSON-able scores: ``{"training": {...}, "validation": {...} or None, "per_class": ...,
        "confusion": {"file": ..., "tensor": ..., "shape": [k, k], "part": ...}}`` (where
        the matrix is stored, see `write_confusion`); each part holds ``rows``, ``loss`` and
        ``accuracy`` or ``rmse`` and ``r2`` (in the target's units).
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
        per_class = metrics.class_scores(y_true, y_pred, len(prep.classes))
        matrix = per_class.confusion
        record["per_class"] = {
            "part": part,
            "classes": prep.classes,
            "precision": per_class.precision.tolist(),
            "recall": per_class.recall.tolist(),
            "f1": per_class.f1.tolist(),
            "support": per_class.support.tolist(),
        }
        record["confusion"] = {
            "file": EVALUATION_FILE,
            "tensor": CONFUSION_TENSOR,
            "shape": list(matrix.shape),
            "part": part,
        }
        evaluation.confusion = matrix
    return evaluation


CONFUSION_TENSOR = "confusion"


def write_confusion(path: str | os.PathLike[str], matrix: np.ndarray) -> None:
    """Write ``matrix`` (rows: true classes, columns: predicted) as an integer tensor.

    int32 when every count fits (always, below 2**31 rows), else int64; the file is a plain
    safetensors file, read with ``safetensors.numpy.load_file(path)["confusion"]`` or
    `read_confusion`.

    Examples
    --------
    >>> import numpy as np, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "evaluation.safetensors")
    >>> write_confusion(path, np.array([[3, 1], [0, 2]]))
    >>> read_confusion(path)
    array([[3, 1],
           [0, 2]])
    """
    import safetensors.numpy

    from gradlab.io.atomic import write_atomic

    fits = matrix.size == 0 or int(matrix.max()) < 2**31
    tensor = np.ascontiguousarray(matrix, dtype=np.int32 if fits else np.int64)
    write_atomic(path, safetensors.numpy.save({CONFUSION_TENSOR: tensor}))


def read_confusion(path: str | os.PathLike[str]) -> np.ndarray:
    """The confusion matrix `write_confusion` stored, as int64."""
    import safetensors.numpy

    return safetensors.numpy.load_file(os.fspath(path))[CONFUSION_TENSOR].astype(np.int64)
