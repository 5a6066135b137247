"""Absolute error (L1) and the Huber loss, which is quadratic near zero and L1 beyond."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.engine import Tensor, absolute_error, huber
from gradlab.engine.tensor import Operand
from gradlab.losses.base import Loss


class AbsoluteError(Loss):
    r"""Absolute error (L1) :math:`|p - y|`, reduced.

    :math:`L = \frac1n \sum_i |p_i - y_i|` for ``"mean"`` (MAE), with
    :math:`\partial L/\partial p_i = \operatorname{sign}(p_i - y_i)/n` (0 where :math:`p_i = y_i`).

    Parameters
    ----------
    reduction : {"mean", "sum", "none"}, default "mean"

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.losses.AbsoluteError()(gl.Tensor([1.0, 3.0]), [0.0, 1.0]).item()
    1.5
    """

    name = "mae"

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        return absolute_error(prediction, target, reduction=self.reduction)


class Huber(Loss):
    r"""Huber loss: quadratic for small residuals, linear for large ones.

    With :math:`r = p - y`,
    :math:`\ell(r) = \frac12 r^2` if :math:`|r| \le \delta`, else
    :math:`\delta(|r| - \frac12\delta)`, and
    :math:`\ell'(r) = r` if :math:`|r| \le \delta`, else :math:`\delta\,\operatorname{sign}(r)`.
    Equal to PyTorch's ``huber_loss`` (not ``smooth_l1_loss``, which divides by delta).

    Parameters
    ----------
    delta : float, default 1.0
        Where the quadratic part meets the linear part; must be positive.
    reduction : {"mean", "sum", "none"}, default "mean"

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.losses.Huber(delta=1.0, reduction="sum")(gl.Tensor([0.5, 3.0]), [0.0, 0.0]).item()
    2.625
    """

    name = "huber"

    def __init__(self, delta: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        if isinstance(delta, bool) or not isinstance(delta, int | float | np.integer | np.floating):
            raise TypeError(f"Huber got delta={delta!r}; delta must be a positive number.")
        if not delta > 0:
            raise ValueError(f"Huber got delta={delta!r}; delta must be a positive number.")
        self.delta = float(delta)

    def _compute(self, prediction: Tensor, target: Operand) -> Tensor:
        return huber(prediction, target, delta=self.delta, reduction=self.reduction)

    def get_config(self) -> dict[str, Any]:
        return {"delta": self.delta, "reduction": self.reduction}
