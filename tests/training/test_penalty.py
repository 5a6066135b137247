"""The weight penalties against PyTorch in float64: L1 (and L2) through the loop, value and
gradient, a weight at exactly 0 included (PyTorch's ``abs`` takes the subgradient 0 there)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import gradlab as gl
from gradlab.training import Trainer
from gradlab.training.data import Batches
from gradlab.training.penalty import PENALTIES, L1Penalty, L2Penalty


def torch_term(name: str, W: torch.Tensor) -> torch.Tensor:
    return W.abs().sum() if name == "l1" else 0.5 * (W**2).sum()


@pytest.mark.parametrize("name", ["l1", "l2"])
def test_value_and_gradient_match_torch(name: str) -> None:
    rng = np.random.default_rng(1)
    values = [rng.normal(size=(3, 2)), rng.normal(size=(2, 1))]
    values[0][1, 0] = 0.0
    params = [gl.nn.Parameter(v.copy()) for v in values]
    penalty = PENALTIES[name](params, alpha=0.7)
    for p in params:
        p.grad = np.ones_like(p.data)  # the penalty adds to what the backward pass left
    penalty.add_gradient(total=4.0)

    tensors = [torch.tensor(v, requires_grad=True) for v in values]
    total = 0.7 / 4.0 * sum(torch_term(name, W) for W in tensors)
    total.backward()
    np.testing.assert_allclose(penalty.value(4.0), float(total.detach()), rtol=1e-14, atol=1e-15)
    for p, W in zip(params, tensors, strict=True):
        np.testing.assert_allclose(p.grad, 1.0 + W.grad.numpy(), rtol=1e-14, atol=1e-15)


def test_l1_through_the_loop_matches_torch() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(9, 3)), rng.normal(size=(9, 1))
    W0, b0 = rng.normal(size=(3, 1)), rng.normal(size=1)
    W0[2, 0] = 0.0
    alpha, lr = 0.2, 0.05
    orders = [rng.permutation(9) for _ in range(2)]

    model = gl.nn.Linear.from_values(W0, bias=b0)
    epoch_orders = iter(orders)
    batches = Batches(X, y, 4, False, None, order=lambda n: next(epoch_orders))
    trainer = Trainer(
        model, gl.losses.get("mse"), gl.optim.Adam(model.parameters(), lr=lr), batches, epochs=2,
        penalty=L1Penalty([model.weight], alpha),
    )  # fmt: skip
    history = trainer.run()

    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    optimizer = torch.optim.Adam([W, b], lr=lr)
    epoch_losses = []
    for order in orders:
        total = 0.0
        for start in range(0, 9, 4):
            rows = order[start : start + 4]
            xb, yb = torch.tensor(X[rows]), torch.tensor(y[rows])
            loss = ((xb @ W + b - yb) ** 2).mean() + alpha / len(rows) * W.abs().sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(rows)
        epoch_losses.append(total / 9)
    np.testing.assert_allclose(history.history["loss"], epoch_losses, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.weight.data, W.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.bias.data, b.detach().numpy(), rtol=1e-12, atol=1e-14)


def test_the_names() -> None:
    assert {"l1": L1Penalty, "l2": L2Penalty} == PENALTIES
