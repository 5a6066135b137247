"""The activations, each declared once as an `ActivationOp` with all its facets.

Each forward is finite, in value and gradient, for inputs of any magnitude (+-1e4 included) in
float32 and float64, and raises no NumPy overflow, invalid or divide-by-zero condition. Underflow
to zero, which NumPy ignores by default, is the correctly rounded answer for e.g. sigmoid(-1e4).

A derivative is written as ``derivative(f, z, a)`` with operators and ``f``'s functions, so that
the same line computes it (the engine's backward), writes it (the glass box) and builds it in
SymPy (the symbolic view); see `gradlab.engine.special`. To add an activation, declare it here
(or in your own code) and register it: nothing else in gradlab needs an edit.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine.activation_op import (
    ACTIVATION_OPS,
    ActivationOp,
    SlopeBackward,
    register_activation,
)
from gradlab.engine.special import NUMPY, normal_cdf, sigmoid_and_slope, sigmoid_array
from gradlab.engine.tensor import ZERO, Array, Tensor, node

__all__ = [
    "ActivationOp",
    "elu",
    "gelu",
    "leaky_relu",
    "log_softmax",
    "register_activation",
    "relu",
    "sigmoid",
    "silu",
    "softmax",
    "softplus",
    "step",
    "tanh",
]


def _log_softmax(z: Array, axis: int = -1) -> Array:
    shifted = z - np.max(z, axis=axis, keepdims=True)
    return shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))


def _softmax(z: Array, axis: int = -1) -> Array:
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _sympy_softmax(sp: Any, z: Any, axis: int = -1) -> Any:
    exps = np.vectorize(sp.exp, otypes=[object])(z)
    return exps / np.sum(exps, axis=axis, keepdims=True)


def _sympy_log_softmax(sp: Any, z: Any, axis: int = -1) -> Any:
    total = np.sum(np.vectorize(sp.exp, otypes=[object])(z), axis=axis, keepdims=True)
    return z - np.vectorize(sp.log, otypes=[object])(np.broadcast_to(total, z.shape))


IDENTITY = ActivationOp(
    name="identity", class_name="Identity", aliases=("linear",),
    forward=lambda z: z, derivative=lambda f, z, a: np.ones_like(z), written=False,
    sympy=lambda sp, z: z, text="identity", latex=r"\operatorname{identity}",
    formula="z", derivative_formula="1",
)  # fmt: skip

STEP = ActivationOp(
    name="step", class_name="Step", hidden=False,
    forward=lambda z: (z > 0).astype(z.dtype),
    derivative=lambda f, z, a: np.zeros_like(z), written=False,
    sympy=lambda sp, z: sp.Piecewise((1, z > 0), (0, True)),
    text="step", latex=r"\operatorname{step}",
    formula="1 where z > 0, else 0 (the Heaviside step, the perceptron's activation)",
    derivative_formula="0 everywhere (undefined at 0; the perceptron rule does not use it)",
)  # fmt: skip

RELU = ActivationOp(
    name="relu", class_name="ReLU",
    forward=lambda z, out=None: np.maximum(z, 0, out=out), writes_out=True,
    derivative=lambda f, z, a: z > 0, written=False,
    sympy=lambda sp, z: sp.Piecewise((z, z > 0), (0, True)),
    text="relu", latex=r"\operatorname{relu}",
    formula="max(z, 0)", derivative_formula="1 where z > 0, else 0 (0 at z = 0)",
)  # fmt: skip

LEAKY_RELU = ActivationOp(
    name="leaky_relu", class_name="LeakyReLU", params={"negative_slope": 0.01},
    forward=lambda z, negative_slope: np.where(z > 0, z, negative_slope * z),
    derivative=lambda f, z, a, negative_slope: np.where(z > 0, 1, negative_slope).astype(z.dtype),
    written=False,
    sympy=lambda sp, z, negative_slope: sp.Piecewise((z, z > 0), (negative_slope * z, True)),
    text="leaky_relu", latex=r"\operatorname{leaky\_relu}",
    formula="z where z > 0, else negative_slope·z",
    derivative_formula="1 where z > 0, else negative_slope",
)  # fmt: skip

SIGMOID = ActivationOp(
    name="sigmoid", class_name="Sigmoid", aliases=("logistic",),
    # 1 / (1 + e^-z) = e^(z - ln(1 + e^z)); logaddexp never overflows, and the cancellation for
    # large z costs at most |z| ulps in the exponent (relative 1e-14 at z = 30). The derivative
    # takes 1 - σ(z) as σ(-z): the subtraction would lose every digit once σ(z) rounds to 1.
    # The engine computes it with the value, from the same logaddexp (`sigmoid_and_slope`).
    forward=sigmoid_array, writes_out=True, derivative=lambda f, z, a: a * f.sigmoid(-z),
    fused=sigmoid_and_slope,
    sympy=lambda sp, z: 1 / (1 + sp.exp(-z)), text="σ", latex=r"\sigma",
    formula="σ(z) = 1 / (1 + e^-z)",
    derivative_formula="σ(z)·(1 - σ(z)) = a·σ(-z), since 1 - σ(z) = σ(-z)",
)  # fmt: skip

TANH = ActivationOp(
    name="tanh", class_name="Tanh",
    # sech(z)² rather than 1 - a²: the subtraction loses every digit once tanh(z) rounds to ±1.
    forward=np.tanh, writes_out=True, derivative=lambda f, z, a: f.sech(z) ** 2,
    sympy=lambda sp, z: sp.tanh(z), text="tanh", latex=r"\tanh",
    formula="tanh(z)", derivative_formula="1 - tanh(z)² = sech(z)²",
)  # fmt: skip

SOFTPLUS = ActivationOp(
    name="softplus", class_name="Softplus",
    forward=lambda z, out=None: np.logaddexp(z, ZERO[z.dtype], out=out), writes_out=True,
    derivative=lambda f, z, a: f.sigmoid(z),
    sympy=lambda sp, z: sp.log(1 + sp.exp(z)),
    text="softplus", latex=r"\operatorname{softplus}",
    formula="ln(1 + e^z), computed as logaddexp(z, 0)", derivative_formula="σ(z)",
)  # fmt: skip

GELU = ActivationOp(
    name="gelu", class_name="GELU",
    forward=lambda z: z * normal_cdf(z), derivative=lambda f, z, a: f.Phi(z) + z * f.phi(z),
    sympy=lambda sp, z: z * (1 + sp.erf(z / sp.sqrt(2))) / 2,
    text="gelu", latex=r"\operatorname{gelu}",
    formula="z·Φ(z) = z·(1 + erf(z/√2))/2 (the exact form, PyTorch's default)",
    derivative_formula="Φ(z) + z·φ(z), φ the standard normal density",
)  # fmt: skip

SILU = ActivationOp(
    name="silu", class_name="SiLU", aliases=("swish",),
    forward=lambda z: z * sigmoid_array(z),
    derivative=lambda f, z, a: f.sigmoid(z) * (1 + z * f.sigmoid(-z)),
    sympy=lambda sp, z: z / (1 + sp.exp(-z)), text="silu", latex=r"\operatorname{silu}",
    formula="z·σ(z) (Swish)", derivative_formula="σ(z)·(1 + z·(1 - σ(z))) = σ(z)·(1 + z·σ(-z))",
)  # fmt: skip

ELU = ActivationOp(
    name="elu", class_name="ELU", params={"alpha": 1.0},
    forward=lambda z, alpha: np.where(z > 0, z, alpha * np.expm1(np.minimum(z, 0))),
    # At z = 0 the slope is alpha, PyTorch's choice (its backward takes the z <= 0 branch).
    derivative=lambda f, z, a, alpha: np.where(z > 0, 1, alpha * f.exp(np.minimum(z, 0))).astype(
        z.dtype
    ),
    written=False,
    sympy=lambda sp, z, alpha: sp.Piecewise((z, z > 0), (alpha * (sp.exp(z) - 1), True)),
    text="elu", latex=r"\operatorname{elu}",
    formula="z where z > 0, else alpha·(e^z - 1)",
    derivative_formula="1 where z > 0, else alpha·e^z",
)  # fmt: skip

SOFTMAX = ActivationOp(
    name="softmax", class_name="Softmax", params={"axis": -1}, elementwise=False, hidden=False,
    forward=_softmax, derivative=None,
    vjp=lambda g, z, a, axis: a * (g - np.sum(g * a, axis=axis, keepdims=True)),
    sympy=_sympy_softmax, text="softmax", latex=r"\operatorname{softmax}",
    formula="softmax(z)_i = e^(z_i - max z) / Σ_j e^(z_j - max z); softmax(z + c) = softmax(z)",
    derivative_formula="∂a_i/∂z_j = a_i·(δ_ij - a_j)",
)  # fmt: skip

LOG_SOFTMAX = ActivationOp(
    name="log_softmax", class_name="LogSoftmax", params={"axis": -1}, elementwise=False,
    hidden=False, forward=_log_softmax, derivative=None,
    vjp=lambda g, z, a, axis: g - np.exp(a) * np.sum(g, axis=axis, keepdims=True),
    sympy=_sympy_log_softmax, text="log_softmax", latex=r"\log\operatorname{softmax}",
    formula="log softmax(z)_i = z_i - logsumexp(z), shifted by max(z) for stability",
    derivative_formula="∂a_i/∂z_j = δ_ij - softmax(z)_j",
)  # fmt: skip

for _op in (IDENTITY, STEP, RELU, LEAKY_RELU, SIGMOID, TANH, SOFTPLUS, GELU, SILU, ELU, SOFTMAX,
            LOG_SOFTMAX):  # fmt: skip
    register_activation(_op)


def bind_params(op: ActivationOp, args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any]:
    """The op's parameters from positional and keyword arguments, defaults filled in and
    checked: floats finite, ints integral (``bind_params(LEAKY_RELU, (0.2,), {})``)."""
    names = list(op.params)
    if len(args) > len(names):
        raise TypeError(f"{op.name} takes at most {len(names)} parameter(s) {names}.")
    given = dict(zip(names, args, strict=False))
    for key, value in kwargs.items():
        if key not in op.params or key in given:
            raise TypeError(f"{op.name} got an unexpected or repeated parameter {key!r}.")
        given[key] = value
    bound: dict[str, Any] = {}
    for key, default in op.params.items():
        value = given.get(key, default)
        if isinstance(default, int) and not isinstance(default, bool):
            if isinstance(value, bool) or not isinstance(value, int | np.integer):
                raise TypeError(f"{key} must be an int; got {value!r}.")
            bound[key] = int(value)
        else:
            if isinstance(value, bool | str) or not isinstance(value, int | float | np.number):
                raise TypeError(f"{key} must be a number; got {value!r}.")
            if not math.isfinite(float(value)):
                raise ValueError(f"{key} must be finite; got {value!r}.")
            bound[key] = float(value)
    return bound


@functools.cache
def engine_function(op: ActivationOp) -> Callable[..., Tensor]:
    """``op`` as a function of a tensor and its parameters: ``gl.relu(x)``,
    ``gl.leaky_relu(x, 0.2)``. Its docstring states the formula and its derivative."""
    function: Callable[..., Tensor]
    if op.params:

        def function(x: Tensor, *args: Any, **kwargs: Any) -> Tensor:
            return op(x, **bind_params(op, args, kwargs))

    elif op.vjp is None:
        # The hot path of every network: the op's own call, without the parameter handling.
        forward, derivative, name, fused = op.forward, op.derivative, op.name, op.fused
        assert derivative is not None

        def function(x: Tensor) -> Tensor:
            xd = x.data
            if fused is not None and x.requires_grad:
                out, slope = fused(xd)
                return node(out, (x,), SlopeBackward(slope), name)
            out = forward(xd)
            return node(out, (x,), lambda g: (g * derivative(NUMPY, xd, out),), name)

    else:

        def function(x: Tensor) -> Tensor:
            return op(x)

    function.__name__ = function.__qualname__ = op.name
    function.__module__ = __name__
    params = ", ".join(f"{k}={v}" for k, v in op.params.items())
    function.__doc__ = f"{op.class_name}: a = {op.formula}.\n\nda/dz: {op.derivative_formula}." + (
        f"\n\nParameters: {params}." if params else ""
    )
    return function


def get(name: str) -> ActivationOp:
    """The description of the activation called ``name`` (or an alias), case-insensitive.

    Examples
    --------
    >>> from gradlab.engine import activations
    >>> activations.get("logistic").name
    'sigmoid'
    """
    return ACTIVATION_OPS.get(name)


step = engine_function(STEP)
relu = engine_function(RELU)
leaky_relu = engine_function(LEAKY_RELU)
sigmoid = engine_function(SIGMOID)
tanh = engine_function(TANH)
softplus = engine_function(SOFTPLUS)
gelu = engine_function(GELU)
silu = engine_function(SILU)
elu = engine_function(ELU)
softmax = engine_function(SOFTMAX)
log_softmax = engine_function(LOG_SOFTMAX)
