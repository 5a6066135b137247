"""The training data of `gradlab.fit`: checked, shaped for the model, and cut into batches.

X may be an array (or anything ``np.asarray`` takes), an ``np.memmap`` (read batch by batch,
converted to the model's dtype per batch), a Dask array (read chunk by chunk), or, with y
omitted, a source of ``(X_batch, y_batch)`` pairs (`gradlab.training.streams`). Only arrays in
memory are converted wholesale, once, before the first epoch.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from gradlab.engine import Tensor, no_grad
from gradlab.training.data import Batches, check_X, check_y, split_off_validation
from gradlab.training.streams import (
    BatchStream,
    DaskBatches,
    LazyBatches,
    _convert,
    is_batch_source,
    is_dask,
)
from gradlab.training.weights import training_weights


class TrainingData(NamedTuple):
    """What `gradlab.fit` trains on: the batches, the validation batch, and its identity.

    ``identity`` holds the arrays (or, for data read as it goes, the tokens) that a
    checkpoint's fingerprint digests.
    """

    batches: Batches
    validation: tuple[Tensor, Any] | None
    identity: list[Any]


def training_data(
    model: Any,
    X: Any,
    y: Any,
    dtype: np.dtype[Any],
    class_indices: bool,
    *,
    validation_data: Any = None,
    validation_split: float = 0.0,
    batch_size: int | None = None,
    shuffle: bool = True,
    generator: np.random.Generator | None = None,
    epochs: int = 1,
    sample_weight: Any = None,
    class_weight: Any = None,
) -> TrainingData:
    """The batches and validation of one run of `gradlab.fit` (see its parameters).

    Examples
    --------
    >>> import numpy as np
    >>> import gradlab as gl
    >>> model = gl.nn.Linear(2, 1)
    >>> pairs = [(np.ones((4, 2)), np.ones(4))] * 3
    >>> data = training_data(model, pairs, None, np.dtype(np.float64), False)
    >>> [size for *_, size in data.batches.epoch()]
    [4, 4, 4]
    """
    weighted = sample_weight is not None or class_weight is not None
    if weighted and (y is None or is_dask(X)):
        raise ValueError(
            "sample_weight and class_weight need X and y as arrays or an np.memmap; with "
            "(X, y) batches or a Dask array, weigh the samples in the loss yourself."
        )
    if y is None:
        if not (isinstance(X, list | tuple) or is_batch_source(X)):
            raise ValueError(
                "y is required, unless X gives (X_batch, y_batch) pairs: a function returning "
                f"an iterator, or a re-iterable object; got X of type {type(X).__name__}."
            )
        return _stream(
            model, X, dtype, class_indices, validation_data, validation_split, batch_size, epochs
        )
    if is_dask(X):
        if validation_split:
            raise ValueError(_NO_SPLIT.format(kind="a Dask array"))
        return _dask(
            model, X, y, dtype, class_indices, validation_data, batch_size, shuffle, generator
        )
    lazy = isinstance(X, np.memmap)
    X_arr, y_arr, validation = _in_memory(
        model, X, y, dtype, class_indices, validation_data, validation_split, lazy
    )
    weights = training_weights(sample_weight, class_weight, y_arr, len(X), class_indices, dtype)
    k = X_arr.shape[0] if batch_size is None else int(batch_size)
    if lazy:
        batches: Batches = LazyBatches(
            X_arr, y_arr, k, shuffle, generator, dtype=dtype, sample_weight=weights
        )
    else:
        batches = Batches(X_arr, y_arr, k, shuffle, generator, sample_weight=weights)
    identity = [X_arr, y_arr, *(() if weights is None else [weights])]
    return TrainingData(batches, validation, identity)


_NO_SPLIT = (
    "validation_split needs X in memory or in an np.memmap; with {kind}, pass the held-out "
    "samples as validation_data=(X_val, y_val)."
)


def _preparer(model: Any, dtype: np.dtype[Any], class_indices: bool, n_features: int | None) -> Any:
    """A check of one batch or chunk: numbers, finite, ``n_features`` columns, targets."""
    state: dict[str, int] = {}

    def prepare(xb: Any, yb: Any) -> tuple[np.ndarray, np.ndarray]:
        xb = check_X(xb, dtype)
        features = state.setdefault("features", n_features or xb.shape[1])
        if xb.shape[1] != features:
            raise ValueError(
                f"a batch of X has {xb.shape[1]} features, but the first had {features}; "
                "every batch must have the same columns."
            )
        if "outputs" not in state:
            state["outputs"] = probe_outputs(model, xb)
        yb = check_y(yb, xb.shape[0], dtype, class_indices)
        return xb, fit_targets(yb, state["outputs"], class_indices, "y")

    return prepare


def _stream(
    model: Any,
    source: Any,
    dtype: np.dtype[Any],
    class_indices: bool,
    validation_data: Any,
    validation_split: float,
    batch_size: int | None,
    epochs: int,
) -> TrainingData:
    if validation_split:
        raise ValueError(_NO_SPLIT.format(kind="X as (X, y) batches"))
    if batch_size is not None:
        raise ValueError(
            f"batch_size={batch_size} cuts arrays into batches; X already gives its (X, y) "
            "batches, so leave batch_size=None."
        )
    batches = BatchStream(source, epochs, prepare=_preparer(model, dtype, class_indices, None))
    features = batches.X.shape[1]
    validation = _held_out(model, validation_data, features, dtype, class_indices)
    return TrainingData(batches, validation, [])


def _dask(
    model: Any,
    X: Any,
    y: Any,
    dtype: np.dtype[Any],
    class_indices: bool,
    validation_data: Any,
    batch_size: int | None,
    shuffle: bool,
    generator: np.random.Generator | None,
) -> TrainingData:
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(
            f"X must be a 2-D Dask array with at least one sample and one feature; got shape "
            f"{X.shape}."
        )
    if getattr(y, "shape", (None,))[0] != X.shape[0]:
        raise ValueError(
            "Found input variables with inconsistent numbers of samples: "
            f"[{X.shape[0]}, {getattr(y, 'shape', (len(y),))[0]}]"
        )
    if X.dtype.kind not in "biuf":
        raise ValueError(f"X must hold numbers; got dtype {X.dtype}.")
    features = int(X.shape[1])
    prepare = _preparer(model, dtype, class_indices, features)
    k = int(X.shape[0]) if batch_size is None else int(batch_size)
    batches = DaskBatches(X, y, k, shuffle, generator, prepare=prepare)
    validation = _held_out(model, validation_data, features, dtype, class_indices)
    token = [np.frombuffer(str(getattr(a, "name", "")).encode(), np.uint8) for a in (X, y)]
    if not is_dask(y):
        token[1] = np.asarray(y)
    return TrainingData(batches, validation, token)


def _held_out(
    model: Any, validation_data: Any, n_features: int, dtype: np.dtype[Any], class_indices: bool
) -> tuple[Tensor, Any] | None:
    if validation_data is None:
        return None
    X_val, y_val = _unpack_validation(validation_data)
    X_val = check_X(X_val, dtype, name="X_val")
    if X_val.shape[1] != n_features:
        raise ValueError(
            f"X_val has {X_val.shape[1]} features, but X has {n_features}; both must "
            "have the same columns."
        )
    n_outputs = probe_outputs(model, X_val)
    y_val = check_y(y_val, X_val.shape[0], dtype, class_indices, name="y_val")
    y_val = fit_targets(y_val, n_outputs, class_indices, "y_val")
    return _as_batch(X_val, y_val)


def _in_memory(
    model: Any,
    X: Any,
    y: Any,
    dtype: np.dtype[Any],
    class_indices: bool,
    validation_data: Any,
    validation_split: float,
    lazy: bool,
) -> tuple[np.ndarray, np.ndarray, tuple[Tensor, Any] | None]:
    """X and y checked and shaped for the model, and the validation batch if any.

    ``lazy``: X stays as it is (checked in its own dtype, in one pass that makes no copy);
    its batches are converted as they are read.
    """
    X_arr = check_X(X, np.asarray(X[:0]).dtype if lazy else dtype)
    y_arr = check_y(y, X_arr.shape[0], dtype, class_indices)
    n_outputs = probe_outputs(model, _convert(X_arr[:1], dtype, "X"))
    y_arr = fit_targets(y_arr, n_outputs, class_indices, "y")
    if validation_data is None:
        if not validation_split:
            return X_arr, y_arr, None
        X_arr, X_val, y_arr, y_val = split_off_validation(X_arr, y_arr, validation_split)
        return X_arr, y_arr, _as_batch(_convert(np.asarray(X_val), dtype, "X"), y_val)
    if validation_split:
        raise ValueError(
            "pass validation_data or validation_split, not both; validation_data already "
            "says which samples validate."
        )
    return X_arr, y_arr, _held_out(model, validation_data, X_arr.shape[1], dtype, class_indices)


def probe_outputs(model: Any, X: np.ndarray) -> int:
    """The model's number of outputs, from one sample; a model that rejects X says so here."""
    try:
        with no_grad():
            out = model(Tensor(X[:1]))
    except (ValueError, TypeError) as error:
        raise ValueError(f"the model cannot take X of shape {X.shape}: {error}") from None
    shape = getattr(out, "shape", None)
    if not isinstance(out, Tensor) or shape is None or len(shape) != 2:
        raise ValueError(
            f"the model must map X of shape (n, {X.shape[1]}) to a Tensor of shape "
            f"(n, n_outputs); for one sample it returned {type(out).__name__} of shape {shape}."
        )
    return int(shape[1])


