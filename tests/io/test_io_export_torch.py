"""gl.io.to_torch: the PyTorch module computes what the gradlab model computes."""

import numpy as np
import pytest
import torch
from unexportable_layers import Cube, Double

import gradlab as gl

TOLERANCE = {np.float64: 1e-12, np.float32: 1e-6}
# float32 rounds each product of a layer's sum, so its outputs are within 1e-6 only for
# inputs and weights near 1; float64 takes larger ones, which reach every branch (z > 20 too).
SCALE = {np.float64: 5.0, np.float32: 1.0}
HIDDEN = ["identity", "relu", "leaky_relu", "sigmoid", "tanh", "softplus", "gelu", "silu", "elu"]


def random_weights(model, seed, dtype):
    rng = np.random.default_rng(seed)
    for p in model.parameters():
        p.data[...] = rng.standard_normal(p.shape) * SCALE[dtype] / 2


def assert_same_outputs(model, net, dtype, n_inputs, seed=0):
    x = np.random.default_rng(seed).standard_normal((16, n_inputs)) * SCALE[dtype]
    x = x.astype(dtype)
    with torch.no_grad():
        out = net(torch.from_numpy(x)).numpy()
    assert out.dtype == dtype
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(out, model(x).data, rtol=tol, atol=tol)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", HIDDEN)
def test_mlp_outputs_agree(activation, dtype):
    model = gl.nn.MLP(4, [6, 5], 3, activation=activation, rng=0, dtype=dtype)
    random_weights(model, 1, dtype)
    net = gl.io.to_torch(model)
    assert isinstance(net, torch.nn.Sequential) and len(net) == len(model)
    assert_same_outputs(model, net, dtype, 4)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("output", ["softmax", "log_softmax", "sigmoid"])
def test_output_activations_agree(output, dtype):
    model = gl.nn.MLP(3, [5], 4, activation="tanh", output_activation=output, rng=2, dtype=dtype)
    random_weights(model, 3, dtype)
    assert_same_outputs(model, gl.io.to_torch(model), dtype, 3)


def test_parameters_of_activations_are_carried():
    model = gl.nn.Sequential(
        gl.nn.Linear(2, 3, rng=0), gl.nn.LeakyReLU(0.3), gl.nn.Linear(3, 3, rng=1), gl.nn.ELU(0.5)
    )
    net = gl.io.to_torch(model)
    assert isinstance(net[1], torch.nn.LeakyReLU) and net[1].negative_slope == 0.3
    assert isinstance(net[3], torch.nn.ELU) and net[3].alpha == 0.5
    assert isinstance(gl.io.to_torch(gl.nn.GELU()), torch.nn.GELU)
    assert gl.io.to_torch(gl.nn.GELU()).approximate == "none"
    assert gl.io.to_torch(gl.nn.Softmax(axis=0)).dim == 0
    assert_same_outputs(model, net, np.float64, 2)


def test_hand_built_nested_sequential_keeps_names_and_transposes_weights():
    inner = gl.nn.Sequential(gl.nn.Linear(3, 4, rng=1), gl.nn.SiLU())
    model = gl.nn.Sequential(gl.nn.Linear(2, 3, rng=0), gl.nn.Tanh(), inner)
    model.append(gl.nn.Linear(4, 1, bias=False, rng=2))
    net = gl.io.to_torch(model)
    state = net.state_dict()
    assert list(state) == [name for name, _ in model.named_parameters()]
    for name, parameter in model.named_parameters():
        expected = parameter.data.T if name.endswith("weight") else parameter.data
        np.testing.assert_array_equal(state[name].numpy(), expected)
    assert net[3].bias is None
    assert_same_outputs(model, net, np.float64, 2)


def test_single_linear_layer_becomes_torch_linear():
    layer = gl.nn.Linear.from_values([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], bias=[0.5, 0.0, -0.5])
    net = gl.io.to_torch(layer)
    assert isinstance(net, torch.nn.Linear) and tuple(net.weight.shape) == (3, 2)
    with torch.no_grad():
        out = net(torch.tensor([[1.0, -1.0]], dtype=torch.float64)).numpy()
    np.testing.assert_allclose(out, [[-2.5, -3.0, -3.5]], rtol=0, atol=1e-15)  # by hand


def test_softplus_is_exact_beyond_torch_default_threshold():
    z = np.linspace(-50.0, 50.0, 1001)
    with torch.no_grad():
        out = gl.io.to_torch(gl.nn.Softplus())(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(out, np.logaddexp(z, 0.0), rtol=1e-15, atol=1e-300)


def test_tied_parameters_stay_tied_and_copies_are_independent():
    shared = gl.nn.Linear(3, 3, rng=0)
    model = gl.nn.Sequential(shared, gl.nn.ReLU(), shared)
    net = gl.io.to_torch(model)
    assert net[0].weight is net[2].weight and net[0].bias is net[2].bias
    with torch.no_grad():
        net[0].weight.add_(1.0)
    np.testing.assert_array_equal(shared.weight.data, gl.nn.Linear(3, 3, rng=0).weight.data)


@pytest.mark.parametrize(
    ("layer", "words"),
    [
        (gl.nn.Step(), "layer '2' (Step) in PyTorch: the activation 'step' has no PyTorch"),
        (Cube(), "layer '2' (Cube) in PyTorch: it is not a layer to_torch() knows"),
        (Double(), "layer '2' (Double) in PyTorch: it is not a layer to_torch() knows"),
    ],
)
def test_layers_without_torch_counterpart_are_refused(layer, words):
    model = gl.nn.Sequential(gl.nn.Linear(2, 2, rng=0), gl.nn.ReLU(), layer)
    with pytest.raises(ValueError, match="Linear layers and the activations identity, relu") as e:
        gl.io.to_torch(model)
    assert words in str(e.value)


def test_non_module_is_refused():
    with pytest.raises(TypeError, match="to_torch\\(\\) takes a gradlab Module; got Linear"):
        gl.io.to_torch(torch.nn.Linear(2, 2))


def test_missing_torch_names_the_install(monkeypatch):
    monkeypatch.setitem(__import__("sys").modules, "torch", None)
    with pytest.raises(ImportError, match=r"pip install torch==2\.13\.0"):
        gl.io.to_torch(gl.nn.ReLU())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("activation", [*HIDDEN, "softmax", "log_softmax"])
def test_extreme_inputs_agree(activation, dtype):
    z = np.array([[-1e4, -100.0, -30.0, -1.0, 0.0, 1.0, 30.0, 100.0, 1e4]], dtype=dtype)
    layer = gl.nn.activations.get(activation)
    with torch.no_grad():
        out = gl.io.to_torch(layer)(torch.from_numpy(z)).numpy()
    assert np.all(np.isfinite(out))
    tol = TOLERANCE[dtype]
    np.testing.assert_allclose(out, layer(z).data, rtol=tol, atol=tol)


def test_mixed_dtypes_are_refused():
    model = gl.nn.Sequential(gl.nn.Linear(2, 2, rng=0), gl.nn.Linear(2, 1, rng=0, dtype="float32"))
    with pytest.raises(ValueError, match="its parameters mix float32, float64"):
        gl.io.to_torch(model)
