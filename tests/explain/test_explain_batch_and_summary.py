"""Batches (per-sample rows, batch gradient as their mean or sum) and the large-network summary."""

import numpy as np
import pytest
import torch

import gradlab as gl

RNG = np.random.default_rng(11)
X = RNG.normal(size=(3, 2))
Y = RNG.normal(size=(3, 1))


def small_model():
    return gl.nn.Sequential(
        gl.nn.Linear.from_values([[0.3, -0.7], [0.5, 0.2]], [0.1, -0.2]),
        gl.nn.Tanh(),
        gl.nn.Linear.from_values([[0.6], [-0.4]], [0.05]),
    )


def torch_per_sample_and_batch(model, reduction):
    def grads(rows):
        params = [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]
        h = torch.tanh(torch.tensor(X[rows]) @ params[0] + params[1]) @ params[2] + params[3]
        diff = (h - torch.tensor(Y[rows])) ** 2
        (diff.mean() if reduction == "mean" else diff.sum()).backward()
        return params[0].grad.numpy()  # dL/dW1

    return [grads([n]) for n in range(3)], grads([0, 1, 2])


@pytest.mark.parametrize(("loss", "reduction"), [("mse", "mean"), ("sse", "sum")])
def test_batch_gradient_is_combination_of_per_sample_gradients(loss, reduction):
    trace = gl.explain(small_model(), X, Y, loss=loss, lr=0.1)
    per_sample, batch = torch_per_sample_and_batch(small_model(), reduction)
    for n in range(3):
        got = [
            [trace.value(f"∂L{_sup(n + 1)}/∂W1[{i},{j}]", sample=n + 1) for j in range(2)]
            for i in range(2)
        ]
        np.testing.assert_allclose(got, per_sample[n], rtol=1e-10, atol=1e-14)
    got = [[trace.gradient(f"W1[{i},{j}]") for j in range(2)] for i in range(2)]
    np.testing.assert_allclose(got, batch, rtol=1e-10, atol=1e-14)
    (row,) = trace.find("∂L/∂W1[0,1]", section="batch")
    expected = "(∂L⁽¹⁾/∂W1[0,1] + ∂L⁽²⁾/∂W1[0,1] + ∂L⁽³⁾/∂W1[0,1])"
    assert row.symbolic() == (expected + "/3" if reduction == "mean" else expected[1:-1])
    assert trace.check().passed
    assert "Sample 2 of 3 · Forward pass" in trace.to_text()


