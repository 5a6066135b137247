"""What the notebook test's model and training must show, computed by PyTorch in float64."""

from __future__ import annotations

import torch

# A 2-2-1 sigmoid network with typed-in weights (layout x @ W + b, as gradlab's Linear).
W1 = [[0.15, -0.25], [0.2, 0.3]]
B1 = [0.35, -0.1]
W2 = [[0.4], [-0.45]]
B2 = [0.6]
X = [[0.05, 0.1]]
Y = [[0.01]]
# A linear model trained by full-batch SGD on four points.
LINEAR_W = [[0.5], [-0.3]]
LINEAR_B = [0.1]
LINEAR_X = [[1.0, 2.0], [0.0, -1.0], [3.0, 0.5], [-2.0, 1.0]]
LINEAR_Y = [[1.0], [0.0], [2.0], [-1.0]]
LR = 0.05
EPOCHS = 3


def _t(values: list, grad: bool = False) -> torch.Tensor:
    return torch.tensor(values, dtype=torch.float64, requires_grad=grad)


def network_gradients() -> dict[str, float]:
    """dL/dθ of the 2-2-1 sigmoid network's mean squared error, by gradlab's entry names."""
    w1, b1, w2, b2 = _t(W1, True), _t(B1, True), _t(W2, True), _t(B2, True)
    out = torch.sigmoid(torch.sigmoid(_t(X) @ w1 + b1) @ w2 + b2)
    ((out - _t(Y)) ** 2).mean().backward()
    names: dict[str, float] = {}
    for label, p in (("W1", w1), ("b1", b1), ("W2", w2), ("b2", b2)):
        assert p.grad is not None
        for index, value in zip(_indices(p), p.grad.reshape(-1).tolist(), strict=True):
            names[f"{label}[{index}]"] = value
    return names


def _indices(p: torch.Tensor) -> list[str]:
    if p.ndim == 1:
        return [str(i) for i in range(p.shape[0])]
    return [f"{i},{j}" for i in range(p.shape[0]) for j in range(p.shape[1])]


def linear_losses() -> list[float]:
    """The mean squared error at the start of each epoch of full-batch SGD (what History
    records: the epoch's batch loss, computed before that batch's update)."""
    w, b = _t(LINEAR_W, True), _t(LINEAR_B, True)
    losses = []
    for _ in range(EPOCHS):
        loss = ((_t(LINEAR_X) @ w + b - _t(LINEAR_Y)) ** 2).mean()
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            for p in (w, b):
                assert p.grad is not None
                p -= LR * p.grad
                p.grad = None
    return losses
