"""gradlab.symbolic: formulas built from the recorded graph, derivatives vs PyTorch float64."""

import numpy as np
import pytest
import sympy
import torch

import gradlab as gl

RNG = np.random.default_rng(7)
X = RNG.normal(size=(3, 2))

ACTIVATIONS = {
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "softplus": torch.nn.functional.softplus,
}


def torch_grads(model, loss_fn):
    params = [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]
    h = torch.tensor(X)
    k = 0
    for module in model:
        if isinstance(module, gl.nn.Linear):
            h = h @ params[k] + params[k + 1]
            k += 2
        elif module.name != "identity":
            h = ACTIVATIONS[module.name](h)
    loss_fn(h).backward()
    return [p.grad.numpy() for p in params]


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
def test_mlp_derivatives_match_pytorch(activation):
    model = gl.nn.MLP(2, [3], 2, activation=activation, rng=3)
    y = RNG.normal(size=(3, 2))
    sym = gl.symbolic.build(model, X, y, loss="mse")
    expected = torch_grads(model, lambda out: ((out - torch.tensor(y)) ** 2).mean())
    values = {name: sym.gradient_value(name) for name in sym.symbols}
    W1 = np.array([[values[f"W1[{i},{j}]"] for j in range(3)] for i in range(2)])
    b2 = np.array([values[f"b2[{j}]"] for j in range(2)])
    np.testing.assert_allclose(W1, expected[0], rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(b2, expected[3], rtol=1e-9, atol=1e-13)


def test_cross_entropy_with_class_indices_matches_pytorch():
    model = gl.nn.MLP(2, [2], 3, activation="tanh", rng=1)
    labels = np.array([0, 2, 1])
    sym = gl.symbolic.build(model, X, labels, loss="cross_entropy")
    expected = torch_grads(
        model, lambda out: torch.nn.functional.cross_entropy(out, torch.tensor(labels))
    )
    W2 = np.array([[sym.gradient_value(f"W2[{i},{j}]") for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(W2, expected[2], rtol=1e-9, atol=1e-13)


def test_output_expression_of_a_linear_neuron():
    model = gl.nn.Sequential(gl.nn.Linear.from_values([[2.0], [-1.0]], [0.5]), gl.nn.Sigmoid())
    output = gl.symbolic.expression(model, [3.0, 1.0])
    w00, w10, b = (sympy.Symbol(n, real=True) for n in ("W1[0,0]", "W1[1,0]", "b1[0]"))
    assert output == 1 / (1 + sympy.exp(-(3 * w00 + w10 + b)))


def test_user_names_become_the_symbols():
    model = gl.nn.Sequential(gl.nn.Linear.from_values([[2.0], [-1.0]], [0.5]))
    names = {"0.weight": [["w1"], ["w2"]], "0.bias": ["bias1"]}
    sym = gl.symbolic.build(model, [3.0, 1.0], [1.0], loss="half_sse", names=names)
    w1, w2, bias1 = sympy.symbols("w1 w2 bias1", real=True)
    assert sym.loss == (3 * w1 + w2 + bias1 - 1) ** 2 / 2
    assert sym.gradient("bias1") == 3 * w1 + w2 + bias1 - 1
    assert r"\mathrm{bias}_{1}" in sym.latex(sym.loss)


def test_folded_constants_and_operations_of_a_scalar_graph():
    a = gl.Tensor(0.7, requires_grad=True, name="a")
    b = gl.Tensor(-1.3, requires_grad=True, name="b")

    def f(_):
        return ((a * 3 - 1) ** 2 / 2 + (2 - b).exp() * a.tanh() - (b * b).sqrt()).relu()

    sym = gl.symbolic.build(f, 0.0)
    sa, sb = sympy.symbols("a b", real=True)
    expected = (3 * sa - 1) ** 2 / 2 + sympy.exp(2 - sb) * sympy.tanh(sa) - sympy.sqrt(sb * sb)
    point = {sa: 0.7, sb: -1.3}
    assert float(sym.output.subs(point)) == pytest.approx(float(expected.subs(point)), rel=1e-12)
    ta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.3, dtype=torch.float64, requires_grad=True)
    torch.relu((ta * 3 - 1) ** 2 / 2 + (2 - tb).exp() * ta.tanh() - (tb * tb).sqrt()).backward()
    assert sym.gradient_value("a") == pytest.approx(ta.grad.item(), rel=1e-12)
    assert sym.gradient_value("b") == pytest.approx(tb.grad.item(), rel=1e-12)


def test_reductions_and_indexing():
    w = gl.Tensor([[0.2, -0.4], [0.9, 0.1]], requires_grad=True, name="w")
    sym = gl.symbolic.build(lambda _: (w.sigmoid().sum(axis=0) * w[1]).mean(), 0.0)
    tw = torch.tensor(w.data, requires_grad=True)
    (torch.sigmoid(tw).sum(dim=0) * tw[1]).mean().backward()
    got = np.array([[sym.gradient_value(f"w[{i},{j}]") for j in range(2)] for i in range(2)])
    np.testing.assert_allclose(got, tw.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_check_raises_nothing_and_reports_rows():
    model = gl.nn.MLP(2, [2], 1, activation="sigmoid", output_activation="sigmoid", rng=0)
    rows = gl.symbolic.check(model, X, RNG.random((3, 1)), loss="bce")
    assert len(rows) == model.num_parameters()
    assert max(r.difference for r in rows) < 1e-12


def test_import_gradlab_does_not_import_sympy():
    import subprocess
    import sys

    code = (
        "import sys, gradlab; "
        "print([m for m in ('sympy', 'matplotlib', 'pandas') if m in sys.modules])"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
