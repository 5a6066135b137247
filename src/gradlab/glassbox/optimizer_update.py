r"""Update rows written from the step an optimizer took, rather than plain gradient descent.

`explain` writes :math:`\theta \leftarrow \theta - \eta\,\partial L/\partial\theta`. A training
step may instead add a penalty's gradient and apply SGD with momentum, Adam, AdamW, RMSprop or
Adagrad. `optimizer_step` takes that step with the optimizer itself and rewrites the trace's
update rows from it: the gradient the optimizer was given (the penalty's term written out),
the optimizer's running quantities with their formulas, and the update, each with the numbers
the optimizer used and checked by `Trace.check` against the values it produced. Settings
without a written formula (amsgrad, Nesterov, a centred RMSprop, maximize...) get the measured
change: :math:`\theta \leftarrow \theta - \Delta`.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.glassbox.formula import (
    Add,
    Call,
    Div,
    Expr,
    Label,
    Mul,
    Num,
    Pow,
    Sqrt,
    Sub,
    Sym,
    partial,
)
from gradlab.glassbox.trace import LayerSummary, Step, Trace
from gradlab.glassbox.update import LR
from gradlab.graph.naming import Entry, parameter_entries
from gradlab.optim.adagrad import Adagrad
from gradlab.optim.adam import Adam, AdamW
from gradlab.optim.optimizer import Optimizer
from gradlab.optim.rmsprop import RMSprop
from gradlab.optim.sgd import SGD
from gradlab.training.penalty import L1Penalty, L2Penalty, Penalty

LOSS = Label("L", "L")
SIGN = Label("sign", r"\operatorname{sign}")

#: A row: its label, the value the optimizer produced, its formula and its relation.
Row = tuple[Label, float, Expr, str]


@dataclass(frozen=True)
class _Number:
    """One parameter entry through the step: its values and the optimizer's state for it."""

    label: Label
    before: float
    after: float
    gradient: Expr  # what the optimizer was given, as a Sym (named and valued)
    old: Mapping[str, Any]  # the optimizer's state for this entry before the step
    new: Mapping[str, Any]  # and after it

    def named(self, prefix: str, latex: str) -> Label:
        return Label(f"{prefix}({self.label.text})", f"{latex}_{{{self.label.latex}}}")

    def update(self, change: Expr) -> Row:
        return self.label, self.after, Sub(Sym(self.label, self.before), change), "←"


def _sgd(group: Mapping[str, Any], n: _Number) -> list[Row] | None:
    if group["maximize"] or group["weight_decay"] or group["nesterov"]:
        return None
    lr = Sym(LR, group["lr"])
    if not group["momentum"]:
        return [n.update(Mul((lr, n.gradient)))]
    b = n.named("b", "b")
    velocity = n.new["momentum_buffer"]
    if "momentum_buffer" not in n.old:  # the first step starts the buffer at the gradient
        formula: Expr = n.gradient
    else:
        mu, damp = Sym(Label("μ", r"\mu"), group["momentum"]), group["dampening"]
        formula = Add((Mul((mu, Sym(b, n.old["momentum_buffer"]))),
                       Mul((Num(1 - damp), n.gradient)) if damp else n.gradient))  # fmt: skip
    return [(b, velocity, formula, "="), n.update(Mul((lr, Sym(b, velocity))))]


