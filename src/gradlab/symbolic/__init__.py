"""Symbolic view of a model: its output and loss as SymPy formulas in named parameter symbols,
their partial derivatives, and a check that each agrees with autograd.

SymPy is imported when a symbolic view is built (``pip install "gradlab[sym]"``), not when
gradlab is imported.

Examples
--------
>>> import gradlab as gl
>>> w0 = gl.Tensor(0.1, requires_grad=True, name="w0")
>>> sym = gl.symbolic.build(lambda x: (x * w0 + w0).sigmoid(), 0.35, 1.0, loss="bce")
>>> sym.loss
-log(1/(1 + exp(-1.35*w0)))
>>> [row.name for row in sym.check()]
['w0']
"""

from gradlab.symbolic.model import (
    SymbolicModel,
    SymbolicRow,
    build,
    check,
    expression,
    gradients,
    loss_expression,
)

__all__ = [
    "SymbolicModel",
    "SymbolicRow",
    "build",
    "check",
    "expression",
    "gradients",
    "loss_expression",
]
