"""Activation functions as single fused ops with numerically stable formulas.

Each is finite, in value and gradient, for inputs of any magnitude (+-1e4 included) in float32
and float64, and raises no NumPy overflow, invalid or divide-by-zero condition. Underflow to
zero, which NumPy ignores by default, is the correctly rounded answer for e.g. sigmoid(-1e4).
"""

from __future__ import annotations

import numpy as np

from gradlab.engine.tensor import ONE, ZERO, Array, Tensor, node


def _sigmoid(x: Array) -> Array:
    # 1 / (1 + e^-x) = e^(x - ln(1 + e^x)); logaddexp never overflows, and the
    # cancellation for large x costs at most |x| ulps in the exponent (relative 1e-14 at x = 30).
    return np.exp(x - np.logaddexp(x, ZERO[x.dtype]))


def step(x: Tensor) -> Tensor:
    """Heaviside step: 1 where x > 0, else 0 (the perceptron's activation).

    Its derivative is 0 everywhere (and undefined at 0); the perceptron rule does not use it.
    """
    return node((x.data > 0).astype(x.dtype), (x,), lambda g: (np.zeros_like(g),), "step")


def relu(x: Tensor) -> Tensor:
    """max(x, 0). d/dx = 1 where x > 0, else 0 (0 at x = 0).

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.relu(gl.Tensor([-1.0, 0.0, 2.0])).data
    array([0., 0., 2.])
    """
    xd = x.data
    return node(np.maximum(xd, 0), (x,), lambda g: (g * (xd > 0),), "relu")


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """x where x > 0, else slope * x. d/dx = 1 where x > 0, else slope."""
    xd = x.data
    slope = np.where(xd > 0, 1, negative_slope).astype(xd.dtype)
    attrs = {"negative_slope": negative_slope}
    return node(xd * slope, (x,), lambda g: (g * slope,), "leaky_relu", attrs)


def sigmoid(x: Tensor) -> Tensor:
    """Logistic sigmoid s(x) = 1 / (1 + e^-x). d/dx = s(x) (1 - s(x)).

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.sigmoid(gl.Tensor(0.0)).item()
    0.5
    """
    xd = x.data
    out = np.exp(xd - np.logaddexp(xd, ZERO[xd.dtype]))  # _sigmoid, inlined on the hot path
    one = ONE[xd.dtype]
    return node(out, (x,), lambda g: (g * out * (one - out),), "sigmoid")


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent. d/dx = 1 - tanh(x)^2."""
    out = np.tanh(x.data)
    one = ONE[out.dtype]
    return node(out, (x,), lambda g: (g * (one - out * out),), "tanh")


def softplus(x: Tensor) -> Tensor:
    """softplus(x) = ln(1 + e^x), computed as logaddexp(0, x). d/dx = sigmoid(x)."""
    xd = x.data
    out = np.logaddexp(xd, ZERO[xd.dtype])
    return node(out, (x,), lambda g: (g * _sigmoid(xd),), "softplus")


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """log softmax(x)_i = x_i - logsumexp(x), shifted by max(x) for stability.

    d/dx_j of sum_i g_i y_i is g_j - softmax(x)_j * sum_i g_i.
    """
    xd = x.data
    shifted = xd - np.max(xd, axis=axis, keepdims=True)
    out = shifted - np.log(np.sum(np.exp(shifted), axis=axis, keepdims=True))
    return node(
        out,
        (x,),
        lambda g: (g - np.exp(out) * np.sum(g, axis=axis, keepdims=True),),
        "log_softmax",
        {"axis": axis},
    )


def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """softmax(x)_i = e^(x_i - max x) / sum_j e^(x_j - max x); softmax(x + c) = softmax(x).

    d/dx_j of sum_i g_i y_i is y_j (g_j - sum_i g_i y_i).
    """
    xd = x.data
    e = np.exp(xd - np.max(xd, axis=axis, keepdims=True))
    out = e / np.sum(e, axis=axis, keepdims=True)
    return node(
        out,
        (x,),
        lambda g: (out * (g - np.sum(g * out, axis=axis, keepdims=True)),),
        "softmax",
        {"axis": axis},
    )