def _adam(group: Mapping[str, Any], n: _Number, decoupled: bool) -> list[Row] | None:
    if group["maximize"] or group["amsgrad"] or (group["weight_decay"] and not decoupled):
        return None
    (beta1, beta2), t = group["betas"], n.new["step"]
    b1, b2 = Sym(Label("β₁", r"\beta_1"), beta1), Sym(Label("β₂", r"\beta_2"), beta2)
    m, v = n.named("m", "m"), n.named("v", "v")
    m_row = Add((Mul((b1, Sym(m, n.old.get("exp_avg", 0.0)))),
                 Mul((Num(1 - beta1), n.gradient))))  # fmt: skip
    v_row = Add((Mul((b2, Sym(v, n.old.get("exp_avg_sq", 0.0)))),
                 Mul((Num(1 - beta2), Pow(n.gradient, 2)))))  # fmt: skip
    m_new, v_new = Sym(m, n.new["exp_avg"]), Sym(v, n.new["exp_avg_sq"])
    eps = Sym(Label("ε", r"\epsilon"), group["eps"])
    root = Sqrt(Sub(Num(1), Pow(b2, t)))
    step = Mul((Div(Sym(LR, group["lr"]), Sub(Num(1), Pow(b1, t))),
                Div(m_new, Add((Div(Sqrt(v_new), root), eps)))))  # fmt: skip
    rows: list[Row] = [(m, m_new.value, m_row, "="), (v, v_new.value, v_row, "=")]
    if decoupled and group["weight_decay"]:
        decay = Sym(Label("λ", r"\lambda"), group["weight_decay"])
        kept = Mul((Sym(n.label, n.before), Sub(Num(1), Mul((Sym(LR, group["lr"]), decay)))))
        return [*rows, (n.label, n.after, Sub(kept, step), "←")]
    return [*rows, n.update(step)]


def _rmsprop(group: Mapping[str, Any], n: _Number) -> list[Row] | None:
    if group["maximize"] or group["weight_decay"] or group["centered"] or group["momentum"]:
        return None
    v = n.named("v", "v")
    alpha = Sym(Label("α", r"\alpha"), group["alpha"])
    v_row = Add((Mul((alpha, Sym(v, n.old.get("square_avg", 0.0)))),
                 Mul((Num(1 - group["alpha"]), Pow(n.gradient, 2)))))  # fmt: skip
    v_new = Sym(v, n.new["square_avg"])
    eps = Sym(Label("ε", r"\epsilon"), group["eps"])
    step = Mul((Sym(LR, group["lr"]), Div(n.gradient, Add((Sqrt(v_new), eps)))))
    return [(v, v_new.value, v_row, "="), n.update(step)]


def _adagrad(group: Mapping[str, Any], n: _Number) -> list[Row] | None:
    if group["maximize"] or group["weight_decay"] or group["lr_decay"]:
        return None
    s = n.named("s", "s")
    s_row = Add((Sym(s, n.old.get("sum", group["initial_accumulator_value"])),
                 Pow(n.gradient, 2)))  # fmt: skip
    s_new = Sym(s, n.new["sum"])
    eps = Sym(Label("ε", r"\epsilon"), group["eps"])
    step = Mul((Sym(LR, group["lr"]), Div(n.gradient, Add((Sqrt(s_new), eps)))))
    return [(s, s_new.value, s_row, "="), n.update(step)]


#: How each optimizer's step is written; an optimizer or setting not here gets the measured Δ.
WRITERS: dict[type[Optimizer], Callable[[Mapping[str, Any], _Number], list[Row] | None]] = {
    SGD: _sgd,
    Adam: lambda group, n: _adam(group, n, decoupled=False),
    AdamW: lambda group, n: _adam(group, n, decoupled=True),
    RMSprop: _rmsprop,
    Adagrad: _adagrad,
}


def _penalty_term(penalty: Penalty, label: Label, value: float) -> Expr:
    """R′(θ) written out: θ for L2, sign(θ) for L1, else its value."""
    if isinstance(penalty, L2Penalty):
        return Sym(label, value)
    if isinstance(penalty, L1Penalty):
        return Call(SIGN, (Sym(label, value),), np.sign)
    name = Label(f"R′({label.text})", rf"R'({label.latex})")
    return Sym(name, float(penalty.derivative(np.array(value))))


def _copied(state: Mapping[str, Any]) -> dict[str, Any]:
    """An optimizer's state for one parameter, its arrays copied (the step changes them)."""
    return {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in state.items()}


