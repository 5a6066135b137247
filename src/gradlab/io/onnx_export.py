"""`export_onnx`: a gradlab network written as an ONNX graph, built node by node from its layers.

The `onnx` package is imported only here, when a model is exported
(``pip install "gradlab[onnx]"``, which also installs onnxruntime to run the file).
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from gradlab.engine import activations as ops
from gradlab.engine.activation_op import ActivationOp
from gradlab.io.atomic import write_atomic
from gradlab.io.export_layers import activation_op, model_dtype, refuse
from gradlab.nn.linear import Linear
from gradlab.nn.module import Module
from gradlab.nn.sequential import Sequential

PathLike = str | os.PathLike[str]

#: The default opset: the first with a Gelu operator.
DEFAULT_OPSET = 20
#: The oldest opset written: Softmax and LogSoftmax act on one axis from opset 13 on.
MIN_OPSET = 13


def _onnx() -> Any:
    try:
        import onnx
    except ImportError:
        raise ImportError(
            'exporting a model to ONNX needs the onnx package: pip install "gradlab[onnx]"'
        ) from None
    return onnx


class _Graph:
    """The nodes and initialisers of the graph being built, with a fresh name for each value."""

    def __init__(self, onnx: Any, dtype: np.dtype[Any], opset: int) -> None:
        self.helper = onnx.helper
        self.numpy_helper = onnx.numpy_helper
        self.dtype = dtype
        self.elem_type = onnx.helper.np_dtype_to_tensor_dtype(dtype)
        self.opset = opset
        self.nodes: list[Any] = []
        self.initializers: list[Any] = []
        self.stored: dict[int, str] = {}
        self.count = 0

    def node(self, op_type: str, *inputs: str, **attributes: Any) -> str:
        """Append an ``op_type`` node of ``inputs``; return the name of its output."""
        self.count += 1
        output = f"{op_type.lower()}_{self.count}"
        self.nodes.append(self.helper.make_node(op_type, list(inputs), [output], **attributes))
        return output

    def constant(self, value: Any, name: str | None = None) -> str:
        """Add ``value`` (in the graph's dtype) as an initialiser; return its name, ``name``
        or a fresh one."""
        if name is None:
            self.count += 1
            name = f"constant_{self.count}"
        array = np.array(value, dtype=self.dtype, copy=True)
        self.initializers.append(self.numpy_helper.from_array(array, name))
        return name

    def parameter(self, parameter: Any, name: str) -> str:
        """A layer's parameter as an initialiser named ``name``, stored once if shared."""
        key = id(parameter)
        if key not in self.stored:
            self.stored[key] = self.constant(parameter.data, name)
        return self.stored[key]


def _gelu(g: _Graph, x: str, p: dict[str, Any]) -> str:
    if g.opset >= 20:
        return g.node("Gelu", x, approximate="none")
    # z·(1 + erf(z/√2))/2, the definition of opset 20's Gelu
    scaled = g.node("Mul", x, g.constant(1 / math.sqrt(2)))
    one_plus = g.node("Add", g.node("Erf", scaled), g.constant(1.0))
    return g.node("Mul", g.node("Mul", x, one_plus), g.constant(0.5))


#: Each activation's nodes: ``build(graph, input, params) -> output``.
_ACTIVATIONS: dict[ActivationOp, Callable[[_Graph, str, dict[str, Any]], str]] = {
    ops.IDENTITY: lambda g, x, p: g.node("Identity", x),
    ops.STEP: lambda g, x, p: g.node("Cast", g.node("Greater", x, g.constant(0.0)), to=g.elem_type),
    ops.RELU: lambda g, x, p: g.node("Relu", x),
    ops.LEAKY_RELU: lambda g, x, p: g.node("LeakyRelu", x, alpha=p["negative_slope"]),
    ops.SIGMOID: lambda g, x, p: g.node("Sigmoid", x),
    ops.TANH: lambda g, x, p: g.node("Tanh", x),
    ops.SOFTPLUS: lambda g, x, p: g.node("Softplus", x),
    ops.GELU: _gelu,
    ops.SILU: lambda g, x, p: g.node("Mul", x, g.node("Sigmoid", x)),
    ops.ELU: lambda g, x, p: g.node("Elu", x, alpha=p["alpha"]),
    ops.SOFTMAX: lambda g, x, p: g.node("Softmax", x, axis=p["axis"]),
    ops.LOG_SOFTMAX: lambda g, x, p: g.node("LogSoftmax", x, axis=p["axis"]),
}


def export_onnx(model: Module, path: PathLike, opset: int = DEFAULT_OPSET) -> None:
    """Write ``model`` to ``path`` as an ONNX graph, atomically.

    The graph has one input, "input", of shape (batch, in_features) with a dynamic batch size,
    and one output, "output", both in the model's dtype (float64 for a model without
    parameters). A `Linear` layer is ``MatMul`` then ``Add`` with its weight and bias as
    initialisers named as in ``named_parameters()`` (gradlab's layout is already x @ W, so no
    transpose is written). The activations are ``Relu``, ``Sigmoid``, ``Tanh``,
    ``LeakyRelu(alpha=negative_slope)``, ``Softplus``, ``Elu(alpha)``, ``Gelu`` (from opset
    20; for older opsets its definition z·(1 + erf(z/√2))/2), ``Softmax(axis)``,
    ``LogSoftmax(axis)``, ``Identity``, SiLU as ``Mul(z, Sigmoid(z))`` and step as
    ``Cast(Greater(z, 0))``. The graph is checked with ``onnx.checker`` before it is written to
    a temporary file in the same folder and renamed over ``path``.

    onnxruntime (1.32, CPU) has no float64 kernel for ``LeakyRelu``, ``Softplus``, ``Elu``,
    ``Gelu`` and ``Erf``: a float64 model with those activations is valid ONNX but onnxruntime
    refuses to load it; ``astype("float32")`` the model first, or run it with another runtime
    (e.g. ``onnx.reference``). Every other activation runs in float32 and float64. ONNX
    stores the ``alpha`` of LeakyRelu and Elu as a float32 attribute, so in a float64 graph a
    slope such as 0.01 is 0.01 rounded to float32 (a relative difference of 2e-8 on z < 0).

    Parameters
    ----------
    model : Module
        A `Linear`, an activation layer, or a `Sequential`/`MLP` of them (nested or not).
    path : str or os.PathLike
        Destination, conventionally ending in ".onnx"; its folder must exist.
    opset : int, default 20
        The ONNX opset to target, from 13 to the newest the installed onnx knows.

    Raises
    ------
    ValueError
        For a layer ONNX has no operator for (a custom layer or activation), naming it, a model
        whose parameters mix dtypes, or an opset out of range. Nothing is written then.
    ImportError
        When the onnx package is not installed.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np, onnxruntime
    >>> import gradlab as gl
    >>> model = gl.nn.MLP(3, [4], 2, activation="relu", output_activation="softmax", rng=0)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    >>> gl.io.export_onnx(model, path)
    >>> session = onnxruntime.InferenceSession(path, providers=["CPUExecutionProvider"])
    >>> x = np.random.default_rng(0).standard_normal((5, 3))
    >>> (out,) = session.run(None, {"input": x})
    >>> out.shape, bool(np.allclose(out, model(x).data))
    ((5, 2), True)
    """
    if not isinstance(model, Module):
        raise TypeError(f"export_onnx() takes a gradlab Module; got {type(model).__name__}.")
    onnx = _onnx()
    newest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, int) or not MIN_OPSET <= opset <= newest:
        raise ValueError(
            f"opset must be an int from {MIN_OPSET} to {newest} (the newest this onnx knows); "
            f"got {opset!r:.100}."
        )
    layers = list(_leaves(model, ""))
    graph = _Graph(onnx, model_dtype("export_onnx", model), opset)
    value = "input"
    for name, layer in layers:
        value = _layer(graph, value, name, layer)
    graph.nodes.append(onnx.helper.make_node("Identity", [value], ["output"]))
    proto = _model(onnx, graph, layers)
    onnx.checker.check_model(proto, full_check=True)
    write_atomic(path, proto.SerializeToString())


