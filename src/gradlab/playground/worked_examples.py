"""The five worked examples of gradlab's seed tutorials, with their exact weights and inputs.

Each is a network typed in (or drawn exactly as its tutorial draws it), its data, loss and
learning rate, and the names its tutorial gives the weights, so that the playground's first
Step shows the tutorial's own numbers (the 2-2-1 ReLU network's new w5 is 0.985).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: One layer: weight of shape (inputs, neurons), bias (None: no bias), activation name.
Layer = tuple[list[list[float]], list[float] | None, str]


@dataclass(frozen=True)
class WorkedExample:
    """A tutorial's network and data.

    Attributes
    ----------
    title : str
        What it is, as the page lists it.
    X, y : list
        The inputs (one row per sample) and the targets (one row per sample).
    loss, lr : str, float
        The tutorial's loss and learning rate (plain gradient descent on the whole batch).
    layers : callable
        Returns the layers (weight, bias, activation) with the tutorial's numbers.
    names : dict
        Names in `gradlab.explain`'s ``names=`` form (w1..w6, bias1..bias3, ...).
    note : str
        Where gradlab's picture of it differs from the tutorial.
    """

    title: str
    X: list[list[float]]
    y: list[list[float]]
    loss: str
    lr: float
    layers: Callable[[], list[Layer]]
    names: dict[str, Any] = field(default_factory=dict)
    note: str = ""


RELU_2_2_1_NAMES = {
    "inputs": ["x1", "x2"],
    "0.weight": [["w1", "w2"], ["w3", "w4"]],
    "0.bias": ["bias1", "bias2"],
    "0.neurons": ["1", "2"],
    "2.weight": [["w5"], ["w6"]],
    "2.bias": ["bias3"],
    "2.neurons": ["3"],
}


def _relu_2_2_1() -> list[Layer]:
    # node 1 = input1*w1 + input2*w3 + bias1: row i holds the weights from input i.
    return [([[1, 0.5], [1, -0.5]], [0.5, 0], "relu"), ([[1], [1]], [0.5], "relu")]


#: The SymPy tutorial's seven weights; w0 is the bias every neuron uses twice.
SHARED_BIAS_2_2_1 = {"w0": 0.1, "w13": 0.2, "w14": 0.8, "w23": 0.6, "w24": 0.4, "w35": 0.1,
                     "w45": 0.5}  # fmt: skip


def _sigmoid_2_2_1() -> list[Layer]:
    # The shared bias w0 enters each neuron twice: here one bias 2·w0 per neuron.
    w = SHARED_BIAS_2_2_1
    w13, w14, w23, w24, w35, w45, w0 = (w[k] for k in ("w13", "w14", "w23", "w24", "w35",
                                                       "w45", "w0"))  # fmt: skip
    return [
        ([[w13, w14], [w23, w24]], [2 * w0, 2 * w0], "sigmoid"),
        ([[w35], [w45]], [2 * w0], "sigmoid"),
    ]


def _sigmoid_2_3_1() -> list[Layer]:
    return [
        ([[0.15, 0.5, 0.05], [0.23, 0.8, -0.05]], [0.5, 0.5, 0.5], "sigmoid"),
        ([[0.9], [-0.5], [0.08]], [0.2], "sigmoid"),
    ]


def _sigmoid_3_4_1() -> list[Layer]:
    # np.random.seed(1); np.random.random((3, 4)); np.random.random((4, 1)): the same stream.
    rng = np.random.RandomState(1)
    first, second = rng.random_sample((3, 4)), rng.random_sample((4, 1))
    return [(first.tolist(), None, "sigmoid"), (second.tolist(), None, "sigmoid")]


def _mlp_2_2_2() -> list[Layer]:
    from gradlab.nn import MLP, Linear

    model = MLP(2, [2], 2, activation="sigmoid", output_activation="sigmoid", rng=0)
    layers: list[Layer] = []
    for linear in model:
        if not isinstance(linear, Linear):
            continue
        bias = None if linear.bias is None else linear.bias.data.tolist()
        layers.append((linear.weight.data.tolist(), bias, "sigmoid"))
    return layers


_POINTS = [
    [1.2, 1.6], [7.6, 6.8], [3.4, 4.4], [6.9, 8.8], [3.0, 3.2],
    [5.6, 6.8], [2.2, 1.8], [5.8, 5.2], [1.8, 2.2], [6.5, 4.8],
]  # fmt: skip
_CLASSES = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]

EXAMPLES: dict[str, WorkedExample] = {
    "relu_2_2_1": WorkedExample(
        "2-2-1 ReLU network by hand",
        [[1, 0]],
        [[2]],
        "mse",
        0.01,
        _relu_2_2_1,
        RELU_2_2_1_NAMES,
        "Input (1, 0), target 2, squared error, lr 0.01: the new w5 is 0.985.",
    ),
    "sigmoid_2_2_1": WorkedExample(
        "2-2-1 sigmoid network with a shared bias (SymPy)",
        [[0.35, 0.9]],
        [[1]],
        "bce",
        0.3,
        _sigmoid_2_2_1,
        {
            "inputs": ["x1", "x2"],
            "0.weight": [["w13", "w14"], ["w23", "w24"]],
            "0.neurons": ["3", "4"],
            "2.weight": [["w35"], ["w45"]],
            "2.neurons": ["5"],
        },
        "The tutorial's one bias w0 = 0.1 is used twice by each neuron; here each neuron has "
        "its own bias 2·w0 = 0.2 (the same forward pass; the biases then move apart).",
    ),
    "sigmoid_2_3_1": WorkedExample(
        "2-3-1 sigmoid network to 4 decimals",
        [[2, 9]],
        [[0.92]],
        "mse",
        0.1,
        _sigmoid_2_3_1,
        {
            "inputs": ["x0", "x1"],
            "0.weight": [["w0", "w2", "w4"], ["w1", "w3", "w5"]],
            "0.bias": ["b0", "b1", "b2"],
            "0.neurons": ["0", "1", "2"],
            "2.weight": [["w6"], ["w7"], ["w8"]],
            "2.bias": ["b3"],
            "2.neurons": ["3"],
        },
        "Cost (y - O3)²; the tutorial's dCost/dO3 = O3 - y drops the factor 2.",
    ),
    "sigmoid_3_4_1": WorkedExample(
        "3-4-1 sigmoid network, vectorised (np.random.seed(1))",
        [[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]],
        [[0], [1], [1], [0]],
        "half_sse",
        1.0,
        _sigmoid_3_4_1,
        {},
        "No biases; the code trains on [0, 1, 1, 0] (its text says [0, 1, 0, 1]).",
    ),
    "mlp_2_2_2": WorkedExample(
        "2-2-2 sigmoid MLP on ten points (MyNeuralNetwork)",
        _POINTS,
        [[1.0 - c, float(c)] for c in _CLASSES],
        "half_sse",
        0.5,
        _mlp_2_2_2,
        {},
        "Class k is output k (the tutorial maps class 1 to output 0); weights drawn with seed 0.",
    ),
}