def fit_targets(y: np.ndarray, n_outputs: int, class_indices: bool, name: str) -> np.ndarray:
    """``y`` shaped for the model's outputs, or an error naming the mismatch."""
    if class_indices and y.ndim == 1:
        if y.dtype.kind == "f" and np.array_equal(y, np.round(y)):
            y = y.astype(np.intp)
        if y.dtype.kind != "i":
            raise ValueError(
                f"cross_entropy needs {name} as integer class indices (n,) or one-hot rows "
                f"(n, {n_outputs}); got floats of shape {y.shape}."
            )
        low, high = int(y.min()), int(y.max())
        if low < 0 or high >= n_outputs:
            raise ValueError(
                f"{name} holds class labels from {low} to {high}, but the model has "
                f"{n_outputs} outputs; labels must be 0..{n_outputs - 1}."
            )
        return y
    if y.ndim == 1:
        if n_outputs != 1:
            raise ValueError(
                f"{name} is a vector but the model has {n_outputs} outputs; pass {name} of "
                f"shape (n, {n_outputs}) (e.g. one-hot rows), or use loss='cross_entropy' "
                "with class indices."
            )
        return y.reshape(-1, 1)
    if y.shape[1] != n_outputs:
        raise ValueError(
            f"{name} has {y.shape[1]} columns but the model has {n_outputs} outputs; pass "
            f"{name} of shape (n, {n_outputs}), or build the model with {y.shape[1]} outputs."
        )
    return y


def _as_batch(X: np.ndarray, y: np.ndarray) -> tuple[Tensor, Any]:
    # Integer class indices stay arrays: the cross-entropy op reads them as indices.
    return Tensor(X), Tensor(y) if y.dtype.kind == "f" else y


def _unpack_validation(validation_data: Any) -> tuple[Any, Any]:
    if not isinstance(validation_data, tuple | list) or len(validation_data) != 2:
        raise ValueError("validation_data must be a pair (X_val, y_val).")
    return validation_data[0], validation_data[1]
