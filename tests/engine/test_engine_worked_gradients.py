"""The tutorials' hand-worked networks: their published gradients, PyTorch where none is given."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from engine_oracles import assert_close

import gradlab as gl

# The 2-2-1 ReLU network worked by hand: typed-in weights, input (1, 0), target 2, squared error.
RELU_2_2_1_WEIGHTS = {
    "w1": 1.0,
    "w2": 0.5,
    "w3": 1.0,
    "w4": -0.5,
    "w5": 1.0,
    "w6": 1.0,
    "bias1": 0.5,
    "bias2": 0.0,
    "bias3": 0.5,
}
# The tutorial's hand-derived partial derivatives (cells 8-16) and what its chain rule gives for
# the rest: dL/dw3 = dL/dw4 = 0 because input2 = 0.
RELU_2_2_1_GRADIENTS = {
    "w1": 1.0,
    "w2": 1.0,
    "w3": 0.0,
    "w4": 0.0,
    "w5": 1.5,
    "w6": 0.5,
    "bias1": 1.0,
    "bias2": 1.0,
    "bias3": 1.0,
}


def test_relu_2_2_1_scalar_network_gives_the_hand_derived_gradients() -> None:
    w = {
        name: gl.Tensor(value, requires_grad=True, name=name)
        for name, value in RELU_2_2_1_WEIGHTS.items()
    }
    input1, input2, true_value = 1.0, 0.0, 2.0
    node_1 = gl.relu(input1 * w["w1"] + input2 * w["w3"] + w["bias1"])
    node_2 = gl.relu(input1 * w["w2"] + input2 * w["w4"] + w["bias2"])
    node_3 = gl.relu(node_1 * w["w5"] + node_2 * w["w6"] + w["bias3"])
    loss = (node_3 - true_value) ** 2
    loss.backward()

    # The tutorial prints 1.5, 0.5, 2.5 and a loss of 0.25; every number here is exact in binary.
    assert (node_1.item(), node_2.item(), node_3.item(), loss.item()) == (1.5, 0.5, 2.5, 0.25)
    assert {name: float(t.grad) for name, t in w.items()} == RELU_2_2_1_GRADIENTS


def test_relu_2_2_1_matrix_form_with_the_fused_loss_gives_the_same_gradients() -> None:
    s = RELU_2_2_1_WEIGHTS
    # z = x @ W + b, W of shape (in, out): column j holds the weights into hidden node j.
    w_hidden = gl.Tensor([[s["w1"], s["w2"]], [s["w3"], s["w4"]]], requires_grad=True)
    b_hidden = gl.Tensor([s["bias1"], s["bias2"]], requires_grad=True)
    w_out = gl.Tensor([[s["w5"]], [s["w6"]]], requires_grad=True)
    b_out = gl.Tensor([s["bias3"]], requires_grad=True)
    x = np.array([[1.0, 0.0]])
    prediction = gl.relu(gl.relu(x @ w_hidden + b_hidden) @ w_out + b_out)
    loss = gl.squared_error(prediction, np.array([[2.0]]), reduction="sum")
    loss.backward()

    g = RELU_2_2_1_GRADIENTS
    assert loss.item() == 0.25
    assert np.array_equal(w_hidden.grad, [[g["w1"], g["w2"]], [g["w3"], g["w4"]]])
    assert np.array_equal(b_hidden.grad, [g["bias1"], g["bias2"]])
    assert np.array_equal(w_out.grad, [[g["w5"]], [g["w6"]]])
    assert np.array_equal(b_out.grad, [g["bias3"]])


# The 2-2-1 sigmoid network derived with SymPy: its single bias w0 enters all six weighted sums,
# with binary cross-entropy against y = 1 at x = (0.35, 0.9) and the tutorial's starting weights.
SIGMOID_2_2_1_START = {
    "w0": 0.1,
    "w13": 0.2,
    "w14": 0.8,
    "w23": 0.6,
    "w24": 0.4,
    "w35": 0.1,
    "w45": 0.5,
}


def _sigmoid_2_2_1_loss(
    w: dict[str, Any], exp: Callable[[Any], Any], log: Callable[[Any], Any]
) -> Any:
    """The tutorial's formula, for gradlab or PyTorch tensors alike."""
    x1, x2, y_true = 0.35, 0.9, 1.0
    e = math.e
    z3 = (x1 * w["w13"] + w["w0"]) + (x2 * w["w23"] + w["w0"])
    f3 = 1 / (1 + exp(-z3))
    z4 = (x1 * w["w14"] + w["w0"]) + (x2 * w["w24"] + w["w0"])
    f4 = 1 / (1 + e ** (-z4))  # the tutorial's own spelling of the sigmoid, e ** (-z)
    z5 = (f3 * w["w35"] + w["w0"]) + (f4 * w["w45"] + w["w0"])
    f5 = 1 / (1 + exp(-z5))
    return -y_true * log(f5) - (1 - y_true) * log(1 - f5)


def test_sigmoid_2_2_1_shared_bias_gets_the_summed_gradient() -> None:
    w = {k: gl.Tensor(v, requires_grad=True, name=k) for k, v in SIGMOID_2_2_1_START.items()}
    loss = _sigmoid_2_2_1_loss(w, gl.exp, gl.log)
    loss.backward()

    reference = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for k, v in SIGMOID_2_2_1_START.items()
    }
    expected = _sigmoid_2_2_1_loss(reference, torch.exp, torch.log)
    expected.backward()

    assert_close(loss.data, expected.detach().numpy())
    for name, t in w.items():
        assert_close(t.grad, reference[name].grad.numpy(), what=name)
    # w0 appears six times; a gradient from only one use would be far smaller.
    assert abs(float(w["w0"].grad)) > 2 * abs(float(w["w35"].grad))


@pytest.mark.parametrize("fused", [False, True])
def test_sigmoid_2_2_1_with_gradlab_sigmoid_and_bce(fused: bool) -> None:
    w = {k: gl.Tensor(v, requires_grad=True) for k, v in SIGMOID_2_2_1_START.items()}
    x = np.array([0.35, 0.9])
    h = gl.sigmoid(
        x[0] * gl.stack([w["w13"], w["w14"]]) + x[1] * gl.stack([w["w23"], w["w24"]]) + 2 * w["w0"]
    )
    z5 = h[0] * w["w35"] + h[1] * w["w45"] + 2 * w["w0"]
    if fused:
        loss = gl.binary_cross_entropy_with_logits(z5, 1.0)
    else:
        loss = gl.binary_cross_entropy(gl.sigmoid(z5), 1.0)

    reference = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for k, v in SIGMOID_2_2_1_START.items()
    }
    expected = _sigmoid_2_2_1_loss(reference, torch.exp, torch.log)
    expected.backward()
    loss.backward()
    for name, t in w.items():
        assert_close(t.grad, reference[name].grad.numpy(), what=name)
