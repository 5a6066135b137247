"""Fused loss operations: one node each, with stable formulas and a cheap backward.

`gradlab.losses` wraps these in the classes users pick by name; the math lives here once.
Each takes ``reduction``: ``"mean"`` (over every entry), ``"sum"``, or ``"none"`` (per entry);
squared error also has ``"half_sum"``, the (1/2) sum of the vectorised 3-4-1 network and of
the generic MLP class worked examples, whose 2 cancels.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.engine.kernels import Kernel, owned
from gradlab.engine.loss_op import (
    FLOAT64,
    SQUARED_REDUCTIONS,
    LossBackward,
    LossOp,
    loss_node,
    loss_scale,
    loss_target,
    reduce_loss,
    register_loss,
    scaled,
)
from gradlab.engine.special import sigmoid_array as _sigmoid
from gradlab.engine.tensor import Array, Operand, Tensor, node


def squared_error(prediction: Tensor, target: Operand, reduction: str = "mean") -> Tensor:
    """Squared error (p - y)^2, reduced. d/dp = 2 (p - y), times the reduction's factor.

    ``reduction="half_sum"`` gives (1/2) sum (p - y)^2, whose gradient is (p - y).

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.squared_error(gl.Tensor([2.5]), [2.0], reduction="sum").item()
    0.25
    """
    y = loss_target(target, prediction)
    diff = prediction.data - y
    out, scale = _squared_total(diff, reduction)
    attrs = {"target": y, "reduction": reduction}
    return loss_node(
        out, prediction, diff, 2 * scale, "squared_error", attrs, target, lambda: -diff
    )


def _squared_total(diff: Array, reduction: str) -> tuple[Array, float]:
    """The reduced sum of diff^2 and its scale."""
    if reduction == "none":
        return diff * diff, 1.0
    scale = loss_scale(reduction, diff.size, SQUARED_REDUCTIONS)
    return _squared_sum(diff, scale), scale


def _squared_sum(diff: Array, scale: float) -> Array:
    # `_squared_sum_steps`' calls, allocating (the dynamic engine's path).
    if diff.dtype is not FLOAT64:
        return scaled(np.add.reduce(diff * diff, axis=None), scale)
    flat = diff.reshape(-1)
    return scaled(np.dot(flat, flat), scale)


def _squared_sum_steps(diff: Array, out: Array, scale: float) -> list[Kernel]:
    """The NumPy calls of scale * sum(diff^2) into the 0-d ``out``."""
    if diff.dtype is FLOAT64:
        # One BLAS dot product instead of a product and a sum: a third of this loss's cost on
        # small batches. Its rounding error grows like n eps, harmless in float64; float32
        # keeps NumPy's pairwise sum, whose error grows like log(n) eps.
        flat = diff.reshape(-1)
        steps: list[Kernel] = [(np.dot, (flat, flat, out))]
    else:
        square = np.empty_like(diff)
        steps = [(np.multiply, (diff, diff, square)), (np.add.reduce, (square, None, None, out))]
    if scale != 1.0:
        steps.append((np.multiply, (out, scale, out)))
    return steps


def _squared_replay(t: Tensor, target: Any) -> list[Any] | None:
    """A reduced squared error recomputed in place: p - y into the array its backward reads,
    then the total into the node's value (its consumers may hold that array)."""
    reduction = t.attrs["reduction"] if t.attrs else "none"
    if reduction == "none" or not owned(t.data):
        return None
    p = t._parents[0].data
    # The captured input's array: a replay copies each step's target into it.
    y = target if type(target) is np.ndarray else target.data
    if y.shape != p.shape:
        return None
    diff = np.subtract(p, y)  # the captured call's values, bit for bit
    scale = loss_scale(reduction, diff.size, SQUARED_REDUCTIONS)
    t._backward = LossBackward(diff, 2 * scale, reduction, refreshed=True)
    return [(np.subtract, (p, y, diff)), *_squared_sum_steps(diff, t.data, scale)]


def absolute_error(prediction: Tensor, target: Operand, reduction: str = "mean") -> Tensor:
    """Absolute error |p - y|, reduced. d/dp = sign(p - y) (0 where p = y)."""
    y = loss_target(target, prediction)
    diff = prediction.data - y
    out, scale = reduce_loss(np.abs(diff), reduction)
    sign = np.sign(diff)
    attrs = {"target": y, "reduction": reduction}
    return loss_node(out, prediction, sign, scale, "absolute_error", attrs, target, lambda: -sign)


