"""Recognising a layered network: a `Sequential` of `Linear` layers, each with an optional
activation after it. Such networks are explained neuron by neuron; anything else as a graph."""

from __future__ import annotations

from dataclasses import dataclass

from gradlab.nn.activations import Activation
from gradlab.nn.linear import Linear
from gradlab.nn.module import Module
from gradlab.nn.sequential import Sequential


@dataclass(frozen=True)
class DenseLayer:
    """One `Linear` layer and the activation that follows it (None: a = z).

    Attributes
    ----------
    key : str
        The Linear's name inside the model ("0", "2", ...; "" for a bare Linear), the prefix
        of its parameters' dotted names.
    number : int
        1 for the first Linear layer, 2 for the second, ...
    """

    key: str
    number: int
    linear: Linear
    activation: Activation | None

    @property
    def prefix(self) -> str:
        """``"0."`` for key "0", ``""`` for a bare Linear: the start of its parameter names."""
        return f"{self.key}." if self.key else ""

    @property
    def activation_name(self) -> str:
        return "identity" if self.activation is None else self.activation.name

    @property
    def elementwise(self) -> bool:
        """True when a_j depends on z_j alone (its description says so)."""
        op = None if self.activation is None else self.activation.op
        return self.activation is None or (op is not None and op.elementwise)


def dense_layers(model: object) -> list[DenseLayer] | None:
    """The layers of ``model`` when it is a bare `Linear` or a `Sequential` of Linear layers each
    followed by at most one activation module; None for any other model."""
    if isinstance(model, Linear):
        return [DenseLayer("", 1, model, None)]
    if not isinstance(model, Sequential):
        return None
    layers: list[DenseLayer] = []
    pending: tuple[str, Linear] | None = None
    for key, child in model.named_children():
        if isinstance(child, Linear):
            if pending is not None:
                layers.append(DenseLayer(pending[0], len(layers) + 1, pending[1], None))
            pending = (key, child)
        elif isinstance(child, Activation) and pending is not None:
            layers.append(DenseLayer(pending[0], len(layers) + 1, pending[1], child))
            pending = None
        else:
            return None
    if pending is not None:
        layers.append(DenseLayer(pending[0], len(layers) + 1, pending[1], None))
    return layers or None


def is_module(model: object) -> bool:
    """True for a gradlab `Module`."""
    return isinstance(model, Module)
