"""One full-batch step of the MLP estimators against PyTorch (float64) doing the same math.

``warm_start`` fixes the starting weights W0; one epoch of solver='gd' without momentum is
W1 = W0 - lr * dL/dW0 with L the data loss plus alpha / (2 S) ||W||^2. PyTorch computes
dL/dW0 independently, for every output kind and for gradlab's extra activations.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
import torch
from sklearn.exceptions import ConvergenceWarning

from gradlab.sklearn import MLPClassifier, MLPRegressor

TORCH_ACTIVATIONS = {
    "relu": torch.relu,
    "tanh": torch.tanh,
    "logistic": torch.sigmoid,
    "identity": lambda z: z,
    "leaky_relu": lambda z: torch.nn.functional.leaky_relu(z, 0.01),
    "softplus": torch.nn.functional.softplus,
}


def torch_loss(kind: str, z: torch.Tensor, y: np.ndarray) -> torch.Tensor:
    """Per-sample loss, scikit-learn's conventions, from PyTorch's own functions."""
    F = torch.nn.functional
    if kind == "softmax":
        return F.cross_entropy(z, torch.as_tensor(y), reduction="none")
    target = torch.as_tensor(y, dtype=torch.float64).reshape(z.shape)
    if kind == "logistic":
        return F.binary_cross_entropy_with_logits(z, target, reduction="none").sum(1)
    if kind == "identity":
        return 0.5 * ((z - target) ** 2).sum(1)
    return F.poisson_nll_loss(z, target, log_input=True, full=False, reduction="none").sum(1)


def one_step(estimator: Any, X: np.ndarray, y: np.ndarray, weights: np.ndarray) -> None:
    estimator.set_params(max_iter=1, warm_start=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        estimator.fit(X, y, sample_weight=weights)  # sets W0
        start = [p.copy() for p in estimator.coefs_ + estimator.intercepts_]
        estimator.fit(X, y, sample_weight=weights)  # W1 = W0 - lr grad
    n_layers = len(estimator.coefs_)
    params = [torch.tensor(p, requires_grad=True) for p in start]
    coefs, intercepts = params[:n_layers], params[n_layers:]
    act = TORCH_ACTIVATIONS[estimator.activation]
    h = torch.as_tensor(X)
    for i in range(n_layers):
        h = h @ coefs[i] + intercepts[i]
        if i < n_layers - 1:
            h = act(h)
    w = torch.as_tensor(weights)
    kind = estimator.out_activation_
    if kind == "softmax" or (kind == "logistic" and y.ndim == 1):  # labels to class indices
        y = np.searchsorted(estimator.classes_, y)
    loss = (torch_loss(kind, h, y) * w).sum() / w.sum()
    loss = loss + estimator.alpha / (2 * w.sum()) * sum((c**2).sum() for c in coefs)
    loss.backward()
    lr = estimator.learning_rate_init
    for ours, p in zip(estimator.coefs_ + estimator.intercepts_, params, strict=True):
        expected = (p - lr * p.grad).detach().numpy()
        np.testing.assert_allclose(ours, expected, rtol=1e-10, atol=1e-12)


def data(n_outputs: int = 1) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 4))
    y = X @ rng.normal(size=(4, n_outputs)) + 0.1 * rng.normal(size=(30, n_outputs))
    weights = rng.integers(1, 4, 30).astype(float)
    return X, y, weights


SETTINGS = dict(solver="gd", momentum=0.0, learning_rate_init=0.3, alpha=0.5, random_state=0)


@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
def test_multiclass_step_matches_torch(activation: str) -> None:
    X, y, weights = data()
    labels = np.digitize(y[:, 0], [-1.0, 1.0])
    clf = MLPClassifier((5, 3), activation=activation, **SETTINGS)
    one_step(clf, X, labels, weights)
    assert clf.out_activation_ == "softmax"


@pytest.mark.parametrize("multilabel", [False, True], ids=["binary", "multilabel"])
def test_logistic_step_matches_torch(multilabel: bool) -> None:
    X, y, weights = data(3 if multilabel else 1)
    labels = (y > 0).astype(int) if multilabel else np.where(y[:, 0] > 0, "b", "a")
    clf = MLPClassifier((5,), activation="tanh", **SETTINGS)
    one_step(clf, X, labels, weights)
    assert clf.out_activation_ == "logistic"


@pytest.mark.parametrize("n_outputs", [1, 2])
@pytest.mark.parametrize("loss", ["squared_error", "poisson"])
def test_regression_step_matches_torch(n_outputs: int, loss: str) -> None:
    X, y, weights = data(n_outputs)
    if loss == "poisson":
        y = np.exp(y / 4)
    reg = MLPRegressor(loss, (5,), activation="softplus", **SETTINGS)
    one_step(reg, X, y[:, 0] if n_outputs == 1 else y, weights)
