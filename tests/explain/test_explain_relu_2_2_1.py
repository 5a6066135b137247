"""The 2-2-1 ReLU network worked by hand: every number its tutorial prints is in the trace, and
the trace finishes the update."""

import pytest
from explain_worked_models import RELU_2_2_1_NAMES, relu_2_2_1_model

import gradlab as gl


@pytest.fixture
def trace():
    return gl.explain(relu_2_2_1_model(), [1, 0], [2], loss="mse", lr=0.01, names=RELU_2_2_1_NAMES)


def test_forward_values_and_loss_are_the_seeds(trace):
    # Tutorial: node_1_output 1.5, node_2_output 0.5, node_3_output 2.5, loss 0.25.
    assert trace.value("a1") == pytest.approx(1.5, abs=1e-12)
    assert trace.value("a2") == pytest.approx(0.5, abs=1e-12)
    assert trace.value("a3") == pytest.approx(2.5, abs=1e-12)
    assert trace.value("L") == pytest.approx(0.25, abs=1e-12)
    assert trace.loss == pytest.approx(0.25, abs=1e-12)


def test_gradients_are_the_seeds(trace):
    # Tutorial: deriv_L_w5 1.5, deriv_L_w6 0.5, deriv_L_b3 1.0.
    assert trace.gradient("w5") == pytest.approx(1.5, abs=1e-12)
    assert trace.gradient("w6") == pytest.approx(0.5, abs=1e-12)
    assert trace.gradient("bias3") == pytest.approx(1.0, abs=1e-12)


@pytest.mark.parametrize(
    ("name", "seed_value"),
    [("w5", 0.985), ("w6", 0.995), ("bias3", 0.49), ("w1", 0.99), ("w2", 0.49), ("w3", 1.0)],
)
def test_updates_printed_by_the_seed(trace, name, seed_value):
    assert trace.new_value(name) == pytest.approx(seed_value, abs=1e-12)


@pytest.mark.parametrize(
    # What the tutorial leaves undone, by its own rule w - LR * dL/dw with the chain rule of its
    # cells 14-16: w4 and bias2 feed node 2 (deriv 1 * input2 = 0 and 1), bias1 node 1.
    ("name", "expected"),
    [("w4", -0.5 - 0.01 * 0.0), ("bias1", 0.5 - 0.01 * 1.0), ("bias2", 0.0 - 0.01 * 1.0)],
)
def test_updates_the_seed_leaves_undone(trace, name, expected):
    assert trace.new_value(name) == pytest.approx(expected, abs=1e-12)


def test_weighted_sums_are_written_out_as_in_the_issue(trace):
    text = " ".join(trace.to_text(ascii=True).split())
    assert "z1 = x1*w1 + x2*w3 + bias1 = 1*1 + 0*1 + 0.5" in text
    assert "= 1.5" in text
    assert "a1 = relu(z1)" in text and "relu(1.5)" in text
    assert "L = (a3 - y)^2 = (2.5 - 2)^2 = 0.25" in text


def test_chain_rule_products_term_by_term(trace):
    text = " ".join(trace.to_text().split())  # independent of the column padding
    # dL/dw5 = dz3/dw5 * da3/dz3 * dL/da3 = a1 * relu'(z3) * 2(a3 - y) = 1.5 * 1 * 1
    assert "∂L/∂w5 = ∂z3/∂w5 · ∂a3/∂z3 · ∂L/∂a3" in text
    assert "1.5·1·1" in text
    assert "∂L/∂a1 = w5·δ3" in text
    assert "∂L/∂a3 = 2 · (a3 - y)" in text
    assert "w5 ← w5 - lr · ∂L/∂w5" in text and "1 - 0.01·1.5" in text


def test_the_trace_checks_itself(trace):
    report = trace.check()
    assert report.passed and report.checked > 30
    assert "✓ Checked" in trace.to_text()


def test_explain_leaves_the_parameters_unless_asked():
    model = relu_2_2_1_model()
    gl.explain(model, [1, 0], [2], loss="mse", lr=0.01)
    assert model[2].weight.data[0, 0] == 1.0
    gl.explain(model, [1, 0], [2], loss="mse", lr=0.01, step=True)
    assert model[2].weight.data[0, 0] == pytest.approx(0.985, abs=1e-12)


def test_default_names_follow_layer_input_neuron():
    trace = gl.explain(relu_2_2_1_model(), [1, 0], [2], loss="mse", lr=0.01)
    assert trace.new_value("W2[0,0]") == pytest.approx(0.985, abs=1e-12)
    assert trace.value("z1[0]") == pytest.approx(1.5, abs=1e-12)
    assert "z1[0] = x[0]·W1[0,0] + x[1]·W1[1,0] + b1[0]" in " ".join(trace.to_text().split())