def _entry_state(state: Mapping[str, Any], index: tuple[int, ...]) -> dict[str, Any]:
    """One entry's share of an optimizer's state for a parameter (its arrays at ``index``)."""
    return {k: float(v[index]) if isinstance(v, np.ndarray) else v for k, v in state.items()}


def _gradient_rows(
    entry: Entry, raw: float, used: float, before: float, penalty: Penalty | None, total: float
) -> tuple[list[Step], Expr]:
    """The row of the gradient the optimizer was given (with a penalty), and its symbol."""
    label = entry.label
    grad = Sym(partial(LOSS, label), raw)
    if penalty is None or not any(p is entry.tensor for p in penalty.parameters):
        return [], grad
    g = Label(f"g({label.text})", f"g_{{{label.latex}}}")
    scale = Sym(Label("α/S", r"\tfrac{\alpha}{S}"), penalty.alpha / total)
    formula = Add((grad, Mul((scale, _penalty_term(penalty, label, before)))))
    row = Step("update", "penalized_gradient", g, used, formula, parameter=entry.key)
    return [row], Sym(g, used)


def optimizer_step(
    trace: Trace,
    model: Any,
    optimizer: Optimizer,
    *,
    names: Mapping[str, Any] | None = None,
    penalty: Penalty | None = None,
    total: float = 1.0,
) -> Trace:
    r"""Take ``optimizer``'s step and write the trace's update rows from it.

    ``model``'s gradients must be the batch gradient the trace recorded (`explain` with
    ``step=False`` leaves them so). The penalty's gradient (for a batch of total sample weight
    ``total``) is added, ``optimizer.step()`` runs, and each parameter entry's update rows
    become what the optimizer did: :math:`g = \partial L/\partial\theta + \frac{\alpha}{S}
    R'(\theta)` with a penalty; Adam's :math:`m, v` and
    :math:`\theta \leftarrow \theta - \frac{\eta}{1-\beta_1^t}\frac{m}{\sqrt{v}/
    \sqrt{1-\beta_2^t}+\epsilon}`; SGD's momentum buffer; RMSprop's and Adagrad's running
    squares; or the measured change :math:`\Delta` where no formula is written. The trace's
    ``new_values`` and per-layer update norms become the optimizer's.

    Parameters
    ----------
    trace : Trace
        The trace of the step (`gradlab.explain` of ``model``, ``step=False``); changed in place.
    model : Module
        The layered network explained.
    optimizer : Optimizer
        The optimizer over ``model``'s parameters.
    names : dict, optional
        The names given to `explain`.
    penalty : Penalty, optional
        A `gradlab.training.penalty` term on some parameters.
    total : float, default 1.0
        The batch's total sample weight (its size), which scales the penalty.

    Returns
    -------
    Trace
        ``trace``, its update rows rewritten.

    Examples
    --------
    >>> import gradlab as gl
    >>> model = gl.nn.Sequential(gl.nn.Linear.from_values([[2.0]], [0.0]))
    >>> trace = gl.explain(model, [[1.0]], [[0.0]], loss="mse", lr=0.1)
    >>> trace = optimizer_step(trace, model, gl.optim.Adam(model.parameters(), lr=0.1))
    >>> round(trace.new_value("W1[0,0]"), 6), trace.check().passed
    (1.9, True)
    """
    params: list[Tensor] = list(model.parameters())
    entries = parameter_entries(model, names)
    old = {id(p): p.data.copy() for p in params}
    raw = {id(p): np.zeros_like(p.data) if p.grad is None else p.grad.copy() for p in params}
    state_before = {id(p): _copied(optimizer.state.get(p, {})) for p in params}
    if penalty is not None:
        penalty.add_gradient(total)
    used = {id(p): np.zeros_like(p.data) if p.grad is None else p.grad.copy() for p in params}
    optimizer.step()
    before = _Before(old, raw, used, state_before)
    # A summary (a network too large to write out) has no update rows to rewrite.
    written_out = any(step.section == "update" for step in trace.steps)
    rows = {e.key: _entry_rows(e, before, optimizer, penalty, total)
            for e in (entries if written_out else [])}  # fmt: skip
    _replace_updates(trace, rows, optimizer, penalty, total)
    trace.new_values = {e.label.text: float(e.tensor.data[e.index]) for e in entries}
    if trace.summary is not None:
        trace.summary = _summary_norms(trace.summary, model, old)
    return trace


