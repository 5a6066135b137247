"""`Loss`, the base of the loss classes: a named, callable wrapper around one fused engine op."""

from __future__ import annotations

import copy
from typing import Any, ClassVar

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.loss_op import REDUCTIONS, LossOp, loss_scale
from gradlab.engine.tensor import Operand


class Loss:
    """A loss function ``loss(prediction, target) -> Tensor``, reduced as ``reduction`` says.

    Subclasses name the fused engine op they call in ``_compute``; the math and its gradient
    live in `gradlab.engine.losses`, once.

    ``loss(prediction, target, sample_weight)`` weighs sample i's entries ``l_ij`` by
    ``w_i``: "mean" gives sum_ij w_i l_ij / (m sum_i w_i) for m entries per sample (the plain
    mean when every w_i is 1), "sum" gives sum_ij w_i l_ij, "none" the entries w_i l_ij. The
    per-entry losses come from the same fused op with ``reduction="none"``.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"
        "mean" averages over every entry, "sum" adds them, "none" returns one loss per entry.

    Attributes
    ----------
    reduction : str
    name : str
        The shortcut `gradlab.losses.get` knows this loss by.
    """

    reductions: ClassVar[tuple[str, ...]] = REDUCTIONS
    name: str = "loss"

    def __init__(self, reduction: str = "mean") -> None:
        if reduction not in self.reductions:
            valid = ", ".join(repr(r) for r in self.reductions)
            raise ValueError(
                f"{type(self).__name__} got reduction={reduction!r}; reduction must be one "
                f"of {valid}."
            )
        self.reduction = reduction

    def __call__(self, prediction: Tensor, target: Operand, sample_weight: Any = None) -> Tensor:
        if not isinstance(prediction, Tensor):
            prediction = Tensor(prediction)
        if sample_weight is None:
            return self._compute(prediction, target)
        return self._weighted(prediction, target, np.asarray(sample_weight))

    def _weighted(self, prediction: Tensor, target: Operand, weights: np.ndarray) -> Tensor:
        unreduced = copy.copy(self)
        unreduced.reduction = "none"
        entries = unreduced._compute(prediction, target)
        if weights.shape != (entries.shape[0],):
            raise ValueError(
                f"sample_weight has shape {weights.shape}; expected ({entries.shape[0]},), "
                "one weight per sample."
            )
        column = weights.astype(entries.dtype).reshape((-1,) + (1,) * (len(entries.shape) - 1))
        weighted = entries * column
        if self.reduction == "none":
            return weighted
        per_sample = max(1, int(np.prod(entries.shape[1:])))
        scale = loss_scale(self.reduction, 1, self.reductions)
        if self.reduction == "mean":
            scale = 1.0 / (per_sample * float(weights.sum()))
        return weighted.sum() * scale

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this loss."""
        return {"reduction": self.reduction}

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"


class OpLoss(Loss):
    """A loss object over any registered `gradlab.engine.LossOp` (a user's own, for one).

    Examples
    --------
    >>> import gradlab as gl
    >>> from gradlab.engine.loss_op import LOSS_OPS
    >>> OpLoss(LOSS_OPS.get("hinge"), reduction="sum")(gl.Tensor([0.5]), [1.0]).item()
    0.5
    """

    def __init__(self, op: LossOp, reduction: str = "mean", **params: float) -> None:
        self.op = op
        self.reductions = op.reductions  # type: ignore[misc]
        super().__init__(reduction)
        unknown = set(params) - set(op.params)
        if unknown:
            raise TypeError(f"the loss {op.name!r} has no parameters {sorted(unknown)}.")
        self.params = {**op.params, **params}
        for key, value in self.params.items():
            setattr(self, key, value)

    @property
    def name(self) -> str:  # type: ignore[override]
        return self.op.name

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        assert self.op.function is not None
        return self.op.function(prediction, target, reduction=self.reduction, **self.params)

    def get_config(self) -> dict[str, Any]:
        return {"reduction": self.reduction, **self.params}

    def __repr__(self) -> str:
        return f"OpLoss({self.op.name!r}, reduction={self.reduction!r})"
