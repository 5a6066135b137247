"""The autograd engine: `Tensor`, its operations, `no_grad` and `gradcheck`.

``sum``, ``max``, ``min`` and ``abs`` are importable by name but left out of ``__all__``, so
that ``from gradlab.engine import *`` never shadows Python's builtins.

``gradlab.gradcheck`` (in `gradlab.checking`) wraps this package's `gradcheck` so that it also
takes a whole model; the star import of this package therefore leaves `gradcheck` out.
"""

from gradlab.engine import activations
from gradlab.engine.activations import *  # noqa: F403 - each activation declared there once
from gradlab.engine.arithmetic import add, div, matmul, mul, neg, power, sub
from gradlab.engine.capture import CompiledStep, compile_step
from gradlab.engine.elementwise import abs as abs  # builtin-named: importable, not in __all__
from gradlab.engine.elementwise import astype, clip, exp, log, maximum, minimum, sqrt, where
from gradlab.engine.grad_mode import enable_grad, is_grad_enabled, no_grad
from gradlab.engine.gradcheck import GradcheckError
from gradlab.engine.gradcheck import gradcheck as gradcheck
from gradlab.engine.loss_op import LossOp
from gradlab.engine.losses import (
    absolute_error,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge,
    huber,
    softmax_cross_entropy,
    squared_error,
)
from gradlab.engine.reductions import max as max
from gradlab.engine.reductions import mean
from gradlab.engine.reductions import min as min
from gradlab.engine.reductions import sum as sum
from gradlab.engine.shaping import concatenate, getitem, reshape, stack, transpose
from gradlab.engine.tensor import Tensor, node, unbroadcast

__all__ = [
    "CompiledStep",
    "GradcheckError",
    "LossOp",
    "Tensor",
    "absolute_error",
    "add",
    "astype",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "clip",
    "compile_step",
    "concatenate",
    "div",
    "enable_grad",
    "exp",
    "getitem",
    "hinge",
    "huber",
    "is_grad_enabled",
    "log",
    "matmul",
    "maximum",
    "mean",
    "minimum",
    "mul",
    "neg",
    "no_grad",
    "node",
    "power",
    "reshape",
    "softmax_cross_entropy",
    "sqrt",
    "squared_error",
    "stack",
    "sub",
    "transpose",
    "unbroadcast",
    "where",
]
__all__ += activations.__all__
