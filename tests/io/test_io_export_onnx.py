"""gl.io.export_onnx: onnxruntime's outputs of the file agree with the gradlab model's.

onnxruntime's CPU provider has float64 kernels for MatMul, Add, Relu, Sigmoid, Tanh, Softmax,
LogSoftmax, Identity, Mul, Greater and Cast, but none for LeakyRelu, Softplus, Elu, Gelu or Erf:
float64 graphs using those are run with onnx's reference evaluator instead (pure NumPy, an
implementation of the ONNX specification independent of onnxruntime).
"""

import contextlib

import numpy as np
import onnx
import onnxruntime
import pytest
from onnx.reference import ReferenceEvaluator
from unexportable_layers import Cube, Double

import gradlab as gl

TOLERANCE = 1e-6
ORT_FLOAT64 = ["identity", "relu", "sigmoid", "tanh", "silu", "step"]
NO_ORT_FLOAT64 = ["leaky_relu", "softplus", "gelu", "elu"]


def export(tmp_path, model, **kwargs):
    path = tmp_path / "model.onnx"
    gl.io.export_onnx(model, path, **kwargs)
    return path


def run_onnxruntime(path, x):
    session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (out,) = session.run(None, {"input": x})
    return out


def inputs(dtype, n_inputs, rows=16, seed=0):
    return np.random.default_rng(seed).standard_normal((rows, n_inputs)).astype(dtype)


def assert_agrees(out, model, x):
    assert out.dtype == x.dtype
    np.testing.assert_allclose(out, model(x).data, rtol=TOLERANCE, atol=TOLERANCE)


CASES = [(a, np.float32) for a in ORT_FLOAT64 + NO_ORT_FLOAT64] + [
    (a, np.float64) for a in ORT_FLOAT64
]


@pytest.mark.parametrize("output", ["identity", "softmax", "log_softmax"])
@pytest.mark.parametrize(("activation", "dtype"), CASES)
def test_onnxruntime_agrees_with_gradlab(tmp_path, activation, dtype, output):
    model = gl.nn.MLP(4, [6, 5], 3, activation=activation, output_activation=output, rng=0)
    model.astype(dtype)
    path = export(tmp_path, model)
    for rows in (1, 16):  # the batch dimension is dynamic
        x = inputs(dtype, 4, rows)
        assert_agrees(run_onnxruntime(path, x), model, x)


@pytest.mark.parametrize("activation", NO_ORT_FLOAT64)
def test_float64_graphs_onnxruntime_cannot_run_agree_in_reference_evaluator(tmp_path, activation):
    model = gl.nn.MLP(4, [6], 3, activation=activation, output_activation="softmax", rng=0)
    path = export(tmp_path, model)
    x = inputs(np.float64, 4)
    (out,) = ReferenceEvaluator(str(path)).run(None, {"input": x})
    assert_agrees(out, model, x)
    # Refused, as the docstring says, by onnxruntime 1.32; right, should a later one run it.
    with contextlib.suppress(onnxruntime.capi.onnxruntime_pybind11_state.NotImplemented):
        assert_agrees(run_onnxruntime(path, x), model, x)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gelu_before_opset_20_is_the_erf_formula(tmp_path, dtype):
    model = gl.nn.MLP(3, [5], 2, activation="gelu", rng=1).astype(dtype)
    path = export(tmp_path, model, opset=17)
    proto = onnx.load(str(path))
    assert proto.opset_import[0].version == 17
    assert "Erf" in [n.op_type for n in proto.graph.node]
    assert "Gelu" not in [n.op_type for n in proto.graph.node]
    x = inputs(dtype, 3)
    if dtype == np.float32:
        out = run_onnxruntime(path, x)
    else:
        (out,) = ReferenceEvaluator(str(path)).run(None, {"input": x})
    assert_agrees(out, model, x)


