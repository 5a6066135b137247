"""`LossPlateau`: stop when the training loss stops improving (scikit-learn's tol rule)."""

from __future__ import annotations

import math


class LossPlateau:
    """scikit-learn's ``tol`` / ``n_iter_no_change`` rule of its MLP estimators.

    After each epoch: if loss > best - tol, the count of epochs without improvement grows by
    one, else it returns to 0; then best = min(best, loss). Training stops when the count
    exceeds ``n_iter_no_change``, i.e. after n_iter_no_change + 1 epochs in a row that did not
    improve on the best loss by at least ``tol`` (the first epoch only sets the best).

    Parameters
    ----------
    tol : float
        The smallest decrease of the loss that counts as an improvement, >= 0.
    n_iter_no_change : int
        The number of epochs without improvement allowed, >= 1.

    Examples
    --------
    >>> rule = LossPlateau(tol=0.1, n_iter_no_change=1)
    >>> [rule.update(loss) for loss in (1.0, 0.95, 0.93)]
    [False, False, True]
    """

    def __init__(self, tol: float, n_iter_no_change: int) -> None:
        self.tol, self.n_iter_no_change = tol, n_iter_no_change
        self.best = math.inf
        self.count = 0

    def update(self, loss: float) -> bool:
        """Take the epoch's loss; return True when training should stop."""
        if loss > self.best - self.tol:
            self.count += 1
        else:
            self.count = 0
        self.best = min(self.best, loss)
        return self.count > self.n_iter_no_change
