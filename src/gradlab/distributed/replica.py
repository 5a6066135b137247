"""One worker's part of a data-parallel run: its shard of each batch, and the shared step.

Every worker runs the same `gradlab.fit` call on the same data with the same seed, so all
draw the same global batches in the same order. Within each global batch of B samples,
worker r of W keeps rows [r B / W, (r + 1) B / W) (`ShardOf`). Per step it computes the
gradient of its shard's loss, and the workers sum

    g = sum_r w_r grad L_r,   w_r = b_r / B for a mean loss (1 for a summed one),

which is the gradient of the global batch's loss: for a mean, L = (1 / B) sum_i l_i =
sum_r (b_r / B) L_r. The recorded loss is summed the same way, in the same buffer, so all
workers see the same numbers, take the same optimizer step and reach the same decisions
(divergence, tol, step_tol). Training metrics are weighted by b_r / B per batch and summed
at the epoch's end: the global batch's metric, exactly. Rank 0 runs the callbacks, the
progress display and the checkpoint writes; its stop decision is shared (`ShareStop`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.training import Callback, Trainer
from gradlab.training.checkpoint import RunCheckpoint
from gradlab.training.data import Batch, Batches
from gradlab.training.validation import HeldOut


def shard_bounds(size: int, rank: int, world: int) -> tuple[int, int]:
    """The rows [lo, hi) of a batch of ``size`` that worker ``rank`` of ``world`` trains on.

    Examples
    --------
    >>> [shard_bounds(5, r, 2) for r in range(2)]
    [(0, 2), (2, 5)]
    """
    return size * rank // world, size * (rank + 1) // world


class ShardOf(Batches):
    """The worker's rows of each batch of ``batches``; each batch still reports the global size.

    The reported size is that of the global batch, so that the loop weights the (global)
    loss of each step as a single process would.
    """

    def __init__(self, batches: Batches, rank: int, world: int) -> None:
        self.inner, self.rank, self.world = batches, rank, world
        self.n, self.batch_size = batches.n, batches.batch_size
        self.shuffle = batches.shuffle

    # Read through, not copied: a stream learns its number of batches in its first epoch.
    @property
    def steps(self) -> int:  # type: ignore[override]
        return self.inner.steps

    def epoch(self) -> Iterator[Batch]:
        for xb, yb, wb, size in self.inner.epoch():
            lo, hi = shard_bounds(size, self.rank, self.world)
            target = yb.data if isinstance(yb, Tensor) else yb
            part = target[lo:hi]
            yield (
                Tensor(xb.data[lo:hi]),
                Tensor(part) if isinstance(yb, Tensor) else part,
                None if wb is None else wb[lo:hi],
                size,
            )


class ShareStop(Callback):
    """Rank 0's ``stop_training`` given to every worker at each epoch's end.

    Rank 0 holds it last among its callbacks; the other workers hold it alone.
    """

    def __init__(self, communicator: Any) -> None:
        self.communicator = communicator

    def _share(self) -> None:
        trainer = self.trainer
        flag = float(trainer.stop_training and self.communicator.rank == 0)
        trainer.stop_training = bool(self.communicator.allreduce(np.array([flag]))[0])

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        self._share()


class ShareStopEachBatch(ShareStop):
    """`ShareStop` after every batch too, for callbacks of rank 0 that stop within an epoch."""

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        self._share()


class ReplicaCheckpoint(RunCheckpoint):
    """Rank 0's checkpoint, read by another worker to resume; only rank 0 writes it.

    The worker runs only `ShareStop`, not rank 0's callbacks, so their saved states are
    set aside when it resumes.
    """

    def __init__(self, checkpoint: RunCheckpoint, callbacks: list[Callback]) -> None:
        self.__dict__.update(checkpoint.__dict__)
        self.own = callbacks

    def read(self) -> dict[str, Any] | None:
        state = super().read()
        if state is not None:
            state["callbacks"] = [[type(c).__name__, c.state_dict()] for c in self.own]
        return state

    def save(self, trainer: Any, next_epoch: int, finished: bool) -> None:
        return None


class DataParallelTrainer(Trainer):
    """The `Trainer` of one worker: its shard's gradient, summed across workers every step."""

    communicator: Any

    def _step(
        self, xb: Tensor, yb: Any, wb: np.ndarray | None, size: int, where: tuple[int, int]
    ) -> tuple[Tensor | None, float]:
        n = xb.shape[0]
        weight = 1.0 if self._sum_batches else n / size
        self._batch_size = size
        output = None
        self.optimizer.zero_grad()
        value = 0.0
        if n:
            output = self.model(xb)
            loss, value = self._loss(output, yb, wb)
            if math.isfinite(value):
                loss.backward()
        buffer = self._pack(weight, value)
        total = self.communicator.allreduce(buffer, step=True)
        value = float(total[-1])
        if not math.isfinite(value):
            self._diverged_loss(*where, value)
        self._unpack(total)
        self.optimizer.step()
        return output, value

    def _pack(self, weight: float, value: float) -> np.ndarray:
        params = self._params
        buffer = np.empty(sum(p.size for p in params) + 1, dtype=params[0].dtype)
        at = 0
        for p in params:
            if p.grad is None:
                buffer[at : at + p.size] = 0
            else:
                np.multiply(p.grad.reshape(-1), weight, out=buffer[at : at + p.size])
            at += p.size
        buffer[-1] = value * weight
        return buffer

    def _unpack(self, total: np.ndarray) -> None:
        at = 0
        for p in self._params:
            p.grad = total[at : at + p.size].reshape(p.shape).astype(p.dtype, copy=False)
            at += p.size

    def _train_epoch(self, epoch: int, reporter: Any) -> dict[str, float]:
        logs = super()._train_epoch(epoch, reporter)
        names = [name for name, _ in self.metrics]
        if names:
            summed = self.communicator.allreduce(np.array([logs[n] for n in names]))
            logs.update(zip(names, summed.tolist(), strict=True))
        return logs


class ShardMetric:
    """A metric of the worker's shard, weighted by its share of the global batch."""

    def __init__(self, metric: Any, trainer: list[DataParallelTrainer]) -> None:
        self.metric, self.trainer = metric, trainer

    def __call__(self, output: np.ndarray, target: np.ndarray) -> float:
        return float(self.metric(output, target)) * len(target) / self.trainer[0]._batch_size


class WorkerPlan:
    """The `gradlab.training.parallel.Plan` of worker ``rank``: shards, shared steps."""

    def __init__(self, communicator: Any, callbacks: list[Callback]) -> None:
        self.communicator, self.callbacks = communicator, callbacks
        self.built: list[DataParallelTrainer] = []

    def batches(self, batches: Batches) -> Batches:
        return ShardOf(batches, self.communicator.rank, self.communicator.world)

    def trainer(self, *args: Any, **kwargs: Any) -> DataParallelTrainer:
        metrics = list(kwargs.get("metrics", ()))
        validation = kwargs.get("validation")
        if isinstance(validation, tuple):
            # The held-out data are whole on every worker: their metrics are not shares.
            X_val, y_val = validation
            kwargs["validation"] = HeldOut(X_val, y_val, args[1], metrics)
        kwargs["metrics"] = [(n, ShardMetric(m, self.built)) for n, m in metrics]
        checkpoint = kwargs.get("checkpoint")
        if checkpoint is not None and self.communicator.rank > 0:
            kwargs["checkpoint"] = ReplicaCheckpoint(checkpoint, self.callbacks)
        trainer = DataParallelTrainer(*args, **kwargs)
        trainer.communicator = self.communicator
        self.built.append(trainer)
        return trainer