def huber(
    prediction: Tensor, target: Operand, delta: float = 1.0, reduction: str = "mean"
) -> Tensor:
    """Huber loss: (1/2) r^2 where |r| <= delta, else delta (|r| - delta/2), with r = p - y.

    d/dp = r where |r| <= delta, else delta sign(r).
    """
    delta = float(delta)  # a NumPy float64 scalar would promote float32 to float64
    y = loss_target(target, prediction)
    r = prediction.data - y
    small = np.abs(r) <= delta
    # Squared only where it is kept: r * r of a discarded large residual would overflow.
    kept = np.where(small, r, 0)
    values = np.where(small, 0.5 * kept * kept, delta * (np.abs(r) - 0.5 * delta))
    out, scale = reduce_loss(values, reduction)
    slope = np.where(small, r, delta * np.sign(r))
    attrs = {"target": y, "reduction": reduction, "delta": delta}
    return loss_node(out, prediction, slope, scale, "huber", attrs, target, lambda: -slope)


def binary_cross_entropy(probability: Tensor, target: Operand, reduction: str = "mean") -> Tensor:
    """-(y ln p + (1 - y) ln(1 - p)) on probabilities, p clipped to [eps, 1 - eps] of its dtype.

    d/dp = (p - y) / (p (1 - p)) at the clipped p; 0 log 0 counts as 0.
    """
    eps = float(np.finfo(probability.dtype).eps)
    y = loss_target(target, probability)
    p = np.clip(probability.data, eps, 1 - eps)
    values = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    out, scale = reduce_loss(values, reduction)
    slope = (p - y) / (p * (1 - p))
    attrs = {"target": y, "reduction": reduction}
    return loss_node(
        out, probability, slope, scale, "binary_cross_entropy", attrs, target,
        lambda: np.log1p(-p) - np.log(p),
    )  # fmt: skip


def binary_cross_entropy_with_logits(
    logits: Tensor, target: Operand, reduction: str = "mean"
) -> Tensor:
    """Binary cross-entropy of sigmoid(z), computed stably as softplus(z) - y z.

    d/dz = sigmoid(z) - y. Finite for logits of any size.
    """
    z = logits.data
    y = loss_target(target, logits)
    values = np.logaddexp(0, z) - y * z
    out, scale = reduce_loss(values, reduction)
    slope = _sigmoid(z) - y
    attrs = {"target": y, "reduction": reduction}
    return loss_node(
        out, logits, slope, scale, "binary_cross_entropy_with_logits", attrs, target, lambda: -z
    )


def softmax_cross_entropy(
    logits: Tensor, target: Operand, reduction: str = "mean", axis: int = -1
) -> Tensor:
    """Cross-entropy of softmax(z) against class indices or one-hot / probability rows.

    L = -sum_k y_k log softmax(z)_k, with log softmax from the max-shifted logsumexp.
    d/dz = softmax(z) - y. ``reduction="mean"`` averages over samples, not over classes.

    Parameters
    ----------
    logits : Tensor of shape (n, k)
    target : integer array of shape (n,), or array of shape (n, k)
    """
    z = logits.data
    shifted = z - np.maximum.reduce(z, axis=axis, keepdims=True)
    e = np.exp(shifted)
    total = np.add.reduce(e, axis=axis, keepdims=True)
    log_p = shifted - np.log(total)
    slope = e / total  # softmax(z); the target is subtracted below
    t = _class_labels(target.data if isinstance(target, Tensor) else np.asarray(target), z, axis)
    if t.ndim == z.ndim - 1 and t.dtype.kind not in "iub":
        # Broadcasting would read such labels as probability rows when n == k or n == 1.
        raise ValueError(
            f"class labels of shape {t.shape} must be integer class indices; got dtype "
            f"{t.dtype}. Pass y.astype(int), or one-hot / probability rows of shape {z.shape}."
        )
    if t.ndim == z.ndim - 1:
        index = t.astype(np.intp, copy=False)
        if index.size and (index.min() < 0 or index.max() >= z.shape[axis]):
            raise ValueError(
                f"class indices must lie in [0, {z.shape[axis]}); got values from "
                f"{index.min()} to {index.max()}."
            )
        if z.ndim == 2 and axis in (-1, 1):
            rows = np.arange(len(index))
            values = -log_p[rows, index]
            slope[rows, index] -= 1
        else:
            picked = np.expand_dims(index, axis)
            values = -np.take_along_axis(log_p, picked, axis=axis).squeeze(axis)
            np.put_along_axis(slope, picked, np.take_along_axis(slope, picked, axis) - 1, axis)
    else:
        y = loss_target(t, logits)
        values = -(y * log_p).sum(axis=axis)
        # d/dz of -sum_k y_k log softmax(z)_k is softmax(z) sum_k y_k - y: rows need not sum to 1.
        slope *= np.add.reduce(y, axis=axis, keepdims=True)
        slope -= y
    out, scale = reduce_loss(values, reduction)
    attrs = {"target": t, "reduction": reduction, "axis": axis}
    if isinstance(target, Tensor) and target.requires_grad and t.ndim == z.ndim:
        # Probability rows: dL/dy_k = -log softmax(z)_k, row by row.
        grow = (lambda g: np.expand_dims(g, axis)) if reduction == "none" else (lambda g: g)
        return node(
            out, (logits, target),
            lambda g: (slope * (scale * grow(g)), -log_p * (scale * grow(g))),
            "softmax_cross_entropy", attrs,
        )  # fmt: skip
    if reduction == "none":
        return node(
            out,
            (logits,),
            lambda g: (slope * np.expand_dims(g, axis),),
            "softmax_cross_entropy",
            attrs,
        )
    return loss_node(out, logits, slope, scale, "softmax_cross_entropy", attrs)


