"""`FlatParameters`: several parameters stored back to back in one array, for fast updates;
`PackedOptimizer`: an optimizer over them that the training loop drives like any other.

An optimizer's cost per step is mostly Python overhead per parameter. Packing the parameters
of one kind (all weight matrices, all biases) into one contiguous buffer, with each
parameter's ``data`` a view of its slice, lets one optimizer update touch them all at once.
The values and the gradients are the same numbers as without packing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

import gradlab as gl


class FlatParameters:
    """One `Parameter` (``flat``) whose data holds ``params`` back to back.

    Each parameter's ``data`` becomes a view of its slice of ``flat.data``, so an optimizer
    that updates ``flat.data`` in place updates every parameter. After a backward pass,
    `gather_grad` sets ``flat.grad`` to the parameters' gradients, concatenated.

    Parameters
    ----------
    params : iterable of Parameter
        Of one dtype; at least one.

    Examples
    --------
    >>> import gradlab as gl
    >>> a, b = gl.nn.Parameter([1.0, 2.0]), gl.nn.Parameter([[3.0]])
    >>> packed = FlatParameters([a, b])
    >>> packed.flat.data
    array([1., 2., 3.])
    >>> packed.flat.data += 1
    >>> a.data, b.data
    (array([2., 3.]), array([[4.]]))
    """

    def __init__(self, params: Iterable[gl.nn.Parameter]) -> None:
        self.params = list(params)
        self.flat = gl.nn.Parameter(np.concatenate([p.data.ravel() for p in self.params]))
        self._bind()

    def _bind(self) -> None:
        offset = 0
        for p in self.params:
            p.data = self.flat.data[offset : offset + p.size].reshape(p.shape)
            offset += p.size

    def bind(self) -> None:
        """Make every parameter a view of ``flat`` again, keeping the current values.

        Needed after something gave a parameter a new array (unpickling, ``astype``,
        ``load_state_dict``); ``flat`` stays the same object, so optimizer state survives.
        """
        if all(p.data.base is self.flat.data for p in self.params):
            return
        values = np.concatenate([p.data.ravel() for p in self.params])
        if values.dtype != self.flat.dtype:
            self.flat.data = values
        else:
            self.flat.data[...] = values
        self._bind()

    def gather_grad(self) -> None:
        """Set ``flat.grad`` to the parameters' gradients (zeros where a gradient is None)."""
        self.flat.grad = np.concatenate(
            [np.zeros(p.size, p.dtype) if p.grad is None else p.grad.ravel() for p in self.params]
        )


class PackedOptimizer:
    """An optimizer over packed parameters, used by the training loop like any optimizer.

    `zero_grad` clears the gradients of the packed parameters themselves (those the forward
    pass uses); `step` gathers them into each pack's ``flat`` and steps ``optimizer``, which
    was built over the ``flat`` parameters. ``param_groups``, ``state_dict`` and
    ``load_state_dict`` are those of ``optimizer``.

    Parameters
    ----------
    optimizer : gradlab.optim.Optimizer
        Built over ``pack.flat`` of every pack.
    packs : sequence of FlatParameters

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([1.0, 2.0])
    >>> packed = FlatParameters([w])
    >>> opt = PackedOptimizer(gl.optim.SGD([packed.flat], lr=0.5), [packed])
    >>> opt.zero_grad()
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w.data  # w - 0.5 * 2 w
    array([0., 0.])
    """

    def __init__(self, optimizer: gl.optim.Optimizer, packs: Sequence[FlatParameters]) -> None:
        self.optimizer, self.packs = optimizer, list(packs)

    @property
    def param_groups(self) -> list[dict[str, Any]]:
        """The parameter groups of the inner optimizer (one per pack)."""
        return self.optimizer.param_groups

    def zero_grad(self) -> None:
        """Clear the gradients of every packed parameter."""
        for pack in self.packs:
            for p in pack.params:
                p.grad = None

    def step(self) -> None:
        """Gather the packed parameters' gradients and update them all."""
        for pack in self.packs:
            pack.gather_grad()
        self.optimizer.step()

    def state_dict(self) -> dict[str, Any]:
        """The inner optimizer's state."""
        return self.optimizer.state_dict()

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the inner optimizer's state."""
        self.optimizer.load_state_dict(state_dict)
