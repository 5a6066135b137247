"""How the trace writes an activation a = f(z) and its local derivative da/dz.

Both come from the activation's description (`gradlab.engine.ActivationOp`): its name as
written (``σ``), and its derivative, the same Python line the engine's backward runs, called
here with symbols so that it writes itself (``a·σ(-z)``, ``Φ(z) + z·φ(z)``). Values always
come from the engine; evaluating a written form for the self-check calls the engine's code.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from gradlab.engine.activation_op import ActivationOp
from gradlab.glassbox.formula import Call, Expr, Label, Num, Sym
from gradlab.glassbox.formula_math import FORMULA, as_expr
from gradlab.graph.walk import engine_slope, engine_value
from gradlab.nn.activations import Activation


def op_label(op: ActivationOp) -> Label:
    """The activation's name as the trace writes it: ``σ``, ``relu``."""
    return Label(op.text, op.latex)


def _label(activation: Activation) -> Label:
    if activation.op is not None:
        return op_label(activation.op)
    name = activation.name
    return Label(name, rf"\operatorname{{{name}}}".replace("_", r"\_"))


def activation_formula(
    activation: Activation | None, z: Sequence[Sym], j: int, elementwise: bool
) -> Expr:
    """a_j written as a function of z: ``relu(z1)``, or ``softmax(z[0], z[1])[j]``."""
    if activation is None or activation.name in ("identity", "linear"):
        return z[j]
    name = _label(activation)
    if elementwise:
        return Call(name, (z[j],), engine_value(activation.function))
    suffix = Label(f"[{j}]", f"_{{{j}}}")
    return Call(name, tuple(z), engine_value(activation.function, j), suffix)


def slope_formula(activation: Activation | None, z: Sym, a: Sym) -> Expr:
    """da/dz of an elementwise activation written out: ``relu′(z1)``, ``a1·σ(-z1)``, ..."""
    if activation is None or activation.name in ("identity", "linear"):
        return Num(1)
    op = activation.op
    if op is not None and op.written and op.derivative is not None:
        written: Any = op.derivative(FORMULA, z, a, **activation.params())
        return as_expr(written)
    base = _label(activation)
    derivative = Label(base.text + "′", base.latex + "'")
    return Call(derivative, (z,), engine_slope(activation.function))