def _sup(n):
    return "⁽" + str(n).translate(str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")) + "⁾"


def test_a_callable_loss_reduction_is_recognised_from_the_batch():
    def summed(p, t):
        return gl.squared_error(p, t, reduction="sum")

    trace = gl.explain(small_model(), X, Y, loss=summed, lr=0.1)
    assert trace.reduction == "sum"
    assert trace.check().passed


def test_large_network_gets_a_per_layer_summary():
    model = gl.nn.MLP(6, [16, 8], 3, activation="relu", rng=0)
    x = RNG.normal(size=(4, 6))
    labels = np.array([0, 2, 1, 1])
    trace = gl.explain(model, x, labels, loss="cross_entropy", lr=0.05)
    assert trace.summary is not None and not trace.steps
    assert "too large to print" in trace.to_text()
    assert len(trace.summary) == 3
    # Oracle: PyTorch, layer 1's gradient norm and the output activation's norm.
    params = [torch.tensor(p.data, requires_grad=True) for p in model.parameters()]
    h1 = torch.relu(torch.tensor(x) @ params[0] + params[1])
    h2 = torch.relu(h1 @ params[2] + params[3])
    out = h2 @ params[4] + params[5]
    torch.nn.functional.cross_entropy(out, torch.tensor(labels)).backward()
    first, last = trace.summary[0], trace.summary[-1]
    assert first.shape == (4, 16) and last.shape == (4, 3)
    assert first.weight_grad_norm == pytest.approx(params[0].grad.norm().item(), rel=1e-10)
    assert last.activation_norm == pytest.approx(out.norm().item(), rel=1e-10)
    assert first.update_norm == pytest.approx(
        0.05 * torch.cat([params[0].grad.flatten(), params[1].grad]).norm().item(), rel=1e-10
    )
    records = trace.to_records()
    assert records[0]["name"].startswith("1: Linear(6→16)")
    full = gl.explain(model, x[:1], labels[:1], loss="cross_entropy", detail="full")
    assert full.summary is None and full.check().passed


def test_too_many_samples_also_summarise():
    trace = gl.explain(small_model(), RNG.normal(size=(20, 2)), RNG.normal(size=(20, 1)))
    assert trace.summary is not None and "max_samples=8" in trace.message


def test_softmax_output_deltas_sum_over_the_jacobian():
    model = gl.nn.Sequential(
        gl.nn.Linear.from_values([[0.2, -0.1, 0.4]], [0.0, 0.1, -0.1]), gl.nn.Softmax()
    )
    target = [[0.2, 0.5, 0.3]]
    trace = gl.explain(model, [[1.5]], target, loss="mse")
    z = torch.tensor(
        [[1.5 * 0.2, 1.5 * -0.1 + 0.1, 1.5 * 0.4 - 0.1]], dtype=torch.float64, requires_grad=True
    )
    target_t = torch.tensor(target, dtype=torch.float64)
    ((torch.softmax(z, dim=-1) - target_t) ** 2).mean().backward()
    for j in range(3):
        assert trace.value(f"δ1[{j}]") == pytest.approx(z.grad[0, j].item(), rel=1e-12)
    (row,) = trace.find("δ1[0]")
    assert row.symbolic().count("/∂z1[0] · ∂L/∂a1[") == 3


def test_float32_stays_float32():
    model = small_model().astype(np.float32)
    trace = gl.explain(model, X, Y, loss="mse", lr=0.1, step=True)
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert trace.check().passed
    params = [torch.tensor(p.data.astype(np.float64)) for p in small_model().parameters()]
    params = [p.float().requires_grad_() for p in params]
    h = torch.tanh(torch.tensor(X, dtype=torch.float32) @ params[0] + params[1])
    ((h @ params[2] + params[3] - torch.tensor(Y, dtype=torch.float32)) ** 2).mean().backward()
    assert trace.gradient("W1[1,0]") == pytest.approx(params[0].grad[1, 0].item(), rel=1e-5)
    assert model[0].weight.data[1, 0] == pytest.approx(
        0.5 - 0.1 * params[0].grad[1, 0].item(), rel=1e-6
    )


F = torch.nn.functional
TORCH_LOSSES = {
    "mse": lambda p, y: ((p - y) ** 2).mean(),
    "sse": lambda p, y: ((p - y) ** 2).sum(),
    "half_sse": lambda p, y: 0.5 * ((p - y) ** 2).sum(),
    "mae": lambda p, y: (p - y).abs().mean(),
    "huber": lambda p, y: F.huber_loss(p, y, delta=1.0),
    "bce": lambda p, y: F.binary_cross_entropy(torch.sigmoid(p), y),
    "bce_with_logits": F.binary_cross_entropy_with_logits,
    "hinge": lambda p, y: torch.clamp(1 - y * p, min=0).mean(),
}
TARGETS = {
    "bce": np.array([[1.0], [0.0], [1.0]]),
    "bce_with_logits": np.array([[1.0], [0.0], [1.0]]),
    "hinge": np.array([[1.0], [-1.0], [1.0]]),
}


@pytest.mark.parametrize("loss", sorted(TORCH_LOSSES))
def test_every_loss_gives_pytorchs_gradients(loss):
    model = small_model()
    if loss == "bce":
        model = gl.nn.Sequential(*model, gl.nn.Sigmoid())
    y = TARGETS.get(loss, 2 * Y)
    trace = gl.explain(model, X, y, loss=loss, lr=0.1)
    assert trace.check().passed and all(
        s.formula is not None for s in trace.steps if s.kind in ("loss", "dL/da", "batch_gradient")
    )
    params = [torch.tensor(p.data, requires_grad=True) for p in small_model().parameters()]
    out = torch.tanh(torch.tensor(X) @ params[0] + params[1]) @ params[2] + params[3]
    TORCH_LOSSES[loss](out, torch.tensor(y)).backward()
    got = [[trace.gradient(f"W1[{i},{j}]") for j in range(2)] for i in range(2)]
    np.testing.assert_allclose(got, params[0].grad.numpy(), rtol=1e-10, atol=1e-14)
    assert trace.gradient("b2[0]") == pytest.approx(params[3].grad[0].item(), rel=1e-10)


def test_cross_entropy_on_class_indices_gives_pytorchs_gradients():
    model = gl.nn.Sequential(gl.nn.Linear.from_values([[0.3, -0.2, 0.1], [0.0, 0.5, -0.4]]))
    labels = np.array([2, 0, 1])
    trace = gl.explain(model, X, labels, loss="cross_entropy")
    w = torch.tensor(model[0].weight.data, requires_grad=True)
    F.cross_entropy(torch.tensor(X) @ w, torch.tensor(labels)).backward()
    got = [[trace.gradient(f"W1[{i},{j}]") for j in range(3)] for i in range(2)]
    np.testing.assert_allclose(got, w.grad.numpy(), rtol=1e-10, atol=1e-14)
    assert trace.check().passed
