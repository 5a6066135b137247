"""The 2-3-1 sigmoid network worked to 4 decimals: its forward values, and all 13 gradients of
(y - O3)^2 vs PyTorch."""

import numpy as np
import pytest
import torch
from explain_worked_models import (
    SIGMOID_2_3_1_B1,
    SIGMOID_2_3_1_B2,
    SIGMOID_2_3_1_W1,
    SIGMOID_2_3_1_W2,
    sigmoid_2_3_1_model,
)

import gradlab as gl


def torch_gradients():
    t = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for k, v in {
            "W1": SIGMOID_2_3_1_W1,
            "b1": SIGMOID_2_3_1_B1,
            "W2": SIGMOID_2_3_1_W2,
            "b2": SIGMOID_2_3_1_B2,
        }.items()
    }
    x = torch.tensor([[2.0, 9.0]], dtype=torch.float64)
    z1 = x @ t["W1"] + t["b1"]
    z1.retain_grad()
    o3 = torch.sigmoid(torch.sigmoid(z1) @ t["W2"] + t["b2"])
    cost = ((0.92 - o3) ** 2).sum()
    cost.backward()
    grads = {k: v.grad.numpy() for k, v in t.items()}
    grads["z1"] = z1.grad.numpy()
    return grads, o3.item(), cost.item()


@pytest.fixture(scope="module")
def trace():
    return gl.explain(sigmoid_2_3_1_model(), [2, 9], [0.92], loss="mse", lr=0.1, decimals=4)


def test_forward_values_at_four_decimals(trace):
    # Tutorial: z0 = (2 * 0.15) + (9 * 0.23) + 0.5 = 2.87; "the predicted output 64.45" (O3).
    assert round(trace.value("z1[0]"), 4) == 2.87
    assert round(trace.value("a2[0]"), 4) == 0.6445
    text = " ".join(trace.to_text().split())
    assert "z1[0] = x[0]·W1[0,0] + x[1]·W1[1,0] + b1[0] = 2·0.15 + 9·0.23 + 0.5 = 2.87" in text
    assert "a2[0] = σ(z2[0]) = σ(0.5948) = 0.6445" in text


def test_all_thirteen_gradients_match_pytorch(trace):
    expected, _, cost = torch_gradients()
    assert trace.loss == pytest.approx(cost, rel=1e-12)
    names = [f"W1[{i},{j}]" for i in range(2) for j in range(3)] + [f"b1[{j}]" for j in range(3)]
    names += [f"W2[{i},0]" for i in range(3)] + ["b2[0]"]
    assert sorted(trace.gradients) == sorted(names) and len(names) == 13
    got = {
        "W1": np.array([[trace.gradient(f"W1[{i},{j}]") for j in range(3)] for i in range(2)]),
        "b1": np.array([trace.gradient(f"b1[{j}]") for j in range(3)]),
        "W2": np.array([[trace.gradient(f"W2[{i},0]")] for i in range(3)]),
        "b2": np.array([trace.gradient("b2[0]")]),
    }
    for key in got:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-10, atol=1e-15)


def test_output_derivative_keeps_the_factor_two(trace):
    # d(y - O3)^2/dO3 = 2 (O3 - y): the tutorial's O3 - y is half of it.
    _, o3, _ = torch_gradients()
    assert trace.value("∂L/∂a2[0]") == pytest.approx(2 * (o3 - 0.92), rel=1e-12)
    assert "∂L/∂a2[0] = 2 · (a2[0] - y)" in " ".join(trace.to_text().split())


def test_hidden_deltas_are_dcost_dz(trace):
    # The tutorial computes dCost_dz0 and dCost_dz1 from themselves; δ is dCost/dz of each neuron.
    expected, _, _ = torch_gradients()
    for j in range(3):
        assert trace.value(f"δ1[{j}]") == pytest.approx(expected["z1"][0, j], rel=1e-10)
    assert "δ1[0] = ∂a1[0]/∂z1[0] · ∂L/∂a1[0]" in " ".join(trace.to_text().split())


def test_sigmoid_slope_is_written_as_a_times_sigma_of_minus_z(trace):
    # σ′(z) = σ(z)·(1 - σ(z)) = σ(z)·σ(-z); the trace writes the form the engine computes, which
    # keeps its relative accuracy where σ(z) rounds to 1. Tutorial: z0 = 2.87.
    z = torch.tensor(2.87, dtype=torch.float64, requires_grad=True)
    torch.sigmoid(z).backward()
    assert trace.value("∂a1[0]/∂z1[0]") == pytest.approx(z.grad.item(), rel=1e-12)
    text = " ".join(trace.to_text(decimals=4).split())
    assert "∂a1[0]/∂z1[0] = a1[0]·σ(-z1[0]) = 0.9463·σ(-2.87)" in text


def test_minus_a_negative_quantity_is_written_as_its_positive_number():
    from gradlab.glassbox.formula import Label, Sym

    z = Sym(Label("z", "z"), -0.4)
    assert (-z).render("text", True, str) == "0.4"
    assert (-z).render("text", False, str) == "-z"
    assert (2 * -Sym(Label("z", "z"), 0.4)).render("text", True, str) == "2·(-0.4)"
