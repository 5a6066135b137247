r"""scikit-learn's own SGD and Adam steps, so that the estimators' ``solver`` means what it
means in scikit-learn.

PyTorch's SGD keeps its momentum in units of gradients (:math:`b \leftarrow \mu b + g`,
:math:`\theta \leftarrow \theta - \eta b`); scikit-learn's keeps a velocity in units of steps
(:math:`v \leftarrow \mu v - \eta g`, :math:`\theta \leftarrow \theta + v`). The two agree while
:math:`\eta` is constant and differ once a schedule changes it. PyTorch's Adam adds
:math:`\epsilon` to :math:`\sqrt{\hat v}`; scikit-learn's adds it to :math:`\sqrt{v}` and folds
the bias corrections into the step size. `gradlab.optim` keeps PyTorch's rules; these are
scikit-learn's, step for step.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array
from gradlab.optim.optimizer import Optimizer, ParamGroup, Params, check_nonnegative


class VelocitySGD(Optimizer):
    r"""scikit-learn's ``SGDOptimizer``: :math:`v \leftarrow \mu v - \eta g`, then
    :math:`\theta \leftarrow \theta + v`, or with Nesterov momentum
    :math:`\theta \leftarrow \theta + \mu v - \eta g` (the velocity starts at 0).

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0])
    >>> opt = VelocitySGD([w], lr=0.1, momentum=0.9, nesterov=False)
    >>> w.grad = np.array([2.0]); opt.step(); w.grad = np.array([2.0]); opt.step()
    >>> w.data.round(6)  # v = -0.2, then 0.9 * -0.2 - 0.2 = -0.38
    array([0.42])
    """

    def __init__(
        self, params: Params, lr: float = 0.1, momentum: float = 0.9, nesterov: bool = True
    ) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov})

    def _check_group(self, group: ParamGroup) -> None:
        check_nonnegative(type(self).__name__, group, "lr", "momentum")

    def _update(self, p: Tensor, grad: Array, state: dict[str, Any], group: ParamGroup) -> None:
        lr, momentum = float(group["lr"]), float(group["momentum"])
        velocity = state.get("velocity")
        if velocity is None:
            state["velocity"] = velocity = np.zeros_like(p.data)
        velocity *= momentum
        velocity -= lr * grad
        if group["nesterov"]:
            p.data += momentum * velocity - lr * grad
        else:
            p.data += velocity


class SklearnAdam(Optimizer):
    r"""scikit-learn's ``AdamOptimizer``: with :math:`m, v` the moving averages of :math:`g` and
    :math:`g^2`, :math:`\theta \leftarrow \theta - \eta_t m / (\sqrt{v} + \epsilon)` where
    :math:`\eta_t = \eta \sqrt{1 - \beta_2^t} / (1 - \beta_1^t)`.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0])
    >>> opt = SklearnAdam([w], lr=0.1)
    >>> w.grad = np.array([2.0]); opt.step()
    >>> w.data.round(6)  # the first step is lr * sign(g), up to epsilon
    array([0.9])
    """

    def __init__(
        self,
        params: Params,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": tuple(betas), "eps": eps})

    def _check_group(self, group: ParamGroup) -> None:
        check_nonnegative(type(self).__name__, group, "lr", "eps")

    def _update(self, p: Tensor, grad: Array, state: dict[str, Any], group: ParamGroup) -> None:
        beta1, beta2 = (float(b) for b in group["betas"])
        if not state:
            state.update(step=0, m=np.zeros_like(p.data), v=np.zeros_like(p.data))
        state["step"] += 1
        t, m, v = state["step"], state["m"], state["v"]
        m *= beta1
        m += (1 - beta1) * grad
        v *= beta2
        v += (1 - beta2) * (grad * grad)  # scikit-learn's order of operations, to the bit
        lr_t = float(group["lr"]) * math.sqrt(1 - beta2**t) / (1 - beta1**t)
        p.data -= lr_t * m / (np.sqrt(v) + float(group["eps"]))
