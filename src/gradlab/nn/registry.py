"""The allow-list of layer classes from which saved models are rebuilt (`LAYERS`).

A layer is described by a JSON-able *spec*, ``{"type": "Linear", "config": {...}}``, where
``type`` is a name in `LAYERS` and ``config`` the keyword arguments of its constructor
(``module.get_config()``). Only registered classes are ever built from a spec, so a model file
cannot make gradlab construct arbitrary objects.
"""

from __future__ import annotations

from typing import Any, TypeVar

from gradlab.nn.layer_plan import ArchitectureTooLarge, LayerPlan, check_depth
from gradlab.nn.module import Module

M = TypeVar("M", bound=type[Module])

#: Layer name -> class. Extend it with `register_layer`.
LAYERS: dict[str, type[Module]] = {}


def register_layer(cls: M) -> M:
    """Class decorator adding ``cls`` to `LAYERS` under its class name.

    The class must define ``get_config()`` returning JSON-able keyword arguments of its
    constructor.

    Examples
    --------
    >>> import gradlab as gl
    >>> @gl.nn.register_layer
    ... class Double(gl.nn.Module):
    ...     def forward(self, x):
    ...         return x * 2
    ...     def get_config(self):
    ...         return {}
    >>> gl.nn.LAYERS["Double"] is Double
    True
    """
    existing = LAYERS.get(cls.__name__)
    if existing is not None and existing is not cls:
        raise ValueError(
            f"a different layer class is already registered as {cls.__name__!r} "
            f"({existing.__module__}.{existing.__qualname__}); rename your class."
        )
    LAYERS[cls.__name__] = cls
    return cls


def layer_spec(module: Module) -> dict[str, Any]:
    """The spec ``{"type": name, "config": module.get_config()}`` of a registered layer.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.layer_spec(gl.nn.ReLU())
    {'type': 'ReLU', 'config': {}}
    """
    name = type(module).__name__
    if LAYERS.get(name) is not type(module):
        raise TypeError(
            f"{name} is not a registered gradlab layer, so it cannot be described or saved; "
            "decorate the class with @gradlab.nn.register_layer and give it get_config()."
        )
    return {"type": name, "config": module.get_config()}


def _checked_spec(spec: Any) -> tuple[str, type[Module], dict[str, Any]]:
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ValueError(
            f"a layer spec is a dict {{'type': name, 'config': {{...}}}}; got {spec!r:.200}."
        )
    name = spec["type"]
    cls = LAYERS.get(name)
    if cls is None:
        raise ValueError(
            f"unknown layer {name!r:.100}: it is not in gradlab.nn.LAYERS "
            f"({', '.join(sorted(LAYERS))}); register custom layers with "
            "@gradlab.nn.register_layer before loading."
        )
    config = spec.get("config", {})
    if not isinstance(config, dict) or not all(isinstance(k, str) for k in config):
        raise ValueError(f"the config of layer {name!r} is not a dict of keyword arguments.")
    return name, cls, config


def plan_layer(spec: Any, depth: int = 1) -> LayerPlan:
    """What building ``spec`` would make, worked out from its config without building it.

    A class that defines ``plan_config(config, depth)`` plans itself (the layers of gradlab do);
    any other registered layer counts as one module whose parameters are unknown.

    Parameters
    ----------
    spec : dict
        ``{"type": name, "config": {...}}``.
    depth : int, default 1
        The nesting level of ``spec`` (for the bound on nesting).

    Raises
    ------
    ValueError
        As `build_layer` would, and `gradlab.nn.layer_plan.ArchitectureTooLarge` (a ValueError)
        when the spec asks for more modules, parameters, elements or nesting than the bounds of
        `gradlab.nn.layer_plan` allow.

    Examples
    --------
    >>> plan = plan_layer({"type": "MLP", "config": {"n_inputs": 2, "hidden_sizes": [3],
    ...                                                    "n_outputs": 1}})
    >>> plan.modules, plan.parameters["2.weight"][0]
    (7, (3, 1))
    """
    check_depth(depth)
    name, cls, config = _checked_spec(spec)
    planner = getattr(cls, "plan_config", None)
    if planner is None:
        return LayerPlan(parameters=None)
    try:
        plan: LayerPlan = planner(config, depth)
    except ArchitectureTooLarge:
        raise
    except (TypeError, ValueError, OverflowError) as error:
        raise ValueError(f"cannot build layer {name!r} from its config: {error}") from None
    return plan


def build_layer(spec: Any) -> Module:
    """Build the layer that a spec describes, accepting only classes in `LAYERS`.

    Raises
    ------
    ValueError
        For a malformed spec, an unknown layer name or a config its class rejects.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.nn.build_layer({"type": "Linear", "config": {"in_features": 2, "out_features": 1}})
    Linear(in_features=2, out_features=1, bias=True)
    """
    name, cls, config = _checked_spec(spec)
    try:
        return cls(**config)
    except (TypeError, ValueError, OverflowError, MemoryError) as error:
        raise ValueError(f"cannot build layer {name!r} from its config: {error}") from None
