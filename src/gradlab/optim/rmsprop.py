"""RMSprop: steps divided by a running root-mean-square of the gradient."""

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


class RMSprop(Optimizer):
    r"""RMSprop (Hinton, 2012), PyTorch's ``torch.optim.RMSprop`` step for step.

    For a parameter :math:`\theta` with gradient :math:`g`:

    .. math::

        g &\leftarrow g + \lambda\theta\\
        v &\leftarrow \alpha v + (1 - \alpha) g^2\\
        d &\leftarrow \sqrt{v - \bar g^2} + \epsilon \text{ with }
            \bar g \leftarrow \alpha\bar g + (1 - \alpha) g \text{ (centered), else }
            \sqrt{v} + \epsilon\\
        b &\leftarrow \mu b + g / d,\ \theta \leftarrow \theta - \eta b
            \text{ (momentum } \mu > 0\text{), else } \theta \leftarrow \theta - \eta g / d

    The centered variance :math:`v - \bar g^2` is clipped at 0 before the square root, so that
    rounding can never make it negative (where PyTorch would return NaN).

    Parameters
    ----------
    params : iterable of Tensor or of dict
    lr : float, default 1e-2
    alpha : float, default 0.99
        Smoothing constant of the running averages.
    eps : float, default 1e-8
    weight_decay : float, default 0.0
    momentum : float, default 0.0
    centered : bool, default False
        Divide by an estimate of the gradient's standard deviation instead of its RMS.
    maximize : bool, default False

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0])
    >>> opt = gl.optim.RMSprop([w], lr=0.01, alpha=0.75, eps=0.0)
    >>> w.grad = w.data * 2
    >>> opt.step()  # v = 0.25 * 4 = 1, so the step is lr * 2 / 1
    >>> w.data
    array([0.98])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        name = type(self).__name__
        check_nonnegative(name, group, "lr", "alpha", "eps", "weight_decay", "momentum")
        check_flags(name, group, "centered", "maximize")

    def _settings(self, group: ParamGroup) -> tuple[Any, ...]:
        return (
            float(group["lr"]),
            float(group["alpha"]),
            float(group["eps"]),
            float(group["momentum"]),
            float(group["weight_decay"]),
            group["centered"],
            group["maximize"],
        )

    def _update(self, p: Tensor, grad: Array, state: dict[str, Any], group: Any) -> None:
        data = p.data
        lr, alpha, eps, momentum, weight_decay, centered, maximize = group
        if not state:
            state["step"] = 0
            state["square_avg"] = np.zeros_like(data)
        if maximize or weight_decay != 0:
            grad = followed_gradient(grad, data, maximize, weight_decay)
        state["step"] += 1
        square_avg = state["square_avg"]
        work = self._buffer(p)
        square_avg *= alpha
        np.multiply(grad, grad, out=work)
        work *= 1 - alpha
        square_avg += work
        if centered:
            grad_avg = state.get("grad_avg")
            if grad_avg is None:
                state["grad_avg"] = grad_avg = np.zeros_like(data)
            np.subtract(grad, grad_avg, out=work)
            work *= 1 - alpha
            grad_avg += work
            np.multiply(grad_avg, grad_avg, out=work)
            np.subtract(square_avg, work, out=work)
            np.maximum(work, 0, out=work)
            np.sqrt(work, out=work)
        else:
            np.sqrt(square_avg, out=work)
        work += eps
        np.divide(grad, work, out=work)
        if momentum > 0:
            velocity = state.get("momentum_buffer")
            if velocity is None:
                state["momentum_buffer"] = velocity = np.zeros_like(data)
            velocity *= momentum
            velocity += work
            np.multiply(velocity, -lr, out=work)
        else:
            work *= -lr
        data += work
