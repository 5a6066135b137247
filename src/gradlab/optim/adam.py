"""Adam and AdamW: per-entry steps scaled by running moments of the gradient."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.kernels import Kernel
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
            _start(state, data, amsgrad)
        if self._decoupled and weight_decay != 0:
            data *= 1 - lr * weight_decay
        coupled_decay = 0.0 if self._decoupled else weight_decay
        if maximize or coupled_decay != 0:
            grad = followed_gradient(grad, data, maximize, coupled_decay)
        state["step"] += 1
        eps_c, step_size = _corrections(state["step"], lr, beta1, beta2, eps)
        second = _second_moment(state, data) if amsgrad else state["exp_avg_sq"]
        adam_step(
            data, grad, state["exp_avg"], state["exp_avg_sq"], second, self._buffer(p),
            1 - beta1, beta2, 1 - beta2, eps_c, step_size,
        )  # fmt: skip

    def _kernels(
        self, p: Tensor, grad: Array, state: dict[str, Any], group: Any
    ) -> list[Kernel] | None:
        """The next `_update`: the step count and its two corrections (into 0-d arrays of the
        parameter's dtype, the values its Python floats round to), then `adam_step`; None with
        ``maximize`` or a coupled weight decay (the followed gradient is a new array)."""
        lr, beta1, beta2, eps, weight_decay, amsgrad, maximize = group
        if maximize or (weight_decay != 0 and not self._decoupled) or not state:
            return None
        data = p.data
        corrections = (np.empty((), data.dtype), np.empty((), data.dtype))
        kernels: list[Kernel] = [(_advance, (state, corrections, lr, beta1, beta2, eps))]
        if weight_decay != 0:
            kernels.append((np.multiply, (data, np.array(1 - lr * weight_decay, data.dtype), data)))
        second = _second_moment(state, data) if amsgrad else state["exp_avg_sq"]
        moments = (state["exp_avg"], state["exp_avg_sq"], second, self._buffer(p))
        factors = (1 - beta1, beta2, 1 - beta2, *corrections)
        kernels.append((adam_step, (data, grad, *moments, *factors)))
        return kernels


def adam_step(
    data: Array,
    grad: Array,
    exp_avg: Array,
    exp_avg_sq: Array,
    second: Array,
    work: Array,
    one_minus_beta1: Any,
    beta2: Any,
    one_minus_beta2: Any,
    eps_c: Any,
    step_size: Any,
) -> None:
    r"""One Adam update in place, every array written with ``out=``.

    .. math::

        m \leftarrow m + (1 - \beta_1)(g - m), \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2) g^2, \qquad
        \theta \leftarrow \theta + s\,\frac{m}{\sqrt{v'} + \epsilon c}

    with :math:`v'` the array ``second`` (``v`` itself, or its running maximum for amsgrad,
    taken here), :math:`c = \sqrt{1 - \beta_2^t}` and :math:`s = -\eta c / (1 - \beta_1^t)`:
    `Adam`'s step, :math:`\eta/(1 - \beta_1^t) \cdot m/(\sqrt{v}/c + \epsilon)`, with one
    pass fewer. :math:`m` moves as PyTorch's lerp does (the same rounding as torch). The
    factors are floats, or 0-d arrays of the parameters' dtype (a recorded update).

    Examples
    --------
    >>> import numpy as np
    >>> theta, g = np.array([1.0]), np.array([2.0])
    >>> m, v, work = np.zeros(1), np.zeros(1), np.empty(1)
    >>> c = 0.001**0.5  # t = 1, beta2 = 0.999
    >>> adam_step(theta, g, m, v, v, work, 0.1, 0.999, 0.001, 1e-8 * c, -0.1 * c / 0.1)
    >>> theta.round(6)  # the first step moves by about lr
    array([0.9])
    """
    np.subtract(grad, exp_avg, out=work)
    np.multiply(work, one_minus_beta1, out=work)
    np.add(exp_avg, work, out=exp_avg)
    np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
    np.multiply(grad, grad, out=work)
    np.multiply(work, one_minus_beta2, out=work)
    np.add(exp_avg_sq, work, out=exp_avg_sq)
    if second is not exp_avg_sq:
        np.maximum(second, exp_avg_sq, out=second)
    np.sqrt(second, out=work)
    np.add(work, eps_c, out=work)
    np.divide(exp_avg, work, out=work)
    np.multiply(work, step_size, out=work)
    np.add(data, work, out=data)


def _start(state: dict[str, Any], data: Array, amsgrad: bool) -> None:
    state["step"] = 0
    state["exp_avg"] = np.zeros_like(data)
    state["exp_avg_sq"] = np.zeros_like(data)
    if amsgrad:
        state["max_exp_avg_sq"] = np.zeros_like(data)


def _second_moment(state: dict[str, Any], data: Array) -> Array:
    """amsgrad's running maximum of v (made when amsgrad is switched on mid-run)."""
    second = state.get("max_exp_avg_sq")
    if second is None:
        state["max_exp_avg_sq"] = second = np.zeros_like(data)
    return second


def _corrections(
    step: int, lr: float, beta1: float, beta2: float, eps: float
) -> tuple[float, float]:
    """eps c and -lr c / (1 - beta1^t), with c = sqrt(1 - beta2^t), at step t."""
    c = math.sqrt(1 - beta2**step)
    return eps * c, -lr * c / (1 - beta1**step)


def _advance(
    state: dict[str, Any],
    corrections: tuple[Array, Array],
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """A recorded update's first kernel: the step count, then its corrections."""
    state["step"] += 1
    eps_c, step_size = _corrections(state["step"], lr, beta1, beta2, eps)
    corrections[0][...] = eps_c
    corrections[1][...] = step_size


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
