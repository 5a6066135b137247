"""`Plateau`: stop when a logged value stops improving (scikit-learn's tol rule)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np


class Plateau:
    """scikit-learn's ``tol`` / ``n_iter_no_change`` rule of its MLP estimators, on any value.

    After each epoch, with lower values better (mode "min"): if value > best - tol, the count
    of epochs without improvement grows by one, else it returns to 0; then best = min(best,
    value). Mode "max" is the mirror (value < best + tol counts, best = max(best, value)), the
    rule scikit-learn applies to its validation score. The plateau is reached when the count
    exceeds ``n_iter_no_change``, i.e. after n_iter_no_change + 1 epochs in a row that did not
    improve on the best by at least ``tol`` (the first epoch only sets the best). A NaN value
    never counts and never becomes the best.

    The rule keeps its state (``best``, ``count``, ``best_weights``) from one run of the loop
    to the next, so an object reused across runs continues where it stood (scikit-learn's
    ``warm_start`` and ``partial_fit``).

    Parameters
    ----------
    tol : float
        The smallest change of the value that counts as an improvement, >= 0.
    n_iter_no_change : int or float
        The number of epochs without improvement allowed, >= 1 (``math.inf``: never reached).
    monitor : str, default "loss"
        The name of the logged value, e.g. "loss" or a validation score.
    mode : {"min", "max"}, default "min"
        Whether lower or higher values are better.
    on_plateau : callable, optional
        Called with no arguments when the plateau is reached. It returns True to stop
        training, or False to go on with the count back at 0 (e.g. after lowering the learning
        rate: scikit-learn's ``learning_rate="adaptive"``). Without it, training stops.
    restore_best : bool, default False
        Keep a copy of the weights of each new best epoch (`remember`), and put them back at
        the end of training (`restore`), as scikit-learn's ``early_stopping`` does.

    Attributes
    ----------
    best : float
        The best value so far (inf, or -inf in mode "max", before the first).
    count : int
        Epochs in a row without improvement.
    improved : bool
        Whether the latest value became the best.
    best_weights : list of ndarray or None
        With ``restore_best``, the weights of the best epoch (None before the first).

    Examples
    --------
    >>> rule = Plateau(tol=0.1, n_iter_no_change=1)
    >>> [rule.update(loss) for loss in (1.0, 0.95, 0.93)]
    [False, False, True]
    >>> score = Plateau(tol=0.0, n_iter_no_change=1, monitor="val_score", mode="max")
    >>> [score.update(s) for s in (0.5, 0.7, 0.6, 0.6)], score.best
    ([False, False, False, True], 0.7)
    """

    def __init__(
        self,
        tol: float,
        n_iter_no_change: float,
        monitor: str = "loss",
        mode: str = "min",
        on_plateau: Callable[[], bool] | None = None,
        restore_best: bool = False,
    ) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"Plateau: mode must be 'min' or 'max'; got {mode!r}.")
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.monitor, self.mode = monitor, mode
        self.on_plateau, self.restore_best = on_plateau, restore_best
        self.best = math.inf if mode == "min" else -math.inf
        self.count = 0
        self.improved = False
        self.best_weights: list[np.ndarray] | None = None

    def update(self, value: float) -> bool:
        """Take the epoch's value; return True when the plateau is reached."""
        # Negating the value turns mode "max" into mode "min", comparisons and NaN included.
        sign = 1.0 if self.mode == "min" else -1.0
        if sign * value > sign * self.best - self.tol:
            self.count += 1
        else:
            self.count = 0
        self.improved = sign * value < sign * self.best
        if self.improved:
            self.best = value
        return self.count > self.n_iter_no_change

    def reached(self) -> bool:
        """React to a reached plateau: True to stop (see ``on_plateau``)."""
        if self.on_plateau is None or self.on_plateau():
            return True
        self.count = 0
        return False

    def remember(self, parameters: Sequence[Any]) -> None:
        """After `update`: copy the weights if the value became the best (``restore_best``)."""
        if self.restore_best and self.improved:
            self.best_weights = [p.data.copy() for p in parameters]

    def state_dict(self) -> dict[str, Any]:
        """What the rule remembers (best value, count, best weights), for a checkpoint."""
        return {
            "best": self.best,
            "count": self.count,
            "improved": self.improved,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from `state_dict`'s memory."""
        self.best, self.count = float(state["best"]), int(state["count"])
        self.improved, self.best_weights = bool(state["improved"]), state["best_weights"]

    def restore(self, parameters: Sequence[Any]) -> None:
        """Put the best epoch's weights back in place (``restore_best``, once there is one)."""
        if self.restore_best and self.best_weights is not None:
            for p, best in zip(parameters, self.best_weights, strict=True):
                np.copyto(p.data, best)
