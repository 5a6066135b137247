"""`RunCheckpoint`: everything a training run needs to continue, written after every epoch.

``gl.fit(..., checkpoint=PATH)`` writes PATH atomically at the end of each epoch: the
weights, the optimizer's state (moments, step counts, learning rates a schedule set), the
shuffling generator's state, the next epoch, the history, and the state of the callbacks
(EarlyStopping's best and wait, ModelCheckpoint's best, a schedule's count) and of the
loop's own rules (the ``tol`` plateau, the divergence rule). The previous epoch's file is
kept as ``PATH.previous`` until the new one is complete. Calling the same ``gl.fit`` again
with the same PATH resumes from it and ends bit for bit where the uninterrupted run ends.
"""

from __future__ import annotations

import hashlib
import os
import time
import warnings
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from gradlab.io.atomic import write_atomic
from gradlab.training.state_codec import decode, encode

if TYPE_CHECKING:
    from gradlab.training.loop import Trainer

FORMAT = "gradlab-run"
VERSION = 1


class CheckpointMismatch(ValueError):
    """A checkpoint that belongs to another run: other data, settings, model or optimizer."""


def fingerprint(arrays: Sequence[Any], **settings: Any) -> dict[str, Any]:
    """What identifies a run: a digest of its data arrays, and its settings as given.

    Examples
    --------
    >>> fingerprint([np.zeros(3)], batch_size=2)["batch_size"]
    2
    """
    digest = hashlib.blake2b(digest_size=16)
    for array in arrays:
        if array is None:
            continue
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode())
        digest.update(array.data)
    return {"data": digest.hexdigest(), **settings}


class RunCheckpoint:
    """The checkpoint file of one run, and how the `Trainer` saves to and resumes from it.

    Parameters
    ----------
    path : str or os.PathLike
        The file; ``path + ".previous"`` holds the epoch before while a new one is written.
    generator : numpy.random.Generator or None
        The shuffling generator, whose state is saved and restored.
    identity : dict
        The run's `fingerprint`; a checkpoint with another one is refused.
    interval : float, default 0.0
        Seconds that must pass between two writes (the last epoch is always written): each
        write is flushed to disk, a few milliseconds that a tiny network's epoch may not have.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        generator: Any,
        identity: dict[str, Any],
        interval: float = 0.0,
    ) -> None:
        self.path = os.fspath(path)
        self.previous = self.path + ".previous"
        self.generator, self.identity = generator, identity
        self.interval = float(interval)
        self._written = time.monotonic()

    # ----------------------------------------------------------------------------- saving
    def save(self, trainer: Trainer, next_epoch: int, finished: bool) -> None:
        """Write the run's state after an epoch, keeping the former file until it is done."""
        now = time.monotonic()
        if not finished and now - self._written < self.interval:
            return
        self._written = now
        payload = encode(self._state(trainer, next_epoch, finished))
        if os.path.exists(self.path):
            os.replace(self.path, self.previous)
        write_atomic(self.path, payload)

    def _state(self, trainer: Trainer, next_epoch: int, finished: bool) -> dict[str, Any]:
        history = trainer.history
        return {
            "format": FORMAT,
            "version": VERSION,
            "identity": self.identity,
            "epoch": next_epoch,
            "finished": finished,
            "weights": trainer.model.state_dict(),
            "optimizer": trainer.optimizer.state_dict(),
            "generator": None if self.generator is None else self.generator.bit_generator.state,
            "history": {
                "history": history.history,
                "epoch": history.epoch,
                "stop": [history.stop_reason, history.stop_message],
            },
            "callbacks": [[type(c).__name__, c.state_dict()] for c in trainer.callbacks.callbacks],
            "plateau": None if trainer.plateau is None else trainer.plateau.state_dict(),
            "growth": None if trainer.growth is None else trainer.growth.state_dict(),
            "samples_seen": trainer.samples_seen,
            "last_step": trainer.last_step,
        }

    # --------------------------------------------------------------------------- resuming
    def read(self) -> dict[str, Any] | None:
        """The newest readable state, or None when the run has not saved one yet.

        A newest file that cannot be read falls back, with a warning, to the previous one.
        """
        candidates = [p for p in (self.path, self.previous) if os.path.exists(p)]
        problems = []
        for path in candidates:
            try:
                with open(path, "rb") as f:
                    state = decode(f.read())
                _check_format(state)
            except (OSError, ValueError) as error:
                problems.append(f"{path}: {error}")
                continue
            if problems or path != self.path:
                reason = problems[0] if problems else f"{self.path} is missing"
                warnings.warn(
                    f"the newest checkpoint cannot be read ({reason}); resuming from the "
                    f"previous one, {path}.",
                    RuntimeWarning,
                    stacklevel=4,
                )
            return state
        if problems:
            raise ValueError(
                "cannot resume: no checkpoint can be read (" + "; ".join(problems) + "). "
                "Delete the files to start the run afresh."
            )
        return None

    def resume(self, trainer: Trainer) -> tuple[int, bool]:
        """Put ``trainer`` in the saved state; the epoch to start at and whether it is done."""
        state = self.read()
        if state is None:
            return 0, False
        try:
            self._check_identity(dict(state["identity"]))
            _load(trainer, state)
            if self.generator is not None:
                self.generator.bit_generator.state = state["generator"]
            return int(state["epoch"]), bool(state["finished"])
        except (KeyError, TypeError, AttributeError) as error:
            raise ValueError(
                f"checkpoint {self.path!r} is damaged ({error!r:.100}); delete it (and its "
                "'.previous') to start the run afresh."
            ) from None

    def _check_identity(self, saved: dict[str, Any]) -> None:
        differ = sorted(
            k for k in set(saved) | set(self.identity) if saved.get(k) != self.identity.get(k)
        )
        if differ:
            details = ", ".join(
                f"{k}: saved {saved.get(k)!r}, now {self.identity.get(k)!r}"
                for k in differ
                if k != "data"
            )
            if "data" in differ:
                details = "the training data differ" + (f"; {details}" if details else "")
            raise CheckpointMismatch(
                f"checkpoint {self.path!r} belongs to another run ({details}). Pass the same "
                "data, model and settings to resume, or another checkpoint path to start anew."
            )

    def remove(self) -> None:
        """Delete the checkpoint files (e.g. once their run's result is saved elsewhere)."""
        for path in (self.path, self.previous):
            if os.path.exists(path):
                os.remove(path)


