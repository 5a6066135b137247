"""The data and the parameters a model is explained or checked with, validated once.

`prepare_data` shapes x and y for a layered network; `collect_parameters` names the trainable
leaves of a recorded graph.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array
from gradlab.graph.structure import DenseLayer


def prepare_data(
    layers: Sequence[DenseLayer], x: Any, y: Any, need_y: bool = True
) -> tuple[Array, Array | None]:
    """x as rows of in_features numbers; y as rows of out_features numbers (or class indices).

    Without y (``need_y=False``) only x is checked and None is returned for y."""
    n_in = layers[0].linear.in_features
    n_out = layers[-1].linear.out_features
    dtype = layers[0].linear.weight.dtype
    xs = _numbers(x, "x").astype(dtype, copy=False)
    if xs.ndim == 1:
        xs = xs.reshape(1, -1)
    if xs.ndim != 2 or xs.shape[0] == 0:
        raise ValueError(
            f"x must be one sample of {n_in} numbers or a 2-D array of samples in rows; got "
            f"shape {xs.shape}."
        )
    if xs.shape[1] != n_in:
        raise ValueError(
            f"x has {xs.shape[1]} features per sample but the first Linear layer expects "
            f"{n_in} (in_features={n_in})."
        )
    n = xs.shape[0]
    if y is None and not need_y:
        return xs, None
    ys = _numbers(y, "y")
    if ys.dtype.kind in "iu" and n_out > 1 and ys.size == n and ys.ndim <= 1:
        return xs, ys.reshape(n)  # class indices
    ys = ys.astype(dtype, copy=False)
    if ys.size != n * n_out:
        raise ValueError(
            f"y has shape {ys.shape} but the network gives {n} sample(s) of {n_out} output(s); "
            f"pass y with {n * n_out} numbers (shape ({n}, {n_out}))."
        )
    return xs, ys.reshape(n, n_out)


def _numbers(values: Any, name: str) -> Array:
    if values is None:
        raise ValueError(f"{name} is required to explain a network.")
    array = np.asarray(values.data if isinstance(values, Tensor) else values)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold numbers; got dtype {array.dtype}.")
    if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
        raise ValueError(f"Input {name} contains NaN or infinity.")
    if array.size == 0:
        raise ValueError(f"{name} is empty; pass at least one sample.")
    return array


def collect_parameters(order: Sequence[Tensor], params: Any) -> list[tuple[str, Tensor]]:
    """The trainable leaves with their names: from ``params`` (dict or list) or the graph."""
    if params is None:
        found = [t for t in order if t.is_leaf and t.requires_grad]
        return [(t.name or f"p{k}", t) for k, t in enumerate(found)]
    if isinstance(params, Mapping):
        items = list(params.items())
    else:
        items = [(t.name or f"p{k}", t) for k, t in enumerate(params)]
    for name, t in items:
        if not isinstance(t, Tensor) or not t.requires_grad:
            raise TypeError(
                f"parameter {name!r} must be a Tensor with requires_grad=True; got "
                f"{type(t).__name__}."
            )
    return [(str(name), t) for name, t in items]
