"""Adam and AdamW: per-entry steps scaled by running moments of the gradient."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.kernels import Kernel, run, with_steps
from gradlab.engine.packing import bookkeeping
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
            _start(state, data, amsgrad, self._state_zeros)
        if self._decoupled and weight_decay != 0:
            data *= 1 - lr * weight_decay
        coupled_decay = 0.0 if self._decoupled else weight_decay
        if maximize or coupled_decay != 0:
            grad = followed_gradient(grad, data, maximize, coupled_decay)
        state["step"] += 1
        eps_c, step_size = _corrections(state["step"], lr, beta1, beta2, eps)
        second = self._second_moment(state, data) if amsgrad else state["exp_avg_sq"]
        adam_step(
            data, grad, state["exp_avg"], state["exp_avg_sq"], second, self._buffer(p),
            1 - beta1, beta2, 1 - beta2, eps_c, step_size,
        )  # fmt: skip

    def _second_moment(self, state: dict[str, Any], data: Array) -> Array:
        """amsgrad's running maximum of v (made when amsgrad is switched on mid-run)."""
        second = state.get("max_exp_avg_sq")
        if second is None:
            state["max_exp_avg_sq"] = second = self._state_zeros(data, "max_exp_avg_sq")
        return second

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
        # One pair for all parameters at the same step count under the same settings (each
        # one's `_advance` writes the same values), so that packed parameters merge.
        corrections = self._shared.setdefault(
            ("corrections", group, state["step"], data.dtype),
            (np.empty((), data.dtype), np.empty((), data.dtype)),
        )
        kernels: list[Kernel] = [(_advance, (state, corrections, lr, beta1, beta2, eps))]
        if weight_decay != 0:
            shrink = 1 - lr * weight_decay
            factor = self._shared.setdefault(
                ("decay", shrink, data.dtype), np.array(shrink, data.dtype)
            )
            kernels.append((np.multiply, (data, factor, data)))
        second = self._second_moment(state, data) if amsgrad else state["exp_avg_sq"]
        moments = (state["exp_avg"], state["exp_avg_sq"], second, self._buffer(p))
        factors = (1 - beta1, beta2, 1 - beta2, *corrections)
        kernels.append((adam_step, (data, grad, *moments, *factors)))
        return kernels


def adam_steps(
    data: Array, grad: Array, exp_avg: Array, exp_avg_sq: Array, second: Array, work: Array,
    *factors: Any,
) -> list[Kernel]:  # fmt: skip
    """The NumPy calls of `adam_step` (its arguments, the five factors last), in order."""
    one_minus_beta1, beta2, one_minus_beta2, eps_c, step_size = factors
    steps: list[Kernel] = [
        (np.subtract, (grad, exp_avg, work)),
        (np.multiply, (work, one_minus_beta1, work)),
        (np.add, (exp_avg, work, exp_avg)),
        (np.multiply, (exp_avg_sq, beta2, exp_avg_sq)),
        (np.multiply, (grad, grad, work)),
        (np.multiply, (work, one_minus_beta2, work)),
        (np.add, (exp_avg_sq, work, exp_avg_sq)),
    ]
    if second is not exp_avg_sq:
        steps.append((_running_maximum, (second, exp_avg_sq)))
    steps += [
        (np.sqrt, (second, work)),
        (np.add, (work, eps_c, work)),
        (np.divide, (exp_avg, work, work)),
        (np.multiply, (work, step_size, work)),
        (np.add, (data, work, data)),
    ]
    return steps


@with_steps(adam_steps)
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
    factors = (one_minus_beta1, beta2, one_minus_beta2, eps_c, step_size)
    run(adam_steps(data, grad, exp_avg, exp_avg_sq, second, work, *factors))


def _start(
    state: dict[str, Any], data: Array, amsgrad: bool, zeros: Callable[[Array, str], Array]
) -> None:
    state["step"] = 0
    for key in (
        ("exp_avg", "exp_avg_sq", "max_exp_avg_sq") if amsgrad else ("exp_avg", "exp_avg_sq")
    ):
        state[key] = zeros(data, key)


def _corrections(
    step: int, lr: float, beta1: float, beta2: float, eps: float
) -> tuple[float, float]:
    """eps c and -lr c / (1 - beta1^t), with c = sqrt(1 - beta2^t), at step t."""
    c = math.sqrt(1 - beta2**step)
    return eps * c, -lr * c / (1 - beta1**step)


def _running_maximum(second: Array, exp_avg_sq: Array) -> None:
    # NumPy deprecates np.maximum's output given by position.
    np.maximum(second, exp_avg_sq, out=second)


@bookkeeping
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
