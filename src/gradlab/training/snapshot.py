"""`WeightSnapshot`: the weights at the end of the latest epoch, kept to restore or compare.

Two flat buffers take turns: `capture` copies the parameters into the spare one and checks
them all with one call, so that a snapshot is only ever replaced by finite weights.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class WeightSnapshot:
    """A copy of ``parameters``' values taken with `capture`, restorable in place.

    Parameters
    ----------
    parameters : sequence of Tensor
        All of one dtype; their current values are the first snapshot.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0, 2.0])
    >>> snapshot = WeightSnapshot([w])
    >>> w.data += 0.5
    >>> snapshot.capture()
    True
    >>> snapshot.last_step()
    0.5
    >>> w.data *= float("nan")
    >>> snapshot.capture()
    False
    >>> snapshot.restore()
    >>> w.data
    array([1.5, 2.5])
    """

    def __init__(self, parameters: Sequence[Any]) -> None:
        self.parameters = list(parameters)
        sizes = [p.data.size for p in self.parameters]
        offsets = np.cumsum([0, *sizes])
        dtype = self.parameters[0].data.dtype
        self._flat = [np.empty(int(offsets[-1]), dtype), np.empty(int(offsets[-1]), dtype)]
        self._views = [
            [
                flat[offsets[i] : offsets[i + 1]].reshape(p.data.shape)
                for i, p in enumerate(self.parameters)
            ]
            for flat in self._flat
        ]
        self._current = 0
        for view, p in zip(self._views[0], self.parameters, strict=True):
            np.copyto(view, p.data)

    def capture(self) -> bool:
        """Take the current values as the new snapshot if they are all finite.

        Returns
        -------
        bool
            False (and the previous snapshot kept) when some value is NaN or infinite.
        """
        spare = 1 - self._current
        for view, p in zip(self._views[spare], self.parameters, strict=True):
            np.copyto(view, p.data)
        if not np.isfinite(self._flat[spare]).all():
            return False
        self._current = spare
        return True

    def restore(self) -> None:
        """Put the snapshot's values back into the parameters, in place."""
        for view, p in zip(self._views[self._current], self.parameters, strict=True):
            np.copyto(p.data, view)

    def last_step(self) -> float:
        """max |change| over every entry between the two latest snapshots.

        After a `capture` at the end of each epoch, this is how far the epoch moved the
        weights; with one full batch per epoch it is the gradient step itself, the
        stopping criterion of the 2-2-1 sigmoid network derived with SymPy (every |step| < 0.001).
        """
        return float(
            np.max(np.abs(self._flat[self._current] - self._flat[1 - self._current]), initial=0.0)
        )
