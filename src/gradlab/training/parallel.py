"""The hook through which a data-parallel worker runs `gradlab.fit` on its shard.

`gradlab.distributed` runs the same `gradlab.fit` call in every worker, so that the checks,
the batches and their order are those of a single process. Inside a worker, a `Plan` is
active: fit hands it the batches (it keeps the worker's shard of each) and lets it build
the `Trainer` (one that averages gradients across the workers every step). Outside,
nothing changes.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Protocol

from gradlab.training.data import Batches


class Plan(Protocol):
    """What a data-parallel worker changes in `gradlab.fit`."""

    def batches(self, batches: Batches) -> Batches:
        """The worker's view of the run's batches."""
        ...

    def trainer(self, *args: Any, **kwargs: Any) -> Any:
        """The `Trainer` of the worker, built with `Trainer`'s arguments."""
        ...


_PLAN: ContextVar[Plan | None] = ContextVar("gradlab_parallel_plan", default=None)


def current() -> Plan | None:
    """The active plan, or None in an ordinary process.

    Examples
    --------
    >>> current() is None
    True
    """
    return _PLAN.get()


@contextmanager
def active(plan: Plan) -> Iterator[None]:
    """Make ``plan`` the active one within the block."""
    token = _PLAN.set(plan)
    try:
        yield
    finally:
        _PLAN.reset(token)
