"""Sample weights and class weights: how much each training sample counts in the loss.

With weights :math:`w_i` the loss of a batch B is the weighted mean
:math:`L = \\sum_{i \\in B} w_i \\ell_i / \\sum_{i \\in B} w_i` (or the weighted sum, as the
loss's reduction says), so :math:`\\partial L / \\partial \\ell_i = w_i / \\sum_B w`.
``class_weight="balanced"`` gives class c the weight :math:`n / (k \\, n_c)` (n samples, k
classes, :math:`n_c` of class c), scikit-learn's and Keras's rule: every class then weighs the
same in total.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.training.data import _check_finite, _to_numbers


def check_sample_weight(sample_weight: Any, n_samples: int, dtype: np.dtype[Any]) -> np.ndarray:
    """``sample_weight`` as non-negative finite numbers, one per sample, not all zero.

    Examples
    --------
    >>> check_sample_weight([1, 2], 2, np.dtype(np.float64))
    array([1., 2.])
    """
    weights = _to_numbers(sample_weight, "sample_weight")
    if weights.ndim != 1 or weights.shape[0] != n_samples:
        raise ValueError(f"sample_weight.shape == {weights.shape}, expected ({n_samples},)!")
    weights = weights.astype(dtype)
    _check_finite(weights, "sample_weight")
    if np.any(weights < 0):
        raise ValueError("Negative values in data passed to `sample_weight`")
    if not np.any(weights > 0):
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


def class_sample_weights(
    class_weight: str | dict[int, float], labels: np.ndarray, dtype: np.dtype[Any]
) -> np.ndarray:
    """Each sample's class weight: ``"balanced"`` (n / (k n_c)) or a dict ``{class: weight}``
    (classes it does not name weigh 1).

    Examples
    --------
    >>> class_sample_weights("balanced", np.array([0, 0, 0, 1]), np.dtype(np.float64))
    array([0.66666667, 0.66666667, 0.66666667, 2.        ])
    """
    classes, index, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if isinstance(class_weight, str):
        if class_weight != "balanced":
            raise ValueError(
                f"class_weight must be 'balanced', a dict {{class: weight}} or None; got "
                f"{class_weight!r}."
            )
        per_class = labels.size / (classes.size * counts)
        return per_class[index].astype(dtype)
    if not isinstance(class_weight, dict):
        raise TypeError(
            f"class_weight must be 'balanced', a dict {{class: weight}} or None; got "
            f"{type(class_weight).__name__}."
        )
    unknown = sorted(set(class_weight) - {int(c) for c in classes}, key=str)
    if unknown:
        raise ValueError(
            f"class_weight names class(es) {unknown} that are not in y; its classes are "
            f"{[int(c) for c in classes]}."
        )
    per_class = np.array([float(class_weight.get(int(c), 1.0)) for c in classes])
    if not np.all(np.isfinite(per_class)) or np.any(per_class < 0):
        raise ValueError(f"class_weight values must be finite and >= 0; got {class_weight!r}.")
    return per_class[index].astype(dtype)


def class_labels(y: np.ndarray, class_indices: bool) -> np.ndarray:
    """The class of each training target: class indices, one-hot rows, or a 0/1 column."""
    if class_indices and y.ndim == 1:
        return y
    if y.ndim == 2 and y.shape[1] > 1:
        return np.argmax(y, axis=1)
    column = y.reshape(-1)
    if not np.all((column == 0) | (column == 1)):
        raise ValueError(
            "class_weight needs class labels: y as class indices (loss='cross_entropy'), "
            "one-hot rows, or one column of 0/1; these targets are numbers to regress."
        )
    return column.astype(np.intp)


def training_weights(
    sample_weight: Any,
    class_weight: Any,
    y: np.ndarray,
    n_all: int,
    class_indices: bool,
    dtype: np.dtype[Any],
) -> np.ndarray | None:
    """The weight of each training sample (the first ``len(y)`` of ``n_all``), or None.

    ``sample_weight`` is given for all ``n_all`` samples, before a validation split keeps the
    last ones; class weights come from the training targets ``y`` and multiply it.
    """
    weights = None
    if sample_weight is not None:
        weights = check_sample_weight(sample_weight, n_all, dtype)[: y.shape[0]]
    if class_weight is not None:
        per_class = class_sample_weights(class_weight, class_labels(y, class_indices), dtype)
        weights = per_class if weights is None else weights * per_class
    if weights is not None and not np.any(weights > 0):
        raise ValueError("the training samples all weigh 0; nothing would be learned.")
    return weights
