"""Numerical stability: finite values and gradients at +-1e4, in float32 and float64, silently."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_oracles import assert_close, direction

import gradlab as gl

# Rows mixing huge logits of both signs; every entry is exact in float32 and float64.
EXTREMES = np.array(
    [
        [1e4, -1e4, 0.0, 1.0],
        [-1e4, -1e4, -1e4, -1e4],
        [1e4, 1e4, 1e4, -100.0],
        [0.0, 100.0, -1.0, 1e4],
    ]
)

ACTIVATIONS: dict[str, tuple[Callable[..., gl.Tensor], Callable[..., torch.Tensor]]] = {
    "sigmoid": (gl.sigmoid, torch.sigmoid),
    "softplus": (gl.softplus, F.softplus),
    "softmax axis=-1": (lambda x: gl.softmax(x, -1), lambda x: torch.softmax(x, -1)),
    "softmax axis=0": (lambda x: x.softmax(0), lambda x: torch.softmax(x, 0)),
    "log_softmax axis=-1": (lambda x: gl.log_softmax(x, -1), lambda x: torch.log_softmax(x, -1)),
    "log_softmax axis=0": (lambda x: x.log_softmax(0), lambda x: torch.log_softmax(x, 0)),
    "bce_with_logits": (
        lambda z: gl.binary_cross_entropy_with_logits(z, np.eye(4), reduction="none"),
        lambda z: F.binary_cross_entropy_with_logits(
            z, torch.eye(4, dtype=z.dtype), reduction="none"
        ),
    ),
    "softmax_cross_entropy": (
        lambda z: gl.softmax_cross_entropy(z, np.array([1, 0, 3, 2]), reduction="none"),
        lambda z: F.cross_entropy(z, torch.tensor([1, 0, 3, 2]), reduction="none"),
    ),
}

# float32 results are compared with PyTorch's float64 ones at float32 resolution
# (log_softmax reaches -2e4, where a float32 ulp is 2e-3).
TOLERANCES = {np.float32: (1e-6, 1e-6), np.float64: (1e-10, 1e-12)}


@pytest.mark.usefixtures("strict_numerics")
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("name", ACTIVATIONS)
def test_finite_values_and_gradients_at_plus_minus_1e4(name: str, dtype: type) -> None:
    gradlab_fn, torch_fn = ACTIVATIONS[name]
    x = gl.Tensor(EXTREMES, dtype=dtype, requires_grad=True)
    y = gradlab_fn(x)
    v = direction(y.shape, 0, dtype)
    y.backward(v)

    assert y.dtype == dtype and x.grad is not None and x.grad.dtype == dtype
    assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad))
    reference = torch.tensor(EXTREMES, requires_grad=True)
    expected = torch_fn(reference)
    expected.backward(torch.from_numpy(v.astype(np.float64)))
    rtol, atol = TOLERANCES[dtype]
    assert_close(y.data, expected.detach().numpy(), rtol, atol, what=f"{name} value")
    assert_close(x.grad, reference.grad.numpy(), rtol, atol, what=f"{name} gradient")


@pytest.mark.usefixtures("strict_numerics")
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_binary_cross_entropy_on_certain_probabilities_is_finite(dtype: type) -> None:
    p = gl.Tensor([0.0, 1.0, 0.0, 1.0], dtype=dtype, requires_grad=True)
    loss = gl.binary_cross_entropy(p, np.array([0.0, 1.0, 1.0, 0.0]), reduction="none")
    loss.backward(np.ones(4, dtype=dtype))
    assert np.all(np.isfinite(loss.data)) and np.all(np.isfinite(p.grad))
    # Clipping by the dtype's eps: a correct certain prediction costs -log(1 - eps) ~ eps.
    eps = float(np.finfo(dtype).eps)
    assert_close(loss.data[:2], [-np.log1p(-eps)] * 2, rtol=1e-3, atol=0)
    assert loss.data[2] == loss.data[3] > 15  # -log(eps): large but finite


def test_softmax_is_unchanged_by_adding_a_constant() -> None:
    x = np.array([[0.5, -1.5, 3.0], [2.0, 2.0, -0.5]])
    # 1024 is a power of two: x + c is exact, so the shifted logits are bit-identical.
    assert np.array_equal(gl.softmax(gl.Tensor(x + 1024.0)).data, gl.softmax(gl.Tensor(x)).data)
    assert_close(gl.softmax(gl.Tensor(x + 1e4)).data, gl.softmax(gl.Tensor(x)).data, 1e-12, 1e-15)
