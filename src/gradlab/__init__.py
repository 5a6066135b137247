"""gradlab: neural networks in which every number of backpropagation can be seen and checked.

The top level holds what users call: `Tensor` and its functions, `no_grad`, `fit`,
`predict`, `save`, `load`, `gradcheck`, `explain`, and the packages `nn`, `losses`, `optim`,
`training`, `io`, `glassbox` (the glass box's trace, checks and pictures) and
`symbolic`. Plumbing (``node``, ``unbroadcast``, ...) stays in
`gradlab.engine`. ``gl.sum``, ``gl.max``, ``gl.min`` and ``gl.abs`` exist but are left out of
``__all__``, so a star import never shadows Python's builtins::

    import gradlab as gl
    w = gl.Tensor([[0.5, -0.2]], requires_grad=True)
"""

import importlib
from typing import Any

from gradlab import engine, io, losses, nn, optim, training
from gradlab.checking import gradcheck
from gradlab.engine import (
    ActivationOp,
    GradcheckError,
    LossOp,
    Tensor,
    absolute_error,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    clip,
    compile_step,
    concatenate,
    elu,
    enable_grad,
    exp,
    gelu,
    hinge,
    huber,
    is_grad_enabled,
    leaky_relu,
    log,
    log_softmax,
    matmul,
    maximum,
    mean,
    minimum,
    no_grad,
    register_activation,
    relu,
    reshape,
    sigmoid,
    silu,
    softmax,
    softmax_cross_entropy,
    softplus,
    sqrt,
    squared_error,
    stack,
    step,
    tanh,
    transpose,
    where,
)
from gradlab.engine import abs as abs  # builtin-named: an attribute, not in __all__
from gradlab.engine import max as max
from gradlab.engine import min as min
from gradlab.engine import sum as sum
from gradlab.io import load, save
from gradlab.training import fit, predict

__version__ = "0.1.0"
__all__ = [
    "ActivationOp",
    "GradcheckError",
    "LossOp",
    "Tensor",
    "__version__",
    "absolute_error",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "clip",
    "compile_step",
    "concatenate",
    "elu",
    "enable_grad",
    "engine",
    "exp",
    "explain",  # loaded lazily by __getattr__
    "fit",
    "gelu",
    "glassbox",  # loaded lazily by __getattr__
    "gradcheck",
    "hinge",
    "huber",
    "io",
    "is_grad_enabled",
    "leaky_relu",
    "load",
    "log",
    "log_softmax",
    "losses",
    "matmul",
    "maximum",
    "mean",
    "minimum",
    "nn",
    "no_grad",
    "optim",
    "playground",  # loaded lazily by __getattr__; callable: gl.playground() starts it
    "predict",
    "register_activation",
    "relu",
    "reshape",
    "save",
    "sigmoid",
    "silu",
    "softmax",
    "softmax_cross_entropy",
    "softplus",
    "sqrt",
    "squared_error",
    "stack",
    "step",
    "symbolic",  # loaded lazily by __getattr__
    "tanh",
    "training",
    "transpose",
    "where",
]


def __getattr__(name: str) -> Any:
    # The glass-box views load on first use, keeping `import gradlab` quick. `explain` is the
    # glass box's function; the package it lives in is `glassbox`.
    if name == "explain":
        return importlib.import_module("gradlab.glassbox").explain
    if name in ("glassbox", "symbolic", "tabular", "playground"):
        return importlib.import_module(f"gradlab.{name}")
    raise AttributeError(f"module 'gradlab' has no attribute {name!r}")
