"""`plan_layer` agrees with building: the same parameters, shapes, dtypes and module count."""

import numpy as np
import pytest

import gradlab as gl
from gradlab.nn.registry import build_layer, layer_spec, plan_layer

MODELS = [
    lambda: gl.nn.ReLU(),
    lambda: gl.nn.LeakyReLU(0.3),
    lambda: gl.nn.Linear(3, 2, bias=False, dtype=np.float32),
    lambda: gl.nn.MLP(2, [], 1),
    lambda: gl.nn.MLP(3, 4, 2, activation="tanh", output_activation="softmax", dtype=np.float16),
    lambda: gl.nn.MLP(2, [3, 2], 1, activation=gl.nn.MLP(3, [2], 3, activation=gl.nn.ELU())),
    lambda: gl.nn.Sequential(
        gl.nn.Sequential(gl.nn.Linear(2, 2), gl.nn.Sigmoid()),
        gl.nn.MLP(2, [5], 1, bias=False),
        gl.nn.Linear(1, 1, dtype=np.float32),
    ),
]


@pytest.mark.parametrize("make", MODELS)
def test_the_plan_is_what_building_makes(make, monkeypatch):
    spec = layer_spec(make())
    modules, tensors = [], []
    module_init, zeros = gl.nn.Module.__init__, gl.nn.Parameter.zeros

    def counting_init(self, *args, **kwargs):
        modules.append(type(self).__name__)
        module_init(self, *args, **kwargs)

    def counting_zeros(shape, *args, **kwargs):
        tensors.append(shape)
        return zeros(shape, *args, **kwargs)

    monkeypatch.setattr(gl.nn.Module, "__init__", counting_init)
    monkeypatch.setattr(gl.nn.Parameter, "zeros", counting_zeros)
    model = build_layer(spec)
    plan = plan_layer(spec)
    assert plan.parameters == {name: (p.shape, p.dtype) for name, p in model.named_parameters()}
    assert plan.modules == len(modules)
    assert plan.tensors == len(tensors)
    assert plan.elements == sum(int(np.prod(shape)) for shape in tensors)
