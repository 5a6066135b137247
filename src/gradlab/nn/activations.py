"""Activation layers: one `Activation` class per registered activation, derived, not typed.

Every `gradlab.engine.ActivationOp` gets a layer class named by its ``class_name``
(``gl.nn.ReLU``, ``gl.nn.GELU``, ...), registered in `gradlab.nn.LAYERS` so that model files
rebuild it. Its docstring, constructor parameters, ``name`` and ``function`` come from the op's
description; registering an activation (``gl.register_activation``) is all it takes to add one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from gradlab.engine import Tensor
from gradlab.engine.activation_op import ACTIVATION_OPS, ActivationOp
from gradlab.engine.activations import IDENTITY, bind_params, engine_function
from gradlab.nn.layer_plan import LayerPlan
from gradlab.nn.module import Module, Shape
from gradlab.nn.registry import build_layer, plan_layer, register_layer

__all__ = ["Activation", "get", "layer_class", "names", "plan"]


class Activation(Module):
    """Base of the parameter-free activation layers: ``forward(x) = function(x)``.

    A class made from a description has ``op`` (its `ActivationOp`); a hand-written subclass
    defines ``name`` and ``function`` itself.
    """

    name: ClassVar[str] = ""
    op: ClassVar[ActivationOp | None] = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        if self.op is None:
            if args or kwargs:
                raise TypeError(f"{type(self).__name__} takes no parameters.")
            return
        for key, value in bind_params(self.op, args, kwargs).items():
            setattr(self, key, value)

    @classmethod
    def plan_config(cls, config: dict[str, Any], depth: int = 1) -> LayerPlan:
        """What ``cls(**config)`` would build: one module without parameters, once the
        parameters are checked as the constructor checks them."""
        if cls.op is None:
            if config:
                raise TypeError(f"{cls.__name__} takes no parameters.")
        else:
            bind_params(cls.op, (), config)
        return LayerPlan()

    def params(self) -> dict[str, Any]:
        """The op's parameters as this layer holds them (``{"negative_slope": 0.01}``)."""
        return {} if self.op is None else {k: getattr(self, k) for k in self.op.params}

    def function(self, x: Tensor) -> Tensor:
        """Apply the activation to a tensor (each derived class has its op's own)."""
        raise NotImplementedError(f"{type(self).__name__} must define function().")

    def forward(self, x: Any) -> Tensor:
        if not isinstance(x, Tensor):
            x = Tensor(x)
        return self.function(x)

    def output_shape(self, input_shape: Shape | None) -> Shape | None:
        """An activation keeps the shape of its input."""
        return input_shape

    def get_config(self) -> dict[str, Any]:
        return self.params()

    def extra_repr(self) -> str:
        return ", ".join(f"{k}={v}" for k, v in self.params().items())


def _docstring(op: ActivationOp) -> str:
    params = "".join(f"\n{k} : {type(v).__name__}, default {v}" for k, v in op.params.items())
    section = f"\n\nParameters\n----------{params}" if params else ""
    return (
        f"{op.class_name} activation: a = {op.formula}.\n\n"
        f"Its derivative: da/dz = {op.derivative_formula}.{section}\n\n"
        f'Named "{op.name}"' + "".join(f', alias "{a}"' for a in op.aliases) + "."
    )


def _function(op: ActivationOp) -> Callable[[Activation, Tensor], Tensor]:
    """The layer's ``function`` method: the engine function, with the layer's parameters."""
    apply = engine_function(op)
    if op is IDENTITY:
        return lambda self, x: x
    if op.params:
        return lambda self, x: apply(x, **self.params())
    return lambda self, x: apply(x)


@functools.cache
def layer_class(op: ActivationOp) -> type[Activation]:
    """The layer class of an activation op (made once, then the same class every time).

    Examples
    --------
    >>> import gradlab as gl
    >>> from gradlab.engine.activations import GELU
    >>> layer_class(GELU) is gl.nn.GELU
    True
    """
    namespace = {
        "op": op,
        "name": op.name,
        "function": _function(op),
        "__doc__": _docstring(op),
        "__module__": __name__,
    }
    cls = type(op.class_name, (Activation,), namespace)
    cls.__qualname__ = op.class_name
    return cls


ACTIVATION_OPS.subscribe(lambda op: register_layer(layer_class(op)))


def __getattr__(name: str) -> type[Activation]:
    # The layer classes are derived from the registry, so they are found there by class name.
    for op in ACTIVATION_OPS.values():
        if op.class_name == name:
            return layer_class(op)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(activation: str | Module | dict[str, Any] | None) -> Module:
    """An activation layer from its name, a module instance or a layer spec.

    Parameters
    ----------
    activation : str, Module, dict or None
        A registered activation's name or alias (``gl.nn.activations.names()``),
        case-insensitive; a Module, returned as is; a spec
        ``{"type": "LeakyReLU", "config": {"negative_slope": 0.2}}``; or None for the identity.

    Returns
    -------
    Module

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.activations.get("logistic")
    Sigmoid()
    """
    if activation is None:
        return layer_class(IDENTITY)()
    if isinstance(activation, Module):
        return activation
    if isinstance(activation, dict):
        return build_layer(activation)
    if isinstance(activation, str):
        return layer_class(ACTIVATION_OPS.get(activation))()
    raise ValueError(
        f"unknown activation {activation!r:.100}; use one of: {ACTIVATION_OPS.describe()}, "
        "or a Module."
    )


def plan(activation: Any, depth: int = 1) -> LayerPlan:
    """What `get` would build from a name, a layer spec or None, without building it."""
    if activation is None:
        return LayerPlan()
    if isinstance(activation, dict):
        return plan_layer(activation, depth)
    if isinstance(activation, str):
        ACTIVATION_OPS.get(activation)
        return LayerPlan()
    raise ValueError(
        f"unknown activation {activation!r:.100}; use one of: {ACTIVATION_OPS.describe()}, "
        "or a layer spec."
    )


def names(hidden: bool = False, aliases: bool = False) -> list[str]:
    """The registered activations' names (with their aliases if ``aliases``);
    ``hidden=True``: only those whose gradient is useful in a hidden layer.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.activations.names(hidden=True)[:3]
    ['identity', 'relu', 'leaky_relu']
    """
    ops = [op for op in ACTIVATION_OPS.values() if op.hidden or not hidden]
    return [n for op in ops for n in (op.name, *(op.aliases if aliases else ()))]
