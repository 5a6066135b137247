"""`LayerPlan`: what a layer spec asks for, worked out from its config before anything is built.

A model file's architecture is planned first (`gradlab.nn.plan_layer`), so a small file cannot
make gradlab build millions of modules or allocate huge arrays. Each plan counts the modules and
parameter tensors its layer would build (templates included: an activation template copied per
hidden layer is planned once and multiplied), their elements, its nesting, and the shape and dtype
of every named parameter. Every plan is checked against the bounds below as it is summed, so
planning costs at most a bounded amount of work.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# Bounds far above any model a CPU library trains, far below what would exhaust a machine.
#: Modules one spec may build, templates included (an MLP of 5,000 hidden layers has 10,004).
MAX_MODULES = 10_000
#: Specs nested within specs (real models nest 2 or 3 deep: an MLP inside a Sequential).
MAX_DEPTH = 32
#: Parameter tensors (two per Linear layer at MAX_MODULES).
MAX_PARAMETERS = 20_000
#: Parameter elements of all tensors together (8 GB in float64).
MAX_ELEMENTS = 10**9

#: The dtypes a layer's config may name.
FLOAT_DTYPES = {name: np.dtype(name) for name in ("float16", "float32", "float64")}


#: A parameter's (shape, dtype).
Entry = tuple[tuple[int, ...], np.dtype[Any]]


class ArchitectureTooLarge(ValueError):
    """A spec asks for more than one of the bounds of `gradlab.nn.layer_plan` allows."""


@dataclass(frozen=True)
class LayerPlan:
    """What building a spec would make.

    Parameters
    ----------
    modules : int
        Modules built, the layer itself and any templates included.
    depth : int
        Levels of specs, 1 for a layer without nested specs.
    tensors, elements : int
        Parameter tensors built and their elements, templates included.
    parameters : dict or None
        Dotted name -> (shape, dtype) of each parameter of the built module tree, as in
        ``named_parameters()``; None when a layer without a plan (a custom layer) is inside.
    """

    modules: int = 1
    depth: int = 1
    tensors: int = 0
    elements: int = 0
    parameters: dict[str, Entry] | None = field(default_factory=dict)

    def __post_init__(self) -> None:
        check_bounds(self.modules, self.tensors, self.elements)


def check_bounds(modules: int, tensors: int, elements: int) -> None:
    """Raise `ArchitectureTooLarge` naming the first bound that the counts exceed."""
    for count, bound, what, name in (
        (modules, MAX_MODULES, "modules", "MAX_MODULES"),
        (tensors, MAX_PARAMETERS, "parameter tensors", "MAX_PARAMETERS"),
        (elements, MAX_ELEMENTS, "parameter elements", "MAX_ELEMENTS"),
    ):
        if count > bound:
            raise ArchitectureTooLarge(
                f"its architecture asks for {_amount(count)} {what}, more than the {bound:,} "
                f"a model may have (gradlab.nn.layer_plan.{name}); it was made to exhaust "
                "memory or time, or is corrupt."
            )


def check_depth(depth: int) -> None:
    """Raise `ArchitectureTooLarge` when specs nest deeper than `MAX_DEPTH`."""
    if depth > MAX_DEPTH:
        raise ArchitectureTooLarge(
            f"its architecture is nested too deeply to be a real model (more than {MAX_DEPTH} "
            "levels of layers within layers, gradlab.nn.layer_plan.MAX_DEPTH)."
        )


def _amount(count: int) -> str:
    return f"{count:,}" if count < 10**30 else f"about 10^{len(str(count)) - 1}"


def combine(
    children: Iterable[tuple[str, LayerPlan]], templates: Iterable[LayerPlan] = ()
) -> LayerPlan:
    """The plan of a container: itself, its ``(name, plan)`` children and the ``templates``
    it builds but does not hold. A template copied into many children is one plan object
    counted once per child; the bounds are checked after each child, before any name is
    listed, so planning stops at the first child beyond them."""
    modules, tensors, elements, depth = 1, 0, 0, 1
    held = []
    for name, plan in itertools.chain((("", t) for t in templates), children):
        modules += plan.modules
        tensors += plan.tensors
        elements += plan.elements
        depth = max(depth, plan.depth + 1)
        check_bounds(modules, tensors, elements)
        if name:
            held.append((name, plan))
    parameters: dict[str, Entry] | None = {}
    for name, plan in held:
        if plan.parameters is None or parameters is None:
            parameters = None
            continue
        for key, value in plan.parameters.items():
            parameters[f"{name}.{key}"] = value
    return LayerPlan(modules, depth, tensors, elements, parameters)


def leaf(parameters: dict[str, Entry]) -> LayerPlan:
    """The plan of a layer without children holding ``parameters``."""
    elements = sum(math.prod(shape) for shape, _ in parameters.values())
    return LayerPlan(1, 1, len(parameters), elements, parameters)


@functools.cache
def _signature(cls: type) -> inspect.Signature:
    return inspect.signature(cls)


def bind_config(cls: type, config: dict[str, Any]) -> dict[str, Any]:
    """The constructor arguments of ``cls`` that ``config`` gives, defaults filled in
    (TypeError for an unknown or missing argument, as the constructor would raise)."""
    bound = _signature(cls).bind(**config)
    bound.apply_defaults()
    return bound.arguments


def float_dtype(value: Any) -> np.dtype[Any]:
    """The dtype a config names: "float16", "float32", "float64", or None for float64 (or
    a constructor's default, such as ``np.float64``)."""
    if value is None:
        return FLOAT_DTYPES["float64"]
    if isinstance(value, type | np.dtype) and np.dtype(value) in FLOAT_DTYPES.values():
        return np.dtype(value)
    if not isinstance(value, str) or value not in FLOAT_DTYPES:
        raise TypeError(f"dtype must be one of {', '.join(FLOAT_DTYPES)}; got {value!r:.100}.")
    return FLOAT_DTYPES[value]


def flag(value: Any, name: str) -> bool:
    """A config's true/false value (0 and 1 accepted, as Python accepts them)."""
    if not isinstance(value, bool | int) or value not in (0, 1):
        raise TypeError(f"{name} must be true or false; got {value!r:.100}.")
    return bool(value)
