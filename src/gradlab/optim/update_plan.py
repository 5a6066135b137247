"""`UpdatePlan`: an optimizer's step recorded once as NumPy kernels and run again while
nothing it read has changed.

When a training step is replayed (`gradlab.engine.compile_step`), every step hands the
optimizer the same gradient arrays for the same parameter arrays. The per-parameter Python
of `Optimizer.step` (the hyper-parameter reads, state lookups, branches) then decides the
same thing every time; a plan keeps only its kernels: the same ufuncs on the same arrays
with ``out=``, so the result is bit for bit that of the step it replaces.

A plan holds while the optimizer keeps its groups, its state dict and each group's
hyper-parameters, every parameter its array, its gradient array and its state's arrays;
anything else runs the optimizer's own step again.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.engine.kernels import Kernel

Entry = tuple[Any, Any, Any]


class UpdatePlan:
    """The kernels of one step of ``optimizer`` and what they depend on.

    Parameters
    ----------
    optimizer : Optimizer
        Its current groups, state and hyper-parameters are the plan's conditions.
    entries : list of (parameter, array, gradient array or None)
        Every parameter of every group, as the step saw it.
    kernels : list of (function, arguments)
        The step, as calls ``function(*arguments)``.
    repeatable : bool, default True
        Whether `Optimizer.repeat_step` may run the plan without its checks.
    """

    __slots__ = (
        "arrays", "entries", "groups", "kernels", "repeatable", "settings", "state", "states",
        "uniform",
    )  # fmt: skip

    def __init__(
        self, optimizer: Any, entries: list[Entry], kernels: list[Kernel], repeatable: bool = True
    ) -> None:
        # Whether `Optimizer.repeat_step` may run it: never for an optimizer with a `step` of
        # its own, which must run (it may still use the plan from its own super().step()).
        self.repeatable = repeatable
        self.groups = optimizer.param_groups
        self.state = optimizer.state
        self.settings = [
            (group, group["params"], len(group["params"]), optimizer._settings(group))
            for group in self.groups
        ]
        self.entries, self.kernels = entries, kernels
        # Each parameter's state dict and the arrays in it (moments), which kernels write.
        self.arrays: list[tuple[Any, dict[str, Any], str, Any]] = []
        numbers: dict[str, set[Any]] = {}
        self.states = []
        for p, _, grad in entries:
            kept = self.state.get(p, {})
            self.arrays.extend(
                (p, kept, key, value)
                for key, value in kept.items()
                if isinstance(value, np.ndarray)
            )
            if grad is not None:
                self.states.append(kept)
                for key, value in kept.items():
                    if isinstance(value, int | float):
                        numbers.setdefault(key, set()).add(value)
        # The numbers of the state (Adam's step count) that every updated parameter shared:
        # kernels merged over packed parameters share what they compute from them, so the plan
        # holds only while they stay shared.
        self.uniform = [key for key, values in numbers.items() if len(values) == 1]

    def holds(self, optimizer: Any) -> bool:
        """Whether running `kernels` is ``optimizer``'s step now."""
        if optimizer.param_groups is not self.groups or optimizer.state is not self.state:
            return False
        if len(self.groups) != len(self.settings):
            return False
        settings = optimizer._settings
        for group, params, count, saved in self.settings:
            if group["params"] is not params or len(params) != count or settings(group) != saved:
                return False
        if not all(p.data is data and p.grad is grad for p, data, grad in self.entries):
            return False
        state = self.state
        if not all(state.get(p) is d and d.get(key) is a for p, d, key, a in self.arrays):
            return False
        return all(len({d.get(key) for d in self.states}) == 1 for key in self.uniform)

    def run(self) -> None:
        for function, arguments in self.kernels:
            function(*arguments)