def test_graph_layout(tmp_path):
    model = gl.nn.Sequential(
        gl.nn.Linear(3, 4, rng=0),
        gl.nn.LeakyReLU(0.3),
        gl.nn.Sequential(gl.nn.Linear(4, 2, bias=False, rng=1), gl.nn.ELU(0.5)),
    ).astype(np.float32)
    proto = onnx.load(str(export(tmp_path, model)))
    onnx.checker.check_model(proto, full_check=True)
    graph = proto.graph
    ops = [n.op_type for n in graph.node]
    assert ops == ["MatMul", "Add", "LeakyRelu", "MatMul", "Elu", "Identity"]
    attributes = {
        n.op_type: onnx.helper.get_attribute_value(n.attribute[0])
        for n in graph.node
        if n.attribute
    }
    assert attributes["LeakyRelu"] == pytest.approx(0.3, abs=1e-7)
    assert attributes["Elu"] == pytest.approx(0.5, abs=1e-7)
    stored = {i.name: onnx.numpy_helper.to_array(i) for i in graph.initializer}
    assert sorted(stored) == ["0.bias", "0.weight", "2.0.weight"]
    np.testing.assert_array_equal(stored["0.weight"], model[0].weight.data)  # x @ W: no transpose
    (given,) = graph.input
    (made,) = graph.output
    assert given.type.tensor_type.elem_type == onnx.TensorProto.FLOAT
    assert [d.dim_param or d.dim_value for d in given.type.tensor_type.shape.dim] == ["batch", 3]
    assert [d.dim_param or d.dim_value for d in made.type.tensor_type.shape.dim] == ["batch", 2]
    x = inputs(np.float32, 3)
    assert_agrees(run_onnxruntime(tmp_path / "model.onnx", x), model, x)


def test_shared_layer_is_stored_once(tmp_path):
    shared = gl.nn.Linear(3, 3, rng=0)
    model = gl.nn.Sequential(shared, gl.nn.Tanh(), shared)
    path = export(tmp_path, model)
    assert sorted(i.name for i in onnx.load(str(path)).graph.initializer) == ["0.bias", "0.weight"]
    x = inputs(np.float64, 3)
    assert_agrees(run_onnxruntime(path, x), model, x)


def test_single_linear_layer_by_hand(tmp_path):
    layer = gl.nn.Linear.from_values([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], bias=[0.5, 0.0, -0.5])
    out = run_onnxruntime(export(tmp_path, layer), np.array([[1.0, -1.0]]))
    np.testing.assert_allclose(out, [[-2.5, -3.0, -3.5]], rtol=0, atol=1e-15)  # by hand


@pytest.mark.parametrize("layer", [Cube(), Double()])
def test_unsupported_layers_are_refused_and_nothing_is_written(tmp_path, layer):
    model = gl.nn.Sequential(gl.nn.Linear(2, 2, rng=0), gl.nn.ReLU(), layer)
    with pytest.raises(ValueError) as error:
        export(tmp_path, model)
    message = str(error.value)
    assert f"export_onnx() cannot express layer '2' ({type(layer).__name__}) in ONNX" in message
    assert "the activations identity, step, relu" in message
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("opset", [12, 10_000, "20", True])
def test_opset_out_of_range_is_refused(tmp_path, opset):
    with pytest.raises(ValueError, match="opset must be an int from 13 to"):
        export(tmp_path, gl.nn.ReLU(), opset=opset)


def test_missing_onnx_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "onnx", None)
    with pytest.raises(ImportError, match='pip install "gradlab\\[onnx\\]"'):
        export(tmp_path, gl.nn.ReLU())


@pytest.mark.parametrize("activation", ORT_FLOAT64 + NO_ORT_FLOAT64 + ["softmax", "log_softmax"])
def test_extreme_inputs_agree_in_float32(tmp_path, activation):
    """±1e4 and ±100 through an identity Linear layer: finite and equal, as gradlab's."""
    z = np.array([[-1e4, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e4]], dtype=np.float32)
    layer = gl.nn.Linear.from_values(np.eye(9, dtype=np.float32), bias=np.zeros(9, np.float32))
    model = gl.nn.Sequential(layer, gl.nn.activations.get(activation))
    out = run_onnxruntime(export(tmp_path, model), z)
    assert np.all(np.isfinite(out))
    assert_agrees(out, model, z)


def test_mixed_dtypes_are_refused(tmp_path):
    model = gl.nn.Sequential(gl.nn.Linear(2, 2, rng=0), gl.nn.Linear(2, 1, rng=0, dtype="float32"))
    with pytest.raises(ValueError, match="its parameters mix float32, float64"):
        export(tmp_path, model)
    assert list(tmp_path.iterdir()) == []
