"""Independent oracles for the training tests: the same networks written directly in PyTorch.

Only initial weights (inputs of the experiment) are copied from gradlab models; every expected
number comes from PyTorch's own forward, autograd and optimizers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch

ACTIVATIONS = {
    "identity": lambda z: z,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
}


class TorchMLP:
    """x -> act(x @ W1 + b1) -> ... with gradlab's (in, out) weight layout, in float64."""

    def __init__(self, state: dict[str, np.ndarray], activations: list[str], dtype=torch.float64):
        names = sorted({k.split(".")[0] for k in state}, key=int)
        self.layers = []
        for name in names:
            weight = torch.tensor(state[f"{name}.weight"], dtype=dtype, requires_grad=True)
            bias_value = state.get(f"{name}.bias")
            bias = (
                None
                if bias_value is None
                else torch.tensor(bias_value, dtype=dtype, requires_grad=True)
            )
            self.layers.append((weight, bias))
        self.activations = [ACTIVATIONS[a] for a in activations]
        self.dtype = dtype

    def parameters(self) -> list[torch.Tensor]:
        """In gradlab's named_parameters order: 0.weight, 0.bias, 2.weight, 2.bias, ..."""
        return [t for layer in self.layers for t in layer if t is not None]

    def __call__(self, x) -> torch.Tensor:
        out = torch.as_tensor(np.asarray(x), dtype=self.dtype)
        for (weight, bias), activation in zip(self.layers, self.activations, strict=True):
            out = out @ weight
            if bias is not None:
                out = out + bias
            out = activation(out)
        return out

    def numpy_parameters(self) -> list[np.ndarray]:
        return [p.detach().numpy().copy() for p in self.parameters()]


def gradlab_parameters(model) -> list[np.ndarray]:
    return [p.data.copy() for p in model.parameters()]


#: The line of the early-stopping tests: fit y = 2x while validating on y = x.
X_LINE = np.linspace(-1.0, 1.0, 8).reshape(-1, 1)


def torch_line_trajectory(epochs: int) -> tuple[list[float], list[tuple[float, float]]]:
    """Full-batch SGD (lr 0.1) on y = 2x from w = b = 0: the val_loss on y = x and (w, b) per
    epoch."""
    w = torch.zeros((1, 1), dtype=torch.float64, requires_grad=True)
    b = torch.zeros(1, dtype=torch.float64, requires_grad=True)
    optimizer = torch.optim.SGD([w, b], lr=0.1)
    x = torch.tensor(X_LINE)
    val_losses, weights = [], []
    for _ in range(epochs):
        loss = ((x @ w + b - 2 * x) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        with torch.no_grad():
            val_losses.append(((x @ w + b - x) ** 2).mean().item())
        weights.append((w.item(), b.item()))
    return val_losses, weights


def torch_epoch(
    optimizer: torch.optim.Optimizer,
    batches: Iterable[np.ndarray],
    batch_loss: Callable[[np.ndarray], torch.Tensor | None],
    n: int,
) -> float:
    """One epoch of ``optimizer`` over the index ``batches``; the size-weighted mean loss.

    ``batch_loss(index)`` returning None skips the batch (it counts with loss 0).
    """
    total = 0.0
    for index in batches:
        loss = batch_loss(index)
        if loss is None:
            continue
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        total += loss.item() * len(index)
    return total / n
