"""Scalar graphs of named Tensors: node-by-node rows, shared parameters as sums over uses."""

import pytest
import torch

import gradlab as gl


def test_shared_parameter_gradient_is_the_sum_over_its_uses():
    w = gl.Tensor(0.5, requires_grad=True, name="w")
    b = gl.Tensor(-0.2, requires_grad=True, name="b")
    h = (w * 3.0 + b).tanh()
    h.name = "h"
    loss = (h * w - 1.0) ** 2
    trace = gl.explain(loss, lr=0.1)
    tw = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-0.2, dtype=torch.float64, requires_grad=True)
    ((torch.tanh(tw * 3.0 + tb) * tw - 1.0) ** 2).backward()
    assert trace.gradient("w") == pytest.approx(tw.grad.item(), rel=1e-12)
    assert trace.gradient("b") == pytest.approx(tb.grad.item(), rel=1e-12)
    assert trace.new_value("w") == pytest.approx(0.5 - 0.1 * tw.grad.item(), rel=1e-12)
    (row,) = trace.find("∂L/∂w", section="gradient")
    assert row.symbolic().count(" + ") == 1  # w is used twice: two terms
    assert trace.check().passed
    text = " ".join(trace.to_text().split())
    assert "t1 = 3·w = 3·0.5 = 1.5" in text
    assert "h = tanh(t2)" in text


def test_folded_constants_are_written_back():
    a = gl.Tensor(2.0, requires_grad=True, name="a")
    out = (1.5 - a) / 4 + a**3 - 2 * a
    trace = gl.explain(out)
    text = " ".join(trace.to_text().split())
    assert "t1 = 1.5 - a = 1.5 - 2 = -0.5" in text
    assert "t2 = t1/4" in text
    assert "t3 = a^3" in text
    assert trace.gradient("a") == pytest.approx(-0.25 + 12 - 2, rel=1e-12)  # d/da by hand
    assert trace.check().passed


def test_a_function_with_a_known_loss_writes_the_loss_formula():
    w = gl.Tensor(0.3, requires_grad=True, name="w")
    trace = gl.explain(lambda x: (x * w).sigmoid(), 2.0, 1.0, loss="bce", lr=0.5)
    text = " ".join(trace.to_text().split())
    assert "L = -(y·log(ŷ) + (1 - y) · log(1 - ŷ))" in text
    assert "∂L/∂ŷ = (ŷ - y)/(ŷ · (1 - ŷ))" in text
    tw = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(
        torch.sigmoid(2.0 * tw), torch.tensor(1.0, dtype=torch.float64)
    ).backward()
    assert trace.gradient("w") == pytest.approx(tw.grad.item(), rel=1e-12)


def test_a_custom_module_is_explained_as_a_graph():
    class Scale(gl.nn.Module):
        def __init__(self):
            super().__init__()
            self.k = gl.nn.Parameter(1.5)

        def forward(self, x):
            return (x * self.k).sum()

    trace = gl.explain(Scale(), [1.0, 2.0], 4.0, loss="mse", lr=0.1)
    # d/dk (3k - 4)^2 = 2 (3k - 4) 3 = 6 (4.5 - 4) = 3
    assert trace.gradient("k") == pytest.approx(3.0, rel=1e-12)
    assert trace.summary is not None  # a vector node: one row per operation


def test_graph_errors_are_clear():
    w = gl.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="scalar"):
        gl.explain(w * 2)
    with pytest.raises(ValueError, match="requires a gradient"):
        gl.explain(gl.Tensor(1.0) * 2)
    with pytest.raises(TypeError, match="Module"):
        gl.explain(42, [1.0], [1.0])
    with pytest.raises(ValueError, match="names="):
        gl.explain(lambda x: (x * w).sum(), [1.0, 1.0], names={"inputs": ["a"]})
