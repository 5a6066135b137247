"""The 2-2-1 sigmoid network derived with SymPy (one shared bias) as a SymPy formula and as an
engine graph.

Oracles: the tutorial's printed figures (initial output 0.649864477526152; 0.999453185534398 after
its 999 one-after-another updates), PyTorch float64 for the derivatives and the usual
simultaneous update (0.99945509 at 8 decimals).
"""

import pytest
import sympy
import torch
from explain_worked_models import (
    SIGMOID_2_2_1_INITIAL,
    sigmoid_2_2_1_network,
    sigmoid_2_2_1_parameters,
)

import gradlab as gl

X = gl.Tensor([0.35, 0.9])
ORDER = list(SIGMOID_2_2_1_INITIAL)  # w0, w13, ..., w45: the tutorial's update order


def torch_loss_gradients():
    w = {
        k: torch.tensor(v, dtype=torch.float64, requires_grad=True)
        for k, v in SIGMOID_2_2_1_INITIAL.items()
    }
    x1, x2 = 0.35, 0.9
    f3 = torch.sigmoid((x1 * w["w13"] + w["w0"]) + (x2 * w["w23"] + w["w0"]))
    f4 = torch.sigmoid((x1 * w["w14"] + w["w0"]) + (x2 * w["w24"] + w["w0"]))
    f5 = torch.sigmoid((f3 * w["w35"] + w["w0"]) + (f4 * w["w45"] + w["w0"]))
    (-torch.log(f5)).backward()
    return {k: v.grad.item() for k, v in w.items()}


@pytest.fixture(scope="module")
def symbolic_view():
    w = sigmoid_2_2_1_parameters()
    return gl.symbolic.build(sigmoid_2_2_1_network(w), X, 1.0, loss="bce", params=w)


def test_initial_output_is_the_seeds(symbolic_view):
    assert symbolic_view.evaluate(symbolic_view.output) == pytest.approx(
        0.649864477526152, abs=1e-12
    )


def test_formula_is_the_seeds(symbolic_view):
    # The tutorial's SymPy code, typed in: z3 = (x1*w13+w0) + (x2*w23+w0), f3 = 1/(1+e**(-z3)), ...
    w0, w13, w14, w23, w24, w35, w45 = sympy.symbols("w0 w13 w14 w23 w24 w35 w45", real=True)
    x1, x2 = sympy.Float(0.35), sympy.Float(0.9)
    f3 = 1 / (1 + sympy.exp(-((x1 * w13 + w0) + (x2 * w23 + w0))))
    f4 = 1 / (1 + sympy.exp(-((x1 * w14 + w0) + (x2 * w24 + w0))))
    f5 = 1 / (1 + sympy.exp(-((f3 * w35 + w0) + (f4 * w45 + w0))))
    assert symbolic_view.output == f5
    # For y = 1 the tutorial's L = -y*log(f5) - (1-y)*log(1-f5) is -log f5.
    assert symbolic_view.loss == -sympy.log(f5)


def test_every_symbolic_derivative_matches_pytorch(symbolic_view):
    expected = torch_loss_gradients()
    for name, value in expected.items():
        assert symbolic_view.gradient_value(name) == pytest.approx(value, rel=1e-12, abs=1e-15)
    rows = symbolic_view.check()
    assert [r.name for r in rows] == ORDER


def test_explain_sums_the_six_uses_of_w0():
    w = sigmoid_2_2_1_parameters()
    trace = gl.explain(sigmoid_2_2_1_network(w), X, 1.0, loss="bce", lr=0.3, params=w)
    expected = torch_loss_gradients()
    for name, value in expected.items():
        assert trace.gradient(name) == pytest.approx(value, rel=1e-12, abs=1e-15)
    (row,) = trace.find("∂L/∂w0", section="gradient")
    assert row.formula is not None and row.symbolic().count("∂L/∂") == 6
    assert trace.value("L") == pytest.approx(
        -torch.log(torch.tensor(0.649864477526152, dtype=torch.float64)).item(), rel=1e-12
    )
    assert trace.check().passed


def _bce(f):
    return gl.binary_cross_entropy(f(X), 1.0)


def test_999_one_after_another_updates_give_the_seeds_output():
    # The tutorial's loop: each update sees the previous ones; its stop criterion is computed once,
    # before the loop, so it always runs 999 iterations. The engine recomputes the gradient
    # after every single update.
    w = sigmoid_2_2_1_parameters()
    f = sigmoid_2_2_1_network(w)
    for _ in range(999):
        for name in ORDER:
            for p in w.values():
                p.grad = None
            _bce(f).backward()
            with gl.no_grad():
                w[name].data -= 0.3 * w[name].grad
    with gl.no_grad():
        assert f(X).item() == pytest.approx(0.999453185534398, abs=1e-9)


def test_999_simultaneous_updates():
    w = sigmoid_2_2_1_parameters()
    f = sigmoid_2_2_1_network(w)
    optimizer = gl.optim.SGD(list(w.values()), lr=0.3)
    for _ in range(999):
        optimizer.zero_grad()
        _bce(f).backward()
        optimizer.step()
    with gl.no_grad():
        assert round(f(X).item(), 8) == 0.99945509
