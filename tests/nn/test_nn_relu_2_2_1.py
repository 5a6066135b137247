"""The 2-2-1 ReLU network worked by hand, typed-in weights; every number is the tutorial's."""

import numpy as np
import pytest

import gradlab as gl

# The tutorial's values. w1, w3 feed node 1 (from input 1 and input 2); w2, w4 feed node 2.
w1, w2, w3, w4, w5, w6 = 1.0, 0.5, 1.0, -0.5, 1.0, 1.0
bias1, bias2, bias3 = 0.5, 0.0, 0.5
INPUT, TRUE_VALUE, LR = [1.0, 0.0], 2.0, 0.01


def seed_model(dtype=None):
    return gl.nn.Sequential(
        gl.nn.Linear.from_values([[w1, w2], [w3, w4]], bias=[bias1, bias2], dtype=dtype),
        gl.nn.ReLU(),
        gl.nn.Linear.from_values([[w5], [w6]], bias=[bias3], dtype=dtype),
        gl.nn.ReLU(),
    )


def test_forward_node_outputs_and_loss():
    model = seed_model()
    hidden = model[0:2](INPUT)
    np.testing.assert_array_equal(hidden.data, [1.5, 0.5])  # node 1, node 2
    output = model(INPUT)
    assert output.item() == 2.5  # node 3
    loss = gl.squared_error(output, [TRUE_VALUE], reduction="sum")
    assert loss.item() == 0.25


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gradients_and_one_gradient_descent_step(dtype):
    model = seed_model(dtype)
    loss = gl.squared_error(model(INPUT), np.array([TRUE_VALUE], dtype), reduction="sum")
    loss.backward()
    first, second = model[0], model[2]
    assert second.weight.grad[0, 0] == 1.5  # dL/dw5
    assert second.weight.grad[1, 0] == 0.5  # dL/dw6
    assert second.bias.grad[0] == 1.0  # dL/dbias3
    assert first.weight.grad[0, 0] == 1.0  # dL/dw1
    assert first.weight.grad[0, 1] == 1.0  # dL/dw2
    assert first.weight.grad[1, 0] == 0.0  # dL/dw3 (input 2 is 0)
    for p in model.parameters():
        assert p.grad.dtype == dtype
        p.data -= LR * p.grad
    # The tutorial's updated values: new_w5, new_w6, new_b3, new_w1, new_w2, new_w3.
    np.testing.assert_allclose(second.weight.data[:, 0], [0.985, 0.995], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(second.bias.data, [0.49], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(first.weight.data[0], [0.99, 0.49], rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(first.weight.data[1, 0], 1.0, rtol=1e-6, atol=1e-7)
