"""How the trace writes the loss and its derivative for each fused loss op of the engine.

The formulas are the textbook ones, written with the names and numbers of one pass; the values
the trace shows next to them are the engine's. Evaluating the written numbers (the trace's
self-check) goes through the engine wherever a function or a derivative is involved.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from gradlab import engine
from gradlab.engine import Tensor
from gradlab.explain.formula import (
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
    total,
)
from gradlab.explain.graph import engine_slope, engine_value

#: Loss ops the trace can write out.
LOSS_OPS = frozenset(
    {
        "squared_error",
        "absolute_error",
        "huber",
        "binary_cross_entropy",
        "bce_with_logits",
        "softmax_cross_entropy",
        "hinge",
    }
)

_LOG = Label("log", r"\log")
_SIGMA = Label("σ", r"\sigma")


def _softmax_entry(index: int) -> Callable[..., float]:
    return engine_value(lambda t: engine.softmax(t), index)


def _log_softmax_entry(index: int) -> Callable[..., float]:
    return engine_value(lambda t: engine.log_softmax(t), index)


def entries(
    op: str, predictions: Sequence[Sym], targets: Sequence[Sym], delta: float | None = None
) -> list[Expr]:
    """The per-entry loss terms, before reduction (one per sample for softmax cross-entropy)."""
    p, y = predictions, targets
    if op == "squared_error":
        return [Pow(Sub(pj, yj), 2) for pj, yj in zip(p, y, strict=True)]
    if op == "absolute_error":
        fn = engine_value(engine.abs)
        name = Label("abs", r"\operatorname{abs}")
        return [Call(name, (Sub(pj, yj),), fn) for pj, yj in zip(p, y, strict=True)]
    if op == "huber":
        name = Label(f"huber[δ={delta}]", rf"\operatorname{{huber}}_{{{delta}}}")
        huber: Callable[..., float] | None = None
        if delta is not None:
            huber = engine_value(lambda t: engine.huber(t, 0.0, delta, "none"))
        return [Call(name, (Sub(pj, yj),), huber) for pj, yj in zip(p, y, strict=True)]
    if op == "binary_cross_entropy":
        return [
            Neg(
                total(
                    [
                        Mul((yj, Call(_LOG, (pj,), np.log))),
                        Mul((Sub(Num(1), yj), Call(_LOG, (Sub(Num(1), pj),), np.log))),
                    ]
                )
            )
            for pj, yj in zip(p, y, strict=True)
        ]
    if op == "bce_with_logits":
        softplus = Label("softplus", r"\operatorname{softplus}")
        return [
            Sub(Call(softplus, (zj,), engine_value(engine.softplus)), Mul((yj, zj)))
            for zj, yj in zip(p, y, strict=True)
        ]
    if op == "softmax_cross_entropy":
        terms: list[Expr] = []
        for k, yk in enumerate(y):
            if yk.value == 0:
                continue  # a zero target contributes 0 log p
            name = Label("log_softmax", r"\log\operatorname{softmax}")
            suffix = Label(f"[{k}]", f"_{{{k}}}")
            terms.append(Mul((yk, Call(name, tuple(p), _log_softmax_entry(k), suffix))))
        return [Neg(total(terms))] if terms else [Num(0.0)]
    if op == "hinge":
        name = Label("max", r"\max")
        return [
            Call(name, (Num(0), Sub(Num(1), Mul((yj, sj)))), max)
            for sj, yj in zip(p, y, strict=True)
        ]
    raise KeyError(op)


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
    p, y = predictions[j], targets[j]
    n = len(predictions)
    core: Expr
    if op == "squared_error":
        if reduction == "half_sum":
            return Sub(p, y)
        core = Mul((Num(2), Sub(p, y)))
    elif op == "absolute_error":
        sign = Label("sign", r"\operatorname{sign}")
        core = Call(sign, (Sub(p, y),), engine_slope(engine.abs))
    elif op == "huber":
        name = Label(f"huber′[δ={delta}]", rf"\operatorname{{huber}}_{{{delta}}}'")
        fn = None
        if delta is not None:
            fn = engine_slope(lambda t: engine.huber(t, 0.0, delta, "none"))
        core = Call(name, (Sub(p, y),), fn)
    elif op == "binary_cross_entropy":
        core = Div(Sub(p, y), Mul((p, Sub(Num(1), p))))
    elif op == "bce_with_logits":
        core = Sub(Call(_SIGMA, (p,), engine_value(engine.sigmoid)), y)
    elif op == "softmax_cross_entropy":
        name = Label("softmax", r"\operatorname{softmax}")
        suffix = Label(f"[{j}]", f"_{{{j}}}")
        core = Sub(Call(name, tuple(predictions), _softmax_entry(j), suffix), targets[j])
        n = 1  # the mean runs over samples, and a pass holds one sample per row
    elif op == "hinge":
        name = Label("hinge′", r"\operatorname{hinge}'")
        core = Call(name, (p, y), _hinge_slope)
    else:
        raise KeyError(op)
    if reduction == "mean" and n > 1:
        return Div(core, Num(n))
    return core


def _hinge_slope(score: float, label: float) -> float:
    t = Tensor(np.array([score]), requires_grad=True)
    engine.hinge(t, np.array([label]), "sum").backward()
    assert t.grad is not None
    return float(t.grad[0])