def _softmax_refresh(
    out: Array, z: Array, labels: Array, slope: Array, scale: float, work: tuple[Array, ...]
) -> None:
    """Softmax cross-entropy of integer labels recomputed into the arrays of its capture:
    the same operations as `softmax_cross_entropy`, with each sample's -log softmax(z)_y
    taken as log(total) - shifted_y (the same rounding: a - b is exactly -(b - a))."""
    unsigned, m, shifted, e, total, log_total, offsets, index, picked, values = work
    if labels.size and np.maximum.reduce(unsigned) >= z.shape[1]:
        softmax_cross_entropy(Tensor(z), labels)  # raises the error a dynamic call gives
    np.maximum.reduce(z, axis=1, keepdims=True, out=m)
    np.subtract(z, m, out=shifted)
    np.exp(shifted, out=e)
    np.add.reduce(e, axis=1, keepdims=True, out=total)
    np.log(total, out=log_total)
    np.add(offsets, labels, out=index)
    np.take(shifted.reshape(-1), index, out=picked)
    np.subtract(log_total.reshape(-1), picked, out=values)
    out[...] = scaled(np.add.reduce(values, axis=None), scale)
    np.divide(e, total, out=slope)
    flat = slope.reshape(-1)
    np.take(flat, index, out=picked)
    np.subtract(picked, 1, out=picked)
    np.put(flat, index, picked)


def _softmax_replay(t: Tensor, target: Any) -> list[Any] | None:
    """Rows of scores against integer labels, reduced, recomputed in place (see
    `_softmax_refresh`); anything else calls the function again."""
    attrs = t.attrs or {}
    z = t._parents[0].data
    labels = target if type(target) is np.ndarray else getattr(target, "data", None)
    backward = t._backward
    if (
        attrs.get("reduction") not in ("mean", "sum")
        or attrs.get("axis") not in (-1, 1)
        or z.ndim != 2
        or type(backward) is not LossBackward
        or not owned(t.data)
        or not owned(backward.slope)
        or type(labels) is not np.ndarray
        or labels.shape != z.shape[:1]
        or labels.dtype.kind not in "iu"
        or not np.can_cast(labels.dtype, np.intp)
    ):
        return None
    n, k = z.shape
    rows, dtype = (n, 1), z.dtype
    # The labels read as unsigned, where a negative label is larger than any class count: one
    # reduction checks both bounds.
    unsigned = labels.view(labels.dtype.str.replace("i", "u"))
    work = (
        unsigned, np.empty(rows, dtype), np.empty_like(z), np.empty_like(z), np.empty(rows, dtype),
        np.empty(rows, dtype), np.arange(n, dtype=np.intp) * k, np.empty(n, np.intp),
        np.empty(n, dtype), np.empty(n, dtype),
    )  # fmt: skip
    scale = backward.factor
    backward.refreshed = True
    return [(_softmax_refresh, (t.data, z, labels, backward.slope, scale, work))]


def _class_labels(t: Array, z: Array, axis: int) -> Array:
    """Integer labels as a column (n, 1) read as the labels they are; 1-D logits with integer
    labels refused (broadcasting would read either as probability rows, silently)."""
    integer = t.dtype.kind in "iu"
    if integer and t.ndim == z.ndim and t.shape[axis] == 1 and z.shape[axis] > 1:
        return np.squeeze(t, axis)
    if integer and z.ndim == 1 and t.ndim == 1:
        raise ValueError(
            f"softmax_cross_entropy takes a row of class scores per sample, shape (n, classes); "
            f"got 1-D logits of shape {z.shape} with integer labels of shape {t.shape}. For one "
            "score per sample use binary_cross_entropy_with_logits; for one sample, pass its "
            "label as a number."
        )
    return t


