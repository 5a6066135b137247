"""`fit` against the same training written as a PyTorch loop (float64): batches, shuffling
order, optimizer steps, recorded losses and metrics, validation."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from training_oracles import TorchMLP, gradlab_parameters

import gradlab as gl


def regression_data(n: int = 10, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    return X, np.c_[np.sin(X[:, 0]) + X[:, 1], X[:, 2] ** 2]


def test_mini_batch_sgd_momentum_with_shuffling_matches_torch():
    X, Y = regression_data()
    model = gl.nn.MLP(3, [5], 2, activation="tanh", rng=0)
    net = TorchMLP(model.state_dict(), ["tanh", "identity"])
    history = gl.fit(
        model,
        X,
        Y,
        loss="mse",
        optimizer=gl.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        epochs=6,
        batch_size=4,
        rng=np.random.default_rng(42),
        verbose=0,
    )

    # The documented order: rng.permutation(n) drawn anew each epoch; batches of 4, 4, 2.
    order_rng = np.random.default_rng(42)
    optimizer = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    x, y = torch.tensor(X), torch.tensor(Y)
    expected_losses = []
    for _ in range(6):
        order = order_rng.permutation(10)
        total = 0.0
        for start in range(0, 10, 4):
            index = torch.as_tensor(order[start : start + 4])
            loss = ((net(x[index]) - y[index]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        expected_losses.append(total / 10)

    np.testing.assert_allclose(history.history["loss"], expected_losses, rtol=1e-12, atol=1e-14)
    for ours, theirs in zip(gradlab_parameters(model), net.numpy_parameters(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert history.params["steps"] == 3


def test_one_sample_at_a_time_in_order_matches_torch():
    # The Perceptron tutorial's loop: batch_size=1, samples in their given order.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(7, 2))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    model = gl.nn.MLP(2, [], 1, output_activation="sigmoid", rng=1)
    net = TorchMLP(model.state_dict(), ["sigmoid"])
    history = gl.fit(
        model, X, y, loss="bce", optimizer="sgd", lr=0.5, epochs=3, batch_size=1,
        shuffle=False, verbose=0,
    )  # fmt: skip

    optimizer = torch.optim.SGD(net.parameters(), lr=0.5)
    x, t = torch.tensor(X), torch.tensor(y).reshape(-1, 1)
    expected = []
    for _ in range(3):
        total = 0.0
        for i in range(7):
            loss = torch.nn.functional.binary_cross_entropy(net(x[i : i + 1]), t[i : i + 1])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        expected.append(total / 7)
    np.testing.assert_allclose(history.history["loss"], expected, rtol=1e-12, atol=1e-14)
    for ours, theirs in zip(gradlab_parameters(model), net.numpy_parameters(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)
    assert history.params["steps"] == 7


def test_cross_entropy_with_integer_labels_adam_and_accuracy_match_torch():
    rng = np.random.default_rng(3)
    X = rng.normal(size=(12, 4))
    labels = np.array([0, 1, 2] * 4)
    model = gl.nn.MLP(4, [6], 3, activation="relu", rng=3)
    net = TorchMLP(model.state_dict(), ["relu", "identity"])
    history = gl.fit(
        model,
        X,
        labels,
        loss="cross_entropy",
        optimizer="adam",
        lr=0.01,
        epochs=4,
        batch_size=5,
        rng=7,
        metrics=["accuracy"],
        verbose=0,
    )

    order_rng = np.random.default_rng(7)
    optimizer = torch.optim.Adam(net.parameters(), lr=0.01)
    x, t = torch.tensor(X), torch.tensor(labels)
    losses, accuracies = [], []
    for _ in range(4):
        order = order_rng.permutation(12)
        total = correct = 0.0
        for start in range(0, 12, 5):
            index = torch.as_tensor(order[start : start + 5])
            logits = net(x[index])
            loss = torch.nn.functional.cross_entropy(logits, t[index])
            correct += (logits.argmax(dim=1) == t[index]).sum().item()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item() * len(index)
        losses.append(total / 12)
        accuracies.append(correct / 12)
    np.testing.assert_allclose(history.history["loss"], losses, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.history["accuracy"], accuracies, atol=1e-12)
    for ours, theirs in zip(gradlab_parameters(model), net.numpy_parameters(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_validation_split_keeps_the_last_samples_and_matches_torch():
    X, Y = regression_data(n=10, seed=5)
    model = gl.nn.MLP(3, [4], 2, activation="sigmoid", rng=2)
    net = TorchMLP(model.state_dict(), ["sigmoid", "identity"])
    history = gl.fit(
        model, X, Y, loss="mse", optimizer="sgd", lr=0.2, epochs=5, validation_split=0.3,
        metrics=["mae"], verbose=0,
    )  # fmt: skip

    # 10 x 0.3 = 3 validation samples: the last three, before any shuffling.
    optimizer = torch.optim.SGD(net.parameters(), lr=0.2)
    x, y = torch.tensor(X), torch.tensor(Y)
    train_loss, val_loss, val_mae = [], [], []
    for _ in range(5):
        loss = ((net(x[:7]) - y[:7]) ** 2).mean()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        train_loss.append(loss.item())
        with torch.no_grad():
            out = net(x[7:])
            val_loss.append(((out - y[7:]) ** 2).mean().item())
            val_mae.append((out - y[7:]).abs().mean().item())
    assert history.params["samples"] == 7
    np.testing.assert_allclose(history.history["loss"], train_loss, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.history["val_loss"], val_loss, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.history["val_mae"], val_mae, rtol=1e-12, atol=1e-14)
    assert set(history.history) == {"loss", "mae", "val_loss", "val_mae"}


def test_validation_data_is_measured_after_each_epoch():
    X, Y = regression_data(n=8, seed=6)
    X_val, Y_val = regression_data(n=4, seed=7)
    model = gl.nn.MLP(3, [3], 2, activation="tanh", rng=4)
    net = TorchMLP(model.state_dict(), ["tanh", "identity"])
    history = gl.fit(
        model, X, Y, loss="sse", lr=0.01, epochs=3, validation_data=(X_val, Y_val), verbose=0
    )
    optimizer = torch.optim.SGD(net.parameters(), lr=0.01)
    expected_train, expected_val = [], []
    for _ in range(3):
        loss = ((net(X) - torch.tensor(Y)) ** 2).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        expected_train.append(loss.item())
        with torch.no_grad():
            expected_val.append(((net(X_val) - torch.tensor(Y_val)) ** 2).sum().item())
    np.testing.assert_allclose(history.history["loss"], expected_train, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(history.history["val_loss"], expected_val, rtol=1e-12, atol=1e-14)


def test_sum_reduction_adds_batch_losses_over_the_epoch():
    X, Y = regression_data(n=6, seed=8)
    model = gl.nn.MLP(3, [3], 2, activation="tanh", rng=5)
    net = TorchMLP(model.state_dict(), ["tanh", "identity"])
    history = gl.fit(
        model, X, Y, loss="half_sse", lr=0.05, epochs=2, batch_size=4, shuffle=False, verbose=0
    )
    optimizer = torch.optim.SGD(net.parameters(), lr=0.05)
    x, y = torch.tensor(X), torch.tensor(Y)
    expected = []
    for _ in range(2):
        total = 0.0
        for start in (0, 4):
            loss = 0.5 * ((net(x[start : start + 4]) - y[start : start + 4]) ** 2).sum()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += loss.item()
        expected.append(total)
    np.testing.assert_allclose(history.history["loss"], expected, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("batch_size", [None, 3])
def test_float32_stays_float32_and_matches_torch_float32(batch_size):
    X, Y = regression_data(n=6, seed=9)
    model = gl.nn.MLP(3, [4], 2, activation="tanh", rng=6, dtype=np.float32)
    net = TorchMLP(model.state_dict(), ["tanh", "identity"], dtype=torch.float32)
    gl.fit(
        model, X, Y, loss="mse", lr=0.1, epochs=3, batch_size=batch_size, shuffle=False,
        verbose=0,
    )  # fmt: skip
    assert all(p.dtype == np.float32 for p in model.parameters())
    assert gl.predict(model, X).dtype == np.float32

    optimizer = torch.optim.SGD(net.parameters(), lr=0.1)
    x, y = torch.tensor(X, dtype=torch.float32), torch.tensor(Y, dtype=torch.float32)
    k = 6 if batch_size is None else batch_size
    for _ in range(3):
        for start in range(0, 6, k):
            loss = ((net(x[start : start + k]) - y[start : start + k]) ** 2).mean()
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    for ours, theirs in zip(gradlab_parameters(model), net.numpy_parameters(), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_predict_in_chunks_equals_torch_forward():
    X, _ = regression_data(n=7, seed=10)
    model = gl.nn.MLP(3, [4], 2, activation="relu", rng=8)
    expected = TorchMLP(model.state_dict(), ["relu", "identity"])(X).detach().numpy()
    np.testing.assert_allclose(gl.predict(model, X), expected, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(gl.predict(model, X, batch_size=3), expected, rtol=1e-12, atol=1e-12)
    model.train()
    gl.predict(model, X)
    assert model.training
