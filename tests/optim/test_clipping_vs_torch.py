"""Gradient clipping against torch.nn.utils.clip_grad_norm_ and clip_grad_value_."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import gradlab as gl


def _grads(scale: float) -> list[np.ndarray]:
    rng = np.random.default_rng(7)
    return [scale * rng.normal(size=(4, 3)), scale * rng.normal(size=(3,)), np.array(scale)]


def _pair(scale: float) -> tuple[list[gl.nn.Parameter], list[torch.Tensor]]:
    ours, theirs = [], []
    for g in _grads(scale):
        p = gl.nn.Parameter(np.zeros(g.shape))
        p.grad = g.copy()
        ours.append(p)
        t = torch.zeros(g.shape, dtype=torch.float64, requires_grad=True)
        t.grad = torch.tensor(g.copy())
        theirs.append(t)
    return ours, theirs


@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e6])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    ours, theirs = _pair(scale=3.0)
    originals = [p.grad for p in ours]
    copies = [np.copy(g) for g in originals]
    total = gl.optim.clip_grad_norm_(ours, max_norm, norm_type=norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type=norm_type)
    assert isinstance(total, float)
    np.testing.assert_allclose(total, expected.item(), rtol=1e-13, atol=1e-14)
    for p, t, g, c in zip(ours, theirs, originals, copies, strict=True):
        np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-13, atol=1e-14)
        np.testing.assert_array_equal(g, c)  # the old gradient array was not touched


def test_clip_grad_norm_skips_missing_gradients_and_accepts_one_tensor():
    ours, theirs = _pair(scale=1.0)
    ours[1].grad = None
    theirs[1].grad = None
    total = gl.optim.clip_grad_norm_(ours, 0.1)
    expected = torch.nn.utils.clip_grad_norm_(theirs, 0.1)
    np.testing.assert_allclose(total, expected.item(), rtol=1e-13, atol=1e-14)
    assert ours[1].grad is None
    single = gl.nn.Parameter(np.zeros(2))
    single.grad = np.array([3.0, 4.0])
    assert gl.optim.clip_grad_norm_(single, 1.0) == 5.0
    assert gl.optim.clip_grad_norm_([gl.nn.Parameter([1.0])], 1.0) == 0.0


def test_clip_grad_norm_reports_a_non_finite_norm_on_request():
    p = gl.nn.Parameter(np.zeros(2))
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(FloatingPointError, match="diverged"):
        gl.optim.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)


@pytest.mark.parametrize("clip_value", [0.0, 0.7, 100.0])
def test_clip_grad_value_matches_torch(clip_value):
    ours, theirs = _pair(scale=2.0)
    originals = [p.grad for p in ours]
    copies = [np.copy(g) for g in originals]
    gl.optim.clip_grad_value_(ours, clip_value)
    torch.nn.utils.clip_grad_value_(theirs, clip_value)
    for p, t, g, c in zip(ours, theirs, originals, copies, strict=True):
        np.testing.assert_array_equal(p.grad, t.grad.numpy())
        np.testing.assert_array_equal(g, c)


def test_clipping_keeps_float32():
    p = gl.nn.Parameter(np.zeros(3, dtype=np.float32))
    p.grad = np.array([3.0, -4.0, 12.0], dtype=np.float32)
    gl.optim.clip_grad_norm_([p], 1.0)
    assert p.grad.dtype == np.float32
    gl.optim.clip_grad_value_([p], 0.1)
    assert p.grad.dtype == np.float32


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda ps: gl.optim.clip_grad_norm_(ps, -1.0), "max_norm"),
        (lambda ps: gl.optim.clip_grad_norm_(ps, 1.0, norm_type=0), "norm_type"),
        (lambda ps: gl.optim.clip_grad_value_(ps, -0.1), "clip_value"),
        (lambda ps: gl.optim.clip_grad_value_(ps, math.nan), "clip_value"),
    ],
)
def test_bad_clipping_arguments_are_named(call, message):
    ours, _ = _pair(scale=1.0)
    with pytest.raises(ValueError, match=message):
        call(ours)


def test_numpy_scalar_thresholds_keep_float32_and_match_torch():
    # np.float64 scalars promote float32 arrays under NEP 50; the thresholds must not.
    g = np.array([3.0, -4.0, 12.0], dtype=np.float32)
    p = gl.nn.Parameter(np.zeros(3, dtype=np.float32))
    p.grad = g.copy()
    gl.optim.clip_grad_norm_([p], np.float64(1.0))
    t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    t.grad = torch.tensor(g, dtype=torch.float64)
    torch.nn.utils.clip_grad_norm_([t], 1.0)
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-6, atol=1e-7)
    gl.optim.clip_grad_value_([p], np.float64(0.1))
    torch.nn.utils.clip_grad_value_([t], 0.1)
    assert p.grad.dtype == np.float32
    np.testing.assert_allclose(p.grad, t.grad.numpy(), rtol=1e-6, atol=1e-7)
