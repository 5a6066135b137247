"""`Loss`, the base of the loss classes: a named, callable wrapper around one fused engine op."""

from __future__ import annotations

from typing import Any, ClassVar

from gradlab.engine import Tensor
from gradlab.engine.tensor import Operand

REDUCTIONS = ("mean", "sum", "none")


class Loss:
    """A loss function ``loss(prediction, target) -> Tensor``, reduced as ``reduction`` says.

    Subclasses name the fused engine op they call in ``_compute``; the math and its gradient
    live in `gradlab.engine.losses`, once.

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

    def __call__(self, prediction: Tensor, target: Operand) -> Tensor:
        if not isinstance(prediction, Tensor):
            prediction = Tensor(prediction)
        return self._compute(prediction, target)

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        raise NotImplementedError

    def get_config(self) -> dict[str, Any]:
        """The keyword arguments that rebuild this loss."""
        return {"reduction": self.reduction}

    def __repr__(self) -> str:
        arguments = ", ".join(f"{key}={value!r}" for key, value in self.get_config().items())
        return f"{type(self).__name__}({arguments})"