def hinge(scores: Tensor, target: Operand, reduction: str = "mean") -> Tensor:
    """Hinge loss max(0, 1 - y s) for labels y in {-1, +1}. d/ds = -y where y s < 1, else 0."""
    y = loss_target(target, scores)
    margin = 1 - y * scores.data
    out, scale = reduce_loss(np.maximum(margin, 0), reduction)
    slope = np.where(margin > 0, -y, 0).astype(scores.dtype)
    attrs = {"target": y, "reduction": reduction}
    return loss_node(
        out, scores, slope, scale, "hinge", attrs, target,
        lambda: np.where(margin > 0, -scores.data, 0).astype(scores.dtype),
    )  # fmt: skip


def _at(value: float) -> Tensor:
    return Tensor(np.array([value], dtype=np.float64), requires_grad=True)


def _huber_at(delta: float) -> Any:
    return lambda r: float(huber(_at(r), 0.0, delta, "none").data[0])


def _huber_slope_at(delta: float) -> Any:
    def slope(r: float) -> float:
        t = _at(r)
        huber(t, 0.0, delta, "sum").backward()
        return float(t.grad[0])  # type: ignore[index]

    return slope


def _hinge_slope_at(score: float, label: float) -> float:
    t = _at(score)
    hinge(t, np.array([label]), "sum").backward()
    return float(t.grad[0])  # type: ignore[index]


# A piecewise loss is written as a named call, ``huber[δ=1](a - y)``, evaluated by the engine.
def _written_huber(f: Any, p: Any, y: Any, delta: float) -> Any:
    latex = rf"\operatorname{{huber}}_{{{delta}}}"
    return f.named(f"huber[δ={delta}]", latex, _huber_at(delta), p - y)


def _written_huber_slope(f: Any, p: Any, y: Any, delta: float) -> Any:
    latex = rf"\operatorname{{huber}}_{{{delta}}}'"
    return f.named(f"huber′[δ={delta}]", latex, _huber_slope_at(delta), p - y)


def _cross_entropy_row(f: Any, z: Any, y: Any) -> Any:
    # Zero targets are left out: they contribute 0 log p.
    terms = [y[k] * f.log_softmax(z, k) for k in range(len(z)) if not f.is_zero(y[k])]
    return -f.total(terms) if terms else 0.0


def _hinge_slope(f: Any, s: Any, y: Any) -> Any:
    return f.named("hinge′", r"\operatorname{hinge}'", _hinge_slope_at, s, y)


for _op in (
    LossOp(
        name="squared_error", function=squared_error, replay=_squared_replay,
        text="squared_error",
        latex=r"\operatorname{squared\_error}", reductions=SQUARED_REDUCTIONS,
        entry=lambda f, p, y: (p - y) ** 2, derivative=lambda f, p, y: 2 * (p - y),
        half_derivative=lambda f, p, y: p - y,
    ),
    LossOp(
        name="absolute_error", function=absolute_error, text="absolute_error",
        latex=r"\operatorname{absolute\_error}",
        entry=lambda f, p, y: f.abs(p - y), derivative=lambda f, p, y: f.sign(p - y),
    ),
    LossOp(
        name="huber", function=huber, text="huber", latex=r"\operatorname{huber}",
        params={"delta": 1.0}, entry=_written_huber, derivative=_written_huber_slope,
        sympy=lambda sp, p, y, delta: sp.Piecewise(
            ((p - y) ** 2 / 2, sp.Abs(p - y) <= delta), (delta * (sp.Abs(p - y) - delta / 2), True)
        ),
    ),
    LossOp(
        name="binary_cross_entropy", function=binary_cross_entropy,
        text="binary_cross_entropy", latex=r"\operatorname{BCE}",
        entry=lambda f, p, y: -(y * f.log(p) + (1 - y) * f.log(1 - p)),
        derivative=lambda f, p, y: (p - y) / (p * (1 - p)),
    ),
    LossOp(
        name="binary_cross_entropy_with_logits", function=binary_cross_entropy_with_logits,
        text="binary_cross_entropy_with_logits", latex=r"\operatorname{BCE}",
        entry=lambda f, z, y: f.softplus(z) - y * z, derivative=lambda f, z, y: f.sigmoid(z) - y,
    ),
    LossOp(
        name="softmax_cross_entropy", function=softmax_cross_entropy,
        replay=_softmax_replay, text="softmax_cross_entropy", latex=r"\operatorname{CE}",
        rowwise=True,
        entry=_cross_entropy_row, derivative=lambda f, z, y, j: f.softmax(z, j) - y[j],
    ),
    LossOp(
        name="hinge", function=hinge, text="hinge", latex=r"\operatorname{hinge}",
        entry=lambda f, s, y: f.max(0, 1 - y * s), derivative=_hinge_slope,
    ),
):  # fmt: skip
    register_loss(_op)
