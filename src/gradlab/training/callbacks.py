"""Callbacks: hooks into `fit` at the start and end of training, of each epoch and each batch.

`Callback` is the base class, `CallbackList` calls a list of them in order, and
`EarlyStopping` and `ModelCheckpoint` are built in, with Keras's argument names.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from gradlab.nn import Module
    from gradlab.training.loop import Trainer


class Callback:
    """Base class of objects that `fit` calls during training; override the hooks you need.

    ``self.trainer`` is the running `Trainer`: ``trainer.model``, ``trainer.optimizer``,
    ``trainer.loss``, ``trainer.history``, ``trainer.log_names`` (the names the epoch logs
    will hold) and ``trainer.stop_training``, which a callback sets to True to stop after the
    current batch. Epochs and batches are 0-based indices.

    Logs: ``on_epoch_end`` gets ``{"loss": ..., "val_loss": ..., metric: ...}``;
    ``on_batch_end`` gets ``{"loss": ..., "size": ...}`` (the batch's loss and sample count);
    ``on_train_end`` gets the last epoch's logs; the other hooks get ``{}``. Batch hooks cost
    a little per batch, so `fit` calls them only when some callback overrides them.

    Examples
    --------
    >>> import gradlab as gl
    >>> class StopAtHalf(gl.training.Callback):
    ...     def on_epoch_end(self, epoch, logs):
    ...         if logs["loss"] < 0.5:
    ...             self.trainer.stop_training = True
    """

    trainer: Trainer

    def set_trainer(self, trainer: Trainer) -> None:
        """Attach the callback to the run that calls it (done by `fit`)."""
        self.trainer = trainer

    @property
    def model(self) -> Module:
        """The model being trained."""
        return self.trainer.model

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        """Called once before the first epoch."""

    def on_train_end(self, logs: dict[str, Any]) -> None:
        """Called once after the last epoch (not when training raises)."""

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        """Called before each epoch."""

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        """Called after each epoch, with its loss, val_loss and metrics."""

    def on_batch_begin(self, batch: int, logs: dict[str, Any]) -> None:
        """Called before each batch's forward pass."""

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        """Called after each batch's optimizer step, with the batch's loss."""

    def state_dict(self) -> dict[str, Any]:
        """What the callback remembers between epochs, saved in a run's checkpoint.

        A callback that keeps state across epochs returns it here (numbers, strings, arrays,
        lists and dicts of them) and takes it back in `load_state_dict`, so that a resumed run
        continues exactly; the default keeps nothing.
        """
        return {}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from a `state_dict` saved by the same kind of callback."""


def _overrides(callback: Callback, hook: str) -> bool:
    return getattr(type(callback), hook) is not getattr(Callback, hook)


class CallbackList:
    """Calls each hook on every callback, in the order given.

    Parameters
    ----------
    callbacks : iterable of Callback
    trainer : Trainer
        Attached to each callback.

    Attributes
    ----------
    batch_hooks : bool
        Whether any callback overrides ``on_batch_begin`` or ``on_batch_end``.
    """

    def __init__(self, callbacks: Iterable[Callback], trainer: Trainer) -> None:
        self.callbacks = list(callbacks)
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be gradlab.training.Callback instances; got "
                    f"{type(callback).__name__}."
                )
            callback.set_trainer(trainer)
        self.batch_hooks = any(
            _overrides(c, h) for c in self.callbacks for h in ("on_batch_begin", "on_batch_end")
        )

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_train_begin(logs)

    def on_train_end(self, logs: dict[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_train_end(logs)

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_epoch_begin(epoch, logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_epoch_end(epoch, logs)

    def on_batch_begin(self, batch: int, logs: dict[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_batch_begin(batch, logs)

    def on_batch_end(self, batch: int, logs: dict[str, Any]) -> None:
        for callback in self.callbacks:
            callback.on_batch_end(batch, logs)


class _Monitor:
    """Tracks the best value of one logged quantity, lower or higher being better."""

    def __init__(self, owner: str, monitor: str, mode: str, min_delta: float = 0.0) -> None:
        if mode not in ("auto", "min", "max"):
            raise ValueError(f"{owner}: mode must be 'auto', 'min' or 'max'; got {mode!r}.")
        if mode == "auto":
            mode = "max" if "acc" in monitor.removeprefix("val_") else "min"
        if not (isinstance(min_delta, int | float) and math.isfinite(min_delta)):
            raise ValueError(f"{owner}: min_delta must be a finite number; got {min_delta!r}.")
        self.owner, self.monitor, self.mode = owner, monitor, mode
        self.min_delta = abs(float(min_delta))
        self.reset()

    def reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf

    def check_available(self, names: list[str]) -> None:
        if self.monitor not in names:
            hint = " (pass validation_data or validation_split)" if "val_" in self.monitor else ""
            raise ValueError(
                f"{self.owner} monitors {self.monitor!r}, which this run does not record"
                f"{hint}; it records {names}."
            )

    def improves(self, value: float) -> bool:
        """Whether ``value`` beats the best by more than ``min_delta`` (and record it if so)."""
        if self.mode == "min":
            better = value + self.min_delta < self.best
        else:
            better = value - self.min_delta > self.best
        if better:
            self.best = value
        return better


class EarlyStopping(Callback):
    """Stop training when a monitored quantity has stopped improving (Keras's rule).

    After each epoch, the monitored value improves when it beats the best so far by more than
    ``min_delta`` (lower is better in mode "min", higher in "max"; "auto" picks "max" for
    accuracies). Training stops at the end of the epoch that makes ``patience`` epochs in a row
    without improvement (with ``patience=0``, the first epoch that does not improve), never at
    the first epoch.

    Parameters
    ----------
    monitor : str, default "val_loss"
        A name that the epoch logs hold: "loss", "val_loss", "accuracy", "val_accuracy", ...
    min_delta : float, default 0.0
        The smallest change that counts as an improvement.
    patience : int, default 0
        Epochs without improvement to wait before stopping.
    mode : {"auto", "min", "max"}, default "auto"
    restore_best_weights : bool, default False
        At the end of training, put back the weights of the best epoch (as Keras 3 does,
        whether or not training stopped early).

    Attributes
    ----------
    best : float
        The best value seen.
    best_epoch : int
        Its 0-based epoch (-1 before the first).
    stopped_epoch : int
        The 0-based epoch at which training was stopped (-1 if it was not).
    wait : int
        Epochs since the last improvement.

    Examples
    --------
    >>> import gradlab as gl
    >>> stop = gl.training.EarlyStopping(patience=5, restore_best_weights=True)
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        min_delta: float = 0.0,
        patience: int = 0,
        mode: str = "auto",
        restore_best_weights: bool = False,
    ) -> None:
        if isinstance(patience, bool) or not isinstance(patience, int | np.integer) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an integer >= 0; got {patience!r}.")
        self._monitor = _Monitor("EarlyStopping", monitor, mode, min_delta)
        self.monitor, self.mode = monitor, self._monitor.mode
        self.min_delta, self.patience = self._monitor.min_delta, int(patience)
        self.restore_best_weights = bool(restore_best_weights)
        self._reset()

    def _reset(self) -> None:
        self._monitor.reset()
        self.best = self._monitor.best
        self.best_epoch = -1
        self.stopped_epoch = -1
        self.wait = 0
        self.best_weights: dict[str, np.ndarray] | None = None

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        self._monitor.check_available(self.trainer.log_names)
        self._reset()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        value = float(logs[self.monitor])
        self.wait += 1
        if self._monitor.improves(value):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_weights = self.model.state_dict()
            return
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.trainer.stop_training = True

    def on_train_end(self, logs: dict[str, Any]) -> None:
        if self.restore_best_weights and self.best_weights is not None:
            self.model.load_state_dict(self.best_weights)

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": self.best,
            "best_epoch": self.best_epoch,
            "stopped_epoch": self.stopped_epoch,
            "wait": self.wait,
            "best_weights": self.best_weights,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = self._monitor.best = float(state["best"])
        self.best_epoch, self.stopped_epoch = int(state["best_epoch"]), int(state["stopped_epoch"])
        self.wait, self.best_weights = int(state["wait"]), state["best_weights"]


def _json_number(value: Any) -> float | str:
    """``value`` as a float, or as "nan" / "inf" / "-inf", which JSON cannot hold as numbers."""
    number = float(value)
    return number if math.isfinite(number) else str(number)


class ModelCheckpoint(Callback):
    """Save the model after each epoch, or only when the monitored quantity improves.

    Files are written with `gradlab.save` (one safetensors file, written atomically), with the
    epoch (1-based) and the epoch's logs as metadata, so `gradlab.io.load_with_metadata` tells
    which epoch a file holds. A non-finite logged value is stored as the string "nan", "inf"
    or "-inf", since JSON has no such numbers.

    Parameters
    ----------
    filepath : str or os.PathLike
        Where to save. It may name logged values in format fields, e.g.
        ``"model-{epoch:03d}-{val_loss:.4f}.safetensors"`` (``epoch`` is 1-based).
    monitor : str, default "val_loss"
    save_best_only : bool, default False
        Save only when ``monitor`` improves on the best value so far.
    mode : {"auto", "min", "max"}, default "auto"

    Attributes
    ----------
    saved : list of str
        The paths written, in order.
    best : float
        The best monitored value seen.

    Examples
    --------
    >>> import gradlab as gl
    >>> checkpoint = gl.training.ModelCheckpoint("best.safetensors", save_best_only=True)
    """

    def __init__(
        self,
        filepath: str | os.PathLike[str],
        monitor: str = "val_loss",
        save_best_only: bool = False,
        mode: str = "auto",
    ) -> None:
        self.filepath = os.fspath(filepath)
        self._monitor = _Monitor("ModelCheckpoint", monitor, mode)
        self.monitor, self.mode = monitor, self._monitor.mode
        self.save_best_only = bool(save_best_only)
        self.saved: list[str] = []
        self.best = self._monitor.best

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        names = self.trainer.log_names
        if self.save_best_only:
            self._monitor.check_available(names)
        try:
            example = self._path(0, dict.fromkeys(names, 0.0))
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(
                f"ModelCheckpoint: filepath {self.filepath!r} cannot be filled in ({error!r}); "
                f"it may name 'epoch' and the recorded values {names}."
            ) from None
        folder = os.path.dirname(os.path.abspath(example))
        if not os.path.isdir(folder):
            raise FileNotFoundError(
                f"ModelCheckpoint: folder {folder!r} does not exist; create it first."
            )
        if not os.access(folder, os.W_OK):
            raise PermissionError(f"ModelCheckpoint: folder {folder!r} is not writable.")
        self._monitor.reset()
        self.best = self._monitor.best
        self.saved = []

    def _path(self, epoch: int, logs: dict[str, Any]) -> str:
        return self.filepath.format(epoch=epoch + 1, **logs)

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self.save_best_only:
            if not self._monitor.improves(float(logs[self.monitor])):
                return
            self.best = self._monitor.best
        from gradlab.io import save

        path = self._path(epoch, logs)
        metadata = {"epoch": epoch + 1, **{k: _json_number(v) for k, v in logs.items()}}
        save(self.model, path, metadata=metadata)
        self.saved.append(path)

    def state_dict(self) -> dict[str, Any]:
        return {"best": self.best, "saved": list(self.saved)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = self._monitor.best = float(state["best"])
        self.saved = [str(path) for path in state["saved"]]


class LearningRateSchedule(Callback):
    """Step a learning-rate schedule of `gradlab.optim` at the end of every epoch.

    ``schedule.step()`` for the epoch-based schedules (StepLR, ExponentialLR,
    CosineAnnealingLR), ``schedule.step(logs[monitor])`` for ReduceLROnPlateau. The schedule
    must be built over the optimizer that `fit` is given.

    Parameters
    ----------
    schedule : schedule of `gradlab.optim`
    monitor : str, default "val_loss"
        The logged value a ReduceLROnPlateau watches ("loss" when the run has no validation).

    Examples
    --------
    >>> import gradlab as gl, numpy as np
    >>> model = gl.nn.Linear(1, 1, rng=0)
    >>> optimizer = gl.optim.SGD(model.parameters(), lr=0.1)
    >>> schedule = gl.optim.StepLR(optimizer, step_size=2, gamma=0.5)
    >>> X = np.arange(4.0).reshape(-1, 1)
    >>> _ = gl.fit(model, X, 2 * X, optimizer=optimizer, epochs=4, verbose=0,
    ...            callbacks=[gl.training.LearningRateSchedule(schedule)])
    >>> optimizer.param_groups[0]["lr"]
    0.025
    """

    def __init__(self, schedule: Any, monitor: str = "val_loss") -> None:
        if not callable(getattr(schedule, "step", None)) or not hasattr(schedule, "optimizer"):
            raise TypeError(
                f"LearningRateSchedule takes a schedule of gradlab.optim (StepLR, ...); got "
                f"{type(schedule).__name__}."
            )
        self.schedule, self.monitor = schedule, monitor
        from gradlab.optim.schedules import ReduceLROnPlateau

        self._watches = isinstance(schedule, ReduceLROnPlateau)

    def on_train_begin(self, logs: dict[str, Any]) -> None:
        if self.schedule.optimizer is not self.trainer.optimizer:
            raise ValueError(
                "LearningRateSchedule: the schedule was built over another optimizer than the "
                "one fit trains with; build the optimizer first and pass it to fit too."
            )
        if self._watches and self.monitor not in self.trainer.log_names:
            self.monitor = "loss"

    def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
        if self._watches:
            self.schedule.step(float(logs[self.monitor]))
        else:
            self.schedule.step()

    def state_dict(self) -> dict[str, Any]:
        return {"schedule": self.schedule.state_dict(), "monitor": self.monitor}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.schedule.load_state_dict(state["schedule"])
        self.monitor = str(state["monitor"])
