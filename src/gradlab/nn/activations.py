"""Activation modules, one per engine activation, and `get_activation`.

Each has ``.name`` (its canonical string, as accepted by `get_activation`) and
``.function(tensor)`` (the engine function it applies). Arrays and lists are turned into
tensors first.
"""

from __future__ import annotations

from typing import Any, ClassVar

from gradlab import engine
from gradlab.engine import Tensor
from gradlab.nn.module import Module
from gradlab.nn.registry import build_layer, register_layer

__all__ = [
    "ACTIVATIONS",
    "Activation",
    "Identity",
    "LeakyReLU",
    "LogSoftmax",
    "ReLU",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Step",
    "Tanh",
    "get_activation",
]


class Activation(Module):
    """Base of the parameter-free activation modules: ``forward(x) = function(x)``."""

    name: ClassVar[str] = ""

    def function(self, x: Tensor) -> Tensor:
        """Apply the activation to a tensor."""
        raise NotImplementedError(f"{type(self).__name__} must define function().")

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        return self.function(x)

    def get_config(self) -> dict[str, Any]:
        return {}


@register_layer
class Identity(Activation):
    """f(x) = x, f'(x) = 1 (a linear output). Returns its input tensor unchanged.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.Identity()(gl.Tensor([-1.0, 2.0])).data
    array([-1.,  2.])
    """

    name = "identity"

    def function(self, x: Tensor) -> Tensor:
        return x


@register_layer
class Step(Activation):
    """Heaviside step: 1 where x > 0, else 0; derivative 0 (the perceptron's activation).

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.Step()(gl.Tensor([-1.0, 0.0, 2.0])).data
    array([0., 0., 1.])
    """

    name = "step"

    def function(self, x: Tensor) -> Tensor:
        return engine.step(x)


@register_layer
class ReLU(Activation):
    """max(x, 0); derivative 1 where x > 0, else 0.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.ReLU()(gl.Tensor([-1.0, 2.0])).data
    array([0., 2.])
    """

    name = "relu"

    def function(self, x: Tensor) -> Tensor:
        return engine.relu(x)


@register_layer
class Sigmoid(Activation):
    """s(x) = 1 / (1 + e^-x); derivative s(x) (1 - s(x)).

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.Sigmoid()(gl.Tensor([0.0])).data
    array([0.5])
    """

    name = "sigmoid"

    def function(self, x: Tensor) -> Tensor:
        return engine.sigmoid(x)


@register_layer
class Tanh(Activation):
    """tanh(x); derivative 1 - tanh(x)^2.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.Tanh()(gl.Tensor([0.0])).data
    array([0.])
    """

    name = "tanh"

    def function(self, x: Tensor) -> Tensor:
        return engine.tanh(x)


@register_layer
class Softplus(Activation):
    """ln(1 + e^x); derivative sigmoid(x).

    Examples
    --------
    >>> import gradlab as gl
    >>> round(gl.nn.Softplus()(gl.Tensor(0.0)).item(), 6)
    0.693147
    """

    name = "softplus"

    def function(self, x: Tensor) -> Tensor:
        return engine.softplus(x)


@register_layer
class LeakyReLU(Activation):
    """x where x > 0, else negative_slope * x; derivative 1 or negative_slope.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.LeakyReLU(0.1)(gl.Tensor([-1.0, 2.0])).data
    array([-0.1,  2. ])
    """

    name = "leaky_relu"

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = float(negative_slope)

    def function(self, x: Tensor) -> Tensor:
        return engine.leaky_relu(x, self.negative_slope)

    def get_config(self) -> dict[str, Any]:
        return {"negative_slope": self.negative_slope}

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class _AxisActivation(Activation):
    def __init__(self, axis: int = -1) -> None:
        super().__init__()
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"axis must be an int; got {axis!r}.")
        self.axis = axis

    def get_config(self) -> dict[str, Any]:
        return {"axis": self.axis}

    def extra_repr(self) -> str:
        return f"axis={self.axis}"


@register_layer
class Softmax(_AxisActivation):
    """softmax(x)_i = e^x_i / sum_j e^x_j along ``axis``; dy_i/dx_j = y_i (delta_ij - y_j).

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.Softmax()(gl.Tensor([0.0, 0.0])).data
    array([0.5, 0.5])
    """

    name = "softmax"

    def function(self, x: Tensor) -> Tensor:
        return engine.softmax(x, self.axis)


@register_layer
class LogSoftmax(_AxisActivation):
    """log softmax(x) along ``axis``; d/dx_j of sum_i g_i y_i = g_j - softmax_j sum_i g_i.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.LogSoftmax()(gl.Tensor([0.0, 0.0])).data
    array([-0.69314718, -0.69314718])
    """

    name = "log_softmax"

    def function(self, x: Tensor) -> Tensor:
        return engine.log_softmax(x, self.axis)


#: Activation name (and alias) -> module class.
ACTIVATIONS: dict[str, type[Activation]] = {
    "identity": Identity,
    "linear": Identity,
    "step": Step,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "logistic": Sigmoid,
    "tanh": Tanh,
    "softplus": Softplus,
    "softmax": Softmax,
    "log_softmax": LogSoftmax,
}


def get_activation(activation: str | Module | dict[str, Any] | None) -> Module:
    """An activation module from its name, a module instance or a layer spec.

    Parameters
    ----------
    activation : str, Module, dict or None
        A name ("identity" (alias "linear"), "step", "relu", "leaky_relu", "sigmoid" (alias
        "logistic"), "tanh", "softplus", "softmax", "log_softmax"), case-insensitive; a Module,
        returned as is; a spec ``{"type": "LeakyReLU", "config": {"negative_slope": 0.2}}``;
        or None for the identity.

    Returns
    -------
    Module

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.get_activation("logistic")
    Sigmoid()
    """
    if activation is None:
        return Identity()
    if isinstance(activation, Module):
        return activation
    if isinstance(activation, dict):
        return build_layer(activation)
    if isinstance(activation, str):
        cls = ACTIVATIONS.get(activation.lower())
        if cls is not None:
            return cls()
    raise ValueError(
        f"unknown activation {activation!r}; use one of {sorted(ACTIVATIONS)} or a Module."
    )