def _check_format(state: Any) -> None:
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        raise ValueError("not a gradlab training checkpoint")
    if state.get("version") != VERSION:
        raise ValueError(f"checkpoint version {state.get('version')!r}; this gradlab reads 1")


def _load(trainer: Trainer, state: dict[str, Any]) -> None:
    """Every part of ``state`` into ``trainer``, or a CheckpointMismatch naming the part."""
    weights, optimizer_state = state["weights"], state["optimizer"]
    try:
        trainer.model.load_state_dict(weights)
    except (KeyError, ValueError) as error:
        raise CheckpointMismatch(f"the checkpoint does not fit the model: {error}") from None
    try:
        trainer.optimizer.load_state_dict(optimizer_state)
    except (KeyError, ValueError, TypeError) as error:
        raise CheckpointMismatch(f"the checkpoint does not fit the optimizer: {error}") from None
    callbacks = trainer.callbacks.callbacks
    saved = state["callbacks"]
    names = [type(c).__name__ for c in callbacks]
    if [name for name, _ in saved] != names:
        raise CheckpointMismatch(
            f"the checkpoint was saved with callbacks {[n for n, _ in saved]}, this run has "
            f"{names}; pass the same callbacks to resume."
        )
    for callback, (_, callback_state) in zip(callbacks, saved, strict=True):
        callback.load_state_dict(callback_state)
    history = trainer.history
    history.history = state["history"]["history"]
    history.epoch = state["history"]["epoch"]
    history.stop_reason, history.stop_message = state["history"]["stop"]
    if trainer.plateau is not None and state["plateau"] is not None:
        trainer.plateau.load_state_dict(state["plateau"])
    if trainer.growth is not None and state["growth"] is not None:
        trainer.growth.load_state_dict(state["growth"])
    trainer.samples_seen = int(state["samples_seen"])
    trainer.last_step = float(state["last_step"])
    trainer.resumed()
