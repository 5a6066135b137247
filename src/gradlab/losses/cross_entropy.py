"""Cross-entropy losses: binary (on probabilities or logits) and softmax (on logits)."""

from __future__ import annotations

from typing import Any

from gradlab.engine import (
    Tensor,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    softmax_cross_entropy,
)
from gradlab.engine.tensor import Operand
from gradlab.losses.base import Loss


class BinaryCrossEntropy(Loss):
    r"""Binary cross-entropy, on probabilities or (``from_logits=True``) on logits.

    On probabilities :math:`p` (clipped to :math:`[\epsilon, 1-\epsilon]`, :math:`\epsilon` the
    dtype's machine epsilon):
    :math:`\ell = -(y \ln p + (1-y)\ln(1-p))`, :math:`\partial\ell/\partial p = (p-y)/(p(1-p))`.

    On logits :math:`z` (stable for any :math:`z`):
    :math:`\ell = \operatorname{softplus}(z) - y z`,
    :math:`\partial\ell/\partial z = \sigma(z) - y`.

    ``"mean"`` averages over every entry.

    Parameters
    ----------
    from_logits : bool, default False
        The prediction is a logit z (sigmoid not yet applied) rather than a probability.
    reduction : {"mean", "sum", "none"}, default "mean"

    Examples
    --------
    >>> import gradlab as gl
    >>> round(gl.losses.BinaryCrossEntropy()(gl.Tensor([0.5]), [1.0]).item(), 6)
    0.693147
    >>> round(gl.losses.BinaryCrossEntropy(from_logits=True)(gl.Tensor([0.0]), [1.0]).item(), 6)
    0.693147
    """

    def __init__(self, from_logits: bool = False, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.from_logits = bool(from_logits)

    @property
    def name(self) -> str:  # type: ignore[override]
        return "bce_with_logits" if self.from_logits else "bce"

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        if self.from_logits:
            return binary_cross_entropy_with_logits(prediction, target, reduction=self.reduction)
        return binary_cross_entropy(prediction, target, reduction=self.reduction)

    def get_config(self) -> dict[str, Any]:
        return {"from_logits": self.from_logits, "reduction": self.reduction}


class CrossEntropy(Loss):
    r"""Softmax cross-entropy on logits, against class indices or one-hot / probability rows.

    For a row of logits :math:`z` and target distribution :math:`y` (one-hot for an index):
    :math:`\ell = -\sum_k y_k \log\operatorname{softmax}(z)_k`, and
    :math:`\partial\ell/\partial z = \operatorname{softmax}(z) - y`.
    ``"mean"`` averages over samples (rows), not over classes, as PyTorch's ``cross_entropy``.

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"

    Examples
    --------
    >>> import gradlab as gl
    >>> round(gl.losses.CrossEntropy()(gl.Tensor([[0.0, 0.0]]), [1]).item(), 6)
    0.693147
    """

    name = "cross_entropy"

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        return softmax_cross_entropy(prediction, target, reduction=self.reduction)
