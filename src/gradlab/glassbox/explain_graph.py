"""`explain` for any scalar graph built from Tensors (shared parameters included).

The graph is the one the engine recorded. Forward rows follow it node by node
(``t3 = t1 + w0 = 0.07 + 0.1 = 0.17``). Backward rows write each node's gradient as the sum
over the nodes that use it, ``∂L/∂w0 = ∂t2/∂w0 · ∂L/∂t2 + ∂t4/∂w0 · ∂L/∂t4 + ...``: a
parameter used several times gets one term per use. Local derivatives come from each op's own
backward closure and gradients from ``.grad``, so the rows show what the engine did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab import engine
from gradlab.engine import Tensor
from gradlab.engine.activation_op import recorded_activation
from gradlab.engine.tensor import local_gradients
from gradlab.glassbox.activation_formula import op_label
from gradlab.glassbox.formula import (
    Add,
    Call,
    Div,
    Expr,
    Label,
    Mul,
    Neg,
    Num,
    Pow,
    Sub,
    Sym,
    partial,
    total,
)
from gradlab.glassbox.loss_formula import LOSS_OPS, loss_derivative, loss_formula
from gradlab.glassbox.options import ExplainOptions
from gradlab.glassbox.trace import LayerSummary, Step, Trace
from gradlab.glassbox.update import Update, gradient_descent
from gradlab.graph.data import collect_parameters
from gradlab.graph.naming import Entry, tensor_entries, user_label
from gradlab.graph.walk import (
    consumers,
    describe_array,
    engine_value,
    folded_constant,
    topological,
)

_FUNCTIONS: dict[str, tuple[Label, Callable[[Tensor], Tensor] | None]] = {
    "exp": (Label("exp", r"\exp"), engine.exp),
    "log": (Label("log", r"\log"), engine.log),
    "sqrt": (Label("sqrt", r"\sqrt"), engine.sqrt),
    "abs": (Label("abs", r"\operatorname{abs}"), engine.abs),
}


def _function(node: Tensor) -> tuple[Label, Callable[[Tensor], Tensor] | None] | None:
    """How a one-argument function node is written, and the engine code that evaluates it."""
    if node.op in _FUNCTIONS:
        return _FUNCTIONS[node.op]
    op = recorded_activation(node.op)
    if op is None or not op.elementwise:
        return None
    params = dict(node.attrs or {})
    return op_label(op), lambda t: op(t, **params)


def op_formula(node: Tensor, args: list[Expr]) -> Expr:
    """A node written with its operands: ``t1 + w0``, ``0.35·w13``, ``σ(z3)``, ``t4^2``."""
    op = node.op
    folded = folded_constant(node)
    if folded is not None:
        constant, left = folded
        if op == "pow":
            return Pow(args[0], constant)
        if op == "mul":
            return Mul((Num(constant), args[0]))
        args = [Num(constant), args[0]] if left else [args[0], Num(constant)]
    if op == "add" and len(args) == 2:
        return Add(tuple(args))
    if op == "sub" and len(args) == 2:
        return Sub(args[0], args[1])
    if op == "mul" and len(args) == 2:
        return Mul(tuple(args))
    if op == "div" and len(args) == 2:
        return Div(args[0], args[1])
    if op == "neg":
        return Neg(args[0])
    written = _function(node) if len(args) == 1 else None
    if written is not None:
        name, function = written
        return Call(name, (args[0],), None if function is None else engine_value(function))
    return Call(Label(op, rf"\operatorname{{{op}}}".replace("_", r"\_")), tuple(args))


LossFunction = Callable[[Tensor, Any], Tensor]


@dataclass(frozen=True)
class _Graph:
    """The recorded graph after ``backward()``: its nodes in order, its parameters and labels."""

    root: Tensor
    prediction: Tensor | None
    order: list[Tensor]
    named: list[tuple[str, Tensor]]
    labels: dict[int, Label]

    @property
    def inner(self) -> list[Tensor]:
        """The operations (every node that is not a leaf)."""
        return [t for t in self.order if not t.is_leaf]

    @property
    def params(self) -> list[Tensor]:
        return [t for _, t in self.named]

    @property
    def entries(self) -> list[Entry]:
        """Every trainable number, labelled."""
        return [e for name, t in self.named for e in tensor_entries(name, t)]


def explain_graph(
    model: Any,
    *,
    x: Any,
    y: Any,
    loss_fn: LossFunction,
    params: Any,
    options: ExplainOptions,
) -> Trace:
    """Build the trace of one gradient-descent step over a scalar graph (see `explain`)."""
    root, prediction, param_source = _run_model(model, x, y, loss_fn, params)
    _check_root(root)
    graph = _differentiate(root, prediction, param_source)
    entries = graph.entries
    inner = graph.inner
    full = options.full
    if full is None:
        full = len(inner) <= options.max_nodes and all(t.size == 1 for t in inner)
    params_list = graph.params
    grads = {id(p): (np.zeros_like(p.data) if p.grad is None else p.grad) for p in params_list}
    old = {id(p): p.data.copy() for p in params_list}
    steps = _graph_steps(graph, y, loss_fn, entries) if full else []
    update = Update(old, grads, gradient_descent(params_list, options.lr, keep=options.step))
    if full:
        steps += update.steps(entries, options.lr, graph.labels[id(root)])
    trace = _trace(model, graph, loss_fn, steps, update, options)
    if not full:
        _summarise(trace, graph, options.max_nodes)
    return trace


def _trace(
    model: Any,
    graph: _Graph,
    loss_fn: LossFunction,
    steps: list[Step],
    update: Update,
    options: ExplainOptions,
) -> Trace:
    """The Trace of the step: its rows, the loss, the gradients and the labelled graph."""
    root, entries = graph.root, graph.entries
    reduction = getattr(loss_fn, "reduction", None) if graph.prediction is not None else None
    return Trace(
        title=_title(model, root, graph.prediction, len(graph.inner), options.lr),
        steps=steps,
        loss=float(root.data.reshape(-1)[0]),
        lr=options.lr,
        n_samples=1,
        reduction=reduction if isinstance(reduction, str) else None,
        gradients=update.gradients(entries),
        new_values=update.new_values(entries),
        decimals=options.decimals,
        graph=root,
        node_labels={k: v.text for k, v in graph.labels.items()},
        tolerance=1e-9 if root.dtype == np.float64 else 1e-4,
    )


def _run_model(
    model: Any, x: Any, y: Any, loss_fn: LossFunction, params: Any
) -> tuple[Tensor, Tensor | None, Any]:
    """The tensor to differentiate, the model's output when a loss was applied to it, and
    where the parameters come from (``params``, the Module's own, or None for the graph's)."""
    if isinstance(model, Tensor):
        if x is not None or y is not None:
            raise ValueError(
                "explain(tensor) explains a graph that is already built; pass x and y only "
                "with a model or a function."
            )
        return model, None, params
    if hasattr(model, "named_parameters") and params is None:
        param_source = dict(model.named_parameters())
    else:
        param_source = params
    for p in _given_tensors(param_source):
        p.grad = None
    out = model() if x is None else model(x if isinstance(x, Tensor) else Tensor(x))
    if not isinstance(out, Tensor):
        raise TypeError(f"the model must return a Tensor; got {type(out).__name__}.")
    if y is None:
        return out, None, param_source
    return loss_fn(out, y), out, param_source


def _check_root(root: Tensor) -> None:
    if root.size != 1:
        raise ValueError(
            f"explain needs a scalar to differentiate; the graph ends in shape {root.shape}. "
            "Pass y and a loss, or reduce the output (e.g. .sum())."
        )
    if not root.requires_grad:
        raise ValueError(
            "nothing in this graph requires a gradient; create the parameters with "
            "requires_grad=True."
        )


def _differentiate(root: Tensor, prediction: Tensor | None, param_source: Any) -> _Graph:
    """Walk the graph, name its parameters, run ``backward()`` and label every node."""
    order = topological(root)
    named = collect_parameters(order, param_source)
    for _, p in named:
        p.grad = None
    root.backward()
    labels = _labels(order, named, root, prediction, loss_applied=prediction is not None)
    return _Graph(root, prediction, order, named, labels)


def _summarise(trace: Trace, graph: _Graph, max_nodes: int) -> None:
    """One row per operation (shape and norms) in place of the scalar rows."""
    labels, inner = graph.labels, graph.inner
    trace.summary = [
        LayerSummary(
            name=f"{labels[id(t)].text} = {t.op}",
            shape=tuple(t.shape),
            activation_norm=float(np.linalg.norm(t.data)),
            activation_grad_norm=None if t.grad is None else float(np.linalg.norm(t.grad)),
        )
        for t in inner
    ]
    trace.message = (
        f"This graph is too large or not scalar enough to print number by number "
        f"({len(inner)} operations, limit max_nodes={max_nodes}, or tensors with more than "
        "one number). Showing one row per operation (shape and norms) instead; pass "
        "detail='full' to write out every scalar node."
    )


def _given_tensors(params: Any) -> list[Tensor]:
    if params is None:
        return []
    values = params.values() if isinstance(params, Mapping) else params
    return [t for t in values if isinstance(t, Tensor)]


def _labels(
    order: Sequence[Tensor],
    named: Sequence[tuple[str, Tensor]],
    root: Tensor,
    prediction: Tensor | None,
    loss_applied: bool,
) -> dict[int, Label]:
    labels: dict[int, Label] = {}
    for name, t in named:
        labels[id(t)] = user_label(name)
    used = {label.text for label in labels.values()}
    if loss_applied:
        labels.setdefault(id(root), Label("L", "L"))
    if prediction is not None and prediction.name is None:
        labels.setdefault(id(prediction), Label("ŷ", r"\hat{y}"))
    counter = 0
    for t in order:
        if id(t) in labels:
            continue
        if t.name is not None:
            labels[id(t)] = user_label(t.name)
        elif t.is_leaf and not t.requires_grad:
            continue  # an unnamed constant is written as its number
        elif t is root:
            labels[id(t)] = Label("L", "L")
        else:
            counter += 1
            while f"t{counter}" in used:
                counter += 1
            labels[id(t)] = Label(f"t{counter}", f"t_{{{counter}}}")
        used.add(labels[id(t)].text)
    return labels


def _operand(t: Tensor, labels: dict[int, Label]) -> Expr:
    value = float(t.data.reshape(-1)[0]) if t.size == 1 else float(np.linalg.norm(t.data))
    if id(t) in labels:
        return Sym(labels[id(t)], value)
    return Num(value)


def _graph_steps(graph: _Graph, y: Any, loss_fn: Any, entries: Sequence[Entry]) -> list[Step]:
    """The value rows, the forward (and loss) rows, the backward rows, then the parameters'
    gradient rows in the order of ``entries``."""
    loss_written = _loss_rows(graph.root, graph.prediction, y, loss_fn, graph.labels)
    steps = _value_steps(graph, entries)
    steps += _forward_steps(graph, loss_written)
    backward, gradients = _backward_steps(graph, loss_written)
    order_of = {e.label.text: k for k, e in enumerate(entries)}
    gradients.sort(key=lambda step: order_of.get(step.parameter or "", 0))
    return steps + backward + gradients


def _value_steps(graph: _Graph, entries: Sequence[Entry]) -> list[Step]:
    """The parameters' values, then the named scalar inputs'."""
    steps = [Step("parameters", "parameter", e.label, e.value) for e in entries]
    for t in graph.order:
        if t.is_leaf and not t.requires_grad and t.name is not None and t.size == 1:
            value = float(t.data.reshape(-1)[0])
            steps.append(Step("parameters", "input", graph.labels[id(t)], value))
    return steps


def _forward_steps(graph: _Graph, loss_written: tuple[Expr, Expr] | None) -> list[Step]:
    """Each operation with its operands (a loss of a scalar with its formula); a node of
    several numbers as its norm."""
    labels = graph.labels
    steps = []
    for t in graph.inner:
        if t.size != 1:
            note = f"{t.op}: {describe_array(t.data)}"
            value = float(np.linalg.norm(t.data))
            steps.append(Step("forward", "node", labels[id(t)], value, note=note))
            continue
        written = op_formula(t, [_operand(p, labels) for p in t.parents])
        section = "forward"
        if t is graph.root and loss_written is not None:
            written, section = loss_written[0], "loss"
        steps.append(Step(section, "node", labels[id(t)], float(t.data.reshape(-1)[0]), written))
    return steps


def _backward_steps(
    graph: _Graph, loss_written: tuple[Expr, Expr] | None
) -> tuple[list[Step], list[Step]]:
    """∂L/∂t for every inner node from the root down, and for every scalar parameter."""
    used = consumers(list(graph.order))
    param_ids = {id(t) for _, t in graph.named}
    backward: list[Step] = []
    gradients: list[Step] = []
    for t in reversed(graph.order):
        if t is graph.root or not t.requires_grad or (t.is_leaf and id(t) not in param_ids):
            continue
        if t.is_leaf and t.size != 1:
            continue  # vector parameters: their entries' gradients are in the update rows
        if t.size != 1:
            formula: Expr | None = None
        elif loss_written is not None and t is graph.prediction:
            formula = loss_written[1]
        else:
            formula = _sum_over_uses(t, used[id(t)], graph.root, graph.labels)
        (gradients if t.is_leaf else backward).append(_node_gradient(graph, t, formula))
    return backward, gradients


def _node_gradient(graph: _Graph, t: Tensor, formula: Expr | None) -> Step:
    """The row of ∂L/∂t: its value and formula, or the norm of a node of several numbers."""
    section = "gradient" if t.is_leaf else "backward"
    label = graph.labels[id(t)]
    L = graph.labels[id(graph.root)]
    grad = np.zeros_like(t.data) if t.grad is None else t.grad
    if t.size != 1:
        note = f"‖∂L/∂{label.text}‖ over shape {t.shape}"
        value = float(np.linalg.norm(grad))
        return Step(section, "node_gradient", partial(L, label), value, note=note)
    parameter = label.text if t.is_leaf else None
    value = float(grad.reshape(-1)[0])
    return Step(section, "node_gradient", partial(L, label), value, formula, parameter=parameter)


def _sum_over_uses(
    t: Tensor, uses: Sequence[tuple[Tensor, int]], root: Tensor, labels: dict[int, Label]
) -> Expr | None:
    """∂L/∂t = Σ over the nodes c that use t of ∂c/∂t · ∂L/∂c (one term per use)."""
    L = labels[id(root)]
    terms: list[Expr] = []
    for c, position in uses:
        if not c.requires_grad or c.size != 1:
            return None
        grads = local_gradients(c, np.ones(c.shape, dtype=c.dtype))
        local = grads[position]
        if local is None:
            continue
        local_sym = Sym(
            partial(labels[id(c)], labels[id(t)]), float(np.asarray(local).reshape(-1)[0])
        )
        if c is root:
            terms.append(local_sym)
        else:
            upstream = 0.0 if c.grad is None else float(c.grad.reshape(-1)[0])
            terms.append(Mul((local_sym, Sym(partial(L, labels[id(c)]), upstream))))
    return total(terms) if terms else None


def _loss_rows(
    root: Tensor, prediction: Tensor | None, y: Any, loss_fn: Any, labels: dict[int, Label]
) -> tuple[Expr, Expr] | None:
    """L and ∂L/∂ŷ written with the loss formula, when a known loss of a scalar was applied."""
    if prediction is None or root.op not in LOSS_OPS or prediction.size != 1:
        return None
    reduction = getattr(loss_fn, "reduction", "mean")
    if not isinstance(reduction, str) or reduction == "none":
        return None
    target = np.asarray(y.data if isinstance(y, Tensor) else y, dtype=np.float64).reshape(-1)
    if target.size != 1:
        return None
    delta = getattr(loss_fn, "delta", None)
    p = [Sym(labels[id(prediction)], float(prediction.data.reshape(-1)[0]))]
    t = [Sym(Label("y", "y"), float(target[0]))]
    return (
        loss_formula(root.op, reduction, p, t, delta),
        loss_derivative(root.op, reduction, p, t, 0, delta),
    )


def _title(model: Any, root: Tensor, prediction: Tensor | None, n_ops: int, lr: float) -> str:
    what = (
        "a graph" if isinstance(model, Tensor) else getattr(model, "__name__", type(model).__name__)
    )
    loss = f"loss {root.op}" if prediction is not None else f"output {root.op}"
    return f"One gradient-descent step of {what} ({n_ops} operations); {loss}; lr {lr:g}"
