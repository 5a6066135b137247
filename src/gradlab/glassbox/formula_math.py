"""`FORMULA`: the namespace in which an op's description writes its formulas as expressions.

An op's derivative or loss entry is one Python function of ``(f, ...)`` (see
`gradlab.engine.special`). Called with `FORMULA` it returns an `Expr`: ``f.sigmoid(z)`` is the
call ``σ(z)``, evaluated for the trace's self-check by the engine's own NumPy code.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradlab import engine
from gradlab.engine.special import SPECIALS
from gradlab.glassbox.formula import Call, Expr, Label, Num, Sym, total
from gradlab.graph.walk import engine_value


def _numeric(function: Callable[..., Any]) -> Callable[..., float]:
    def evaluate(*values: float) -> float:
        arrays = [np.array([v], dtype=np.float64) for v in values]
        return float(np.asarray(function(*arrays)).reshape(-1)[0])

    return evaluate


def as_expr(value: Any) -> Expr:
    """An expression from an expression or a number."""
    return value if isinstance(value, Expr) else Num(float(value))


class FormulaMath:
    """Writes formulas: each function of `SPECIALS` as a call, plus what losses need."""

    def __getattr__(self, name: str) -> Callable[..., Expr]:
        special = SPECIALS.get(name)
        if special is None:
            raise AttributeError(f"no special function {name!r} (see SPECIALS)")
        label = Label(special.text, special.latex)
        numeric = _numeric(special.numpy)
        return lambda *args: Call(label, tuple(as_expr(a) for a in args), numeric)

    def named(self, text: str, latex: str, numeric: Callable[..., float], *args: Any) -> Expr:
        """A call of a function the description names itself (``huber[δ=1](a - y)``)."""
        return Call(Label(text, latex), tuple(as_expr(a) for a in args), numeric)

    def total(self, terms: Sequence[Expr]) -> Expr:
        return total(terms)

    def is_zero(self, value: Sym) -> bool:
        return value.value == 0

    def log_softmax(self, z: Sequence[Expr], k: int) -> Expr:
        name = Label("log_softmax", r"\log\operatorname{softmax}")
        evaluate = engine_value(lambda t: engine.log_softmax(t), k)
        return Call(name, tuple(z), evaluate, Label(f"[{k}]", f"_{{{k}}}"))

    def softmax(self, z: Sequence[Expr], k: int) -> Expr:
        name = Label("softmax", r"\operatorname{softmax}")
        evaluate = engine_value(lambda t: engine.softmax(t), k)
        return Call(name, tuple(z), evaluate, Label(f"[{k}]", f"_{{{k}}}"))


FORMULA = FormulaMath()
