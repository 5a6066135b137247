r"""The ``solver`` and ``learning_rate`` of the MLP estimators, mapped onto optimizers.

"sgd", "gd" and "adam" are scikit-learn's own update rules (`gradlab.sklearn.sklearn_optimizers`):
its SGD keeps a velocity in units of steps and its Adam adds epsilon to the square root of the
raw second moment, so momentum with a changing learning rate, and ``epsilon``, mean what they
mean in scikit-learn. The other solvers ("adamw", "rmsprop", "adagrad", and any registered
optimizer) are `gradlab.optim`'s, with PyTorch's semantics.
"""

from __future__ import annotations

from typing import Any

import gradlab as gl
from gradlab.sklearn.sklearn_optimizers import SklearnAdam, VelocitySGD
from gradlab.training import Callback


def solvers() -> list[str]:
    """Solvers the MLP estimators accept: every registered optimizer ("gd" is SGD on the full
    batch), read when a parameter is checked so that a registered optimizer is one too."""
    return gl.optim.OPTIMIZERS.all_names()


#: Solvers that follow ``learning_rate`` (scikit-learn applies it to SGD only).
SCHEDULED_SOLVERS = ("sgd", "gd")


def make_optimizer(estimator: Any, params: Any) -> gl.optim.Optimizer:
    """The gradlab optimizer for ``estimator.solver`` over ``params`` (tensors or groups).

    "sgd" and "gd": scikit-learn's ``VelocitySGD(lr=learning_rate_init, momentum=momentum,
    nesterov=nesterovs_momentum)``; "adam": scikit-learn's ``SklearnAdam(betas=(beta_1,
    beta_2), eps=epsilon)``; "adamw": gradlab's, with the same betas and eps; others: their
    defaults besides ``lr``.

    Examples
    --------
    >>> import gradlab as gl
    >>> from gradlab.sklearn import MLPRegressor
    >>> opt = make_optimizer(MLPRegressor(solver="sgd"), [gl.nn.Parameter([1.0])])
    >>> type(opt).__name__, opt.param_groups[0]["momentum"], opt.param_groups[0]["nesterov"]
    ('VelocitySGD', 0.9, True)
    """
    solver, lr = estimator.solver, float(estimator.learning_rate_init)
    betas = (float(estimator.beta_1), float(estimator.beta_2))
    if solver in ("sgd", "gd"):
        momentum = float(estimator.momentum)
        nesterov = bool(estimator.nesterovs_momentum) and momentum > 0
        return VelocitySGD(params, lr=lr, momentum=momentum, nesterov=nesterov)
    if solver == "adam":
        return SklearnAdam(params, lr=lr, betas=betas, eps=float(estimator.epsilon))
    if solver == "adamw":
        return gl.optim.AdamW(params, lr=lr, betas=betas, eps=float(estimator.epsilon))
    return gl.optim.get(solver, params, lr=lr)


class LearningRateSchedule:
    """scikit-learn's ``learning_rate`` for SGD, applied to an optimizer's ``param_groups``.

    - "constant": ``learning_rate_init`` throughout.
    - "invscaling": after each epoch, :math:`\\eta = \\eta_0 / (t + 1)^{p}` with :math:`t`
      the number of samples seen (``t_``) and :math:`p` = ``power_t``.
    - "adaptive": when the loss (or validation score) stalls for ``n_iter_no_change``
      epochs, divide :math:`\\eta` by 5 and go on; stop once :math:`\\eta \\le 10^{-6}`
      (`stalled` is the ``on_plateau`` reaction of the loop's `Plateau` rule).

    Solvers other than "sgd" and "gd" adapt their own steps and ignore it, as in scikit-learn.

    Parameters
    ----------
    optimizer : gradlab.optim.Optimizer
    kind : {"constant", "invscaling", "adaptive"}
    learning_rate_init, power_t : float
    active : bool
        False: keep the learning rate constant and stop on the first stall.

    Examples
    --------
    >>> import gradlab as gl
    >>> opt = gl.optim.SGD([gl.nn.Parameter([1.0])], lr=0.1)
    >>> schedule = LearningRateSchedule(opt, "invscaling", 0.1, 0.5, active=True)
    >>> schedule.epoch_end(samples_seen=3)
    >>> opt.param_groups[0]["lr"]
    0.05
    """

    def __init__(
        self,
        optimizer: gl.optim.Optimizer,
        kind: str,
        learning_rate_init: float,
        power_t: float,
        active: bool,
    ) -> None:
        self.optimizer = optimizer
        self.kind = kind if active else "constant"
        self.learning_rate_init = float(learning_rate_init)
        self.power_t = float(power_t)

    @property
    def learning_rate(self) -> float:
        """The current learning rate."""
        return float(self.optimizer.param_groups[0]["lr"])

    def _set(self, lr: float) -> None:
        for group in self.optimizer.param_groups:
            group["lr"] = lr

    def epoch_end(self, samples_seen: int) -> None:
        """Update the learning rate after an epoch ("invscaling")."""
        if self.kind == "invscaling":
            self._set(self.learning_rate_init / (samples_seen + 1) ** self.power_t)

    def stalled(self) -> bool:
        """React to a stall; True when training should stop."""
        if self.kind != "adaptive" or self.learning_rate <= 1e-6:
            return True
        self._set(self.learning_rate / 5.0)
        return False


class ScheduleStep(Callback):
    """Calls ``schedule.epoch_end`` after each epoch of the training loop.

    With the loop's count of samples seen, which starts from the estimator's ``t_``; a new
    one is made for each run, so that the estimator keeps no reference to a finished run.

    Parameters
    ----------
    schedule : LearningRateSchedule
    """

    def __init__(self, schedule: LearningRateSchedule) -> None:
        self.schedule = schedule

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self.schedule.epoch_end(self.trainer.samples_seen)
