"""Data larger than memory for the estimators: ``np.memmap`` and Dask arrays.

scikit-learn's ``validate_data`` converts X wholesale to the estimator's dtype, which for a
float32 memmap and the default float64 is a copy twice the file's size, and reads a Dask
array into memory. Here a memmap is checked in its own float dtype (one pass, no copy) and a
Dask array by its shape and first rows; the batches then gather and convert their own rows
(`gradlab.training.streams`), so memory holds a batch, not X.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from sklearn.utils import check_array
from sklearn.utils.validation import validate_data

from gradlab.training.data import Batches, check_X
from gradlab.training.streams import DaskBatches, LazyBatches, is_dask


def is_out_of_core(X: Any) -> bool:
    """Whether X is read as training goes (an ``np.memmap`` or a Dask array), not copied.

    Examples
    --------
    >>> import numpy as np
    >>> is_out_of_core(np.zeros((2, 2)))
    False
    """
    return isinstance(X, np.memmap) or is_dask(X)


def validate_out_of_core(
    estimator: Any, X: Any, y: Any, dtype: np.dtype[Any], y_numeric: bool, reset: bool
) -> tuple[Any, NDArray[Any]]:
    """``validate_data``'s checks and records (``n_features_in_``) without copying X.

    A memmap keeps its float dtype (others are converted to ``dtype``); a Dask array is
    checked on its first rows (each chunk is checked when it is read) and y, one value or
    row per sample, is read into memory.

    Returns
    -------
    X, y
        X as it was (or converted, for a memmap of integers), and y checked.
    """
    if not is_dask(X):
        return validate_data(
            estimator,
            X,
            y,
            multi_output=True,
            dtype=[dtype, np.float32, np.float64],
            y_numeric=y_numeric,
            reset=reset,
        )
    if X.ndim != 2:
        raise ValueError(f"Expected a 2D Dask array, got {X.ndim}D (shape {X.shape}).")
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold numbers; got dtype {X.dtype}.")
    y_arr = np.asarray(y.compute() if is_dask(y) else y)
    if y_arr.ndim == 0 or y_arr.shape[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {y_arr.shape[0] if y_arr.ndim else 1}]"
        )
    head = np.asarray(X[: min(2, X.shape[0])].compute())
    validate_data(estimator, head, y_arr[: len(head)], multi_output=True, dtype=dtype, reset=reset)
    numeric = "numeric" if y_numeric or y_arr.dtype.kind in "biufc" else None
    y_arr = check_array(y_arr, ensure_2d=False, dtype=numeric, input_name="y", ensure_min_samples=1)
    return X, y_arr


def estimator_batches(
    X: Any,
    targets: NDArray[Any],
    batch_size: int,
    order: Any,
    rng: np.random.RandomState,
    sample_weight: NDArray[Any] | None,
    dtype: np.dtype[Any],
    rows: NDArray[np.intp] | None = None,
) -> Batches:
    """The estimator's batches over X: in memory, gathered from a memmap, or Dask chunks.

    ``order`` is scikit-learn's epoch order (`Reshuffle`), or None not to shuffle; a Dask
    array is shuffled chunk-wise instead (`DaskBatches`), from ``rng``.
    """
    if is_dask(X):
        if sample_weight is not None:
            raise ValueError(
                "sample_weight is not supported with a Dask array X; pass a NumPy array or "
                "an np.memmap, or fold the weights into the data."
            )

        def prepare(xc: NDArray[Any], yc: NDArray[Any]) -> tuple[NDArray[Any], NDArray[Any]]:
            return check_X(xc, dtype), yc

        return DaskBatches(X, targets, batch_size, order is not None, rng, prepare=prepare)
    if isinstance(X, np.memmap) or X.dtype != dtype or rows is not None:
        return LazyBatches(
            X,
            targets,
            batch_size,
            shuffle=False,
            rng=None,
            dtype=dtype,
            sample_weight=sample_weight,
            order=order,
            rows=rows,
        )
    return Batches(
        X, targets, batch_size, shuffle=False, rng=None, sample_weight=sample_weight, order=order
    )
