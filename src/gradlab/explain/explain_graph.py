"""`explain` for any scalar graph built from Tensors (shared parameters included).

The graph is the one the engine recorded. Forward rows follow it node by node
(``t3 = t1 + w0 = 0.07 + 0.1 = 0.17``). Backward rows write each node's gradient as the sum
over the nodes that use it, ``∂L/∂w0 = ∂t2/∂w0 · ∂L/∂t2 + ∂t4/∂w0 · ∂L/∂t4 + ...``: a
parameter used several times gets one term per use. Local derivatives come from each op's own
backward closure and gradients from ``.grad``, so the rows show what the engine did.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from gradlab import engine
from gradlab.engine import Tensor
from gradlab.engine.activation_op import recorded_activation
from gradlab.engine.tensor import local_gradients
from gradlab.explain.activation_formula import op_label
from gradlab.explain.formula import (
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
from gradlab.explain.graph import (
    consumers,
    describe_array,
    engine_value,
    folded_constant,
    topological,
)
from gradlab.explain.loss_formula import LOSS_OPS, loss_derivative, loss_formula
from gradlab.explain.naming import Entry, tensor_entries, user_label
from gradlab.explain.trace import LayerSummary, Step, Trace
from gradlab.explain.update import gradient_descent, update_steps

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


def explain_graph(
    model: Any,
    x: Any,
    y: Any,
    loss_fn: Callable[[Tensor, Any], Tensor],
    lr: float,
    params: Any,
    decimals: int | None,
    full: bool | None,
    max_nodes: int,
    step: bool,
) -> Trace:
    """Build the trace of one gradient-descent step over a scalar graph (see `explain`)."""
    prediction: Tensor | None = None
    if isinstance(model, Tensor):
        if x is not None or y is not None:
            raise ValueError(
                "explain(tensor) explains a graph that is already built; pass x and y only "
                "with a model or a function."
            )
        root = model
        param_source = params
    else:
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
            root = out
        else:
            prediction = out
            root = loss_fn(out, y)
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
    order = topological(root)
    named = collect_parameters(order, param_source)
    for _, p in named:
        p.grad = None
    root.backward()
    entries = [e for name, t in named for e in tensor_entries(name, t)]
    params_list = [t for _, t in named]
    inner = [t for t in order if not t.is_leaf]
    if full is None:
        full = len(inner) <= max_nodes and all(t.size == 1 for t in inner)
    labels = _labels(order, named, root, prediction, loss_applied=prediction is not None)
    grads = {id(p): (np.zeros_like(p.data) if p.grad is None else p.grad) for p in params_list}
    old = {id(p): p.data.copy() for p in params_list}
    steps: list[Step] = []
    if full:
        steps = _graph_steps(order, root, prediction, y, loss_fn, labels, named, entries)
    new = gradient_descent(params_list, lr, keep=step)
    if full:
        steps += update_steps(entries, old, new, grads, lr, labels[id(root)])
    dtype = root.dtype
    reduction = getattr(loss_fn, "reduction", None) if prediction is not None else None
    trace = Trace(
        title=_title(model, root, prediction, len(inner), lr),
        steps=steps,
        loss=float(root.data.reshape(-1)[0]),
        lr=lr,
        n_samples=1,
        reduction=reduction if isinstance(reduction, str) else None,
        gradients={e.label.text: float(grads[id(e.tensor)][e.index]) for e in entries},
        new_values={e.label.text: float(new[id(e.tensor)][e.index]) for e in entries},
        decimals=decimals,
        graph=root,
        node_labels={k: v.text for k, v in labels.items()},
        tolerance=1e-9 if dtype == np.float64 else 1e-4,
    )
    if not full:
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
    return trace


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


def _graph_steps(
    order: Sequence[Tensor],
    root: Tensor,
    prediction: Tensor | None,
    y: Any,
    loss_fn: Any,
    labels: dict[int, Label],
    named: Sequence[tuple[str, Tensor]],
    entries: Sequence[Entry],
) -> list[Step]:
    steps = [Step("parameters", "parameter", e.label, e.value) for e in entries]
    for t in order:
        if t.is_leaf and not t.requires_grad and t.name is not None and t.size == 1:
            steps.append(Step("parameters", "input", labels[id(t)], float(t.data.reshape(-1)[0])))
    L = labels[id(root)]
    loss_written = _loss_rows(root, prediction, y, loss_fn, labels)
    for t in order:
        if t.is_leaf:
            continue
        if t.size != 1:
            steps.append(
                Step(
                    "forward",
                    "node",
                    labels[id(t)],
                    float(np.linalg.norm(t.data)),
                    note=f"{t.op}: {describe_array(t.data)}",
                )
            )
            continue
        written = op_formula(t, [_operand(p, labels) for p in t.parents])
        section = "forward"
        if t is root and loss_written is not None:
            written, section = loss_written[0], "loss"
        steps.append(Step(section, "node", labels[id(t)], float(t.data.reshape(-1)[0]), written))
    used = consumers(list(order))
    param_ids = {id(t) for _, t in named}
    gradients: list[Step] = []
    for t in reversed(order):
        if t is root or not t.requires_grad or (t.is_leaf and id(t) not in param_ids):
            continue
        if t.is_leaf and t.size != 1:
            continue  # vector parameters: their entries' gradients are in the update rows
        target = gradients if t.is_leaf else steps
        section = "gradient" if t.is_leaf else "backward"
        grad = np.zeros_like(t.data) if t.grad is None else t.grad
        if t.size != 1:
            target.append(
                Step(
                    section,
                    "node_gradient",
                    partial(L, labels[id(t)]),
                    float(np.linalg.norm(grad)),
                    note=f"‖∂L/∂{labels[id(t)].text}‖ over shape {t.shape}",
                )
            )
            continue
        if loss_written is not None and t is prediction:
            formula: Expr | None = loss_written[1]
        else:
            formula = _sum_over_uses(t, used[id(t)], root, labels)
        target.append(
            Step(
                section,
                "node_gradient",
                partial(L, labels[id(t)]),
                float(grad.reshape(-1)[0]),
                formula,
                parameter=labels[id(t)].text if t.is_leaf else None,
            )
        )
    order_of = {e.label.text: k for k, e in enumerate(entries)}
    gradients.sort(key=lambda step: order_of.get(step.parameter or "", 0))
    return steps + gradients


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