def _leaves(module: Module, name: str) -> Iterator[tuple[str, Module]]:
    """The layers of ``module`` in order, nested Sequentials flattened, each checked."""
    if isinstance(module, Sequential):
        for key, child in module.named_children():
            yield from _leaves(child, f"{name}.{key}" if name else key)
        return
    if not isinstance(module, Linear) and activation_op(module) not in _ACTIVATIONS:
        raise refuse("export_onnx", module, name, "ONNX", [op.name for op in _ACTIVATIONS])
    yield name, module


def _layer(graph: _Graph, value: str, name: str, layer: Module) -> str:
    """Add the nodes of one layer applied to ``value``; return the name of their output."""
    if isinstance(layer, Linear):
        prefix = f"{name}." if name else ""
        value = graph.node("MatMul", value, graph.parameter(layer.weight, f"{prefix}weight"))
        if layer.bias is not None:
            value = graph.node("Add", value, graph.parameter(layer.bias, f"{prefix}bias"))
        return value
    op = activation_op(layer)
    assert op is not None  # _leaves checked it
    return _ACTIVATIONS[op](graph, value, layer.params())  # type: ignore[attr-defined]


def _model(onnx: Any, graph: _Graph, layers: list[tuple[str, Module]]) -> Any:
    """The ModelProto: the graph with its input and output shapes, opset and IR version."""
    linears = [layer for _, layer in layers if isinstance(layer, Linear)]
    n_in: int | str = linears[0].in_features if linears else "features"
    n_out: int | str = linears[-1].out_features if linears else "features"
    helper = onnx.helper
    made = helper.make_graph(
        graph.nodes,
        "gradlab",
        [helper.make_tensor_value_info("input", graph.elem_type, ["batch", n_in])],
        [helper.make_tensor_value_info("output", graph.elem_type, ["batch", n_out])],
        initializer=graph.initializers,
    )
    opsets = [helper.make_opsetid("", graph.opset)]
    return helper.make_model(
        made,
        opset_imports=opsets,
        ir_version=helper.find_min_ir_version_for(opsets),
        producer_name="gradlab",
    )
