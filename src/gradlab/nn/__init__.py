"""Building blocks of networks: `Module`, `Parameter`, layers, activations, `Sequential`, `MLP`."""

from gradlab.nn import functional, init
from gradlab.nn.activations import (
    ACTIVATIONS,
    Activation,
    Identity,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    Sigmoid,
    Softmax,
    Softplus,
    Step,
    Tanh,
    get_activation,
)
from gradlab.nn.linear import Linear
from gradlab.nn.mlp import MLP
from gradlab.nn.module import Module, Parameter
from gradlab.nn.registry import LAYERS, build_layer, layer_spec, register_layer
from gradlab.nn.rng import as_generator
from gradlab.nn.sequential import Sequential

__all__ = [
    "ACTIVATIONS",
    "LAYERS",
    "MLP",
    "Activation",
    "Identity",
    "LeakyReLU",
    "Linear",
    "LogSoftmax",
    "Module",
    "Parameter",
    "ReLU",
    "Sequential",
    "Sigmoid",
    "Softmax",
    "Softplus",
    "Step",
    "Tanh",
    "as_generator",
    "build_layer",
    "functional",
    "get_activation",
    "init",
    "layer_spec",
    "register_layer",
]
