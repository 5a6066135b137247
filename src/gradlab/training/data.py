"""Checking training data at the edge, and cutting it into batches.

The messages follow scikit-learn's wording, so that errors read the same across the
ecosystem. Data are converted once, to the model's dtype, before the first epoch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

from gradlab.engine import Tensor

#: One batch: inputs, targets (a Tensor, or class indices), sample weights or None, size.
Batch = tuple[Tensor, Any, np.ndarray | None, int]


def _describe(array: np.ndarray) -> str:
    return np.array2string(array, threshold=6, edgeitems=3)


def _to_numbers(data: Any, name: str) -> np.ndarray:
    """``data`` as a real numeric array (booleans and integers kept), or a clear error."""
    if isinstance(data, Tensor):
        data = data.data
    if hasattr(data, "to_numpy") and not isinstance(data, np.ndarray):  # pandas objects
        data = data.to_numpy()
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"{name} could not be made into an array ({error}); rows must all have the same "
            "number of values."
        ) from None
    if array.dtype.kind == "c":
        raise ValueError(f"Complex data not supported in {name}; pass real numbers.")
    if array.dtype.kind in "US":
        # As scikit-learn: text that happens to look numeric is still text; say so.
        raise ValueError(
            f"dtype='numeric' is not compatible with arrays of bytes/strings; {name} holds "
            f"{array.dtype} values. Convert your data to numeric values explicitly instead, "
            f"e.g. np.asarray({name}, dtype=float), after encoding any text columns."
        )
    if array.dtype.kind == "O":
        try:
            array = array.astype(np.float64)
        except (ValueError, TypeError):
            raise ValueError(
                f"{name} holds values that are not numbers ({array.dtype}); convert it to "
                "floats, e.g. np.asarray(X, dtype=float), after encoding any text columns."
            ) from None
    elif array.dtype.kind not in "biuf":
        raise ValueError(f"{name} must hold numbers; got dtype {array.dtype}.")
    return array


_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def _cast(array: np.ndarray, dtype: np.dtype[Any]) -> np.ndarray:
    # Values beyond the dtype's range become inf, which _check_finite then reports.
    with np.errstate(over="ignore"):
        return array.astype(dtype, copy=False)


def _check_finite(array: np.ndarray, name: str) -> None:
    if array.dtype.kind != "f":
        return
    # One pass and no array-sized temporary: NaN and inf survive a sum of squares, which for
    # float32 and float64 in memory order is one BLAS dot product (three times faster than a
    # float64 sum of float32). Other arrays take a float64 sum, which cannot overflow for
    # finite float32/float16 values. Only a non-finite total (a NaN or inf, or entries beyond
    # the square root of the dtype's largest value) needs a closer look.
    with np.errstate(over="ignore", invalid="ignore"):
        if array.dtype in _BLAS_FLOATS and (array.flags.c_contiguous or array.flags.f_contiguous):
            flat = array.ravel(order="K")  # a view: the array is contiguous
            total = np.dot(flat, flat)
        else:
            total = array.sum(dtype=np.float64)
    if np.isfinite(total) or np.isfinite(array).all():
        return
    if np.isnan(array).any():
        raise ValueError(f"Input {name} contains NaN.")
    raise ValueError(f"Input {name} contains infinity or a value too large for {array.dtype!r}.")


def check_X(X: Any, dtype: np.dtype[Any], name: str = "X") -> np.ndarray:
    """``X`` as a finite 2-D array of ``dtype`` with at least one sample and one feature.

    Examples
    --------
    >>> import numpy as np
    >>> check_X([[1, 2], [3, 4]], np.dtype(np.float32)).dtype
    dtype('float32')
    """
    array = _to_numbers(X, name)
    if array.ndim != 2:
        if array.ndim == 0:
            raise ValueError(
                f"Expected 2D array, got scalar array instead:\n{name}={array}.\n"
                "Reshape your data either using array.reshape(-1, 1) if your data has a "
                "single feature or array.reshape(1, -1) if it contains a single sample."
            )
        if array.ndim == 1:
            raise ValueError(
                f"Expected 2D array, got 1D array instead:\n{name}={_describe(array)}.\n"
                "Reshape your data either using array.reshape(-1, 1) if your data has a "
                "single feature or array.reshape(1, -1) if it contains a single sample."
            )
        raise ValueError(
            f"Found array with dim {array.ndim} ({name} of shape {array.shape}). Expected 2D "
            "array of shape (n_samples, n_features)."
        )
    n, d = array.shape
    if n == 0:
        raise ValueError(
            f"Found array with 0 sample(s) (shape={array.shape}) while a minimum of 1 is "
            f"required ({name})."
        )
    if d == 0:
        raise ValueError(
            f"Found array with 0 feature(s) (shape={array.shape}) while a minimum of 1 is "
            f"required ({name})."
        )
    array = _cast(array, dtype)
    _check_finite(array, name)
    return array


def check_y(
    y: Any, n_samples: int, dtype: np.dtype[Any], class_indices: bool, name: str = "y"
) -> np.ndarray:
    """``y`` checked against ``n_samples``: class indices (1-D intp) or floats of ``dtype``.

    Parameters
    ----------
    y : array_like of shape (n,) or (n, m)
    n_samples : int
        The number of rows of X.
    dtype : numpy dtype
        The model's dtype.
    class_indices : bool
        Whether the loss takes integer class indices (cross-entropy); integer labels then
        stay integers, shaped (n,).

    Returns
    -------
    ndarray
    """
    array = _to_numbers(y, name)
    if array.ndim == 0 or array.ndim > 2:
        raise ValueError(
            f"{name} must be 1-D (n_samples,) or 2-D (n_samples, n_outputs); got shape "
            f"{array.shape}."
        )
    if array.shape[0] != n_samples:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{n_samples}, {array.shape[0]}]"
        )
    if class_indices and array.dtype.kind in "biu":
        if array.ndim == 2 and array.shape[1] == 1:
            array = array.reshape(-1)
        if array.ndim == 1:
            return array.astype(np.intp, copy=False)
    array = _cast(array, dtype)
    _check_finite(array, name)
    return array


def split_off_validation(
    X: np.ndarray, y: np.ndarray, validation_split: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keep the last ``validation_split`` fraction of samples for validation (Keras's rule).

    The last ceil(n split) samples validate (n split rounded to 9 decimals first, so that
    10 x 0.3 is 3); the others train. The split is taken before any shuffling, so it is the
    same in every epoch.

    Examples
    --------
    >>> import numpy as np
    >>> X, y = np.arange(10.0).reshape(5, 2), np.arange(5.0)
    >>> [a.shape[0] for a in split_off_validation(X, y, 0.4)]
    [3, 2, 3, 2]
    """
    n = X.shape[0]
    split_at = n - math.ceil(round(n * validation_split, 9))
    if split_at <= 0 or split_at >= n:
        raise ValueError(
            f"Training data contains {n} samples, which is not sufficient to split it into a "
            f"validation and training set as specified by validation_split={validation_split}; "
            "use a validation_split that leaves at least one sample on each side, or pass "
            "validation_data."
        )
    return X[:split_at], X[split_at:], y[:split_at], y[split_at:]


