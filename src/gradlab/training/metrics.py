"""Metrics that `fit` reports per epoch: accuracy, mean squared and absolute error, by name.

A metric is a function ``metric(prediction, target) -> float`` on NumPy arrays; it measures,
it is not differentiated. Names: ``"accuracy"`` (alias ``"acc"``), ``"mse"`` (alias
``"mean_squared_error"``), ``"mae"`` (alias ``"mean_absolute_error"``); any callable with a
``__name__`` works too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine.registry import Registry

Metric = Callable[[np.ndarray, np.ndarray], float]


def _as_columns(target: np.ndarray, prediction: np.ndarray) -> np.ndarray:
    """The target in the prediction's shape when they hold the same number of values."""
    if target.shape != prediction.shape and target.size == prediction.size:
        return target.reshape(prediction.shape)
    return target


def accuracy(prediction: np.ndarray, target: np.ndarray, threshold: float = 0.5) -> float:
    """The fraction of samples whose predicted class is the target class.

    With several output columns the predicted class is the argmax of the row (probabilities
    and logits alike); the target is a vector of class indices or rows of one-hot /
    probabilities (their argmax). With one output column the prediction is positive where it
    exceeds ``threshold`` (0.5 for probabilities, 0 for logits and hinge scores) and the target
    where it exceeds 0.5 (labels 0/1, -1/+1, or probabilities).

    Parameters
    ----------
    prediction : ndarray of shape (n,) or (n, k)
    target : ndarray of shape (n,), (n, 1) or (n, k)
    threshold : float, default 0.5

    Returns
    -------
    float
        mean(predicted class == target class), in [0, 1].

    Examples
    --------
    >>> import numpy as np
    >>> accuracy(np.array([[0.9], [0.2], [0.6]]), np.array([1, 0, 0]))
    0.6666666666666666
    >>> accuracy(np.array([[2.0, -1.0], [0.1, 0.3]]), np.array([0, 1]))
    1.0
    """
    prediction, target = np.asarray(prediction), np.asarray(target)
    if prediction.ndim == 2 and prediction.shape[1] > 1:
        predicted = prediction.argmax(axis=1)
        if target.ndim == 2 and target.shape == prediction.shape:
            actual = target.argmax(axis=1)
        elif target.size == prediction.shape[0]:
            actual = target.reshape(-1)
        else:
            raise ValueError(
                f"accuracy: target of shape {target.shape} does not fit predictions of shape "
                f"{prediction.shape}; give class indices (n,) or one-hot rows (n, k)."
            )
        return float(np.mean(predicted == actual))
    target = _as_columns(target, prediction)
    if target.shape != prediction.shape:
        raise ValueError(
            f"accuracy: target of shape {target.shape} does not fit predictions of shape "
            f"{prediction.shape}."
        )
    return float(np.mean((prediction > threshold) == (target > 0.5)))


def mean_squared_error(prediction: np.ndarray, target: np.ndarray) -> float:
    """Mean squared error, mean((p - y)^2) over every entry.

    Examples
    --------
    >>> import numpy as np
    >>> mean_squared_error(np.array([[1.0], [3.0]]), np.array([0.0, 1.0]))
    2.5
    """
    prediction = np.asarray(prediction)
    diff = prediction - _as_columns(np.asarray(target), prediction)
    return float(np.mean(diff * diff))


def mean_absolute_error(prediction: np.ndarray, target: np.ndarray) -> float:
    """Mean absolute error, mean(|p - y|) over every entry.

    Examples
    --------
    >>> import numpy as np
    >>> mean_absolute_error(np.array([1.0, 3.0]), np.array([0.0, 1.0]))
    1.5
    """
    prediction = np.asarray(prediction)
    return float(np.mean(np.abs(prediction - _as_columns(np.asarray(target), prediction))))


#: The metrics by name (the History records each under its canonical name).
METRICS: Registry[Metric] = Registry("metric")
METRICS.register("accuracy", accuracy, aliases=("acc",))
METRICS.register("mse", mean_squared_error, aliases=("mean_squared_error",))
METRICS.register("mae", mean_absolute_error, aliases=("mean_absolute_error",))


def _scores_are_logits(loss: Any) -> bool:
    """True when the loss reads the model's single output as a logit or a hinge score."""
    if getattr(loss, "from_logits", False):
        return True
    name = type(loss).__name__.lower()
    return "hinge" in name or "logits" in name


def get(metric: str | Metric, loss: Any = None) -> tuple[str, Metric]:
    """Resolve a metric name or callable to ``(name, function)``.

    Parameters
    ----------
    metric : str or callable
        A name in `METRICS` or a function ``(prediction, target) -> float``.
    loss : loss object, optional
        The training loss; with one that takes logits or hinge scores, "accuracy" thresholds
        single-column predictions at 0 instead of 0.5.

    Returns
    -------
    (str, callable)
        The name under which `History` records it, and the function.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.training.metrics.get("acc")[0]
    'accuracy'
    """
    if isinstance(metric, str):
        function = METRICS.find(metric)
        if function is None:
            raise ValueError(
                f"unknown metric {metric!r:.100}; use one of: {METRICS.describe()}, or a "
                "function metric(prediction, target) -> float."
            )
        name = METRICS.canonical(metric)
        if function is accuracy and _scores_are_logits(loss):
            function = functools.partial(accuracy, threshold=0.0)
        return name, function
    if callable(metric):
        label = getattr(metric, "__name__", None)
        if not isinstance(label, str) or label == "<lambda>":
            raise ValueError(
                "a metric function needs a name for the History; define it with def, or set "
                "its __name__."
            )
        return label, metric
    raise TypeError(f"a metric is a name or a function; got {type(metric).__name__}.")
