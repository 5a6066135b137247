"""Stopping rules: max epochs, scikit-learn's tol / n_iter_no_change, the step-size criterion
of the 2-2-1 sigmoid network derived with SymPy, and EarlyStopping with restored weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.neural_network import MLPRegressor
from training_oracles import X_LINE, TorchMLP, torch_line_trajectory

import gradlab as gl


def test_tol_and_n_iter_no_change_stop_where_scikit_learn_stops():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20, 2))
    y = X[:, 0] - 2 * X[:, 1] + 0.1 * rng.normal(size=20)
    reference = MLPRegressor(
        hidden_layer_sizes=(3,), activation="tanh", solver="sgd", learning_rate_init=0.05,
        momentum=0.0, nesterovs_momentum=False, alpha=0.0, batch_size=20, shuffle=False,
        tol=1e-3, n_iter_no_change=4, max_iter=1000, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert reference.n_iter_ < 1000  # it stopped on tol, not on max_iter

    # scikit-learn's initial weights (its _init_coef: Glorot uniform, coef then intercept per
    # layer, from RandomState(0)), typed into gradlab's MLP.
    draw = np.random.RandomState(0)
    bound1, bound2 = np.sqrt(6 / (2 + 3)), np.sqrt(6 / (3 + 1))
    state = {
        "0.weight": draw.uniform(-bound1, bound1, (2, 3)),
        "0.bias": draw.uniform(-bound1, bound1, 3),
        "2.weight": draw.uniform(-bound2, bound2, (3, 1)),
        "2.bias": draw.uniform(-bound2, bound2, 1),
    }
    model = gl.nn.MLP(2, [3], 1, activation="tanh")
    model.load_state_dict(state)

    def half_mse(prediction, target):  # scikit-learn's squared_error loss: mean / 2
        return 0.5 * gl.squared_error(prediction, target)

    history = gl.fit(
        model, X, y, loss=half_mse, lr=0.05, epochs=1000, tol=1e-3, n_iter_no_change=4,
        verbose=0,
    )  # fmt: skip
    assert len(history.epoch) == reference.n_iter_
    np.testing.assert_allclose(
        history.history["loss"], reference.loss_curve_, rtol=1e-10, atol=1e-12
    )
    assert history.stop_reason == "tol"
    assert "tol=0.001" in history.stop_message


def test_tol_counts_epochs_without_improvement_like_scikit_learn():
    # A learning rate of 0 keeps the loss constant: the first epoch sets the best loss, and
    # scikit-learn stops once more than n_iter_no_change epochs in a row did not improve.
    X = np.array([[0.0], [1.0], [2.0]])
    y = np.array([1.0, 0.0, 1.0])
    model = gl.nn.MLP(1, [2], 1, rng=0)
    history = gl.fit(model, X, y, lr=0.0, epochs=50, tol=1e-4, n_iter_no_change=3, verbose=0)
    assert len(history.epoch) == 1 + 3 + 1
    assert history.stop_reason == "tol"


def sigmoid_2_2_1_network() -> gl.nn.Sequential:
    # The 2-2-1 sigmoid network derived with SymPy; its one shared bias w0 = 0.1 enters each
    # neuron twice (z3 = (x1 w13 + w0) + (x2 w23 + w0)), so each neuron starts with bias 0.2, here
    # untied.
    return gl.nn.Sequential(
        gl.nn.Linear.from_values([[0.2, 0.8], [0.6, 0.4]], bias=[0.2, 0.2]),
        gl.nn.Sigmoid(),
        gl.nn.Linear.from_values([[0.1], [0.5]], bias=[0.2]),
        gl.nn.Sigmoid(),
    )


def test_step_tol_is_the_shared_bias_tutorial_criterion_and_matches_torch():
    x = [[0.35, 0.9]]
    model = sigmoid_2_2_1_network()
    # The tutorial's "Results of random parameters": 0.649864477526152.
    assert gl.predict(model, x)[0, 0] == pytest.approx(0.649864477526152, abs=1e-12)

    history = gl.fit(
        model, x, [1.0], loss="bce", optimizer="sgd", lr=0.3, epochs=5000, step_tol=0.001,
        verbose=0,
    )  # fmt: skip

    # PyTorch: gradient descent until every |step| < 0.001 (the tutorial's stop_criteria).
    net = TorchMLP(sigmoid_2_2_1_network().state_dict(), ["sigmoid", "sigmoid"])
    optimizer = torch.optim.SGD(net.parameters(), lr=0.3)
    target = torch.tensor([[1.0]], dtype=torch.float64)
    for epoch in range(5000):  # noqa: B007
        before = [p.detach().clone() for p in net.parameters()]
        loss = torch.nn.functional.binary_cross_entropy(net(x), target)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        step = max(
            (p.detach() - b).abs().max().item()
            for p, b in zip(net.parameters(), before, strict=True)
        )
        if step < 0.001:
            break
    assert epoch < 4999
    assert len(history.epoch) == epoch + 1
    assert history.stop_reason == "step_tol"
    for ours, theirs in zip(model.parameters(), net.numpy_parameters(), strict=True):
        np.testing.assert_allclose(ours.data, theirs, rtol=1e-10, atol=1e-12)


def test_max_epochs_is_the_stop_reason_when_nothing_else_fires():
    model = gl.nn.MLP(1, [2], 1, rng=0)
    history = gl.fit(model, [[0.0], [1.0]], [0.0, 1.0], epochs=3, tol=0.0, verbose=0)
    assert history.stop_reason == "max_epochs"
    assert history.epoch == [0, 1, 2]
    assert "3 epochs" in history.stop_message


# EarlyStopping: fit y = 2x while validating on y = x, so val_loss falls, then rises.
def line_model() -> gl.nn.Linear:
    return gl.nn.Linear.from_values([[0.0]], bias=[0.0])


@pytest.mark.parametrize("patience", [0, 3])
def test_early_stopping_stops_after_patience_and_restores_the_best_weights(patience):
    model = line_model()
    stop = gl.training.EarlyStopping(patience=patience, restore_best_weights=True)
    history = gl.fit(
        model, X_LINE, 2 * X_LINE, lr=0.1, epochs=200, validation_data=(X_LINE, X_LINE),
        callbacks=[stop], verbose=0,
    )  # fmt: skip
    val_losses, weights = torch_line_trajectory(200)
    # Keras's rule on the oracle's curve: stop at the first epoch that ends `patience`
    # epochs in a row without a new minimum (at the first non-improving one if patience=0).
    best = int(np.argmin(val_losses))
    assert all(np.diff(val_losses[: best + 1]) < 0)
    expected_stop = best + max(patience, 1)
    np.testing.assert_allclose(
        history.history["val_loss"], val_losses[: expected_stop + 1], rtol=1e-12, atol=1e-14
    )
    assert len(history.epoch) == expected_stop + 1
    assert history.stop_reason == "callback"
    assert stop.best_epoch == best and stop.stopped_epoch == expected_stop
    # The bias stays zero to rounding (the data is symmetric), so it needs an absolute tolerance.
    np.testing.assert_allclose(
        [model.weight.data[0, 0], model.bias.data[0]], weights[best], rtol=1e-12, atol=1e-12
    )


def test_early_stopping_without_restore_keeps_the_last_weights():
    model = line_model()
    gl.fit(
        model, X_LINE, 2 * X_LINE, lr=0.1, epochs=200, validation_data=(X_LINE, X_LINE),
        callbacks=[gl.training.EarlyStopping(patience=2)], verbose=0,
    )  # fmt: skip
    val_losses, weights = torch_line_trajectory(200)
    stop = int(np.argmin(val_losses)) + 2
    np.testing.assert_allclose(
        [model.weight.data[0, 0], model.bias.data[0]], weights[stop], rtol=1e-12, atol=1e-12
    )


def test_early_stopping_on_training_loss_with_min_delta():
    # The loss of y = 2x from w = 0 shrinks by a factor (1 - 0.1 * 2 E[x^2])^2 per epoch, so
    # improvements fall below min_delta after a known epoch.
    model = line_model()
    history = gl.fit(
        model, X_LINE, 2 * X_LINE, lr=0.1, epochs=500,
        callbacks=[gl.training.EarlyStopping(monitor="loss", min_delta=1e-3)], verbose=0,
    )  # fmt: skip
    losses = history.history["loss"]
    # Oracle: the epoch losses computed in closed form.
    mean_x2 = float(np.mean(X_LINE**2))
    factor = (1 - 0.1 * 2 * mean_x2) ** 2
    closed_form = [4 * mean_x2 * factor**e for e in range(len(losses))]
    np.testing.assert_allclose(losses, closed_form, rtol=1e-10, atol=1e-14)
    first_small = next(e for e in range(1, 500) if closed_form[e - 1] - closed_form[e] <= 1e-3)
    assert len(losses) == first_small + 1
