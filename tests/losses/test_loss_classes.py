"""Each loss class against torch.nn.functional in float64: value and gradient, every reduction."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gradlab as gl
from gradlab.losses import (
    AbsoluteError,
    BinaryCrossEntropy,
    CrossEntropy,
    HalfSumSquaredError,
    Hinge,
    Huber,
    MeanSquaredError,
    SquaredError,
    SumSquaredError,
)

RNG_SEED = 20240611
REDUCTIONS = ("mean", "sum", "none")


def _torch_reduce(values: torch.Tensor, reduction: str) -> torch.Tensor:
    if reduction == "mean":
        return values.mean()
    if reduction == "sum":
        return values.sum()
    if reduction == "half_sum":
        return values.sum() / 2
    return values


def _compare(
    loss: Callable[[gl.Tensor, np.ndarray], gl.Tensor],
    oracle: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
    prediction: np.ndarray,
    target: np.ndarray,
    upstream_seed: int = 0,
) -> None:
    """Value and gradient of ``loss`` equal torch's ``oracle`` on the same float64 inputs."""
    p = gl.Tensor(prediction, requires_grad=True)
    out = loss(p, target)
    tp = torch.tensor(prediction, dtype=torch.float64, requires_grad=True)
    tt = torch.tensor(target)
    expected = oracle(tp, tt)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-12, atol=1e-14)
    upstream = np.random.default_rng(upstream_seed).normal(size=expected.shape)
    out.backward(upstream if out.data.ndim else None)
    expected.backward(torch.tensor(upstream) if expected.ndim else None)
    assert p.grad is not None
    assert p.grad.shape == prediction.shape
    np.testing.assert_allclose(p.grad, tp.grad.numpy(), rtol=1e-11, atol=1e-14)


@pytest.fixture
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(RNG_SEED)
    return rng.normal(size=(6, 3)), rng.normal(size=(6, 3))


@pytest.mark.parametrize("reduction", [*REDUCTIONS, "half_sum"])
def test_squared_error_matches_torch_mse(data, reduction):
    prediction, target = data

    def oracle(p, t):
        return _torch_reduce(F.mse_loss(p, t, reduction="none"), reduction)

    _compare(SquaredError(reduction=reduction), oracle, prediction, target)


def test_squared_error_conventions_are_named(data):
    prediction, target = data
    assert MeanSquaredError is SquaredError
    assert SquaredError().reduction == "mean"
    assert SumSquaredError().reduction == "sum"
    assert HalfSumSquaredError().reduction == "half_sum"

    def half_sum(p, t):
        return F.mse_loss(p, t, reduction="sum") / 2

    _compare(HalfSumSquaredError(), half_sum, prediction, target)
    _compare(SumSquaredError(), lambda p, t: F.mse_loss(p, t, reduction="sum"), prediction, target)


def test_half_sum_gradient_is_the_plain_residual():
    # The 3-4-1 and generic-MLP worked examples: E = 1/2 sum (y - o)^2, so dE/do = o - y.
    p = gl.Tensor([[0.7], [0.2]], requires_grad=True)
    HalfSumSquaredError()(p, np.array([[1.0], [0.0]])).backward()
    np.testing.assert_allclose(p.grad, [[-0.3], [0.2]], rtol=1e-15, atol=1e-15)


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_absolute_error_matches_torch_l1(data, reduction):
    prediction, target = data
    _compare(
        AbsoluteError(reduction=reduction),
        lambda p, t: F.l1_loss(p, t, reduction=reduction),
        prediction,
        target,
    )


