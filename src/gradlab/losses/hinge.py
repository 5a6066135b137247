"""The hinge loss of support-vector machines and the perceptron's margin."""

from __future__ import annotations

from gradlab.engine import Tensor, hinge
from gradlab.engine.tensor import Operand
from gradlab.losses.base import Loss


class Hinge(Loss):
    r"""Hinge loss for labels :math:`y \in \{-1, +1\}` and real scores :math:`s`.

    :math:`\ell = \max(0, 1 - y s)`, :math:`\partial\ell/\partial s = -y` where
    :math:`y s < 1`, else 0 (PyTorch's ``hinge_embedding_loss`` is a different function).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.losses.Hinge()(gl.Tensor([0.5, 2.0]), [1.0, -1.0]).item()
    1.75
    """

    name = "hinge"

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        return hinge(prediction, target, reduction=self.reduction)
