"""`LossOp`: a fused loss's description, beside its engine function in `gradlab.engine.losses`.

The engine function computes the loss and its gradient stably, in one node. The description adds
what the rest of gradlab reads: the reductions it accepts, its parameters, and its textbook
per-entry form ``entry(f, p, y)`` and derivative ``derivative(f, p, y)``, written with operators
and the namespace ``f`` (`gradlab.engine.special`), so that the glass box writes them and the
symbolic view builds them from the same line. The contract test checks each facet.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from gradlab.engine.registry import Registry
from gradlab.engine.tensor import Array, Operand, Tensor, lift, node

REDUCTIONS = ("mean", "sum", "none")
SQUARED_REDUCTIONS = ("mean", "sum", "half_sum", "none")
FLOAT64 = np.dtype(np.float64)
_FACTORS = {"sum": 1.0, "none": 1.0, "half_sum": 0.5}


def loss_scale(reduction: str, size: int, allowed: tuple[str, ...] = REDUCTIONS) -> float:
    """The factor a reduction applies to the sum of ``size`` entries, and so to each gradient."""
    if reduction not in allowed:
        valid = ", ".join(repr(r) for r in allowed)
        raise ValueError(f"reduction must be one of {valid}; got {reduction!r}.")
    return 1.0 / max(size, 1) if reduction == "mean" else _FACTORS[reduction]


def scaled(total: Any, scale: float) -> Array:
    return np.asarray(total if scale == 1.0 else total * scale)


def reduce_loss(
    values: Array, reduction: str, allowed: tuple[str, ...] = REDUCTIONS
) -> tuple[Array, float]:
    """The reduced loss and the factor each entry's gradient is scaled by."""
    scale = loss_scale(reduction, values.size, allowed)
    if reduction == "none":
        return values, scale
    # np.add.reduce skips the Python wrappers of ndarray.sum/mean (this runs every batch).
    return scaled(np.add.reduce(values, axis=None), scale), scale


def loss_target(target: Operand, prediction: Tensor) -> Array:
    t = lift(target, prediction).data
    if t.shape != prediction.shape:
        try:
            t = np.broadcast_to(t, prediction.shape)
        except ValueError:
            raise ValueError(
                f"target has shape {t.shape} but the prediction has shape {prediction.shape}; "
                "they must match (reshape the target, e.g. y.reshape(-1, 1))."
            ) from None
    return t


def loss_node(
    out: Array,
    x: Tensor,
    slope: Array,
    factor: float,
    op: str,
    attrs: dict[str, Any],
    target: Operand | None = None,
    target_slope: Callable[[], Array] | None = None,
) -> Tensor:
    """The loss's node, whose backward is dL/dx = factor * slope * dL/d(loss).

    For a reduced loss dL/d(loss) is 0-d and of the slope's dtype, so that with a factor of 1
    the product is one NumPy operation with no Python number in it; any other factor joins it
    as a Python float, which keeps the slope's dtype too. For ``reduction="none"`` it is
    elementwise. A ``target`` tensor that requires grad gets factor * target_slope() * dL/d(loss)
    (computed only then, off the hot path).
    """
    if isinstance(target, Tensor) and target.requires_grad:
        return _node_with_target(out, x, slope, factor, op, attrs, target, target_slope)
    return node(out, (x,), LossBackward(slope, factor, attrs["reduction"]), op, attrs)


class LossBackward:
    """The backward of a loss node whose target needs no gradient: g -> factor * slope * g
    (see `loss_node`), reading ``slope`` when it runs (a replay refreshes it in place).

    Examples
    --------
    >>> import numpy as np
    >>> LossBackward(np.array([1.0, -2.0]), 0.5, "sum")(np.ones(()))
    (array([ 0.5, -1. ]),)
    """

    __slots__ = ("factor", "reduction", "refreshed", "slope")

    def __init__(
        self, slope: Array, factor: float, reduction: str, refreshed: bool = False
    ) -> None:
        self.slope, self.factor, self.reduction = slope, factor, reduction
        # True when a replay rewrites ``slope`` in place and keeps this backward for its node.
        self.refreshed = refreshed

    def __call__(self, g: Array) -> tuple[Array]:
        return (self.into(g, None),)

    def into(self, g: Array, out: Array | None) -> Array:
        """factor * slope * g, written into ``out`` when it is an array (the flat backward)."""
        return np.multiply(self.slope, self.coefficient(g), out=out)

    def coefficient(self, g: Array) -> Any:
        """What multiplies the slope: factor * g (g itself when the factor is 1, which keeps a
        Python number out of the product; a Python float for a reduced loss)."""
        if self.reduction == "none":
            return self.factor * g
        if self.factor == 1:
            return g
        return self.factor * float(g)


def _node_with_target(
    out: Array,
    x: Tensor,
    slope: Array,
    factor: float,
    op: str,
    attrs: dict[str, Any],
    target: Tensor,
    target_slope: Callable[[], Array] | None,
) -> Tensor:
    if target_slope is None:
        raise ValueError(
            f"the loss {op!r} gives its target no gradient, and this target requires one; "
            "detach it (target.detach()), or write the loss with Tensor operations."
        )
    y_slope = target_slope()
    if attrs["reduction"] == "none":
        return node(
            out, (x, target), lambda g: (slope * (factor * g), y_slope * (factor * g)), op, attrs
        )
    return node(
        out,
        (x, target),
        lambda g: (slope * (factor * float(g)), y_slope * (factor * float(g))),
        op,
        attrs,
    )


