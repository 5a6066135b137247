"""`Trainer`: the epoch and batch loop behind `gradlab.fit`.

Per batch the loop does only what training needs: forward, loss, a scalar finiteness check
of the loss (before the update, so a non-finite loss never reaches the weights), zero_grad,
backward and the optimizer step. Metrics, callbacks and the progress display add per-batch
work only when they are asked for. When the optimizer's update is planned
(`gradlab.optim.update_plan`), a replayed batch that follows another runs as the previous
one's kernels again, without re-checking what only code outside the loop (a callback,
validation, a checkpoint) could have changed. At the end of each epoch it copies the weights
and checks them with one call (`WeightSnapshot`): the copy restores the last finite weights
if training diverges, and measures the epoch's step for ``step_tol``.

The loop serves `gradlab.fit` and the scikit-learn estimators alike: the batches may carry
sample weights, the loss may report another value than the one it differentiates, the
stopping rule may watch any logged value and react to a plateau, and the progress display
may be any reporter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradlab.engine import Tensor, compile_step, no_grad
from gradlab.losses import Loss
from gradlab.optim import Optimizer
from gradlab.training.callbacks import Callback, CallbackList
from gradlab.training.checkpoint import RunCheckpoint
from gradlab.training.data import Batches
from gradlab.training.divergence import GROWTH_FACTOR, GrowthRule
from gradlab.training.errors import DivergenceError
from gradlab.training.history import History
from gradlab.training.metrics import Metric
from gradlab.training.penalty import Penalty
from gradlab.training.progress import Reporter, make_reporter
from gradlab.training.snapshot import StateSnapshot, WeightSnapshot
from gradlab.training.stopping import Plateau
from gradlab.training.validation import HeldOut, Validation


class Trainer:
    """One training run: the model, its loss and optimizer, the data, and the stop flag.

    `gradlab.fit` builds it from checked arguments and calls `run`; callbacks see it as
    ``self.trainer``.

    Parameters
    ----------
    model, loss, optimizer, batches
        See the attributes. When the batches carry sample weights, the loss is called as
        ``loss(prediction, target, sample_weight)``; a batch whose weights sum to 0 is skipped
        (no step; it counts with loss 0 in the epoch's mean).
    epochs : int
        The maximum number of epochs of this run.
    validation : (X_val, y_val) or Validation, optional
        Held-out data for "val_loss" and the "val_" metrics, or any `Validation` (an object
        with ``names`` that, called with the model, returns those logs).
    metrics, callbacks, verbose
        As in `gradlab.fit`.
    reporter : Reporter, optional
        The progress display, instead of the one ``verbose`` picks (e.g. `IterationLines`).
    tol, n_iter_no_change
        The training-loss `Plateau` of `gradlab.fit` (when ``tol`` is not None).
    plateau : Plateau, optional
        Any plateau rule instead (not both); it may be reused from an earlier run.
    step_tol : float, optional
        As in `gradlab.fit`.
    penalty : Penalty, optional
        A weight penalty (`gradlab.training.penalty`: L2, scikit-learn's ``alpha``, or L1)
        added to each batch's loss (value and gradient), scaled by the batch's total sample
        weight.
    samples_seen : int, default 0
        The count ``samples_seen`` starts from (e.g. that of an earlier run).
    divergence_factor : float or None, default 1e6
        Also stop, with a `DivergenceError`, when an epoch's loss climbs past this factor
        times its best (`gradlab.training.divergence.GrowthRule`); None turns that rule off.
        A non-finite loss or parameter always stops training.
    checkpoint : RunCheckpoint, optional
        Resume from it when it holds a saved state, and save to it after every epoch.
    replay : bool, default True
        Capture each batch shape's forward pass and loss once and replay it
        (`gradlab.engine.compile_step`): bit for bit the same training, with less Python per
        step. It applies to gradlab's own layers and losses without sample weights and
        without batch callbacks; anything else runs the dynamic engine.

    Attributes
    ----------
    model : Module
    loss : callable
        ``loss(prediction, target) -> Tensor`` reducing to one number. It may return a pair
        ``(objective, value)`` instead: the loop differentiates the objective and records the
        float ``value`` (e.g. scikit-learn's loss of several regression outputs: averaged over
        the outputs, while its gradient is that of their sum). Such a loss may also give
        ``objective(prediction, target) -> Tensor`` and ``recorded(value, prediction) ->
        float``: the loop then captures and replays ``objective`` (batches without sample
        weights) and records ``recorded(float(objective), prediction)``.
    optimizer : optimizer
    history : History
    log_names : list of str
        The names each epoch's logs hold, e.g. ["loss", "accuracy", "val_loss", ...].
    stop_training : bool
        Set it to True (from a callback) to stop after the current batch.
    epochs : int
        The maximum number of epochs.
    last_step : float
        The largest |parameter change| of the latest epoch (measured when ``step_tol`` is set).
    samples_seen : int
        Training samples put through the model so far, counted after each epoch
        (scikit-learn's ``t_`` when it starts from the estimator's).
    """

    def __init__(
        self,
        model: Any,
        loss: Callable[..., Tensor | tuple[Tensor, float]],
        optimizer: Any,
        batches: Batches,
        *,
        epochs: int,
        validation: tuple[Tensor, Any] | Validation | None = None,
        metrics: Sequence[tuple[str, Metric]] = (),
        callbacks: Sequence[Callback] = (),
        verbose: int | str = 0,
        reporter: Reporter | None = None,
        tol: float | None = None,
        n_iter_no_change: int = 10,
        plateau: Plateau | None = None,
        step_tol: float | None = None,
        penalty: Penalty | None = None,
        samples_seen: int = 0,
        divergence_factor: float | None = GROWTH_FACTOR,
        checkpoint: RunCheckpoint | None = None,
        replay: bool = True,
    ) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.batches, self.epochs = batches, epochs
        self.metrics = list(metrics)
        if isinstance(validation, tuple):
            validation = HeldOut(*validation, loss, self.metrics)
        self.validation = validation
        self.verbose, self.reporter = verbose, reporter
        if plateau is not None and tol is not None:
            raise ValueError("give the Trainer tol or a plateau rule, not both.")
        if tol is not None:
            plateau = Plateau(tol, n_iter_no_change)
        self.plateau, self.step_tol = plateau, step_tol
        self.log_names = ["loss", *(name for name, _ in self.metrics)]
        if validation is not None:
            self.log_names += validation.names
        if plateau is not None and plateau.monitor not in self.log_names:
            raise ValueError(
                f"the plateau rule monitors {plateau.monitor!r}, which this run does not "
                f"record; it records {self.log_names}."
            )
        self.stop_training = False
        self.last_step = math.nan
        self.samples_seen, self.penalty = samples_seen, penalty
        self.history = History(
            {
                "epochs": epochs,
                "steps": batches.steps,
                "samples": batches.n,
                "batch_size": batches.batch_size,
                "verbose": verbose,
            }
        )
        self.callbacks = CallbackList(callbacks, self)
        # Losses that add up over samples ("sum", "half_sum") add up over batches too.
        self._sum_batches = getattr(loss, "reduction", "mean") in ("sum", "half_sum")
        self._named = list(model.named_parameters())
        self._params = [p for _, p in self._named]
        self._snapshot = WeightSnapshot(self._params)
        self.checkpoint = checkpoint
        self.growth = None
        if divergence_factor is not None:
            self.growth = GrowthRule(self._params[0].dtype, divergence_factor)
        self._optimizer_state: StateSnapshot | dict[str, Any] | None = None
        self._optimizer_state = self._optimizer_checkpoint()
        # gradlab's own layers ignore train/eval, which validation switches every epoch.
        self._objective = getattr(loss, "objective", None)
        self.replay = compile_step(
            self._forward, enabled=replay and self._replayable(), watch_mode=False
        )
        # Whether the next batch may repeat the latest one's replay and planned update (see
        # `_repeat_step`): only gradlab's own code may run between two batches.
        self._repeat = False
        self._may_repeat = (
            not self.metrics
            and isinstance(optimizer, Optimizer)
            and all(_gradlabs(part) for part in (penalty, reporter))
        )

    def _replayable(self) -> bool:
        """Whether each step may be replayed: gradlab's layers (no Python of the user's inside
        the forward pass), a gradlab loss, and no batch hook that could keep a batch's tensors
        (a replay reuses them)."""
        own_layers = all(
            type(module).__module__.startswith("gradlab.nn.")
            for _, module in self.model.named_modules()
        )
        own_loss = isinstance(self.loss, Loss) or self._objective is not None
        return own_layers and own_loss and not self.callbacks.batch_hooks

    def _forward(self, xb: Tensor, yb: Any) -> tuple[Any, Tensor]:
        output = self.model(xb)
        if self._objective is not None:
            return self._objective(output, yb), output
        return self.loss(output, yb), output

    # ------------------------------------------------------------------------------ running
    def run(self) -> History:
        """Train until a stopping rule fires; return the `History`."""
        # Overflow and NaN are reported once, as a DivergenceError naming epoch and batch,
        # rather than as a stream of NumPy warnings before it.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._run()

    def _run(self) -> History:
        self._repeat = False  # anything may have happened since an earlier run
        model, history, callbacks = self.model, self.history, self.callbacks
        was_training = model.training
        reporter = self.reporter
        if reporter is None:
            reporter = make_reporter(self.verbose, self.epochs, self.batches.steps)
        model.train()
        try:
            callbacks.on_train_begin({})
            start, finished = 0, False
            if self.checkpoint is not None:
                start, finished = self.checkpoint.resume(self)
            logs: dict[str, float] = {k: v[-1] for k, v in history.history.items()}
            for epoch in range(start, self.epochs if not finished else start):
                if callbacks.callbacks:
                    callbacks.on_epoch_begin(epoch, {})
                if reporter is not None:
                    reporter.epoch_begin(epoch)
                logs = self._train_epoch(epoch, reporter)
                if self.validation is not None:
                    logs.update(self._validate())
                history.record(epoch, logs)
                if callbacks.callbacks:
                    callbacks.on_epoch_end(epoch, logs)
                if reporter is not None:
                    reporter.epoch_end(epoch, logs)
                stop = self._should_stop(epoch, logs)
                if not stop and epoch + 1 == self.epochs:
                    history.stop("max_epochs", f"Reached the maximum of {self.epochs} epochs.")
                if self.checkpoint is not None:
                    self.checkpoint.save(self, epoch + 1, stop or epoch + 1 == self.epochs)
                if stop:
                    break
            self._restore_best()
            callbacks.on_train_end(logs)
        except KeyboardInterrupt:
            # An interrupted epoch may have updated some weights and not others.
            self._restore_epoch_start()
            self._restore_best()
            raise
        finally:
            if reporter is not None:
                reporter.close()
            model.train(was_training)
        return history

    def _train_epoch(self, epoch: int, reporter: Any) -> dict[str, float]:
        callbacks, hooks = self.callbacks, self.callbacks.batch_hooks
        per_batch_report = reporter is not None and reporter.per_batch
        metrics = self.metrics
        metric_totals = [0.0] * len(metrics)
        total, seen = 0.0, 0
        batch, opening = -1, math.nan
        if self.callbacks.callbacks or self.validation is not None or self.checkpoint is not None:
            self._repeat = False  # their code ran since the epoch's last batch
        for batch, (xb, yb, wb, size) in enumerate(self.batches.epoch()):
            if hooks:
                callbacks.on_batch_begin(batch, {"size": size})
            output, value = self._step(xb, yb, wb, size, (epoch, batch))
            if batch == 0:
                opening = value * self.batches.steps if self._sum_batches else value
            total += value if self._sum_batches else value * size
            seen += size
            if metrics and output is not None:
                target = yb.data if isinstance(yb, Tensor) else yb
                for i, (_, metric) in enumerate(metrics):
                    metric_totals[i] += metric(output.data, target) * size
            if per_batch_report:
                reporter.batch_end(batch, value)
            if hooks:
                callbacks.on_batch_end(batch, {"loss": value, "size": size})
                if self.stop_training:
                    break
            # Free this batch's graph before the next forward builds one: memory holds one, not two.
            del output
        logs = {"loss": total if self._sum_batches else total / seen}
        if self.growth is not None:
            self._check_growth(epoch, batch, logs["loss"], opening)
        self._check_parameters(epoch, batch)
        self.samples_seen += seen
        if metrics:
            for (name, _), metric_total in zip(metrics, metric_totals, strict=True):
                logs[name] = metric_total / seen
        return logs

    def _step(
        self, xb: Tensor, yb: Any, wb: np.ndarray | None, size: int, where: tuple[int, int]
    ) -> tuple[Tensor | None, float]:
        """One batch's forward, loss, backward and update; its output and recorded loss."""
        if self._repeat and wb is None:
            repeated = self._repeat_step(xb, yb, size, where)
            if repeated is not None:
                return repeated
        total = size if wb is None else float(wb.sum())
        if total == 0:
            return None, 0.0  # no weight: nothing to learn from
        fused = wb is None and self.replay.enabled
        if wb is None:
            if fused:  # forward and backward in one replayed program; the update waits
                self.optimizer.zero_grad()
            raw, output = self.replay.with_backward(xb, yb) if fused else self.replay(xb, yb)
            loss, value = _recorded(raw)
            if self._objective is not None:
                value = self.loss.recorded(value, output)  # type: ignore[attr-defined]
        else:
            output = self.model(xb)
            loss, value = _recorded(self.loss(output, yb, wb))
        if self.penalty is not None:
            value += self.penalty.value(total)
        if not math.isfinite(value):
            self._diverged_loss(*where, value)
        if not fused:
            self.optimizer.zero_grad()
            loss.backward()
        if self.penalty is not None:
            self.penalty.add_gradient(total)
        self.optimizer.step()
        self._repeat = (
            fused and self._may_repeat and self.replay.repeatable and self.optimizer.planned
        )
        return output, value

    def _repeat_step(self, xb: Tensor, yb: Any, size: int, where: tuple[int, int]) -> Any:
        """The latest batch's replay and planned update again, without their checks (nothing
        but that update ran since, so nothing they check changed): `_step`'s result, or None
        (nothing done) when this batch's shapes differ. A penalty adds its gradient in place,
        into the arrays the plan reads (a plan formed over them)."""
        raw = self.replay.repeat_with_backward(xb, yb)
        if raw is None:
            return None
        loss, output = raw
        value = float(loss.data)
        if self._objective is not None:
            value = self.loss.recorded(value, output)  # type: ignore[attr-defined]
        penalty = self.penalty
        if penalty is not None:
            value += penalty.value(size)
        if not math.isfinite(value):
            self._diverged_loss(*where, value)
        if penalty is not None:
            penalty.add_gradient(size)
        self._repeat = self.replay.repeatable and self.optimizer.repeat_step()
        if not self._repeat:
            self.optimizer.step()
        return output, value

    def _loss(self, output: Tensor, yb: Any, wb: np.ndarray | None) -> tuple[Tensor, float]:
        """The batch's loss to differentiate, and the value to record for it."""
        return _recorded(self.loss(output, yb) if wb is None else self.loss(output, yb, wb))

    def _validate(self) -> dict[str, float]:
        assert self.validation is not None
        self.model.eval()
        try:
            with no_grad():
                return self.validation(self.model)
        finally:
            self.model.train()

    def _should_stop(self, epoch: int, logs: dict[str, float]) -> bool:
        if not self.stop_training and self.plateau is None and self.step_tol is None:
            return False
        history = self.history
        if self.stop_training:
            history.stop("callback", f"A callback stopped training after epoch {epoch + 1}.")
            return True
        if self._plateau_stops(logs):
            assert self.plateau is not None
            watched = "Training loss" if self.plateau.monitor == "loss" else self.plateau.monitor
            history.stop(
                "tol",
                f"{watched} did not improve more than tol={self.plateau.tol} for "
                f"{self.plateau.n_iter_no_change + 1} consecutive epochs (epoch {epoch + 1}).",
            )
            return True
        if self.step_tol is not None:
            self.last_step = self._snapshot.last_step()
            if self.last_step < self.step_tol:
                history.stop(
                    "step_tol",
                    f"Every parameter moved less than step_tol={self.step_tol} in epoch "
                    f"{epoch + 1} (largest step {self.last_step:.3g}).",
                )
                return True
        return False

    def _plateau_stops(self, logs: dict[str, float]) -> bool:
        plateau = self.plateau
        if plateau is None:
            return False
        reached = plateau.update(logs[plateau.monitor])
        plateau.remember(self._params)
        return reached and plateau.reached()

    def _restore_best(self) -> None:
        if self.plateau is not None:
            self.plateau.restore(self._params)

    # ---------------------------------------------------------------------------- divergence
    def _where(self, epoch: int, batch: int) -> str:
        return f"epoch {epoch + 1}/{self.epochs}, batch {batch + 1}/{self.batches.steps}"

    def _advice(self) -> str:
        groups = getattr(self.optimizer, "param_groups", None) or [{}]
        lr = groups[0].get("lr")
        lr_text = f" (lr={lr})" if lr is not None else ""
        return (
            f"Lower the learning rate{lr_text}, scale the inputs, or clip the gradients "
            "(gradlab.optim.clip_grad_norm_)."
        )

    def resumed(self) -> None:
        """Take the current weights and optimizer state as the epoch's start (after a resume)."""
        self._snapshot = WeightSnapshot(self._params)
        self._optimizer_state = None
        self._optimizer_state = self._optimizer_checkpoint()
        self.stop_training = False
        self._repeat = False

    def _optimizer_checkpoint(self) -> StateSnapshot | dict[str, Any] | None:
        """The optimizer's state at the epoch's start: copied into kept buffers for a
        gradlab optimizer, else its ``state_dict()`` (if it has one)."""
        snapshot = self._optimizer_state
        if type(snapshot) is StateSnapshot:  # only ever made for a gradlab optimizer
            snapshot.capture()
            return snapshot
        if isinstance(self.optimizer, Optimizer):
            return StateSnapshot(self.optimizer)
        state_dict = getattr(self.optimizer, "state_dict", None)
        return state_dict() if callable(state_dict) else None

    def _restore_epoch_start(self) -> None:
        """Weights and optimizer state (moments, step counts) back to the epoch's start.

        The hyper-parameters stay as they are now: a schedule keeps its learning rate.
        """
        self._repeat = False
        self._snapshot.restore()
        if isinstance(self._optimizer_state, StateSnapshot):
            self._optimizer_state.restore()
        elif self._optimizer_state is not None:
            groups = self.optimizer.state_dict()["param_groups"]
            state = self._optimizer_state["state"]
            self.optimizer.load_state_dict({"state": state, "param_groups": groups})

    def _first_nonfinite(self) -> str | None:
        for name, p in self._named:
            if not np.isfinite(p.data).all():
                return name
        return None

    def _diverged_loss(self, epoch: int, batch: int, value: float) -> None:
        name = self._first_nonfinite()
        if name is None:
            kept = "the weights of the previous step are kept"
        else:
            self._restore_epoch_start()
            kept = (
                f"parameter {name!r} was already non-finite, so the weights and optimizer state "
                "from the start of the epoch were restored"
            )
        raise DivergenceError(
            f"Training diverged: the loss is {value} at {self._where(epoch, batch)}. Training "
            f"stopped before that batch's update; {kept}. {self._advice()}",
            epoch,
            batch,
            self.history,
        )

    def _check_growth(self, epoch: int, batch: int, loss: float, opening: float) -> None:
        rule = self.growth
        if rule is None or not rule.blew_up(loss, opening):
            return
        self._restore_epoch_start()
        raise DivergenceError(
            f"Training diverged: the loss of epoch {epoch + 1}/{self.epochs} is {loss:.6g}, more "
            f"than {rule.factor:g} times its best, {rule.best:.6g} (the loss of "
            f"{self._where(epoch, batch)}, the epoch's last, ended it). The weights and optimizer "
            f"state from the start of the epoch were restored. {self._advice()}",
            epoch,
            batch,
            self.history,
        )

    def _check_parameters(self, epoch: int, batch: int) -> None:
        if self._snapshot.capture():
            self._optimizer_state = self._optimizer_checkpoint()
            return
        name = self._first_nonfinite()
        self._restore_epoch_start()
        raise DivergenceError(
            f"Training diverged: parameter {name!r} holds NaN or inf after the update of "
            f"{self._where(epoch, batch)} (the epoch's last). The weights and optimizer state "
            f"from the start of the epoch were restored. {self._advice()}",
            epoch,
            batch,
            self.history,
        )


def _gradlabs(part: Any) -> bool:
    """Whether ``part`` is absent or one of gradlab's own objects (no code of the user's)."""
    return part is None or type(part).__module__.startswith("gradlab.")


def _recorded(loss: Tensor | tuple[Tensor, float]) -> tuple[Tensor, float]:
    """A loss and the value to record for it (a fused loss gives both)."""
    if isinstance(loss, tuple):
        return loss
    return loss, float(loss.data)
