"""`DivergenceError`: training produced a non-finite loss or parameter, or its loss blew up."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gradlab.training.history import History


class DivergenceError(FloatingPointError, ValueError):
    """A non-finite loss or parameter, or a loss that blew up, stopped training.

    It is a FloatingPointError and, as scikit-learn's estimators raise for non-finite
    weights, a ValueError. The rule is in `gradlab.training.divergence`.

    The message names the epoch and the batch as 1-based counts ("epoch 3/10, batch 2/4", as
    the progress bar shows them); the attributes hold the 0-based indices that callbacks and
    ``History.epoch`` use. The model keeps its last finite weights.

    Attributes
    ----------
    epoch : int
        0-based index of the epoch in which training diverged.
    batch : int
        0-based index of the batch within that epoch.
    history : History
        The epochs completed before the divergence.

    Examples
    --------
    >>> from gradlab.training import DivergenceError
    >>> issubclass(DivergenceError, FloatingPointError), issubclass(DivergenceError, ValueError)
    (True, True)
    """

    def __init__(self, message: str, epoch: int, batch: int, history: History) -> None:
        super().__init__(message)
        self.epoch = epoch
        self.batch = batch
        self.history = history
