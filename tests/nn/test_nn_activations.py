"""Activation modules against PyTorch (float64), and the names gl.nn.activations.get takes."""

import numpy as np
import pytest
import torch

import gradlab as gl

X = np.array([[-2.0, -0.5, 0.0, 0.7, 3.0], [1.5, -1.0, 2.0, -3.0, 0.25]])

CASES = [
    (gl.nn.Identity(), lambda t: t),
    (gl.nn.ReLU(), torch.relu),
    (gl.nn.LeakyReLU(0.2), lambda t: torch.nn.functional.leaky_relu(t, 0.2)),
    (gl.nn.Sigmoid(), torch.sigmoid),
    (gl.nn.Tanh(), torch.tanh),
    (gl.nn.Softplus(), torch.nn.functional.softplus),
    (gl.nn.Softmax(axis=-1), lambda t: torch.softmax(t, -1)),
    (gl.nn.Softmax(axis=0), lambda t: torch.softmax(t, 0)),
    (gl.nn.LogSoftmax(), lambda t: torch.log_softmax(t, -1)),
]


@pytest.mark.parametrize(("module", "reference"), CASES, ids=[repr(c[0]) for c in CASES])
def test_activation_matches_torch(module, reference):
    v = np.random.default_rng(3).standard_normal(X.shape)
    xt = torch.tensor(X, requires_grad=True)
    (reference(xt) * torch.tensor(v)).sum().backward()
    x = gl.Tensor(X, requires_grad=True)
    y = module(x)
    (y * v).sum().backward()
    np.testing.assert_allclose(y.data, reference(torch.tensor(X)).numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(x.grad, xt.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_step_is_heaviside_with_zero_derivative():
    x = gl.Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    y = gl.nn.Step()(x)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 0.0])


def test_activations_accept_arrays():
    np.testing.assert_array_equal(gl.nn.ReLU()(np.array([-1.0, 2.0])).data, [0.0, 2.0])


@pytest.mark.parametrize(
    ("name", "cls"),
    [
        ("identity", gl.nn.Identity),
        ("linear", gl.nn.Identity),
        ("step", gl.nn.Step),
        ("relu", gl.nn.ReLU),
        ("leaky_relu", gl.nn.LeakyReLU),
        ("sigmoid", gl.nn.Sigmoid),
        ("logistic", gl.nn.Sigmoid),
        ("tanh", gl.nn.Tanh),
        ("softplus", gl.nn.Softplus),
        ("softmax", gl.nn.Softmax),
        ("log_softmax", gl.nn.LogSoftmax),
        ("ReLU", gl.nn.ReLU),
    ],
)
def test_get_activation_names(name, cls):
    module = gl.nn.activations.get(name)
    assert type(module) is cls
    assert gl.nn.activations.get(module.name).name == module.name


def test_get_activation_passes_modules_and_specs_through():
    relu = gl.nn.ReLU()
    assert gl.nn.activations.get(relu) is relu
    assert isinstance(gl.nn.activations.get(None), gl.nn.Identity)
    leaky = gl.nn.activations.get({"type": "LeakyReLU", "config": {"negative_slope": 0.3}})
    assert leaky.negative_slope == 0.3


def test_get_activation_unknown_name():
    with pytest.raises(ValueError, match="unknown activation 'mish'"):
        gl.nn.activations.get("mish")


def test_function_applies_the_engine_function():
    assert gl.nn.Sigmoid().function(gl.Tensor(0.0)).item() == 0.5
    assert gl.nn.LeakyReLU(0.5).function(gl.Tensor(-2.0)).item() == -1.0


def test_every_activation_is_registered_with_config_and_repr():
    for module, _ in CASES:
        assert gl.nn.LAYERS[type(module).__name__] is type(module)
        rebuilt = gl.nn.build_layer(gl.nn.layer_spec(module))
        assert rebuilt.get_config() == module.get_config()
        assert repr(rebuilt) == repr(module)
    assert repr(gl.nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(gl.nn.Softmax(axis=0)) == "Softmax(axis=0)"


@pytest.mark.parametrize("slope", ["nan", float("nan"), float("inf"), True, [0.1]])
def test_a_layer_config_with_a_bad_number_is_refused(slope):
    # What a model file could ask for: each is refused before any layer exists.
    with pytest.raises(ValueError, match="negative_slope must be"):
        gl.nn.build_layer({"type": "LeakyReLU", "config": {"negative_slope": slope}})
