"""How the trace writes an activation a = f(z) and its local derivative da/dz.

Values always come from the engine; the written forms are the textbook ones (``σ(z)``,
``a·(1 - a)``, ``1 - a²``), and evaluating them for the self-check calls the activation module's
own engine function.
"""

from __future__ import annotations

from collections.abc import Sequence

from gradlab import engine
from gradlab.explain.formula import Call, Expr, Label, Mul, Num, Pow, Sub, Sym
from gradlab.explain.graph import engine_slope, engine_value
from gradlab.nn.activations import Activation

_NAMES = {
    "relu": Label("relu", r"\operatorname{relu}"),
    "leaky_relu": Label("leaky_relu", r"\operatorname{leaky\_relu}"),
    "sigmoid": Label("σ", r"\sigma"),
    "tanh": Label("tanh", r"\tanh"),
    "softplus": Label("softplus", r"\operatorname{softplus}"),
    "step": Label("step", r"\operatorname{step}"),
    "softmax": Label("softmax", r"\operatorname{softmax}"),
    "log_softmax": Label("log_softmax", r"\log\operatorname{softmax}"),
}


def activation_formula(
    activation: Activation | None, z: Sequence[Sym], j: int, elementwise: bool
) -> Expr:
    """a_j written as a function of z: ``relu(z1)``, or ``softmax(z[0], z[1])[j]``."""
    if activation is None or activation.name in ("identity", "linear"):
        return z[j]
    name = _NAMES.get(
        activation.name, Label(activation.name, rf"\operatorname{{{activation.name}}}")
    )
    if elementwise:
        return Call(name, (z[j],), engine_value(activation.function))
    suffix = Label(f"[{j}]", f"_{{{j}}}")
    return Call(name, tuple(z), engine_value(activation.function, j), suffix)


def slope_formula(activation: Activation | None, z: Sym, a: Sym) -> Expr:
    """da/dz of an elementwise activation written out: ``relu′(z1)``, ``a1·(1 - a1)``, ..."""
    name = "identity" if activation is None else activation.name
    if name in ("identity", "linear"):
        return Num(1)
    if name == "sigmoid":
        return Mul((a, Sub(Num(1), a)))
    if name == "tanh":
        return Sub(Num(1), Pow(a, 2))
    if name == "softplus":
        return Call(_NAMES["sigmoid"], (z,), engine_value(engine.sigmoid))
    assert activation is not None
    base = _NAMES.get(name, Label(name, rf"\operatorname{{{name}}}"))
    derivative = Label(base.text + "′", base.latex + "'")
    return Call(derivative, (z,), engine_slope(activation.function))
