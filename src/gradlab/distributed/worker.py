"""The Ray actor of a data-parallel run: one replica of the model, trained on its shards."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np

from gradlab.distributed.communication import CollectiveSum, ObjectStoreSum
from gradlab.distributed.replica import ShareStop, ShareStopEachBatch, WorkerPlan
from gradlab.training import fit as gl_fit
from gradlab.training import parallel


class MemmapFile:
    """An ``np.memmap`` passed by its file, which each worker maps itself (no copy is sent)."""

    def __init__(self, array: np.memmap) -> None:
        self.filename = str(array.filename)
        self.offset, self.shape, self.dtype = array.offset, array.shape, array.dtype
        self.order = "F" if array.flags.f_contiguous and not array.flags.c_contiguous else "C"

    def open(self) -> np.memmap:
        order: Any = self.order
        return np.memmap(self.filename, self.dtype, "r", self.offset, self.shape, order)


class Worker:
    """Rank ``rank`` of ``world``: BLAS limited to ``threads`` threads, a way to sum buffers.

    Parameters
    ----------
    rank, world : int
    threads : int
        BLAS and OpenMP threads of this process (threadpoolctl), so that W workers on one
        machine do not each start one thread per core.
    communication : {"object_store", "collective"}
    actor : handle of the `SumActor`, for "object_store"
    group : str
        The name of the collective group, for "collective".
    """

    def __init__(
        self,
        rank: int,
        world: int,
        threads: int,
        communication: str,
        actor: Any = None,
        group: str = "",
    ) -> None:
        from threadpoolctl import threadpool_limits

        self._limits = threadpool_limits(limits=threads)
        if communication == "collective":
            self.communicator: Any = CollectiveSum(rank, world, group)
        else:
            self.communicator = ObjectStoreSum(rank, world, actor)

    def blas_threads(self) -> list[int]:
        """The thread counts of this process's BLAS and OpenMP libraries."""
        from threadpoolctl import threadpool_info

        return [int(info["num_threads"]) for info in threadpool_info()]

    def time_sums(self, size: int, dtype: str, rounds: int) -> list[float]:
        """Seconds of each of ``rounds`` sums of a buffer of ``size`` values (a benchmark)."""
        import time

        buffer = np.ones(size, dtype=dtype)
        times = []
        for _ in range(rounds):
            start = time.perf_counter()
            self.communicator.allreduce(buffer)
            times.append(time.perf_counter() - start)
        return times

    def fit(
        self, job: tuple[Any, dict[str, Any]], X: Any, y: Any, batch_hooks: bool
    ) -> dict[str, Any]:
        """Run `gradlab.fit` as this worker; rank 0 returns the weights, history and figures.

        ``job`` is the model and the options of `gradlab.fit`, sent together so that an
        optimizer built over the model's parameters still holds them.
        """
        # The object store's arrays are read-only: the replica gets its own.
        model, options = copy.deepcopy(job)
        if isinstance(X, MemmapFile):
            X = X.open()
        rank = self.communicator.rank
        share: ShareStop = (
            ShareStopEachBatch(self.communicator) if batch_hooks else ShareStop(self.communicator)
        )
        if rank == 0:
            options["callbacks"] = [*options.get("callbacks", ()), share]
        else:
            options["callbacks"] = [share]
            options["verbose"] = 0
        with parallel.active(WorkerPlan(self.communicator, options["callbacks"])):
            history = gl_fit(model, X, y, **options)
        if rank > 0:
            return {}
        return {
            "weights": model.state_dict(),
            "history": history,
            "communication": self.communicator.figures(),
            "blas_threads": self.blas_threads(),
        }