@dataclass(frozen=True)
class _Before:
    """What the step started from, by parameter id: values, the loss's gradient, the gradient
    the optimizer was given (with the penalty's), and the optimizer's state."""

    values: Mapping[int, Any]
    raw: Mapping[int, Any]
    used: Mapping[int, Any]
    state: Mapping[int, Mapping[str, Any]]


def _entry_rows(
    e: Entry, before: _Before, optimizer: Optimizer, penalty: Penalty | None, total: float
) -> list[Step]:
    """The rows of one parameter entry's step: its gradient (with a penalty), the optimizer's
    running quantities and the update, or the measured change."""
    key = id(e.tensor)
    start, after = float(before.values[key][e.index]), float(e.tensor.data[e.index])
    used = float(before.used[key][e.index])
    extra, gradient = _gradient_rows(e, float(before.raw[key][e.index]), used, start, penalty,
                                     total)  # fmt: skip
    number = _Number(e.label, start, after, gradient, _entry_state(before.state[key], e.index),
                     _entry_state(optimizer.state.get(e.tensor, {}), e.index))  # fmt: skip
    group = next(g for g in optimizer.param_groups if any(p is e.tensor for p in g["params"]))
    writer = WRITERS.get(type(optimizer))
    written = None if writer is None else writer(group, number)
    if written is None:
        written = [number.update(Sym(Label("Δ", r"\Delta"), start - after))]
    return extra + [
        Step("update", "update" if rel == "←" else "optimizer_state", label, value, formula,
             relation=rel, parameter=e.key)
        for label, value, formula, rel in written
    ]  # fmt: skip


def _replace_updates(
    trace: Trace,
    rows: Mapping[str, list[Step]],
    optimizer: Optimizer,
    penalty: Penalty | None,
    total: float,
) -> None:
    """Each update row of the trace replaced by the rows of the optimizer's step, in order."""
    steps: list[Step] = []
    for step in trace.steps:
        if step.section == "update" and step.parameter is not None and step.parameter in rows:
            steps += rows[step.parameter]
        else:
            steps.append(step)
    trace.steps = steps
    name = type(optimizer).__name__
    penalised = "" if penalty is None else f" with the {penalty.name.upper()} penalty"
    trace.title = trace.title.replace("One gradient-descent step", f"One {name} step{penalised}", 1)
    rates = ", ".join(f"{k} = {v:g}" for k, v in _hyper(optimizer.param_groups[0]).items())
    alpha = "" if penalty is None else f", α = {penalty.alpha:g}, S = {total:g}"
    trace.update_rule = f"{name}{penalised}: {rates}{alpha}"


def _hyper(group: Mapping[str, Any]) -> dict[str, float]:
    """The numeric hyper-parameters of a group, by name (lr, momentum, betas, eps...)."""
    result: dict[str, float] = {}
    for key, value in group.items():
        if isinstance(value, tuple | list) and key != "params":
            result.update({f"{key}[{k}]": float(v) for k, v in enumerate(value)})
        elif isinstance(value, int | float) and not isinstance(value, bool):
            result[key] = float(value)
    return result


def _summary_norms(summary: list[LayerSummary], model: Any, old: Mapping[int, Any]) -> list[Any]:
    """The per-layer summary with each layer's update norm measured from the optimizer's step."""
    from gradlab.nn import Linear

    linears = [m for m in model if isinstance(m, Linear)]
    result = []
    for row, linear in zip(summary, linears, strict=True):
        change = [p.data - old[id(p)] for p in linear.parameters()]
        norm = float(np.sqrt(sum(float(np.sum(c * c)) for c in change)))
        result.append(dataclasses.replace(row, update_norm=norm))
    return result
