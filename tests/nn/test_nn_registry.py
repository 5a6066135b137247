"""The LAYERS allow-list, layer specs and building from them."""

import pytest

import gradlab as gl


def test_every_gradlab_layer_is_registered():
    expected = {
        "Linear", "Sequential", "MLP", "Identity", "Step", "ReLU", "LeakyReLU", "Sigmoid",
        "Tanh", "Softplus", "Softmax", "LogSoftmax",
    }  # fmt: skip
    assert expected <= set(gl.nn.LAYERS)
    for name in expected:
        assert gl.nn.LAYERS[name].__name__ == name


def test_build_layer_refuses_unknown_and_malformed_specs():
    with pytest.raises(ValueError, match=r"unknown layer 'os\.system'"):
        gl.nn.build_layer({"type": "os.system", "config": {}})
    with pytest.raises(ValueError, match="a layer spec is a dict"):
        gl.nn.build_layer(["Linear"])
    with pytest.raises(ValueError, match="cannot build layer 'Linear' from its config"):
        gl.nn.build_layer({"type": "Linear", "config": {"in_features": 2, "colour": 1}})
    with pytest.raises(ValueError, match="not a dict of keyword arguments"):
        gl.nn.build_layer({"type": "ReLU", "config": [1]})


def test_unregistered_module_cannot_be_described():
    class Mine(gl.nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(TypeError, match="Mine is not a registered gradlab layer"):
        gl.nn.layer_spec(Mine())
    with pytest.raises(TypeError, match="register_layer"):
        gl.nn.layer_spec(gl.nn.Sequential(Mine()))


def test_register_layer_refuses_a_second_class_with_a_taken_name():
    def make():
        class ReLU(gl.nn.Module):  # shadows gradlab's ReLU by name
            pass

        return ReLU

    with pytest.raises(ValueError, match="already registered as 'ReLU'"):
        gl.nn.register_layer(make())
