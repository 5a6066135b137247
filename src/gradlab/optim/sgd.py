"""Stochastic gradient descent, with momentum, Nesterov momentum and weight decay."""

from __future__ import annotations

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
    check_nonnegative,
    check_number,
    followed_gradient,
)


class SGD(Optimizer):
    r"""Gradient descent, PyTorch's ``torch.optim.SGD`` step for step.

    For each parameter :math:`\theta` with gradient :math:`g` (negated if ``maximize``):

    .. math::

        g &\leftarrow g + \lambda\theta \quad(\text{weight decay } \lambda)\\
        b &\leftarrow g \text{ at the first step, else } \mu b + (1 - \tau) g\\
        g &\leftarrow g + \mu b \text{ (Nesterov) or } b \quad(\text{if } \mu \ne 0)\\
        \theta &\leftarrow \theta - \eta g

    with learning rate :math:`\eta`, momentum :math:`\mu` and dampening :math:`\tau`. Without
    momentum this is the plain rule of the worked examples,
    :math:`\theta \leftarrow \theta - \eta g`.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        ``model.parameters()``, or parameter groups (see `Optimizer`).
    lr : float, default 0.01
    momentum : float, default 0.0
    dampening : float, default 0.0
    weight_decay : float, default 0.0
        L2 penalty added to the gradient.
    nesterov : bool, default False
        Nesterov momentum; needs ``momentum > 0`` and ``dampening == 0``.
    maximize : bool, default False
        Ascend the objective instead.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0, -2.0])
    >>> opt = gl.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()  # gradient 2w
    >>> opt.step()
    >>> w.data
    array([ 0.8, -1.6])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 0.01,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
        *,
        maximize: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
            "maximize": maximize,
        }
        super().__init__(params, defaults)

    def _check_group(self, group: ParamGroup) -> None:
        name = type(self).__name__
        check_nonnegative(name, group, "lr", "momentum", "weight_decay")
        check_flags(name, group, "nesterov", "maximize")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError(
                f"{name}: Nesterov momentum needs momentum > 0 and dampening = 0; got "
                f"momentum={group['momentum']!r}, dampening={group['dampening']!r}."
            )
        check_number(name, "dampening", group["dampening"])

    def _settings(self, group: ParamGroup) -> tuple[Any, ...]:
        return (
            float(group["lr"]),
            float(group["momentum"]),
            float(group["dampening"]),
            float(group["weight_decay"]),
            group["nesterov"],
            group["maximize"],
        )

    def _update(self, p: Tensor, grad: Array, state: dict[str, Any], group: Any) -> None:
        data = p.data
        lr, momentum, dampening, weight_decay, nesterov, maximize = group
        if maximize or weight_decay != 0:
            grad = followed_gradient(grad, data, maximize, weight_decay)
        velocity, started = None, True
        if momentum != 0:
            velocity = state.get("momentum_buffer")
            if velocity is None:
                state["momentum_buffer"] = velocity = np.array(grad, dtype=data.dtype)
                started = False
        sgd_step(data, grad, velocity, self._buffer(p), momentum, 1 - dampening, nesterov, -lr,
                 started)  # fmt: skip

    def _kernels(
        self, p: Tensor, grad: Array, state: dict[str, Any], group: Any
    ) -> list[Kernel] | None:
        lr, momentum, dampening, weight_decay, nesterov, maximize = group
        velocity = state.get("momentum_buffer")
        if weight_decay != 0 or maximize or (momentum != 0 and velocity is None):
            return None
        data, work = p.data, self._buffer(p)
        # -lr as a 0-d array of the parameter's dtype: the value a Python float is rounded to
        # in that multiply, without NumPy converting it on every call.
        step = np.array(-lr, dtype=data.dtype)
        if momentum == 0:
            return [(np.multiply, (grad, step, work)), (np.add, (data, work, data))]
        arguments = (data, grad, velocity, work, momentum, 1 - dampening, nesterov, step, True)
        return [(sgd_step, arguments)]


def sgd_step(
    data: Array,
    grad: Array,
    velocity: Array | None,
    work: Array,
    momentum: float,
    one_minus_dampening: float,
    nesterov: bool,
    neg_lr: Any,
    started: bool = True,
) -> None:
    r"""One SGD step in place: with a ``velocity`` :math:`b` (momentum :math:`\mu`),
    :math:`b \leftarrow \mu b + (1 - \tau) g` when ``started`` (else ``velocity`` already
    holds this first step's :math:`g`), then :math:`g \leftarrow g + \mu b` (Nesterov) or
    :math:`b`; then :math:`\theta \leftarrow \theta + (-\eta) g`. ``neg_lr`` is
    :math:`-\eta`, a float or a 0-d array of the parameter's dtype (a recorded update).

    Examples
    --------
    >>> import numpy as np
    >>> theta, b, work = np.array([1.0]), np.array([2.0]), np.empty(1)
    >>> sgd_step(theta, np.array([1.0]), b, work, 0.5, 1.0, False, -0.1)
    >>> b, theta  # b = 0.5 * 2 + 1, theta = 1 - 0.1 * b
    (array([2.]), array([0.8]))
    """
    if velocity is not None:
        if started:
            np.multiply(velocity, momentum, out=velocity)
            np.multiply(grad, one_minus_dampening, out=work)
            np.add(velocity, work, out=velocity)
        if nesterov:
            np.multiply(velocity, momentum, out=work)
            np.add(work, grad, out=work)
            grad = work
        else:
            grad = velocity
    np.multiply(grad, neg_lr, out=work)
    np.add(data, work, out=data)


GD = SGD
