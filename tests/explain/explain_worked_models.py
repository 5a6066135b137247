"""The worked examples' networks, from the library's one copy of them
(`gradlab.playground.worked_examples`, typed in from their tutorials); the oracles are the
tutorials' printed figures."""

from __future__ import annotations

import gradlab as gl
from gradlab.playground.worked_examples import EXAMPLES, SHARED_BIAS_2_2_1

# The 2-2-1 ReLU network worked by hand: w1..w6, bias1..bias3;
# node 1 = input1*w1 + input2*w3 + bias1. Its numbers are the library's worked example.
RELU_2_2_1_NAMES = EXAMPLES["relu_2_2_1"].names


def _model(name: str) -> gl.nn.Sequential:
    modules: list = []
    for weight, bias, activation in EXAMPLES[name].layers():
        modules += [gl.nn.Linear.from_values(weight, bias), gl.nn.activations.get(activation)]
    return gl.nn.Sequential(*modules)


def relu_2_2_1_model() -> gl.nn.Sequential:
    return _model("relu_2_2_1")


# The 2-3-1 sigmoid network worked to 4 decimals: weights_input_hidden_neuronK are the weights
# from (x0, x1) into neuron K.
(SIGMOID_2_3_1_W1, SIGMOID_2_3_1_B1, _), (SIGMOID_2_3_1_W2, SIGMOID_2_3_1_B2, _) = EXAMPLES[
    "sigmoid_2_3_1"
].layers()


def sigmoid_3_4_1_model() -> gl.nn.Sequential:
    # np.random.seed(1); np.random.random((3, 4)); np.random.random((4, 1)) - same stream.
    return _model("sigmoid_3_4_1")


def sigmoid_2_3_1_model() -> gl.nn.Sequential:
    return _model("sigmoid_2_3_1")


# The 2-2-1 sigmoid network derived with SymPy: the shared bias w0 enters every neuron twice.
SIGMOID_2_2_1_INITIAL = SHARED_BIAS_2_2_1


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
