"""The worked examples' networks, typed in from their tutorials (the oracles are their printed
figures)."""

from __future__ import annotations

import numpy as np

import gradlab as gl

# The 2-2-1 ReLU network worked by hand: w1..w6, bias1..bias3;
# node 1 = input1*w1 + input2*w3 + bias1.
RELU_2_2_1_NAMES = {
    "inputs": ["x1", "x2"],
    "0.weight": [["w1", "w2"], ["w3", "w4"]],
    "0.bias": ["bias1", "bias2"],
    "0.neurons": ["1", "2"],
    "2.weight": [["w5"], ["w6"]],
    "2.bias": ["bias3"],
    "2.neurons": ["3"],
}


def relu_2_2_1_model() -> gl.nn.Sequential:
    return gl.nn.Sequential(
        gl.nn.Linear.from_values([[1, 0.5], [1, -0.5]], bias=[0.5, 0]),
        gl.nn.ReLU(),
        gl.nn.Linear.from_values([[1], [1]], bias=[0.5]),
        gl.nn.ReLU(),
    )


# The 2-3-1 sigmoid network worked to 4 decimals: weights_input_hidden_neuronK are the weights
# from (x0, x1) into neuron K.
SIGMOID_2_3_1_W1 = [[0.15, 0.5, 0.05], [0.23, 0.8, -0.05]]
SIGMOID_2_3_1_B1 = [0.5, 0.5, 0.5]
SIGMOID_2_3_1_W2 = [[0.9], [-0.5], [0.08]]
SIGMOID_2_3_1_B2 = [0.2]


def sigmoid_3_4_1_model() -> gl.nn.Sequential:
    # np.random.seed(1); np.random.random((3, 4)); np.random.random((4, 1)) - same stream.
    rng = np.random.RandomState(1)
    return gl.nn.Sequential(
        gl.nn.Linear.from_values(rng.random_sample((3, 4))),
        gl.nn.Sigmoid(),
        gl.nn.Linear.from_values(rng.random_sample((4, 1))),
        gl.nn.Sigmoid(),
    )


def sigmoid_2_3_1_model() -> gl.nn.Sequential:
    return gl.nn.Sequential(
        gl.nn.Linear.from_values(SIGMOID_2_3_1_W1, bias=SIGMOID_2_3_1_B1),
        gl.nn.Sigmoid(),
        gl.nn.Linear.from_values(SIGMOID_2_3_1_W2, bias=SIGMOID_2_3_1_B2),
        gl.nn.Sigmoid(),
    )


# The 2-2-1 sigmoid network derived with SymPy: the shared bias w0 enters every neuron twice.
SIGMOID_2_2_1_INITIAL = {
    "w0": 0.1,
    "w13": 0.2,
    "w14": 0.8,
    "w23": 0.6,
    "w24": 0.4,
    "w35": 0.1,
    "w45": 0.5,
}


def sigmoid_2_2_1_parameters() -> dict[str, gl.Tensor]:
    return {k: gl.Tensor(v, requires_grad=True, name=k) for k, v in SIGMOID_2_2_1_INITIAL.items()}


def sigmoid_2_2_1_network(w: dict[str, gl.Tensor]):
    def f(x: gl.Tensor) -> gl.Tensor:
        x1, x2 = x[0], x[1]
        z3 = (x1 * w["w13"] + w["w0"]) + (x2 * w["w23"] + w["w0"])
        z4 = (x1 * w["w14"] + w["w0"]) + (x2 * w["w24"] + w["w0"])
        z5 = (z3.sigmoid() * w["w35"] + w["w0"]) + (z4.sigmoid() * w["w45"] + w["w0"])
        return z5.sigmoid()

    return f
