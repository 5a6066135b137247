"""Adagrad: steps divided by the root of the sum of all past squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array
from gradlab.optim.optimizer import (
    Optimizer,
    ParamGroup,
    Params,
    check_flags,
    check_nonnegative,
    followed_gradient,
)


class Adagrad(Optimizer):
    r"""Adagrad (Duchi et al., 2011), PyTorch's ``torch.optim.Adagrad`` step for step.

    At step :math:`t`, for a parameter :math:`\theta` with gradient :math:`g`:

    .. math::

        g &\leftarrow g + \lambda\theta\\
        \tilde\eta &= \eta / (1 + (t - 1)\,\text{lr\_decay})\\
        s &\leftarrow s + g^2 \quad(s_0 = \text{initial\_accumulator\_value})\\
        \theta &\leftarrow \theta - \tilde\eta\, g / (\sqrt{s} + \epsilon)

    Parameters
    ----------
    params : iterable of Tensor or of dict
    lr : float, default 1e-2
    lr_decay : float, default 0.0
    weight_decay : float, default 0.0
    initial_accumulator_value : float, default 0.0
    eps : float, default 1e-10
    maximize : bool, default False

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0])
    >>> opt = gl.optim.Adagrad([w], lr=0.5, eps=0.0)
    >>> w.grad = w.data * 2
    >>> opt.step()  # s = 4, step = 0.5 * 2 / 2
    >>> w.data
    array([0.5])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        name = type(self).__name__
        check_nonnegative(
            name, group, "lr", "lr_decay", "weight_decay", "initial_accumulator_value", "eps"
        )
        check_flags(name, group, "maximize")

    def _settings(self, group: ParamGroup) -> tuple[Any, ...]:
        return (
            float(group["lr"]),
            float(group["lr_decay"]),
            float(group["weight_decay"]),
            float(group["initial_accumulator_value"]),
            float(group["eps"]),
            group["maximize"],
        )

    def _update(self, p: Tensor, grad: Array, state: dict[str, Any], group: Any) -> None:
        data = p.data
        lr, lr_decay, weight_decay, initial, eps, maximize = group
        if not state:
            state["step"] = 0
            state["sum"] = np.full_like(data, initial)
        if maximize or weight_decay != 0:
            grad = followed_gradient(grad, data, maximize, weight_decay)
        state["step"] += 1
        clr = lr / (1 + (state["step"] - 1) * lr_decay)
        total = state["sum"]
        work = self._buffer(p)
        np.multiply(grad, grad, out=work)
        total += work
        np.sqrt(total, out=work)
        work += eps
        np.divide(grad, work, out=work)
        work *= -clr
        data += work
