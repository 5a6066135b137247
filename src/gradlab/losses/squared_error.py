"""Squared error in the three conventions the worked examples mix: mean, plain sum and half-sum."""

from __future__ import annotations

from typing import ClassVar

from gradlab.engine import Tensor, squared_error
from gradlab.engine.tensor import Operand
from gradlab.losses.base import Loss

_NAMES = {"mean": "mse", "sum": "sse", "half_sum": "half_sse", "none": "squared_error"}


class SquaredError(Loss):
    r"""Squared error :math:`(p - y)^2`, reduced.

    ======================  ==============================================  ====================
    reduction               L                                               dL/dp_i
    ======================  ==============================================  ====================
    ``"mean"`` (MSE)        :math:`\frac{1}{n}\sum_i (p_i - y_i)^2`          :math:`2(p_i-y_i)/n`
    ``"sum"``               :math:`\sum_i (p_i - y_i)^2`                    :math:`2(p_i-y_i)`
    ``"half_sum"``          :math:`\frac{1}{2}\sum_i (p_i - y_i)^2`          :math:`p_i - y_i`
    ``"none"``              :math:`(p_i - y_i)^2` per entry                  :math:`2(p_i-y_i)`
    ======================  ==============================================  ====================

    ``n`` counts every entry. The vectorised 3-4-1 network and the generic MLP class
    worked examples use the half-sum, whose 2 cancels.

    Parameters
    ----------
    reduction : {"mean", "sum", "half_sum", "none"}, default "mean"

    Examples
    --------
    >>> import gradlab as gl
    >>> loss = gl.losses.SquaredError(reduction="half_sum")
    >>> loss(gl.Tensor([1.0, 3.0]), [0.0, 1.0]).item()
    2.5
    """

    reductions: ClassVar[tuple[str, ...]] = ("mean", "sum", "half_sum", "none")

    @property
    def name(self) -> str:  # type: ignore[override]
        return _NAMES[self.reduction]

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        return squared_error(prediction, target, reduction=self.reduction)


MeanSquaredError = SquaredError


class SumSquaredError(SquaredError):
    r"""Sum of squared errors :math:`\sum_i (p_i - y_i)^2`; dL/dp_i = 2 (p_i - y_i).

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.losses.SumSquaredError()(gl.Tensor([1.0, 3.0]), [0.0, 1.0]).item()
    5.0
    """

    def __init__(self) -> None:
        super().__init__(reduction="sum")

    def get_config(self) -> dict[str, str]:
        return {}


class HalfSumSquaredError(SquaredError):
    r"""Half the sum of squared errors :math:`\frac12\sum_i (p_i - y_i)^2`; dL/dp_i = p_i - y_i.

    The cost of the vectorised 3-4-1 network and the generic MLP class worked examples: the
    1/2 cancels the 2 of the derivative.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.losses.HalfSumSquaredError()(gl.Tensor([1.0, 3.0]), [0.0, 1.0]).item()
    2.5
    """

    def __init__(self) -> None:
        super().__init__(reduction="half_sum")

    def get_config(self) -> dict[str, str]:
        return {}