@dataclass(frozen=True, eq=False)
class LossOp:
    r"""The description of a fused loss L(p, y).

    Parameters
    ----------
    name : str
        The recorded op's name, also the engine function's ("squared_error").
    text, latex : str
        Its name as the glass box writes a call of it (``"huber"``).
    reductions : tuple of str
        The reductions it accepts; "mean" averages over every entry (over rows for a
        ``rowwise`` loss), "sum" adds, "half_sum" halves the sum, "none" keeps each entry.
    entry : callable
        ``entry(f, p, y, **params)``: one entry's loss, written (with ``f`` the glass box's
        namespace) or built in SymPy (``f = SympyMath(sp)``); for a ``rowwise`` loss, p and y
        are one row's sequences.
    derivative : callable
        ``derivative(f, p, y, **params)``: ∂(entry)/∂p, written; for a ``rowwise`` loss,
        ``derivative(f, p, y, j)`` is the derivative by p_j. A piecewise one is written as a
        named call (``f.named("huber′", ...)``), evaluated by the engine.
    half_derivative : callable or None
        The derivative of half the sum (whose 2 cancels), when it reads better than half of
        ``derivative``.
    sympy : callable or None
        ``sympy(sp, p, y, **params)`` when the SymPy form is not ``entry`` in SymPy (piecewise
        losses whose written form is a named call).
    params : mapping
        Keyword parameters and defaults (``{"delta": 1.0}``).
    rowwise : bool
        True when a row of p is one sample's scores (softmax cross-entropy).
    function : callable, optional
        The engine function ``function(prediction, target, ..., reduction=...)``, one fused
        node. Without it, ``values`` and ``slope`` define the loss and the node is built here.
    values, slope : callable, optional
        ``values(p, y, **params)``: each entry's loss in NumPy, stable; ``slope(p, y,
        **params)``: its derivative by p, entry by entry.
    replay : callable, optional
        ``replay(node, target)``: kernels that recompute a recorded node of this loss in
        place, into its own arrays, for a replayed step (`gradlab.engine.capture`), or None
        where they cannot; without it a replay calls ``function`` again.

    Examples
    --------
    A user's loss, log-cosh, declared in one place:

    >>> import numpy as np
    >>> import gradlab as gl
    >>> log_cosh = gl.LossOp(
    ...     name="log_cosh", text="logcosh", latex=r"\operatorname{logcosh}",
    ...     entry=lambda f, p, y: f.log((f.exp(p - y) + f.exp(y - p)) / 2),
    ...     derivative=lambda f, p, y: f.tanh(p - y),
    ...     values=lambda p, y: np.logaddexp(p - y, y - p) - np.log(2),
    ...     slope=lambda p, y: np.tanh(p - y),
    ... )
    >>> round(log_cosh.function(gl.Tensor([1.0]), [0.0]).item(), 6)
    0.433781

    ``gl.losses.register(log_cosh)`` then makes ``loss="log_cosh"`` work everywhere.
    """

    name: str
    text: str
    latex: str
    entry: Callable[..., Any]
    derivative: Callable[..., Any]
    reductions: tuple[str, ...] = ("mean", "sum", "none")
    half_derivative: Callable[..., Any] | None = None
    sympy: Callable[..., Any] | None = None
    params: Mapping[str, float] = field(default_factory=dict)
    rowwise: bool = False
    function: Callable[..., Tensor] | None = None
    values: Callable[..., Array] | None = None
    slope: Callable[..., Array] | None = None
    replay: Callable[[Tensor, Any], list[Any] | None] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))
        if self.function is None:
            if self.values is None or self.slope is None:
                raise ValueError(f"loss {self.name!r} needs a function, or values and slope.")
            object.__setattr__(self, "function", self._fused)

    def _fused(
        self, prediction: Tensor, target: Operand, reduction: str = "mean", **params: Any
    ) -> Tensor:
        """The loss as one engine node, from ``values`` and ``slope`` (a user's loss)."""
        assert self.values is not None and self.slope is not None
        unknown = set(params) - set(self.params)
        if unknown:
            raise TypeError(f"{self.name} got unexpected parameters {sorted(unknown)}.")
        params = {**self.params, **params}
        y = loss_target(target, prediction)
        p = prediction.data
        out, scale = reduce_loss(self.values(p, y, **params), reduction, self.reductions)
        slope = np.asarray(self.slope(p, y, **params), dtype=p.dtype)
        attrs = {"target": y, "reduction": reduction, **params}
        return loss_node(out, prediction, slope, scale, self.name, attrs)

    def __repr__(self) -> str:
        return f"LossOp({self.name!r})"


#: Every fused loss, by its op name.
LOSS_OPS: Registry[LossOp] = Registry("loss op")


def register_loss(op: LossOp) -> LossOp:
    """Make ``op`` known by its name: to `gradlab.losses.get` (so ``fit(loss=name)``), the
    glass box and the symbolic view."""
    return LOSS_OPS.register(op.name, op)


def recorded_loss(op_name: str) -> LossOp | None:
    """The loss that recorded a node named ``op_name``, or None for any other op."""
    op = LOSS_OPS.find(op_name)
    return op if op is not None and op.name == op_name else None