def schedule(
    n: int,
    batch_size: int,
    shuffle: bool,
    rng: np.random.Generator | None,
    order: Callable[[int], np.ndarray] | None,
) -> tuple[int, int, int, Callable[[int], np.ndarray] | None]:
    """n, the batch size, the number of batches, and what orders each epoch (None: in order).

    Examples
    --------
    >>> schedule(10, 4, False, None, None)
    (10, 4, 3, None)
    """
    batch_size = min(batch_size, n)
    steps = -(-n // batch_size)
    if order is None and shuffle and steps > 1:
        assert rng is not None
        order = rng.permutation
    return n, batch_size, steps, order


class Batches:
    """The batches of one training set, in order or reshuffled every epoch.

    Parameters
    ----------
    X : ndarray of shape (n, d)
    y : ndarray of shape (n,) or (n, m)
    batch_size : int
        k >= 1; the last batch holds the remaining n mod k samples when k does not divide n.
    shuffle : bool
        Reorder the samples by ``rng.permutation(n)`` at each epoch (when there is more than
        one batch; one full batch needs no order).
    rng : numpy.random.Generator
    sample_weight : ndarray of shape (n,), optional
        Non-negative weights of the samples; each batch carries its own.
    order : callable, optional
        ``order(n)`` returns the next epoch's sample order, a permutation of 0..n-1; it is
        called once per epoch, even for one full batch, and replaces ``shuffle`` and ``rng``
        (e.g. scikit-learn's draw, in which each epoch reshuffles the previous order).

    Notes
    -----
    Without shuffling the batches are views made once; with shuffling each batch gathers its
    rows of X and y as it is needed.
    """

    def __init__(
        self,
        X: np.ndarray,
        y: np.ndarray,
        batch_size: int,
        shuffle: bool,
        rng: np.random.Generator | None,
        *,
        sample_weight: np.ndarray | None = None,
        order: Callable[[int], np.ndarray] | None = None,
    ) -> None:
        self.n, self.batch_size, steps, self._order = schedule(
            X.shape[0], batch_size, shuffle, rng, order
        )
        self.steps = steps
        self.shuffle = self._order is not None
        self.X, self.y, self.sample_weight = X, y, sample_weight
        self._fixed = None if self.shuffle else self._cut(np.arange(self.n), slices=True)

    def _cut(self, order: np.ndarray, slices: bool = False) -> list[Batch]:
        k = self.batch_size
        return [
            self._batch(slice(start, start + k) if slices else order[start : start + k])
            for start in range(0, self.n, k)
        ]

    def _batch(self, index: Any) -> Batch:
        xb, yb = self.X[index], self.y[index]
        wb = None if self.sample_weight is None else self.sample_weight[index]
        # Float targets become tensors; integer class indices stay arrays for the loss.
        return Tensor(xb), (Tensor(yb) if yb.dtype.kind == "f" else yb), wb, len(yb)

    def epoch(self) -> Iterable[Batch]:
        """The (inputs, targets, sample weights or None, size) of each batch of the next epoch
        (the same list each epoch when the batches neither shuffle nor change)."""
        if self._fixed is not None:
            return self._fixed
        return self._gathered()

    def _gathered(self) -> Iterator[Batch]:
        assert self._order is not None
        order = self._order(self.n)
        k = self.batch_size
        # Gather one batch at a time: a shuffled copy of the whole X would double peak memory.
        for start in range(0, self.n, k):
            yield self._batch(order[start : start + k])
