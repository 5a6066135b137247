"""The loop's hooks that the scikit-learn estimators use, each against an independent oracle:
weighted batches, a given epoch order, the L2 penalty, samples_seen (PyTorch), and the
Plateau rule in both modes, with its reaction and its best weights (scikit-learn's own rule).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.neural_network import MLPRegressor
from training_oracles import X_LINE, torch_epoch, torch_line_trajectory

import gradlab as gl
from gradlab.training import Trainer
from gradlab.training.data import Batches
from gradlab.training.penalty import L2Penalty
from gradlab.training.stopping import Plateau
from gradlab.training.validation import Score


class SklearnRule:
    """scikit-learn's own tol / n_iter_no_change bookkeeping (its MLP's private method)."""

    def __init__(self, tol: float, early_stopping: bool) -> None:
        self.early_stopping = early_stopping
        self.oracle = MLPRegressor(tol=tol, verbose=False)
        self.oracle.best_loss_, self.oracle.best_validation_score_ = np.inf, -np.inf
        self.oracle._no_improvement_count = 0
        self.oracle.loss_curve_, self.oracle.validation_scores_ = [], []
        self.oracle.coefs_, self.oracle.intercepts_ = [], []

    def update(self, value: float) -> None:
        self.oracle.loss_curve_.append(value)
        self.oracle._score = lambda X, y, sample_weight=None: value
        self.oracle._update_no_improvement_count(self.early_stopping, None, None, None)

    @property
    def count(self) -> int:
        return self.oracle._no_improvement_count

    @property
    def best(self) -> float:
        o = self.oracle
        return o.best_validation_score_ if self.early_stopping else o.best_loss_


@pytest.mark.parametrize("mode", ["min", "max"])
def test_plateau_counts_and_keeps_the_best_like_scikit_learn(mode: str) -> None:
    values = [1.0, 0.9, 0.95, 0.899, math.nan, 0.5, 0.5, 0.6, 0.45, 0.455, 0.2, 0.2]
    oracle = SklearnRule(tol=0.01, early_stopping=mode == "max")
    rule = Plateau(0.01, 10, "val_score" if mode == "max" else "loss", mode)
    for value in values:
        oracle.update(value)
        rule.update(value)
        assert rule.count == oracle.count
        assert rule.best == oracle.best


def weighted_half_mse(prediction: gl.Tensor, target: gl.Tensor, sample_weight: np.ndarray):
    scale = gl.Tensor((0.5 * sample_weight / sample_weight.sum())[:, None])
    return ((prediction - target) ** 2 * scale).sum()


def test_weighted_batches_given_order_and_l2_penalty_match_torch() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(10, 3)), rng.normal(size=(10, 1))
    weights = rng.uniform(0.5, 2.0, 10)
    unweighted = [2, 4, 5, 7]
    weights[unweighted] = 0.0
    orders = [rng.permutation(10) for _ in range(3)]
    # The second epoch starts with a batch of weight 0: skipped, and counted with loss 0.
    orders[1] = np.array([*unweighted, *(i for i in orders[1] if i not in unweighted)])
    W0, b0 = rng.normal(size=(3, 1)), rng.normal(size=1)
    alpha, lr = 0.3, 0.1

    model = gl.nn.Linear.from_values(W0, bias=b0)
    epoch_orders = iter(orders)
    batches = Batches(
        X, y, 4, False, None, sample_weight=weights, order=lambda n: next(epoch_orders)
    )
    trainer = Trainer(
        model, weighted_half_mse, gl.optim.SGD(model.parameters(), lr=lr, momentum=0.9),
        batches, epochs=3, penalty=L2Penalty([model.weight], alpha), samples_seen=5,
    )  # fmt: skip
    history = trainer.run()

    # PyTorch: the same batches, the zero-weight one skipped, L = weighted half MSE plus
    # alpha / (2 S) ||W||^2 with S the batch's weight; the epoch loss is the size-weighted mean.
    W = torch.tensor(W0, requires_grad=True)
    b = torch.tensor(b0, requires_grad=True)
    optimizer = torch.optim.SGD([W, b], lr=lr, momentum=0.9)

    def batch_loss(index: np.ndarray) -> torch.Tensor | None:
        s = torch.tensor(weights[index])
        if float(s.sum()) == 0:
            return None
        xb, yb, S = torch.tensor(X[index]), torch.tensor(y[index]), s.sum()
        loss = 0.5 * ((xb @ W + b - yb) ** 2 * (s / S)[:, None]).sum()
        return loss + alpha / (2 * S) * (W**2).sum()

    epoch_losses = [
        torch_epoch(optimizer, (order[i : i + 4] for i in range(0, 10, 4)), batch_loss, 10)
        for order in orders
    ]
    np.testing.assert_allclose(history.history["loss"], epoch_losses, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.weight.data, W.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(model.bias.data, b.detach().numpy(), rtol=1e-12, atol=1e-14)
    assert trainer.samples_seen == 5 + 3 * 10


def test_score_plateau_reaction_and_best_weights_match_the_oracles() -> None:
    model = gl.nn.Linear.from_values([[0.0]], bias=[0.0])

    def score() -> float:
        prediction = X_LINE @ model.weight.data + model.bias.data
        return -float(np.mean((prediction - X_LINE) ** 2))

    reactions = []

    def on_plateau() -> bool:  # go on the first time (as "adaptive" does), then stop
        reactions.append(len(reactions))
        return len(reactions) == 2

    rule = Plateau(1e-3, 2, "val_score", "max", on_plateau=on_plateau, restore_best=True)
    history = Trainer(
        model, gl.losses.get("mse"), gl.optim.SGD(model.parameters(), lr=0.1),
        Batches(X_LINE, 2 * X_LINE, 8, False, None), epochs=200,
        validation=Score("val_score", score), plateau=rule,
    ).run()  # fmt: skip

    val_losses, weights = torch_line_trajectory(200)
    scores = [-value for value in val_losses]  # the score: minus the mean squared error
    oracle, reached, stop = SklearnRule(tol=1e-3, early_stopping=True), 0, -1
    for epoch, value in enumerate(scores):
        oracle.update(value)
        if oracle.count > 2:
            reached += 1
            if reached == 2:
                stop = epoch
                break
            oracle.oracle._no_improvement_count = 0
    assert stop > 0 and reactions == [0, 1]
    assert history.stop_reason == "tol" and "val_score did not improve" in history.stop_message
    np.testing.assert_allclose(
        history.history["val_score"], scores[: stop + 1], rtol=1e-12, atol=1e-14
    )
    best = int(np.argmax(scores[: stop + 1]))
    assert rule.best == pytest.approx(scores[best], rel=1e-12)
    np.testing.assert_allclose(
        [model.weight.data[0, 0], model.bias.data[0]], weights[best], rtol=1e-12, atol=1e-12
    )


def test_a_plateau_must_watch_a_logged_value() -> None:
    model = gl.nn.Linear.from_values([[0.0]])
    with pytest.raises(ValueError, match="monitors 'val_score'"):
        Trainer(
            model, gl.losses.get("mse"), gl.optim.SGD(model.parameters()),
            Batches(X_LINE, X_LINE, 8, False, None), epochs=1,
            plateau=Plateau(0.0, 1, "val_score", "max"),
        )  # fmt: skip
