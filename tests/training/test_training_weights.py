"""Sample and class weights in `gl.fit`: the weighted loss, against PyTorch and scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.utils.class_weight import compute_sample_weight

import gradlab as gl
from gradlab.training.weights import class_sample_weights


def _data(n: int = 12, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    labels = np.array([0] * (n - 3) + [1, 2, 2])
    weights = rng.uniform(0.1, 3.0, n)
    return X, labels, weights


def _torch_step(model: gl.nn.Module, X: np.ndarray, y: np.ndarray, w: np.ndarray, loss: str):
    """One SGD step (lr 0.1) in PyTorch float64 on the same weights: the oracle."""
    # MLP's parameters come layer by layer, weight (in, out) then bias.
    params = [torch.tensor(p.data.copy(), requires_grad=True) for p in model.parameters()]
    out = torch.tensor(X)
    for i in range(0, len(params), 2):
        out = out @ params[i] + params[i + 1]
        if i + 2 < len(params):
            out = torch.tanh(out)
    wt = torch.tensor(w)
    if loss == "cross_entropy":
        entries = torch.nn.functional.cross_entropy(out, torch.tensor(y), reduction="none")
        value = (entries * wt).sum() / wt.sum()
    else:
        entries = (out - torch.tensor(y)) ** 2
        value = (entries * wt[:, None]).sum() / (entries.shape[1] * wt.sum())
    value.backward()
    return [(p - 0.1 * p.grad).detach().numpy() for p in params]


@pytest.mark.parametrize("loss", ["cross_entropy", "mse"])
def test_one_weighted_step_matches_pytorch(loss: str) -> None:
    X, labels, w = _data()
    n_out = 3 if loss == "cross_entropy" else 2
    y = labels if loss == "cross_entropy" else np.random.default_rng(1).normal(size=(12, 2))
    model = gl.nn.MLP(3, [5], n_out, activation="tanh", rng=3)
    expected = _torch_step(model, X, y, w, loss)
    gl.fit(model, X, y, loss=loss, lr=0.1, epochs=1, sample_weight=w, verbose=0)
    got = [p.data for p in model.parameters()]
    for mine, theirs in zip(got, expected, strict=True):
        np.testing.assert_allclose(mine, theirs, rtol=1e-12, atol=1e-14)


def test_a_weight_of_two_is_the_sample_twice_under_a_summed_loss() -> None:
    X, labels, _ = _data()
    counts = np.array([2, 1, 3, 1, 1, 2, 1, 1, 1, 1, 2, 1])
    a = gl.nn.MLP(3, [4], 3, activation="tanh", rng=0)
    b = gl.nn.MLP(3, [4], 3, activation="tanh", rng=0)
    summed = gl.losses.CrossEntropy(reduction="sum")
    gl.fit(a, X, labels, loss=summed, lr=0.05, epochs=3, sample_weight=counts, verbose=0)
    repeat = np.repeat(np.arange(12), counts)
    gl.fit(b, X[repeat], labels[repeat], loss=summed, lr=0.05, epochs=3, verbose=0)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(pa.data, pb.data, rtol=1e-10, atol=1e-12)


def test_balanced_class_weights_are_scikit_learns() -> None:
    _, labels, _ = _data()
    expected = compute_sample_weight("balanced", labels)
    got = class_sample_weights("balanced", labels, np.dtype(np.float64))
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def test_class_weight_balanced_in_fit_equals_passing_those_weights() -> None:
    X, labels, w = _data()
    a = gl.nn.MLP(3, [4], 3, rng=0)
    b = gl.nn.MLP(3, [4], 3, rng=0)
    common = {"loss": "cross_entropy", "lr": 0.1, "epochs": 2, "verbose": 0}
    gl.fit(a, X, labels, class_weight="balanced", sample_weight=w, **common)
    gl.fit(b, X, labels, sample_weight=w * compute_sample_weight("balanced", labels), **common)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_allclose(pa.data, pb.data, rtol=1e-12, atol=1e-14)


def test_a_validation_split_sets_the_last_samples_weights_aside() -> None:
    X, labels, w = _data()
    a = gl.nn.MLP(3, [4], 3, rng=0)
    b = gl.nn.MLP(3, [4], 3, rng=0)
    common = {"loss": "cross_entropy", "lr": 0.1, "epochs": 2, "verbose": 0}
    gl.fit(a, X, labels, sample_weight=w, validation_split=0.25, **common)
    gl.fit(b, X[:9], labels[:9], sample_weight=w[:9], validation_data=(X[9:], labels[9:]), **common)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"sample_weight": -np.ones(12)}, "Negative values in data passed to `sample_weight`"),
        ({"sample_weight": np.full(12, np.nan)}, "Input sample_weight contains NaN"),
        ({"sample_weight": np.ones(11)}, r"sample_weight.shape == \(11,\), expected \(12,\)"),
        ({"sample_weight": np.zeros(12)}, "at least one non-zero"),
        ({"class_weight": "even"}, "class_weight must be 'balanced'"),
        ({"class_weight": {7: 2.0}}, r"names class\(es\) \[7\] that are not in y"),
    ],
)
def test_bad_weights_are_refused(options: dict, message: str) -> None:
    X, labels, _ = _data()
    model = gl.nn.MLP(3, [4], 3, rng=0)
    with pytest.raises(ValueError, match=message):
        gl.fit(model, X, labels, loss="cross_entropy", epochs=1, verbose=0, **options)


def test_class_weights_need_classes() -> None:
    X, _, _ = _data()
    model = gl.nn.MLP(3, [4], 1, rng=0)
    with pytest.raises(ValueError, match="class_weight needs class labels"):
        gl.fit(model, X, np.linspace(0, 1, 12) + 0.5, epochs=1, verbose=0, class_weight="balanced")


def test_weights_on_a_memmap_equal_weights_in_memory(tmp_path) -> None:
    X, labels, w = _data()
    mapped = np.memmap(tmp_path / "X.dat", dtype=np.float64, mode="w+", shape=X.shape)
    mapped[:] = X
    a = gl.nn.MLP(3, [4], 3, rng=0)
    b = gl.nn.MLP(3, [4], 3, rng=0)
    common = {"loss": "cross_entropy", "lr": 0.1, "epochs": 2, "verbose": 0, "batch_size": 5}
    gl.fit(a, mapped, labels, sample_weight=w, validation_split=0.25, rng=1, **common)
    gl.fit(b, X, labels, sample_weight=w, validation_split=0.25, rng=1, **common)
    for pa, pb in zip(a.parameters(), b.parameters(), strict=True):
        np.testing.assert_array_equal(pa.data, pb.data)


def test_weights_need_arrays() -> None:
    X, labels, w = _data()
    model = gl.nn.MLP(3, [4], 3, rng=0)
    with pytest.raises(ValueError, match="sample_weight and class_weight need X and y as arrays"):
        gl.fit(model, [(X, labels)], loss="cross_entropy", sample_weight=w, verbose=0)
