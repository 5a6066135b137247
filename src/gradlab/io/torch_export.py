"""`to_torch`: a gradlab network as the equivalent `torch.nn.Module`, weights transposed.

PyTorch is imported only here, when a model is converted; it is never a dependency of gradlab
(``pip install torch==2.13.0``, the version the tests use as their oracle).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine import activations as ops
from gradlab.engine.activation_op import ActivationOp
from gradlab.io.export_layers import activation_op, model_dtype, refuse
from gradlab.nn.linear import Linear
from gradlab.nn.module import Module
from gradlab.nn.sequential import Sequential

#: Above this input torch's Softplus returns z itself; at 40, ln(1 + e^-z) < 5e-18 is below the
#: rounding of z in float32 and float64 alike (torch's default of 20 is not, in float64), and
#: e^40 overflows neither.
SOFTPLUS_THRESHOLD = 40.0


def _torch() -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            "converting a model to PyTorch needs PyTorch: pip install torch==2.13.0"
        ) from None
    return torch


def _activations(nn: Any) -> dict[ActivationOp, Callable[[dict[str, Any]], Any]]:
    """Each gradlab activation with a PyTorch counterpart, made from the layer's parameters."""
    return {
        ops.IDENTITY: lambda p: nn.Identity(),
        ops.RELU: lambda p: nn.ReLU(),
        ops.LEAKY_RELU: lambda p: nn.LeakyReLU(negative_slope=p["negative_slope"]),
        ops.SIGMOID: lambda p: nn.Sigmoid(),
        ops.TANH: lambda p: nn.Tanh(),
        ops.SOFTPLUS: lambda p: nn.Softplus(beta=1.0, threshold=SOFTPLUS_THRESHOLD),
        ops.GELU: lambda p: nn.GELU(approximate="none"),
        ops.SILU: lambda p: nn.SiLU(),
        ops.ELU: lambda p: nn.ELU(alpha=p["alpha"]),
        ops.SOFTMAX: lambda p: nn.Softmax(dim=p["axis"]),
        ops.LOG_SOFTMAX: lambda p: nn.LogSoftmax(dim=p["axis"]),
    }


def to_torch(model: Module) -> Any:
    """The PyTorch module that computes what ``model`` computes, with copies of its weights.

    A `Sequential` (an `MLP` included) becomes a ``torch.nn.Sequential`` with the same children,
    nested alike, so ``state_dict()`` keys match gradlab's ``named_parameters()`` names. A
    `Linear` becomes a ``torch.nn.Linear`` whose weight is gradlab's transposed: gradlab stores
    W of shape (in_features, out_features) and computes x @ W + b, PyTorch stores W^T of shape
    (out_features, in_features) and computes x W^T + b. Each activation becomes its PyTorch
    counterpart with its parameters: ReLU, LeakyReLU(negative_slope), Sigmoid, Tanh, Softplus,
    GELU(approximate="none"), SiLU, ELU(alpha), Softmax(dim=axis), LogSoftmax(dim=axis),
    Identity. Softplus gets ``threshold=40`` rather than PyTorch's 20, above which it returns z
    itself, so that its float64 values are gradlab's to rounding. The dtype is kept (float32
    stays float32). A parameter shared between layers stays shared.

    Parameters
    ----------
    model : Module
        A `Linear`, an activation layer, or a `Sequential`/`MLP` of them (nested or not).

    Returns
    -------
    torch.nn.Module
        Its parameters are new tensors: training one model leaves the other as it was.

    Raises
    ------
    ValueError
        For a layer PyTorch has no counterpart of (the "step" activation, a custom layer or
        activation), naming it, or a model whose parameters mix dtypes.
    ImportError
        When PyTorch is not installed.

    Examples
    --------
    >>> import numpy as np, torch
    >>> import gradlab as gl
    >>> model = gl.nn.MLP(3, [4], 2, activation="tanh", rng=0)
    >>> net = gl.io.to_torch(model)
    >>> net
    Sequential(
      (0): Linear(in_features=3, out_features=4, bias=True)
      (1): Tanh()
      (2): Linear(in_features=4, out_features=2, bias=True)
      (3): Identity()
    )
    >>> x = np.random.default_rng(0).standard_normal((5, 3))
    >>> bool(np.allclose(net(torch.from_numpy(x)).detach().numpy(), model(x).data))
    True
    """
    if not isinstance(model, Module):
        raise TypeError(f"to_torch() takes a gradlab Module; got {type(model).__name__}.")
    torch = _torch()
    model_dtype("to_torch", model)
    return _Converter(torch, _activations(torch.nn)).convert(model, "")


class _Converter:
    """One conversion: the torch tensor made for each gradlab parameter, so ties survive."""

    def __init__(self, torch: Any, table: dict[ActivationOp, Callable[[dict[str, Any]], Any]]):
        self.torch = torch
        self.table = table
        self.made: dict[tuple[int, bool], Any] = {}

    def convert(self, module: Module, name: str) -> Any:
        if isinstance(module, Sequential):
            children = module.named_children()
            return self.torch.nn.Sequential(
                *(self.convert(child, f"{name}{key}.") for key, child in children)
            )
        if isinstance(module, Linear):
            return self.linear(module)
        op = activation_op(module)
        if op is None or op not in self.table:
            raise refuse("to_torch", module, name.rstrip("."), "PyTorch", self.supported())
        return self.table[op](module.params())  # type: ignore[attr-defined]

    def linear(self, layer: Linear) -> Any:
        dtype = getattr(self.torch, str(layer.weight.dtype))
        out = self.torch.nn.Linear(
            layer.in_features, layer.out_features, bias=layer.bias is not None, dtype=dtype
        )
        out.weight = self.parameter(layer.weight, transpose=True)
        if layer.bias is not None:
            out.bias = self.parameter(layer.bias, transpose=False)
        return out

    def parameter(self, parameter: Any, transpose: bool) -> Any:
        key = (id(parameter), transpose)
        if key not in self.made:
            data = parameter.data.T if transpose else parameter.data
            self.made[key] = self.torch.nn.Parameter(
                self.torch.from_numpy(np.array(data, copy=True, order="C"))
            )
        return self.made[key]

    def supported(self) -> list[str]:
        return [op.name for op in self.table]
