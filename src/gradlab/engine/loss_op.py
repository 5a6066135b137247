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

from gradlab.engine.registry import Registry


@dataclass(frozen=True, eq=False)
class LossOp:
    """The description of a fused loss L(p, y).

    Parameters
    ----------
    name : str
        The recorded op's name, also the engine function's ("squared_error").
    function : callable
        The engine function ``function(prediction, target, *params, reduction=...)``.
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
    """

    name: str
    function: Callable[..., Any]
    text: str
    latex: str
    entry: Callable[..., Any]
    derivative: Callable[..., Any]
    reductions: tuple[str, ...] = ("mean", "sum", "none")
    half_derivative: Callable[..., Any] | None = None
    sympy: Callable[..., Any] | None = None
    params: Mapping[str, float] = field(default_factory=dict)
    rowwise: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __repr__(self) -> str:
        return f"LossOp({self.name!r})"


#: Every fused loss, by its op name.
LOSS_OPS: Registry[LossOp] = Registry("loss op")


def recorded_loss(op_name: str) -> LossOp | None:
    """The loss that recorded a node named ``op_name``, or None for any other op."""
    op = LOSS_OPS.find(op_name)
    return op if op is not None and op.name == op_name else None
