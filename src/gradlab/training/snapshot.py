"""`WeightSnapshot` and `StateSnapshot`: the weights and the optimizer's state at the end of
the latest epoch, kept to restore (after divergence) or compare (``step_tol``).

Two flat buffers take turns for the weights: `capture` copies the parameters into the spare
one and checks them all with one call, so that a snapshot is only ever replaced by finite
weights. The optimizer's state arrays are copied into buffers kept from epoch to epoch. No
epoch allocates or deep-copies anything once the buffers exist.
"""

from __future__ import annotations

import copy
import math
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
        self._pairs = [list(zip(views, self.parameters, strict=True)) for views in self._views]
        self._mask = np.empty(int(offsets[-1]), bool)
        self._current = 0
        for view, p in zip(self._views[0], self.parameters, strict=True):
            np.copyto(view, p.data)

    def capture(self) -> bool:
        """Take the current values as the new snapshot if they are all finite.

        The check is one dot product of the values with themselves, finite exactly when they
        all are unless an entry exceeds √max (1.3e154 in float64, 1.8e19 in float32); then
        each entry is checked. NumPy warns of that overflow unless called under
        ``np.errstate(over="ignore")``, as the training loop calls it.

        Returns
        -------
        bool
            False (and the previous snapshot kept) when some value is NaN or infinite.
        """
        spare = 1 - self._current
        flat = self._flat[spare]
        for view, p in self._pairs[spare]:
            view[...] = p.data
        # The sum of squares is finite only if every entry is: one BLAS call (the method, at
        # two thirds of np.dot's cost on small arrays). It overflows for entries beyond √max
        # too, so then each entry is checked, into a kept mask.
        if not math.isfinite(flat.dot(flat)) and not np.logical_and.reduce(
            np.isfinite(flat, out=self._mask)
        ):
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


_IMMUTABLE = (int, float, bool, str, bytes, type(None), np.generic)


class StateSnapshot:
    """An optimizer's per-parameter state (moments, step counts) at the start of an epoch.

    `capture` copies each state array into a buffer kept from one capture to the next (no
    allocation, no deep copy once the state exists); `restore` copies them back into the
    optimizer's own arrays. The hyper-parameters are not part of it: a schedule's learning
    rate stays as it is now.

    Parameters
    ----------
    optimizer : Optimizer
        Anything with a ``state`` dict of parameter -> dict of arrays and values.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0])
    >>> opt = gl.optim.SGD([w], lr=0.1, momentum=0.9)
    >>> w.grad = w.data * 0 + 1.0
    >>> opt.step()
    >>> snapshot = StateSnapshot(opt)
    >>> opt.step()
    >>> opt.state[w]["momentum_buffer"]
    array([1.9])
    >>> snapshot.restore()
    >>> opt.state[w]["momentum_buffer"]
    array([1.])
    """

    def __init__(self, optimizer: Any) -> None:
        self.optimizer = optimizer
        self._saved: dict[Any, dict[str, Any]] = {}
        self.capture()

    def capture(self) -> None:
        """Take the optimizer's current state as the snapshot."""
        if not any(self.optimizer.state.values()):
            self._saved = {}  # plain SGD keeps nothing: restoring gives the same empty state
            return
        saved = {}
        for p, entries in self.optimizer.state.items():
            previous = self._saved.get(p, {})
            saved[p] = {key: _kept(value, previous.get(key)) for key, value in entries.items()}
        self._saved = saved

    def restore(self) -> None:
        """Put the snapshot back: the optimizer's state becomes the captured one."""
        state = {}
        for p, kept in self._saved.items():
            current = self.optimizer.state.get(p, {})
            state[p] = {key: _kept(value, current.get(key)) for key, value in kept.items()}
        self.optimizer.state = state


def _kept(value: Any, buffer: Any) -> Any:
    """A copy of ``value`` of one optimizer state entry: an array copied into ``buffer`` when
    that is an array of its shape and dtype (else into a new one), an immutable value itself,
    anything else deep-copied."""
    if isinstance(value, np.ndarray):
        if (
            not isinstance(buffer, np.ndarray)
            or buffer.shape != value.shape
            or buffer.dtype != value.dtype
        ):
            buffer = np.empty_like(value)
        np.copyto(buffer, value)
        return buffer
    return value if isinstance(value, _IMMUTABLE) else copy.deepcopy(value)
