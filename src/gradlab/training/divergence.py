"""`GrowthRule`: the second half of gradlab's divergence rule, a loss that has blown up.

Training diverges when (1) a batch's loss is NaN or infinite, or a parameter is after an
epoch; or (2) an epoch's mean training loss exceeds ``factor`` (10⁶) times the lowest loss so
far: of the epochs before it and of the first batch before its update (so a rate large enough
to run away within the first epoch is caught too). The lowest loss is floored at machine
epsilon times the opening loss, so a fit that reaches zero up to rounding and then wobbles at
the rounding level is not taken for divergence. The rule applies to positive losses only; a
loss that is ever zero or negative (a user's log-likelihood, say) is watched by (1) alone.
"""

from __future__ import annotations

import math

import numpy as np

#: How far above its best an epoch's loss may climb: a loss a million times its best is not
#: noise from a large step but training running away, caught epochs before it overflows.
GROWTH_FACTOR = 1e6


class GrowthRule:
    """Watches the epoch losses for a blow-up: ``loss > factor · max(best, eps · first)``.

    Parameters
    ----------
    dtype : numpy dtype
        The model's dtype; its machine epsilon floors the best loss.
    factor : float, default GROWTH_FACTOR

    Examples
    --------
    >>> rule = GrowthRule(np.float64)
    >>> [rule.blew_up(loss) for loss in (1.0, 0.5, 2.0, 6e5)]
    [False, False, False, True]
    >>> rule.threshold
    500000.0
    """

    def __init__(self, dtype: np.dtype | type, factor: float = GROWTH_FACTOR) -> None:
        self.factor = float(factor)
        self.eps = float(np.finfo(dtype).eps)
        self.first = math.nan
        self.best = math.inf

    @property
    def threshold(self) -> float:
        """The epoch loss above which training has diverged (inf when the rule is off)."""
        if not self.first > 0:
            return math.inf
        return self.factor * max(self.best, self.eps * self.first)

    def blew_up(self, loss: float, opening: float = math.nan) -> bool:
        """Whether the epoch loss ``loss`` breaks the rule; else it is taken into the best.

        ``opening``, given with the first epoch, is the loss before any update (of the first
        batch, scaled to an epoch's): a rate so large that the first epoch already runs away
        is measured against where training started.
        """
        if math.isnan(self.first):
            self.first = opening if opening > 0 else loss
            self.best = self.first
        if loss > self.threshold:
            return True
        if loss <= 0:
            self.first = 0.0  # the rule is off for this run
        self.best = min(self.best, loss)
        return False

    def state_dict(self) -> dict[str, float]:
        """The rule's memory, for a checkpoint."""
        return {"first": self.first, "best": self.best}

    def load_state_dict(self, state: dict[str, float]) -> None:
        """Continue from `state_dict`'s memory."""
        self.first, self.best = float(state["first"]), float(state["best"])
