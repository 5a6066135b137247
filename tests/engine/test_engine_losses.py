"""The fused losses of gradlab.engine.losses against torch.nn.functional, every reduction."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from engine_oracles import (
    FD_ATOL,
    FD_RTOL,
    SETTINGS,
    Drawn,
    assert_close,
    assert_unchanged,
    copies,
    finite_differences,
    half_grid,
    reals,
    run_gradlab,
    run_torch,
    with_ties,
)
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradlab as gl

Elements = st.SearchStrategy[float]
REDUCTIONS = ("mean", "sum", "none")
SHAPES = hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)
SEEDS = st.integers(0, 2**32 - 1)


def grid(low: float, high: float) -> Elements:
    """Multiples of 0.01: a target here minus a prediction on the half grid is never 0 or delta."""
    return st.integers(round(low * 100), round(high * 100)).map(lambda i: i / 100)


@st.composite
def pairs(
    draw: st.DrawFn,
    prediction: Elements,
    target: Elements,
    reductions: tuple[str, ...] = REDUCTIONS,
    ties: bool = False,
    **kwargs: st.SearchStrategy[float],
) -> Drawn:
    shape = draw(SHAPES)
    p = draw(hnp.arrays(np.float64, shape, elements=prediction))
    y = draw(hnp.arrays(np.float64, shape, elements=target))
    if ties:  # prediction == target, where |p - y| has its kink
        y = np.where(draw(hnp.arrays(np.bool_, shape)), p, y)
    extra = {name: draw(strategy) for name, strategy in kwargs.items()}
    return Drawn((p,), {"target": y, "reduction": draw(st.sampled_from(reductions)), **extra})


@st.composite
def class_scores(draw: st.DrawFn, logits: Elements, probabilities: bool) -> Drawn:
    n, k = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    z = draw(hnp.arrays(np.float64, (n, k), elements=logits))
    if probabilities:
        weights = draw(hnp.arrays(np.float64, (n, k), elements=st.sampled_from([0.0, 0.5, 1, 3])))
        weights[:, 0] += weights.sum(axis=1) == 0
        target = weights / weights.sum(axis=1, keepdims=True)
    else:
        target = draw(hnp.arrays(np.int64, (n,), elements=st.integers(0, k - 1)))
    return Drawn((z,), {"target": target, "reduction": draw(st.sampled_from(REDUCTIONS))})


@st.composite
def margins(draw: st.DrawFn, scores: Elements) -> Drawn:
    shape = draw(SHAPES)
    s = draw(hnp.arrays(np.float64, shape, elements=scores))
    y = draw(hnp.arrays(np.float64, shape, elements=st.sampled_from([-1.0, 1.0])))
    return Drawn((s,), {"target": y, "reduction": draw(st.sampled_from(REDUCTIONS))})


def _t(array: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(np.array(array))


def torch_squared_error(p: torch.Tensor, target: np.ndarray, reduction: str) -> torch.Tensor:
    if reduction == "half_sum":
        return 0.5 * F.mse_loss(p, _t(target), reduction="sum")
    return F.mse_loss(p, _t(target), reduction=reduction)


def torch_hinge(s: torch.Tensor, target: np.ndarray, reduction: str) -> torch.Tensor:
    # Hinge written in PyTorch; relu has derivative 0 at a zero margin, as gradlab's hinge.
    values = torch.relu(1 - _t(target) * s)
    return {"mean": values.mean, "sum": values.sum, "none": lambda: values}[reduction]()


@dataclasses.dataclass(frozen=True)
class LossCase:
    name: str
    gradlab: Callable[..., gl.Tensor]
    torch: Callable[..., torch.Tensor]
    draw: st.SearchStrategy[Drawn]
    draw_smooth: st.SearchStrategy[Drawn]
    reductions: tuple[str, ...] = REDUCTIONS

    def __repr__(self) -> str:
        return self.name


DELTAS = st.sampled_from([0.5, 1.0, 2.0])
GENERAL = reals(-3.0, 3.0)

CASES = [
    LossCase(
        "squared_error",
        gl.squared_error,
        torch_squared_error,
        pairs(GENERAL, GENERAL, (*REDUCTIONS, "half_sum")),
        pairs(half_grid(-3, 3), grid(-3, 3), (*REDUCTIONS, "half_sum")),
        (*REDUCTIONS, "half_sum"),
    ),
    LossCase(
        "absolute_error",
        gl.absolute_error,
        lambda p, target, reduction: F.l1_loss(p, _t(target), reduction=reduction),
        pairs(GENERAL, GENERAL, ties=True),
        pairs(half_grid(-3, 3), grid(-3, 3)),
    ),
    LossCase(
        "huber",
        gl.huber,
        lambda p, target, reduction, delta: F.huber_loss(
            p, _t(target), reduction=reduction, delta=delta
        ),
        pairs(GENERAL, GENERAL, ties=True, delta=DELTAS),
        pairs(half_grid(-3, 3), grid(-3, 3), delta=DELTAS),
    ),
    LossCase(
        "binary_cross_entropy",
        gl.binary_cross_entropy,
        lambda p, target, reduction: F.binary_cross_entropy(p, _t(target), reduction=reduction),
        pairs(reals(0.02, 0.98), with_ties(0.0, 1.0, 0.0, 1.0)),
        pairs(half_grid(0.05, 0.95), with_ties(0.0, 1.0, 0.0, 1.0)),
    ),
    # Logits within +-8: for y = 1 and z = 8 both libraries compute softplus(z) - z (or its
    # equivalent) with cancellation; the loss 3e-4 then carries relative rounding error ~1e-12.
    # Large logits are tested for finiteness in test_engine_stability.py.
    LossCase(
        "binary_cross_entropy_with_logits",
        gl.binary_cross_entropy_with_logits,
        lambda z, target, reduction: F.binary_cross_entropy_with_logits(
            z, _t(target), reduction=reduction
        ),
        pairs(reals(-8.0, 8.0), with_ties(0.0, 1.0, 0.0, 1.0)),
        pairs(half_grid(-8, 8), with_ties(0.0, 1.0, 0.0, 1.0)),
    ),
    LossCase(
        "softmax_cross_entropy (class indices)",
        gl.softmax_cross_entropy,
        lambda z, target, reduction: F.cross_entropy(z, _t(target), reduction=reduction),
        class_scores(reals(-8.0, 8.0), probabilities=False),
        class_scores(half_grid(-8, 8), probabilities=False),
    ),
    LossCase(
        "softmax_cross_entropy (probabilities)",
        gl.softmax_cross_entropy,
        lambda z, target, reduction: F.cross_entropy(z, _t(target), reduction=reduction),
        class_scores(reals(-8.0, 8.0), probabilities=True),
        class_scores(half_grid(-8, 8), probabilities=True),
    ),
    LossCase(
        "hinge",
        gl.hinge,
        torch_hinge,
        margins(with_ties(-3.0, 3.0, -1.0, 0.0, 1.0)),
        margins(half_grid(-3, 3)),
    ),
]


@pytest.mark.parametrize(
    ("case", "reduction"),
    [(case, reduction) for case in CASES for reduction in case.reductions],
    ids=lambda p: str(p),
)
@settings(SETTINGS, max_examples=15)
@given(data=st.data())
def test_loss_value_and_gradient_match_torch(
    case: LossCase, reduction: str, data: st.DataObject
) -> None:
    drawn = data.draw(case.draw, label="inputs")
    drawn = dataclasses.replace(drawn, kwargs={**drawn.kwargs, "reduction": reduction})
    before = copies(drawn)
    out, (prediction,), v = run_gradlab(case.gradlab, drawn, data.draw(SEEDS, label="seed"))
    expected, (expected_grad,) = run_torch(case.torch, drawn, v)

    assert out.dtype == np.float64
    assert_close(out.data, expected, what=f"{case.name} value")
    assert prediction.grad is not None
    assert prediction.grad.shape == prediction.shape
    assert_close(prediction.grad, expected_grad, what=f"{case.name} gradient")
    assert_unchanged(drawn, before)


@pytest.mark.parametrize("case", CASES, ids=repr)
@SETTINGS
@given(data=st.data())
def test_loss_gradient_matches_finite_differences(case: LossCase, data: st.DataObject) -> None:
    drawn = data.draw(case.draw_smooth, label="inputs")
    _, (prediction,), v = run_gradlab(case.gradlab, drawn, data.draw(SEEDS, label="seed"))
    (numeric,) = finite_differences(case.gradlab, drawn, v)
    assert prediction.grad is not None
    assert_close(prediction.grad, numeric, FD_RTOL, FD_ATOL, what=case.name)


def test_targets_may_be_lists_arrays_or_tensors() -> None:
    p = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
    F.mse_loss(p, torch.tensor([1.0, 0.0, 2.5], dtype=torch.float64)).backward()
    assert p.grad is not None
    for target in ([1.0, 0.0, 2.5], np.array([1.0, 0.0, 2.5]), gl.Tensor([1.0, 0.0, 2.5])):
        prediction = gl.Tensor([0.5, -1.0, 2.0], requires_grad=True)
        gl.squared_error(prediction, target).backward()
        assert_close(prediction.grad, p.grad.numpy())


def test_unknown_reduction_is_refused_naming_the_choices() -> None:
    with pytest.raises(ValueError, match="reduction must be one of 'mean', 'sum'"):
        gl.squared_error(gl.Tensor([1.0]), [0.0], reduction="average")


def test_class_index_out_of_range_is_refused() -> None:
    with pytest.raises(ValueError, match=r"class indices must lie in \[0, 3\)"):
        gl.softmax_cross_entropy(gl.Tensor(np.zeros((2, 3))), np.array([0, 3]))


def test_target_of_another_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="target has shape"):
        gl.squared_error(gl.Tensor(np.zeros((4, 1))), np.zeros(3))


@pytest.mark.parametrize("shape", [(3, 3), (1, 3)])
def test_float_class_labels_are_refused_not_broadcast(shape) -> None:
    # (n,) float labels broadcast against (n, k) logits when n == k or n == 1, which would
    # silently read them as probability rows; PyTorch refuses a float (n,) target too.
    logits = np.zeros(shape)
    labels = np.arange(shape[0], dtype=np.float64)
    with pytest.raises(RuntimeError):
        torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(labels))
    with pytest.raises(ValueError, match="integer class indices"):
        gl.softmax_cross_entropy(gl.Tensor(logits), labels)
