"""`MLP`: the multilayer perceptron, a `Sequential` of Linear and activation layers."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from numpy.typing import DTypeLike

from gradlab.nn import activations
from gradlab.nn.init import Initializer
from gradlab.nn.layer_plan import LayerPlan, bind_config, check_bounds, combine
from gradlab.nn.linear import Linear
from gradlab.nn.module import Module, pack_parameters
from gradlab.nn.registry import build_layer, layer_spec, register_layer
from gradlab.nn.rng import RandomState, as_generator, check_seed
from gradlab.nn.sequential import Sequential

ActivationSpec = str | Module | dict[str, Any] | None


@register_layer
class MLP(Sequential):
    """A fully connected network: Linear, activation, Linear, activation, ..., Linear, output
    activation.

    The generic form of ``MyNeuralNetwork(2, [2], 2)`` from the Perceptron and generic MLP worked
    example: ``MLP(2, [2], 2)`` is ``Sequential(Linear(2, 2), Sigmoid(), Linear(2, 2),
    Identity())`` with parameters
    "0.weight" (2, 2), "0.bias" (2,), "2.weight" (2, 2), "2.bias" (2,).

    Parameters
    ----------
    n_inputs : int
        Features per sample.
    hidden_sizes : sequence of int (or one int)
        Neurons of each hidden layer; empty for a single Linear layer.
    n_outputs : int
        Neurons of the output layer.
    activation : str, Module, dict or None, default "sigmoid"
        Activation of the hidden layers (see `gradlab.nn.activations.get`); a Module instance
        is used as the template and each hidden layer gets its own copy from its config.
    output_activation : str, Module, dict or None, default "identity"
        Activation after the last Linear layer.
    bias, init, bias_init, dtype
        Passed to every `Linear` layer.
    rng : None, int or numpy.random.Generator
        One generator initialises all layers, first to last.

    Examples
    --------
    >>> import gradlab as gl
    >>> model = gl.nn.MLP(2, [2], 2, rng=0)
    >>> [name for name, _ in model.named_parameters()]
    ['0.weight', '0.bias', '2.weight', '2.bias']
    >>> model([[1.0, 2.0], [3.0, 4.0]]).shape
    (2, 2)
    """

    activation: Module
    output_activation: Module

    def __init__(
        self,
        n_inputs: int,
        hidden_sizes: Sequence[int] | int,
        n_outputs: int,
        activation: ActivationSpec = "sigmoid",
        output_activation: ActivationSpec = "identity",
        bias: bool = True,
        init: str | Initializer | None = "glorot_uniform",
        bias_init: str | Initializer | None = "zeros",
        rng: RandomState = None,
        dtype: DTypeLike = np.float64,
    ) -> None:
        super().__init__()
        if isinstance(hidden_sizes, int | np.integer):
            hidden_sizes = [int(hidden_sizes)]
        sizes = [n_inputs, *hidden_sizes, n_outputs]
        hidden = activations.get(activation)
        output = activations.get(output_activation)
        generator = as_generator(rng)
        for i in range(len(sizes) - 1):
            self.append(
                Linear(sizes[i], sizes[i + 1], bias, init, bias_init, rng=generator, dtype=dtype)
            )
            self.append(_copy(hidden if i < len(sizes) - 2 else output))
        self.n_inputs = int(n_inputs)
        self.hidden_sizes = [int(n) for n in hidden_sizes]
        self.n_outputs = int(n_outputs)
        # Templates, not children: plain attributes keep them out of the module tree.
        object.__setattr__(self, "activation", hidden)
        object.__setattr__(self, "output_activation", output)
        self.bias = bias
        self.init = init
        self.bias_init = bias_init
        pack_parameters(self)

    @classmethod
    def plan_config(cls, config: dict[str, Any], depth: int = 1) -> LayerPlan:
        """What ``MLP(**config)`` would build (see `gradlab.nn.plan_layer`): the hidden
        activation template is planned once and counted once per hidden layer."""
        args = bind_config(cls, config)
        hidden = args["hidden_sizes"]
        if isinstance(hidden, int) and not isinstance(hidden, bool):
            hidden = [hidden]
        if not isinstance(hidden, list | tuple):
            raise TypeError(
                f"hidden_sizes must be a list of positive integers; got {hidden!r:.100}."
            )
        # Two modules per layer at least: refuse a list of a million sizes before reading it.
        check_bounds(1 + 2 * (len(hidden) + 1), 0, 0)
        template = activations.plan(args["activation"], depth + 1)
        output = activations.plan(args["output_activation"], depth + 1)
        sizes = [args["n_inputs"], *hidden, args["n_outputs"]]
        check_seed(args["rng"])
        shared = {key: args[key] for key in ("bias", "init", "bias_init", "dtype")}

        def children() -> Iterator[tuple[str, LayerPlan]]:
            for i in range(len(sizes) - 1):
                layer = {"in_features": sizes[i], "out_features": sizes[i + 1], **shared}
                yield str(2 * i), Linear.plan_config(layer)
                yield str(2 * i + 1), template if i < len(sizes) - 2 else output

        return combine(children(), templates=(template, output))

    def get_config(self) -> dict[str, Any]:
        """The constructor's arguments; activations are stored as names or layer specs."""
        first = self[0]
        return {
            "n_inputs": self.n_inputs,
            "hidden_sizes": list(self.hidden_sizes),
            "n_outputs": self.n_outputs,
            "activation": _spec(self.activation),
            "output_activation": _spec(self.output_activation),
            "bias": self.bias,
            "init": self.init if isinstance(self.init, str) else None,
            "bias_init": self.bias_init if isinstance(self.bias_init, str) else None,
            "dtype": str(first.weight.dtype) if isinstance(first, Linear) else "float64",
        }


def _copy(module: Module) -> Module:
    """A fresh instance of a registered activation (so no module appears twice)."""
    try:
        return build_layer(layer_spec(module))
    except TypeError:  # unregistered: share the instance, as the user built it
        return module


def _spec(module: Module) -> str | dict[str, Any]:
    """The activation's name when that name alone rebuilds it, else its full layer spec."""
    spec = layer_spec(module)
    name = getattr(module, "name", None)
    if not spec["config"] and isinstance(name, str) and name:
        try:
            # The class, not an instance: describing a model builds nothing.
            if activations.layer_class(activations.ACTIVATION_OPS.get(name)) is type(module):
                return name
        except ValueError:
            pass
    return spec
