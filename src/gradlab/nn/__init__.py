"""Building blocks of networks: `Module`, `Parameter`, layers, activations, `Sequential`, `MLP`.

The activation layers (``ReLU``, ``Sigmoid``, ``GELU``, ... one per registered activation) are
derived from their descriptions in `gradlab.engine.activations` and found here by class name.
"""

from typing import Any

from gradlab.nn import activations, functional, init
from gradlab.nn.activations import Activation
from gradlab.nn.linear import Linear
from gradlab.nn.mlp import MLP
from gradlab.nn.module import Module, Parameter, pack_parameters
from gradlab.nn.registry import LAYERS, build_layer, layer_spec, register_layer
from gradlab.nn.rng import as_generator
from gradlab.nn.sequential import Sequential

__all__ = [
    "LAYERS",
    "MLP",
    "Activation",
    "Linear",
    "Module",
    "Parameter",
    "Sequential",
    "activations",
    "as_generator",
    "build_layer",
    "functional",
    "init",
    "layer_spec",
    "pack_parameters",
    "register_layer",
]


def __getattr__(name: str) -> Any:
    # gl.nn.ReLU, gl.nn.GELU, ...: the classes derived from the registered activations.
    return getattr(activations, name)


def __dir__() -> list[str]:
    return sorted([*globals(), *(op.class_name for op in activations.ACTIVATION_OPS.values())])
