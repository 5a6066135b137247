"""summary() (Keras-style table) and info() (MyNeuralNetwork.info()-style listing)."""

import numpy as np

import gradlab as gl


def test_mlp_summary_rows_and_totals():
    model = gl.nn.MLP(2, [2], 2, rng=0)
    text = model.summary(print_fn=None)
    lines = text.splitlines()
    assert lines[0] == 'Model: "MLP"'
    assert lines[2].split() == ["Layer", "(type)", "Output", "Shape", "Param", "#"]
    rows = [line.split() for line in lines[4:8]]
    assert rows == [
        ["0", "(Linear)", "(None,", "2)", str(2 * 2 + 2)],
        ["1", "(Sigmoid)", "(None,", "2)", "0"],
        ["2", "(Linear)", "(None,", "2)", str(2 * 2 + 2)],
        ["3", "(Identity)", "(None,", "2)", "0"],
    ]
    total = 2 * 2 + 2 + 2 * 2 + 2
    assert f"Total params: {total} ({total * 8} B)" in lines
    assert f"Trainable params: {total} ({total * 8} B)" in lines
    assert "Non-trainable params: 0 (0 B)" in lines


def test_summary_prints_by_default(capsys):
    assert gl.nn.Linear(3, 4, rng=0).summary() is None
    out = capsys.readouterr().out
    assert "(None, 4)" in out and f"Total params: {3 * 4 + 4} " in out


def test_summary_counts_frozen_parameters_and_nested_models():
    inner = gl.nn.Sequential(gl.nn.Linear(5, 3, rng=0), gl.nn.ReLU())
    model = gl.nn.Sequential(gl.nn.Linear(4, 5, rng=0), gl.nn.Tanh(), inner)
    model[0].weight.requires_grad = False
    collected = []
    model.summary(print_fn=collected.append)
    text = collected[0]
    assert "2 (Sequential)" in text and "(None, 3)" in text
    total = 4 * 5 + 5 + 5 * 3 + 3
    assert f"Total params: {total} " in text
    assert f"Trainable params: {total - 4 * 5} " in text
    assert f"Non-trainable params: {4 * 5} " in text


def test_summary_float32_sizes():
    text = gl.nn.Linear(10, 10, rng=0, dtype=np.float32).summary(print_fn=None)
    assert f"Total params: 110 ({110 * 4} B)" in text


def test_info_lists_every_weight_and_bias_with_values():
    model = gl.nn.Sequential(
        gl.nn.Linear.from_values([[0.25, -0.5], [1.5, 2.0]], bias=[0.125, -1.0]),
        gl.nn.Sigmoid(),
    )
    text = model.info(print_fn=None)
    assert "0.weight: shape (2, 2), float64" in text
    assert "[[ 0.25, -0.5 ],\n     [ 1.5 ,  2.  ]]" in text
    assert "0.bias: shape (2,), float64" in text
    # neuron j: its bias and the column j of W, like MyNeuralNetwork.info()'s
    # "Bias: ..., Weights: [...]"
    assert "neuron 0: bias 0.125, weights [0.25, 1.5]" in text
    assert "neuron 1: bias -1.0, weights [-0.5, 2.0]" in text
    assert "[ 1: Sigmoid() ]" in text
    assert "grad" not in text
    model([[1.0, 1.0]]).sum().backward()
    assert "0.weight.grad:" in model.info(print_fn=None)


class Repeat(gl.nn.Module):
    """A user's layer that repeats each feature k times: (n, f) -> (n, k f)."""

    def __init__(self, k: int = 2) -> None:
        super().__init__()
        self.k = k

    def forward(self, x):
        return gl.concatenate([x] * self.k, axis=-1)

    def output_shape(self, input_shape):
        return None if input_shape is None else (*input_shape[:-1], input_shape[-1] * self.k)


class Opaque(gl.nn.Module):
    """A user's layer that does not state its output shape."""

    def forward(self, x):
        return x


def test_a_user_layer_states_its_own_output_shape():
    # Keras' rule written out: Linear(3 -> 4) gives (None, 4), Repeat(3) then (None, 12),
    # Linear(12 -> 2) (None, 2); after a layer of unknown shape every shape is unknown
    # until a Linear fixes the feature count again.
    model = gl.nn.Sequential(gl.nn.Linear(3, 4, rng=0), Repeat(3), gl.nn.Linear(12, 2, rng=0))
    rows = [line.split() for line in model.summary(print_fn=None).splitlines()[4:7]]
    assert [row[:4] for row in rows] == [
        ["0", "(Linear)", "(None,", "4)"],
        ["1", "(Repeat)", "(None,", "12)"],
        ["2", "(Linear)", "(None,", "2)"],
    ]
    opaque = gl.nn.Sequential(gl.nn.Linear(3, 4, rng=0), Opaque(), gl.nn.ReLU())
    rows = [line.split() for line in opaque.summary(print_fn=None).splitlines()[4:7]]
    assert [row[2] for row in rows] == ["(None,", "?", "?"]
