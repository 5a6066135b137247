"""How the trace writes the loss and its derivative, from each fused loss's description.

The formulas are the textbook ones of `gradlab.engine.losses` (each loss's ``entry`` and
``derivative``), written with the names and numbers of one pass; the values the trace shows
next to them are the engine's. Evaluating the written numbers (the trace's self-check) goes
through the engine wherever a function or a derivative is involved.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gradlab.engine.loss_op import LOSS_OPS as _REGISTRY
from gradlab.engine.loss_op import LossOp
from gradlab.glassbox.formula import Div, Expr, Num, Sym, total
from gradlab.glassbox.formula_math import FORMULA, as_expr


class _LossNames:
    """The loss ops the trace can write out: every registered one (read when asked)."""

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in _REGISTRY.names()


#: Loss ops the trace can write out.
LOSS_OPS = _LossNames()


def _params(op: LossOp, delta: float | None) -> dict[str, Any]:
    params = dict(op.params)
    if "delta" in params and delta is not None:
        params["delta"] = delta
    return params


def entries(
    op: str, predictions: Sequence[Sym], targets: Sequence[Sym], delta: float | None = None
) -> list[Expr]:
    """The per-entry loss terms, before reduction (one per sample for softmax cross-entropy)."""
    loss = _REGISTRY.get(op)
    if loss.rowwise:
        return [as_expr(loss.entry(FORMULA, predictions, targets))]
    params = _params(loss, delta)
    return [
        as_expr(loss.entry(FORMULA, pj, yj, **params))
        for pj, yj in zip(predictions, targets, strict=True)
    ]


def reduce(values: Sequence[Expr], reduction: str) -> Expr:
    """Mean, sum or half-sum of the per-entry terms."""
    if reduction == "mean" and len(values) > 1:
        return Div(total(values), Num(len(values)))
    if reduction == "half_sum":
        return Div(total(values), Num(2))
    return total(values)


def loss_formula(
    op: str,
    reduction: str,
    predictions: Sequence[Sym],
    targets: Sequence[Sym],
    delta: float | None = None,
) -> Expr:
    """L written out: e.g. ``(a3 - y)²`` or ``((a[0] - y[0])² + (a[1] - y[1])²)/2``."""
    return reduce(entries(op, predictions, targets, delta), reduction)


def loss_derivative(
    op: str,
    reduction: str,
    predictions: Sequence[Sym],
    targets: Sequence[Sym],
    j: int,
    delta: float | None = None,
) -> Expr:
    """∂L/∂p_j written out: e.g. ``2·(a3 - y)``; divided by n for a mean over n entries."""
    loss = _REGISTRY.get(op)
    n = len(predictions)
    if loss.rowwise:
        core = loss.derivative(FORMULA, predictions, targets, j)
        n = 1  # the mean runs over samples, and a pass holds one sample per row
    elif reduction == "half_sum" and loss.half_derivative is not None:
        return as_expr(loss.half_derivative(FORMULA, predictions[j], targets[j]))
    else:
        core = loss.derivative(FORMULA, predictions[j], targets[j], **_params(loss, delta))
    if reduction == "mean" and n > 1:
        return Div(as_expr(core), Num(n))
    return as_expr(core)
