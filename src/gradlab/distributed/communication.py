"""Summing one flat buffer across the workers of a data-parallel run, on Ray.

Two ways, with the same result (the sum taken in rank order, so every worker gets the same
numbers):

- `ObjectStoreSum`: each worker sends its buffer to one small actor, which adds them once
  all have arrived and returns the sum to each (through Ray's object store); runs wherever
  Ray does.
- `CollectiveSum`: Ray's collective communication (``ray.util.collective``, GLOO through
  ``torch.distributed``): an allreduce among the workers themselves, no middle actor.

Each records the bytes it sent and the seconds it waited, for `gradlab.distributed.fit`'s
figures.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

import numpy as np


class SumActor:
    """The actor behind `ObjectStoreSum`: it gathers one buffer per rank for each round."""

    def __init__(self, world: int) -> None:
        self.world = world
        self.parts: dict[int, list[Any]] = {}
        self.results: dict[int, tuple[asyncio.Event, list[Any]]] = {}

    async def add(self, round_: int, rank: int, buffer: np.ndarray) -> np.ndarray:
        parts = self.parts.setdefault(round_, [None] * self.world)
        event, holder = self.results.setdefault(round_, (asyncio.Event(), [None, 0]))
        parts[rank] = buffer
        if all(part is not None for part in parts):
            total = np.array(parts[0], copy=True)
            for part in parts[1:]:
                total += part
            holder[0] = total
            del self.parts[round_]
            event.set()
        else:
            await event.wait()
        result = holder[0]
        holder[1] += 1
        if holder[1] == self.world:
            del self.results[round_]
        return result


class Communicator:
    """A sum across the workers, and the cost of the per-step sums (bytes sent, seconds)."""

    def __init__(self, rank: int, world: int) -> None:
        self.rank, self.world = rank, world
        self.rounds, self.step_bytes = 0, 0
        self.step_seconds: list[float] = []

    def allreduce(self, buffer: np.ndarray, step: bool = False) -> np.ndarray:
        """The sum of every worker's ``buffer`` (1-D); ``step``: a training step's gradient."""
        start = time.perf_counter()
        total = self._sum(buffer)
        if step:
            self.step_seconds.append(time.perf_counter() - start)
            self.step_bytes = buffer.nbytes
        self.rounds += 1
        return total

    def _sum(self, buffer: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def figures(self) -> dict[str, float]:
        """The number of sums, the bytes each worker sends per step, and the median
        milliseconds of a step's sum (the median: the first steps also wait for the slowest
        worker to start)."""
        seconds = self.step_seconds
        return {
            "rounds": self.rounds,
            "steps": len(seconds),
            "bytes_per_step": self.step_bytes,
            "median_ms_per_step": 1e3 * float(np.median(seconds)) if seconds else math.nan,
        }


class ObjectStoreSum(Communicator):
    """The sum through a `SumActor` (its handle ``actor``)."""

    def __init__(self, rank: int, world: int, actor: Any) -> None:
        super().__init__(rank, world)
        self.actor = actor

    def _sum(self, buffer: np.ndarray) -> np.ndarray:
        import ray

        return np.asarray(ray.get(self.actor.add.remote(self.rounds, self.rank, buffer)))


class CollectiveSum(Communicator):
    """The sum by ``ray.util.collective.allreduce`` in the group ``group``."""

    def __init__(self, rank: int, world: int, group: str) -> None:
        super().__init__(rank, world)
        import ray.util.collective as collective

        backend: Any = "gloo"
        collective.init_collective_group(world, rank, backend=backend, group_name=group)
        self.group = group

    def _sum(self, buffer: np.ndarray) -> np.ndarray:
        import ray.util.collective as collective

        total = np.array(buffer, copy=True)
        collective.allreduce(total, group_name=self.group)
        return total

    def close(self) -> None:
        import ray.util.collective as collective

        collective.destroy_collective_group(self.group)


def collective_available() -> bool:
    """Whether Ray's collective GLOO backend can be used here (it needs torch).

    Examples
    --------
    >>> isinstance(collective_available(), bool)
    True
    """
    try:
        import ray.util.collective as collective

        return bool(collective.gloo_available())
    except ImportError:
        return False
