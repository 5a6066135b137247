"""`predict`: the model's outputs for new data, without recording a graph."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.engine import Tensor, no_grad
from gradlab.training.data import check_X


def predict(model: Any, X: Any, batch_size: int | None = None) -> np.ndarray:
    """model(X) as a NumPy array, computed under `no_grad` in evaluation mode.

    Parameters
    ----------
    model : gradlab.nn.Module
    X : array_like of shape (n_samples, n_features)
        Checked like `fit`'s X and converted to the model's dtype.
    batch_size : None or int, default None
        Evaluate this many rows at a time (to bound memory); None evaluates all at once.

    Returns
    -------
    ndarray of shape (n_samples, n_outputs)
        In the model's dtype.

    Examples
    --------
    >>> import gradlab as gl
    >>> layer = gl.nn.Linear.from_values([[2.0], [1.0]], bias=[0.5])
    >>> gl.predict(layer, [[1.0, 1.0], [0.0, 2.0]])
    array([[3.5],
           [2.5]])
    """
    if batch_size is not None and (
        isinstance(batch_size, bool)
        or not isinstance(batch_size, int | np.integer)
        or batch_size < 1
    ):
        raise ValueError(f"batch_size must be None or a positive integer; got {batch_size!r}.")
    dtype = getattr(model, "dtype", None) or np.dtype(np.float64)
    X = check_X(X, dtype)
    was_training = getattr(model, "training", False)
    if hasattr(model, "eval"):
        model.eval()
    try:
        with no_grad():
            if batch_size is None or batch_size >= X.shape[0]:
                return np.asarray(_output(model(Tensor(X))))
            parts = [
                _output(model(Tensor(X[i : i + batch_size])))
                for i in range(0, X.shape[0], batch_size)
            ]
            return np.concatenate(parts)
    finally:
        if hasattr(model, "train"):
            model.train(was_training)


def _output(out: Any) -> np.ndarray:
    return out.data if isinstance(out, Tensor) else np.asarray(out)
