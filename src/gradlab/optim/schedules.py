"""Learning-rate schedules: step, exponential, cosine annealing and reduce-on-plateau.

Each follows ``torch.optim.lr_scheduler``: it changes ``group["lr"]`` of every parameter group
of its optimizer, and ``step()`` is called once per epoch after ``optimizer.step()``. Step,
exponential and cosine schedules update the current rate recursively, as PyTorch does, so they
compose with one another and with manual changes of ``group["lr"]``.
"""

from __future__ import annotations

import copy
import math
from typing import Any

from gradlab.optim.optimizer import Optimizer


def _check_optimizer(optimizer: Any, name: str) -> Optimizer:
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"{name} schedules a gradlab optimizer; got {type(optimizer).__name__}. "
            "Pass e.g. gl.optim.SGD(model.parameters())."
        )
    return optimizer


def _check_positive_int(name: str, key: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} got {key}={value!r}; {key} must be a positive integer.")
    return value


def _check_nonnegative(name: str, key: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value < math.inf:
        raise ValueError(f"{name} got {key}={value!r}; {key} must be a finite number >= 0.")
    return float(value)


class _Schedule:
    """What every schedule shares: its optimizer, the last rates set, and its state."""

    optimizer: Optimizer
    _last_lr: list[float]

    def get_last_lr(self) -> list[float]:
        """The rates the schedule last set, one per parameter group."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """The schedule's state (everything but the optimizer), as a plain dict of copies."""
        return {k: copy.deepcopy(v) for k, v in vars(self).items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by `state_dict` of the same kind of schedule."""
        unknown = set(state_dict) - set(vars(self))
        if unknown:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict got unknown keys {sorted(unknown)}; "
                f"pass the state_dict() of a {type(self).__name__}."
            )
        self.__dict__.update(copy.deepcopy(dict(state_dict)))


class LRScheduler(_Schedule):
    """Base of the epoch-indexed schedules: ``step()`` advances ``last_epoch`` and sets the rates.

    Construction records each group's ``"initial_lr"`` (the ``base_lrs``) and counts as epoch 0.

    Attributes
    ----------
    optimizer : Optimizer
    base_lrs : list of float
    last_epoch : int
    """

    def __init__(self, optimizer: Optimizer) -> None:
        self.optimizer = _check_optimizer(optimizer, type(self).__name__)
        for group in optimizer.param_groups:
            group.setdefault("initial_lr", group["lr"])
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = -1
        self._initial = True
        self.step()
        self._initial = False

    def get_lr(self) -> list[float]:
        """The rates of the epoch ``last_epoch``, from the current ones."""
        raise NotImplementedError

    def step(self) -> None:
        """Advance one epoch and set every group's ``lr``."""
        self.last_epoch += 1
        for group, lr in zip(self.optimizer.param_groups, self.get_lr(), strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def __repr__(self) -> str:
        fields = ", ".join(
            f"{k}={v!r}"
            for k, v in vars(self).items()
            if not k.startswith("_") and k not in ("optimizer", "base_lrs", "last_epoch")
        )
        return f"{type(self).__name__}({fields})"


class StepLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every ``step_size`` epochs.

    :math:`\eta_t = \eta_0\,\gamma^{\lfloor t / \text{step\_size} \rfloor}`.

    Parameters
    ----------
    optimizer : Optimizer
    step_size : int
    gamma : float, default 0.1

    Examples
    --------
    >>> import gradlab as gl
    >>> opt = gl.optim.SGD([gl.nn.Parameter([0.0])], lr=1.0)
    >>> schedule = gl.optim.StepLR(opt, step_size=2, gamma=0.5)
    >>> for _ in range(4):
    ...     schedule.step()
    >>> schedule.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, step_size: int, gamma: float = 0.1) -> None:
        self.step_size = _check_positive_int("StepLR", "step_size", step_size)
        self.gamma = _check_nonnegative("StepLR", "gamma", gamma)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class ExponentialLR(LRScheduler):
    r"""Multiply the rate by ``gamma`` every epoch: :math:`\eta_t = \eta_0\,\gamma^t`.

    Parameters
    ----------
    optimizer : Optimizer
    gamma : float

    Examples
    --------
    >>> import gradlab as gl
    >>> opt = gl.optim.SGD([gl.nn.Parameter([0.0])], lr=1.0)
    >>> schedule = gl.optim.ExponentialLR(opt, gamma=0.5)
    >>> schedule.step(); schedule.step()
    >>> schedule.get_last_lr()
    [0.25]
    """

    def __init__(self, optimizer: Optimizer, gamma: float) -> None:
        self.gamma = _check_nonnegative("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        if self._initial:
            return [group["lr"] for group in groups]
        return [group["lr"] * self.gamma for group in groups]


class CosineAnnealingLR(LRScheduler):
    r"""Cosine annealing from the initial rate to ``eta_min`` over ``T_max`` epochs.

    :math:`\eta_t = \eta_{min} + \frac12(\eta_0 - \eta_{min})(1 + \cos(\pi t / T_{max}))`,
    computed recursively from :math:`\eta_{t-1}` as PyTorch does; past ``T_max`` the rate
    rises again along the same cosine (period ``2 T_max``).

    Parameters
    ----------
    optimizer : Optimizer
    T_max : int
        Epochs from the initial rate down to ``eta_min``.
    eta_min : float, default 0.0

    Examples
    --------
    >>> import gradlab as gl
    >>> opt = gl.optim.SGD([gl.nn.Parameter([0.0])], lr=1.0)
    >>> schedule = gl.optim.CosineAnnealingLR(opt, T_max=2)
    >>> schedule.step()
    >>> round(schedule.get_last_lr()[0], 12)
    0.5
    """

    def __init__(self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0) -> None:
        self.T_max = _check_positive_int("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _check_nonnegative("CosineAnnealingLR", "eta_min", eta_min)
        super().__init__(optimizer)

    def get_lr(self) -> list[float]:
        groups = self.optimizer.param_groups
        t, period, low = self.last_epoch, self.T_max, self.eta_min
        if self._initial:
            return [group["lr"] for group in groups]
        if (t - 1 - period) % (2 * period) == 0:
            # At the bottom of the cosine the recursion below would divide by zero.
            return [
                group["lr"] + (base - low) * (1 - math.cos(math.pi / period)) / 2
                for base, group in zip(self.base_lrs, groups, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / period)) / (1 + math.cos(math.pi * (t - 1) / period))
        return [ratio * (group["lr"] - low) + low for group in groups]


class ReduceLROnPlateau(_Schedule):
    r"""Multiply the rate by ``factor`` when a metric has stopped improving for a while.

    A value improves on the best so far when it is below ``best * (1 - threshold)`` (mode
    "min", threshold_mode "rel"), below ``best - threshold`` ("abs"), or above
    ``best * (1 + threshold)`` / ``best + threshold`` in mode "max". After more than
    ``patience`` epochs without improvement, each group's rate becomes
    ``max(lr * factor, min_lr)`` (unless that changes it by less than ``eps``), and
    ``cooldown`` epochs pass before bad epochs count again.

    Parameters
    ----------
    optimizer : Optimizer
    mode : {"min", "max"}, default "min"
    factor : float, default 0.1
        In [0, 1).
    patience : int, default 10
    threshold : float, default 1e-4
    threshold_mode : {"rel", "abs"}, default "rel"
    cooldown : int, default 0
    min_lr : float or list of float, default 0.0
        One value, or one per parameter group.
    eps : float, default 1e-8

    Examples
    --------
    >>> import gradlab as gl
    >>> opt = gl.optim.SGD([gl.nn.Parameter([0.0])], lr=1.0)
    >>> schedule = gl.optim.ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0]:
    ...     schedule.step(loss)
    >>> schedule.get_last_lr()
    [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0.0,
        eps: float = 1e-8,
    ) -> None:
        name = "ReduceLROnPlateau"
        self.optimizer = _check_optimizer(optimizer, name)
        if mode not in ("min", "max"):
            raise ValueError(f"{name} got mode={mode!r}; mode must be 'min' or 'max'.")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{name} got threshold_mode={threshold_mode!r}; it must be 'rel' or 'abs'."
            )
        if not _check_nonnegative(name, "factor", factor) < 1:
            raise ValueError(f"{name} got factor={factor!r}; factor must lie in [0, 1).")
        n_groups = len(optimizer.param_groups)
        if isinstance(min_lr, list | tuple):
            if len(min_lr) != n_groups:
                raise ValueError(
                    f"{name} got {len(min_lr)} values of min_lr for {n_groups} parameter "
                    "groups; give one per group, or a single number."
                )
            self.min_lrs = [_check_nonnegative(name, "min_lr", m) for m in min_lr]
        else:
            self.min_lrs = [_check_nonnegative(name, "min_lr", min_lr)] * n_groups
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"{name} got patience={patience!r}; it must be an integer >= 0.")
        if isinstance(cooldown, bool) or not isinstance(cooldown, int) or cooldown < 0:
            raise ValueError(f"{name} got cooldown={cooldown!r}; it must be an integer >= 0.")
        self.mode = mode
        self.factor = float(factor)
        self.patience = patience
        self.threshold = _check_nonnegative(name, "threshold", threshold)
        self.threshold_mode = threshold_mode
        self.cooldown = cooldown
        self.eps = _check_nonnegative(name, "eps", eps)
        self.last_epoch = 0
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]

    def _is_better(self, value: float) -> bool:
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return value < self.best * (1.0 - self.threshold)
            return value < self.best - self.threshold
        if self.threshold_mode == "rel":
            return value > self.best * (self.threshold + 1.0)
        return value > self.best + self.threshold

    def step(self, metric: float) -> None:
        """Record this epoch's ``metric`` and reduce the rates if it has stalled.

        Parameters
        ----------
        metric : float
            The monitored quantity, e.g. the validation loss.
        """
        current = float(metric)
        self.last_epoch += 1
        if self._is_better(current):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                old = float(group["lr"])
                new = max(old * self.factor, min_lr)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def __repr__(self) -> str:
        return (
            f"ReduceLROnPlateau(mode={self.mode!r}, factor={self.factor!r}, "
            f"patience={self.patience!r}, threshold={self.threshold!r}, "
            f"threshold_mode={self.threshold_mode!r}, cooldown={self.cooldown!r}, "
            f"min_lr={self.min_lrs!r}, eps={self.eps!r})"
        )
