"""Edge cases where a silent difference from PyTorch (float64) once hid: NaN in maximum and
minimum, powers at 0, and gradient clipping with a NaN norm. PyTorch is the oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import gradlab as gl

A = [np.nan, 1.0, 2.0, 3.0, -np.inf]
B = [1.0, np.nan, 2.0, 1.0, 0.5]


def _both(values):
    return gl.Tensor(values, requires_grad=True), torch.tensor(
        values, dtype=torch.float64, requires_grad=True
    )


@pytest.mark.parametrize(
    ("ours", "theirs"), [(gl.maximum, torch.maximum), (gl.minimum, torch.minimum)]
)
def test_maximum_and_minimum_propagate_nan_either_way(ours, theirs):
    (a, ta), (b, tb) = _both(A), _both(B)
    out, expected = ours(a, b), theirs(ta, tb)
    out.backward(np.ones(len(A)))
    expected.backward(torch.ones(len(A), dtype=torch.float64))
    np.testing.assert_array_equal(out.data, expected.detach().numpy())
    np.testing.assert_array_equal(a.grad, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad, tb.grad.numpy())


@pytest.mark.parametrize("exponent", [0, 0.0, np.float64(0), np.int64(0), 0.5, np.float64(3), -1])
def test_a_number_exponent_at_zero(exponent):
    (x, tx) = _both([0.0, 2.0])
    (x**exponent).backward(np.ones(2))
    (tx ** float(exponent)).backward(torch.ones(2, dtype=torch.float64))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-14, atol=1e-14)


def test_a_numpy_exponent_keeps_float32():
    x = gl.Tensor([1.0, 2.0], dtype=np.float32, requires_grad=True)
    y = x ** np.float64(3)
    y.backward(np.ones(2, dtype=np.float32))
    assert y.dtype == np.float32 and x.grad.dtype == np.float32


def test_a_tensor_exponent_at_zero():
    (a, ta), (b, tb) = _both([0.0, 0.0, 0.0, 2.0]), _both([0.0, -1.0, 2.0, -0.5])
    (a**b).backward(np.ones(4))
    (ta**tb).backward(torch.ones(4, dtype=torch.float64))
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-14, atol=1e-14)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-14, atol=1e-14)


def test_clipping_with_a_nan_norm_makes_every_gradient_nan():
    w, v = gl.nn.Parameter([0.0, 0.0]), gl.nn.Parameter([0.0])
    w.grad, v.grad = np.array([np.nan, 1.0]), np.array([1.0])
    tw, tv = torch.zeros(2, requires_grad=True), torch.zeros(1, requires_grad=True)
    tw.grad, tv.grad = torch.tensor([np.nan, 1.0]), torch.tensor([1.0])
    gl.optim.clip_grad_norm_([w, v], max_norm=1.0)
    torch.nn.utils.clip_grad_norm_([tw, tv], max_norm=1.0)
    np.testing.assert_array_equal(w.grad, tw.grad.numpy())
    np.testing.assert_array_equal(v.grad, tv.grad.numpy())


def test_huber_does_not_overflow_in_the_branch_it_discards():
    p = np.array([1.8e19, -0.3, 2.0], dtype=np.float32)
    x, tx = gl.Tensor(p, requires_grad=True), torch.tensor(p, requires_grad=True)
    with np.errstate(over="raise", invalid="raise"):
        loss = gl.huber(x, np.zeros(3, dtype=np.float32), reduction="sum")
        loss.backward()
    expected = torch.nn.functional.huber_loss(tx, torch.zeros(3), reduction="sum", delta=1.0)
    expected.backward()
    assert loss.dtype == np.float32
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_integer_labels_in_a_column_are_read_as_labels():
    z = np.random.default_rng(0).standard_normal((3, 4))
    labels = np.array([[1], [3], [0]])
    x, tx = gl.Tensor(z, requires_grad=True), torch.tensor(z, requires_grad=True)
    loss = gl.softmax_cross_entropy(x, labels)
    loss.backward()
    expected = torch.nn.functional.cross_entropy(tx, torch.tensor(labels.ravel()))
    expected.backward()
    np.testing.assert_allclose(loss.item(), expected.item(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_one_dimensional_logits_take_one_label_and_refuse_a_label_per_entry():
    z = np.array([0.5, 1.0, 2.0])
    expected = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(2)).item()
    np.testing.assert_allclose(
        gl.softmax_cross_entropy(gl.Tensor(z), 2).item(), expected, rtol=1e-12, atol=1e-14
    )
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits"):
        gl.softmax_cross_entropy(gl.Tensor(z), np.array([0, 1, 1]))


TARGET_CASES = {
    "squared_error": lambda a, b, r: torch.nn.functional.mse_loss(a, b, reduction=r),
    "absolute_error": lambda a, b, r: torch.nn.functional.l1_loss(a, b, reduction=r),
    "huber": lambda a, b, r: torch.nn.functional.huber_loss(a, b, reduction=r),
    "binary_cross_entropy": lambda a, b, r: torch.nn.functional.binary_cross_entropy(
        a, b, reduction=r
    ),
    "binary_cross_entropy_with_logits": (
        lambda a, b, r: torch.nn.functional.binary_cross_entropy_with_logits(a, b, reduction=r)
    ),
    # Rows that do not sum to 1: the gradient by the logits is softmax * sum(y) - y.
    "softmax_cross_entropy": lambda a, b, r: torch.nn.functional.cross_entropy(a, b, reduction=r),
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", TARGET_CASES)
def test_a_target_that_requires_grad_gets_its_gradient(name, reduction):
    rng = np.random.default_rng(4)
    p, y = rng.uniform(0.1, 0.9, (3, 2)), rng.uniform(0.1, 0.9, (3, 2))
    (a, ta), (b, tb) = _both(p), _both(y)
    out = getattr(gl, name)(a, b, reduction=reduction)
    expected = TARGET_CASES[name](ta, tb, reduction)
    weights = rng.standard_normal(out.shape)
    out.backward(weights if out.shape else None)
    expected.backward(torch.tensor(weights) if out.shape else None)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_hinge_gives_its_labels_a_gradient_too():
    scores, labels = np.array([0.3, -2.0, 0.5]), np.array([1.0, -1.0, -1.0])
    s, y = gl.Tensor(scores, requires_grad=True), gl.Tensor(labels, requires_grad=True)
    gl.hinge(s, y, reduction="sum").backward()
    # The oracle: central differences of max(0, 1 - y s) in y, away from the kink.
    h = 1e-6
    numeric = [
        (np.maximum(0, 1 - (labels + h * e) * scores).sum()
         - np.maximum(0, 1 - (labels - h * e) * scores).sum()) / (2 * h)
        for e in np.eye(3)
    ]  # fmt: skip
    np.testing.assert_allclose(y.grad, numeric, rtol=1e-8, atol=1e-9)
