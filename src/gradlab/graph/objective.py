"""The loss of a model as a function of its parameters, re-evaluable, with its labelled entries.

`check_gradients` perturbs the entries and re-evaluates; `gradlab.symbolic` walks the graph one
evaluation records. Both see the same model, data, loss and names as `explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array
from gradlab.graph.data import collect_parameters, prepare_data
from gradlab.graph.naming import Entry, parameter_entries, tensor_entries
from gradlab.graph.structure import dense_layers, is_module
from gradlab.graph.walk import topological
from gradlab.losses.registry import get as get_loss


@dataclass
class Objective:
    """``evaluate()`` runs the model (and the loss, when y is given) with the engine and returns
    ``(root, prediction)``: the tensor to differentiate and the model's output.

    Attributes
    ----------
    entries : list of Entry
        Every trainable number, labelled as in `explain`.
    target : ndarray or None
        The targets as the loss receives them.
    loss : Loss, callable or None
        The loss applied (None when the output itself is the objective).
    """

    evaluate: Callable[[], tuple[Tensor, Tensor]]
    entries: list[Entry]
    target: Array | None
    loss: Any


def objective(
    model: Any,
    x: Any = None,
    y: Any = None,
    loss: Any = "mse",
    names: Mapping[str, Any] | None = None,
    params: Any = None,
) -> Objective:
    """The objective of ``model`` on (x, y): a Module, a function of x, or a built Tensor.

    A built Tensor cannot be re-evaluated: its ``evaluate`` returns the same graph, which is
    enough for the symbolic view but not for finite differences.
    """
    loss_fn = None if y is None else get_loss(loss)
    if isinstance(model, Tensor):
        return _built_graph(model, x, y, params)
    if is_module(model):
        xs, ys = _module_data(model, x, y)
        entries = parameter_entries(model, names)
    else:
        xs, ys, entries = _function_data(model, x, y, names, params)

    def evaluate() -> tuple[Tensor, Tensor]:
        out = model() if xs is None else model(Tensor(xs))
        if loss_fn is None or ys is None:
            return out, out
        return loss_fn(out, ys), out

    return Objective(evaluate, entries, ys, loss_fn)


def _built_graph(root: Tensor, x: Any, y: Any, params: Any) -> Objective:
    """A graph already built: ``evaluate`` returns it as it is."""
    if x is not None or y is not None:
        raise ValueError("a built Tensor graph takes no x or y.")
    return Objective(lambda: (root, root), _graph_entries(root, params), None, None)


def _module_data(model: Any, x: Any, y: Any) -> tuple[Array | None, Array | None]:
    """x and y of a Module: checked against the layers of a layered network, else as given."""
    layers = dense_layers(model)
    if layers is not None:
        return prepare_data(layers, x, y, need_y=False)
    return np.asarray(x), None if y is None else np.asarray(y)


def _function_data(
    model: Any, x: Any, y: Any, names: Mapping[str, Any] | None, params: Any
) -> tuple[Array | None, Array | None, list[Entry]]:
    """x, y and the parameters' entries of a function of x, found by running it once."""
    if not callable(model):
        raise TypeError(f"expected a Module, a function or a Tensor; got {type(model).__name__}.")
    if names is not None:
        raise ValueError("names= is for layered networks; name the tensors themselves.")
    xs = None if x is None else _array(x)
    ys = None if y is None else _array(y)
    out = model() if xs is None else model(Tensor(xs))
    if not isinstance(out, Tensor):
        raise TypeError(f"the model must return a Tensor; got {type(out).__name__}.")
    return xs, ys, _graph_entries(out, params)


def _array(values: Any) -> Array:
    return values.data if isinstance(values, Tensor) else np.asarray(values)


def _graph_entries(root: Tensor, params: Any) -> list[Entry]:
    """The entries of the graph's trainable leaves (or of ``params``)."""
    leaves = [t for t in topological(root) if t.is_leaf and t.requires_grad]
    chosen = collect_parameters(leaves, params)
    return [e for name, t in chosen for e in tensor_entries(name, t)]
