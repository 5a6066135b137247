"""Adam and AdamW: per-entry steps scaled by running moments of the gradient."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array
from gradlab.optim.optimizer import (
    Optimizer,
    ParamGroup,
    Params,
    check_flags,
    check_fraction,
    check_nonnegative,
    followed_gradient,
)


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), PyTorch's ``torch.optim.Adam`` step for step.

    At step :math:`t`, for a parameter :math:`\theta` with gradient :math:`g`:

    .. math::

        g &\leftarrow g + \lambda\theta \quad(\text{Adam; AdamW instead sets }
            \theta \leftarrow \theta(1 - \eta\lambda))\\
        m &\leftarrow \beta_1 m + (1 - \beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2\\
        \theta &\leftarrow \theta - \frac{\eta}{1 - \beta_1^t}\,
            \frac{m}{\sqrt{v}/\sqrt{1 - \beta_2^t} + \epsilon}

    With ``amsgrad``, :math:`v` in the last line is the running maximum of :math:`v`.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        ``model.parameters()``, or parameter groups (see `Optimizer`).
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the first and second moments, each in [0, 1).
    eps : float, default 1e-8
    weight_decay : float, default 0.0
        L2 penalty added to the gradient (decoupled in `AdamW`).
    amsgrad : bool, default False
    maximize : bool, default False

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0, -2.0])
    >>> opt = gl.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()  # the first step moves each entry by about lr
    >>> w.data.round(6)
    array([ 0.9, -1.9])
    """

    _decoupled = False

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        name = type(self).__name__
        check_nonnegative(name, group, "lr", "eps", "weight_decay")
        betas = group["betas"]
        if not isinstance(betas, tuple | list) or len(betas) != 2:
            raise ValueError(f"{name} got betas={betas!r}; betas must be a pair (beta1, beta2).")
        check_fraction(name, "betas[0]", betas[0])
        check_fraction(name, "betas[1]", betas[1])
        check_flags(name, group, "amsgrad", "maximize")

    def _settings(self, group: ParamGroup) -> tuple[Any, ...]:
        betas = group["betas"]
        return (
            float(group["lr"]),
            float(betas[0]),
            float(betas[1]),
            float(group["eps"]),
            float(group["weight_decay"]),
            group["amsgrad"],
            group["maximize"],
        )

    def _update(self, p: Tensor, grad: Array, state: dict[str, Any], group: Any) -> None:
        data = p.data
        lr, beta1, beta2, eps, weight_decay, amsgrad, maximize = group
        if not state:
            state["step"] = 0
            state["exp_avg"] = np.zeros_like(data)
            state["exp_avg_sq"] = np.zeros_like(data)
            if amsgrad:
                state["max_exp_avg_sq"] = np.zeros_like(data)
        if self._decoupled and weight_decay != 0:
            data *= 1 - lr * weight_decay
        coupled_decay = 0.0 if self._decoupled else weight_decay
        if maximize or coupled_decay != 0:
            grad = followed_gradient(grad, data, maximize, coupled_decay)
        state["step"] += 1
        step = state["step"]
        exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
        work = self._buffer(p)
        # m += (1 - beta1)(g - m): PyTorch's lerp, the same rounding as torch.
        np.subtract(grad, exp_avg, out=work)
        work *= 1 - beta1
        exp_avg += work
        exp_avg_sq *= beta2
        np.multiply(grad, grad, out=work)
        work *= 1 - beta2
        exp_avg_sq += work
        if amsgrad:
            second = state.get("max_exp_avg_sq")
            if second is None:
                state["max_exp_avg_sq"] = second = np.zeros_like(data)
            np.maximum(second, exp_avg_sq, out=second)
        else:
            second = exp_avg_sq
        # p -= lr/(1 - b1^t) * m / (sqrt(v)/c + eps) with c = sqrt(1 - b2^t), computed as
        # (lr c/(1 - b1^t)) * m / (sqrt(v) + eps c): the same value with one pass fewer.
        c = math.sqrt(1 - beta2**step)
        np.sqrt(second, out=work)
        work += eps * c
        np.divide(exp_avg, work, out=work)
        work *= -lr * c / (1 - beta1**step)
        data += work


class AdamW(Adam):
    r"""Adam with decoupled weight decay (Loshchilov & Hutter, 2019), as ``torch.optim.AdamW``.

    Each step first shrinks the parameter, :math:`\theta \leftarrow \theta(1 - \eta\lambda)`,
    then takes the Adam step of the raw gradient (see `Adam` for the formulas).

    Parameters
    ----------
    params : iterable of Tensor or of dict
    lr : float, default 1e-3
    betas : (float, float), default (0.9, 0.999)
    eps : float, default 1e-8
    weight_decay : float, default 1e-2
    amsgrad : bool, default False
    maximize : bool, default False

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0])
    >>> opt = gl.optim.AdamW([w], lr=0.1, weight_decay=0.5)
    >>> w.grad = w.data * 0  # a zero gradient: only the decay acts
    >>> opt.step()
    >>> w.data
    array([0.95])
    """

    _decoupled = True

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)