@pytest.mark.parametrize("delta", [0.5, 1.0, 2.0])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_huber_matches_torch(data, reduction, delta):
    prediction, target = data
    prediction = prediction * 2  # residuals on both sides of delta
    _compare(
        Huber(delta=delta, reduction=reduction),
        lambda p, t: F.huber_loss(p, t, reduction=reduction, delta=delta),
        prediction,
        target,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_on_probabilities_matches_torch(reduction):
    rng = np.random.default_rng(RNG_SEED)
    probabilities = rng.uniform(0.02, 0.98, size=(8, 2))
    targets = rng.uniform(0, 1, size=(8, 2))  # soft labels too
    targets[:4] = np.round(targets[:4])
    _compare(
        BinaryCrossEntropy(reduction=reduction),
        lambda p, t: F.binary_cross_entropy(p, t, reduction=reduction),
        probabilities,
        targets,
    )


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_binary_cross_entropy_clips_probabilities_by_the_dtype_eps(dtype):
    eps = float(np.finfo(dtype).eps)
    p = gl.Tensor(np.array([0.0, 1.0, 1.0, 0.0], dtype=dtype), requires_grad=True)
    with np.errstate(all="raise"):
        out = BinaryCrossEntropy(reduction="none")(p, np.array([1.0, 0.0, 1.0, 0.0]))
        out.backward(np.ones(4, dtype=dtype))
    expected = [-math.log(eps), -math.log(eps), -math.log1p(-eps), -math.log1p(-eps)]
    np.testing.assert_allclose(
        out.data, expected, rtol=1e-6 if dtype == np.float32 else 1e-12, atol=0
    )
    assert out.dtype == dtype
    assert p.grad is not None and np.all(np.isfinite(p.grad))


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy_with_logits_matches_torch(reduction):
    rng = np.random.default_rng(RNG_SEED)
    logits = rng.normal(scale=4, size=(10,))
    logits[:4] = [1e4, -1e4, 50.0, -50.0]
    targets = rng.uniform(0, 1, size=(10,))
    targets[:4] = [1.0, 0.0, 0.0, 1.0]
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        _compare(
            BinaryCrossEntropy(from_logits=True, reduction=reduction),
            lambda z, t: F.binary_cross_entropy_with_logits(z, t, reduction=reduction),
            logits,
            targets,
        )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_class_indices_matches_torch(reduction):
    rng = np.random.default_rng(RNG_SEED)
    logits = rng.normal(scale=3, size=(7, 4))
    logits[0] = [1e4, -1e4, 0.0, 5.0]
    labels = rng.integers(0, 4, size=7)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        _compare(
            CrossEntropy(reduction=reduction),
            lambda z, t: F.cross_entropy(z, t, reduction=reduction),
            logits,
            labels,
        )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_cross_entropy_with_one_hot_and_probability_rows_matches_torch(reduction):
    rng = np.random.default_rng(RNG_SEED)
    logits = rng.normal(size=(5, 3))
    rows = np.eye(3)[rng.integers(0, 3, size=5)]
    rows[3:] = rng.dirichlet(np.ones(3), size=2)
    _compare(
        CrossEntropy(reduction=reduction),
        lambda z, t: F.cross_entropy(z, t, reduction=reduction),
        logits,
        rows,
    )


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_hinge_matches_torch_composition(reduction):
    scores = np.array([2.0, 0.3, -0.4, -2.5, 0.9, -0.1])
    labels = np.array([1.0, 1.0, -1.0, 1.0, -1.0, -1.0])  # no margin exactly at the kink

    def oracle(s, y):
        return _torch_reduce(torch.clamp(1 - y * s, min=0), reduction)

    _compare(Hinge(reduction=reduction), oracle, scores, labels)


LOSS_CASES = [
    (SquaredError(), lambda rng: rng.normal(size=(4, 2))),
    (AbsoluteError(), lambda rng: rng.normal(size=(4, 2))),
    (Huber(), lambda rng: rng.normal(size=(4, 2))),
    (BinaryCrossEntropy(), lambda rng: rng.integers(0, 2, size=(4, 2)).astype(float)),
    (BinaryCrossEntropy(from_logits=True), lambda rng: rng.integers(0, 2, (4, 2)).astype(float)),
    (CrossEntropy(), lambda rng: rng.integers(0, 2, size=4)),
    (Hinge(), lambda rng: rng.choice([-1.0, 1.0], size=(4, 2))),
]
CASE_IDS = [repr(case[0])[:40] for case in LOSS_CASES]


@pytest.mark.parametrize(("loss", "make_target"), LOSS_CASES, ids=CASE_IDS)
def test_float32_stays_float32(loss, make_target):
    rng = np.random.default_rng(0)
    prediction = rng.uniform(0.1, 0.9, size=(4, 2)).astype(np.float32)
    p = gl.Tensor(prediction, requires_grad=True)
    out = loss(p, make_target(rng))
    out.backward()
    assert out.dtype == np.float32
    assert p.grad is not None and p.grad.dtype == np.float32


@pytest.mark.parametrize(("loss", "make_target"), LOSS_CASES, ids=CASE_IDS)
def test_inputs_are_not_mutated(loss, make_target):
    rng = np.random.default_rng(1)
    prediction = rng.uniform(0.1, 0.9, size=(4, 2))
    target = make_target(rng)
    before = (prediction.copy(), np.copy(target))
    loss(gl.Tensor(prediction, requires_grad=True), target).backward()
    np.testing.assert_array_equal(prediction, before[0])
    np.testing.assert_array_equal(target, before[1])


def test_prediction_may_be_an_array():
    assert SumSquaredError()(np.array([1.0, 2.0]), np.array([0.0, 0.0])).item() == 5.0


@pytest.mark.parametrize(
    "make",
    [
        lambda: SquaredError(reduction="avg"),
        lambda: AbsoluteError(reduction="half_sum"),
        lambda: CrossEntropy(reduction=None),
        lambda: Huber(reduction="Mean"),
    ],
)
def test_bad_reduction_is_rejected_at_construction(make):
    with pytest.raises(ValueError, match="reduction must be one of"):
        make()


@pytest.mark.parametrize("delta", [0.0, -1.0, float("nan")])
def test_huber_rejects_a_non_positive_delta(delta):
    with pytest.raises(ValueError, match="delta must be a positive number"):
        Huber(delta=delta)


def test_reprs_and_names():
    assert repr(SquaredError()) == "SquaredError(reduction='mean')"
    assert repr(HalfSumSquaredError()) == "HalfSumSquaredError()"
    assert repr(Huber(delta=2.0, reduction="sum")) == "Huber(delta=2.0, reduction='sum')"
    assert repr(BinaryCrossEntropy(from_logits=True)) == (
        "BinaryCrossEntropy(from_logits=True, reduction='mean')"
    )
    names = [
        SquaredError().name,
        SumSquaredError().name,
        HalfSumSquaredError().name,
        BinaryCrossEntropy().name,
        BinaryCrossEntropy(from_logits=True).name,
        CrossEntropy().name,
        Hinge().name,
        AbsoluteError().name,
        Huber().name,
    ]
    assert names == [
        "mse",
        "sse",
        "half_sse",
        "bce",
        "bce_with_logits",
        "cross_entropy",
        "hinge",
        "mae",
        "huber",
    ]


@pytest.mark.parametrize("delta", ["1.0", None, [1.0]])
def test_huber_rejects_a_delta_that_is_not_a_number(delta):
    with pytest.raises(TypeError, match="delta must be a positive number"):
        Huber(delta=delta)
