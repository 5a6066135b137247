"""`explain`: record one training step of a network or a graph as a `Trace`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from gradlab.engine import Tensor
from gradlab.glassbox.explain_graph import explain_graph
from gradlab.glassbox.explain_network import explain_network
from gradlab.glassbox.options import ExplainOptions
from gradlab.glassbox.trace import Trace
from gradlab.graph.structure import dense_layers, is_module
from gradlab.losses.registry import get as get_loss


def explain(
    model: Any,
    x: Any = None,
    y: Any = None,
    *,
    loss: Any = "mse",
    lr: float = 0.01,
    names: Mapping[str, Any] | None = None,
    params: Any = None,
    decimals: int | None = None,
    detail: str = "auto",
    step: bool = False,
    max_parameters: int = 64,
    max_samples: int = 8,
    max_nodes: int = 200,
) -> Trace:
    """Record one gradient-descent step, every number written out, as a `Trace`.

    The engine runs the forward pass and ``backward()``; the trace reads the values and
    gradients it recorded. For a layered network (a `Sequential` of `Linear` layers and
    activations, e.g. an `MLP`) every neuron gets its weighted sum written out
    (``z1 = x1·w1 + x2·w3 + bias1 = 1·1 + 0·1 + 0.5 = 1.5``), its activation, dL/da, da/dz and
    δ = dL/dz; every weight and bias its chain-rule product term by term,

    .. math:: \\frac{\\partial L}{\\partial w_{ij}} = \\frac{\\partial z_j}{\\partial w_{ij}}
              \\frac{\\partial a_j}{\\partial z_j} \\frac{\\partial L}{\\partial a_j}
              = a^{\\text{prev}}_i \\, f'(z_j) \\, \\frac{\\partial L}{\\partial a_j},

    where dL/da of a hidden neuron is the sum over the neurons it feeds,
    :math:`\\sum_k w_{jk} \\delta_k`; and the update :math:`w \\leftarrow w - \\eta\\,
    \\partial L/\\partial w` with its new value. Any other model, a function of x, or a scalar
    Tensor is explained node by node over its recorded graph, a parameter used several times
    getting one term per use. Over a batch each sample is shown, then the batch gradient as the
    mean (or sum) of the per-sample gradients. The trace checks itself: every written-out
    formula is evaluated and compared with the engine's value (`Trace.check`).

    Parameters
    ----------
    model : Module, callable or Tensor
        A gradlab model; a function ``f(x) -> Tensor`` of named Tensors; or an already computed
        scalar Tensor (then x and y are not given).
    x : array_like, optional
        One sample (1-D) or samples in rows.
    y : array_like, optional
        The targets (class indices for a cross-entropy over several outputs). Without y, the
        model's output itself must be a scalar and is differentiated.
    loss : str, Loss or callable, default "mse"
        As in `gradlab.losses.get` ("mse", "sse", "half_sse", "bce", "cross_entropy", ...).
    lr : float, default 0.01
        Learning rate of the gradient-descent update shown.
    names : dict, optional
        Names for a layered network, keyed like its parameters: ``"0.weight"`` (nested list of
        shape (in_features, out_features)), ``"0.bias"``, ``"0.neurons"`` (labels: z1, a1, δ1),
        ``"inputs"``, ``"targets"``, ``"loss"``. Default scheme: ``W1[i,j]``, ``b1[j]``,
        ``z1[j]``, ``a1[j]``, ``δ1[j]``, ``x[i]``, ``y``. Graph parameters use ``tensor.name``.
    params : list or dict of Tensor, optional
        The parameters of a function model (default: every leaf that requires grad, by its
        ``.name``).
    decimals : int, optional
        Default decimals of the renderings (display only; the trace keeps full values).
    detail : {"auto", "full", "summary"}, default "auto"
        "auto" writes every number unless the network has more than ``max_parameters``
        parameters or more than ``max_samples`` samples (graphs: ``max_nodes`` operations, or
        non-scalar nodes); then it says so and gives a per-layer summary (shapes, norms).
    step : bool, default False
        Also apply the update to the model's parameters (a real training step). By default the
        parameters keep their values; their ``.grad`` holds the batch gradient afterwards.
    max_parameters, max_samples, max_nodes : int
        Limits of the full view in "auto" mode.

    Returns
    -------
    Trace

    Examples
    --------
    >>> import gradlab as gl
    >>> model = gl.nn.Sequential(
    ...     gl.nn.Linear.from_values([[1, 0.5], [1, -0.5]], [0.5, 0]), gl.nn.ReLU(),
    ...     gl.nn.Linear.from_values([[1], [1]], [0.5]), gl.nn.ReLU())
    >>> trace = gl.explain(model, [1, 0], [2], loss="mse", lr=0.01)
    >>> trace.loss
    0.25
    >>> trace.new_value("W2[0,0]")
    0.985
    """
    options = ExplainOptions.checked(
        lr=lr,
        detail=detail,
        decimals=decimals,
        step=step,
        max_parameters=max_parameters,
        max_samples=max_samples,
        max_nodes=max_nodes,
    )
    loss_fn = get_loss(loss)
    if not isinstance(model, Tensor) and is_module(model):
        layers = dense_layers(model)
        if layers is not None:
            if params is not None:
                raise ValueError("params= is for function models; a Module has its parameters.")
            return explain_network(
                model, layers, x=x, y=y, loss_fn=loss_fn, names=names, options=options
            )
    elif not isinstance(model, Tensor) and not callable(model):
        raise TypeError(
            f"explain needs a gradlab Module, a function of x returning a Tensor, or a scalar "
            f"Tensor; got {type(model).__name__}."
        )
    if names is not None:
        raise ValueError(
            "names= is understood for Sequential networks of Linear layers and activations; "
            "for graphs name the tensors themselves (Tensor(..., name='w1'))."
        )
    return explain_graph(model, x=x, y=y, loss_fn=loss_fn, params=params, options=options)
