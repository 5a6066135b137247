"""Building blocks of networks: `Module`, `Parameter`, layers, activations, `Sequential`, `MLP`."""

from gradlab.nn.module import Module, Parameter

__all__ = ["Module", "Parameter"]
