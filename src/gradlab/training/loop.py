"""`Trainer`: the epoch and batch loop behind `gradlab.fit`.

Per batch the loop does only what training needs: forward, loss, a scalar finiteness check
of the loss (before the update, so a non-finite loss never reaches the weights), zero_grad,
backward and the optimizer step. Metrics, callbacks and the progress display add per-batch
work only when they are asked for. At the end of each epoch it copies the weights and checks
them with one call (`WeightSnapshot`): the copy restores the last finite weights if training
diverges, and measures the epoch's step for ``step_tol``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from gradlab.engine import Tensor, no_grad
from gradlab.training.callbacks import Callback, CallbackList
from gradlab.training.data import Batches
from gradlab.training.errors import DivergenceError
from gradlab.training.history import History
from gradlab.training.metrics import Metric
from gradlab.training.progress import make_reporter
from gradlab.training.snapshot import WeightSnapshot
from gradlab.training.stopping import LossPlateau


class Trainer:
    """One training run: the model, its loss and optimizer, the data, and the stop flag.

    `gradlab.fit` builds it from checked arguments and calls `run`; callbacks see it as
    ``self.trainer``.

    Attributes
    ----------
    model : Module
    loss : callable
        ``loss(prediction, target) -> Tensor`` reducing to one number.
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
    """

    def __init__(
        self,
        model: Any,
        loss: Callable[..., Tensor],
        optimizer: Any,
        batches: Batches,
        *,
        epochs: int,
        validation: tuple[Tensor, Any] | None = None,
        metrics: Sequence[tuple[str, Metric]] = (),
        callbacks: Sequence[Callback] = (),
        verbose: int | str = 0,
        tol: float | None = None,
        n_iter_no_change: int = 10,
        step_tol: float | None = None,
    ) -> None:
        self.model, self.loss, self.optimizer = model, loss, optimizer
        self.batches, self.epochs, self.validation = batches, epochs, validation
        self.metrics = list(metrics)
        self.verbose = verbose
        self.tol, self.n_iter_no_change, self.step_tol = tol, n_iter_no_change, step_tol
        names = [name for name, _ in self.metrics]
        self.log_names = ["loss", *names]
        if validation is not None:
            self.log_names += ["val_loss", *(f"val_{name}" for name in names)]
        self.stop_training = False
        self.last_step = math.nan
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
        self._optimizer_state = self._optimizer_checkpoint()

    # ------------------------------------------------------------------------------ running
    def run(self) -> History:
        """Train until a stopping rule fires; return the `History`."""
        # Overflow and NaN are reported once, as a DivergenceError naming epoch and batch,
        # rather than as a stream of NumPy warnings before it.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return self._run()

    def _run(self) -> History:
        model, history, callbacks = self.model, self.history, self.callbacks
        plateau = None if self.tol is None else LossPlateau(self.tol, self.n_iter_no_change)
        was_training = model.training
        reporter = make_reporter(self.verbose, self.epochs, self.batches.steps)
        model.train()
        try:
            callbacks.on_train_begin({})
            logs: dict[str, float] = {}
            for epoch in range(self.epochs):
                callbacks.on_epoch_begin(epoch, {})
                if reporter is not None:
                    reporter.epoch_begin(epoch)
                logs = self._train_epoch(epoch, reporter)
                if self.validation is not None:
                    logs.update(self._validate())
                history.record(epoch, logs)
                callbacks.on_epoch_end(epoch, logs)
                if reporter is not None:
                    reporter.epoch_end(epoch, logs)
                if self._should_stop(epoch, logs, plateau):
                    break
            else:
                history.stop("max_epochs", f"Reached the maximum of {self.epochs} epochs.")
            callbacks.on_train_end(logs)
        except KeyboardInterrupt:
            # An interrupted epoch may have updated some weights and not others.
            self._restore_epoch_start()
            raise
        finally:
            if reporter is not None:
                reporter.close()
            model.train(was_training)
        return history

    def _train_epoch(self, epoch: int, reporter: Any) -> dict[str, float]:
        model, loss_fn, optimizer = self.model, self.loss, self.optimizer
        callbacks, hooks = self.callbacks, self.callbacks.batch_hooks
        per_batch_report = reporter is not None and reporter.per_batch
        metrics = self.metrics
        metric_totals = [0.0] * len(metrics)
        total, seen = 0.0, 0
        batch = -1
        for batch, (xb, yb, size) in enumerate(self.batches.epoch()):
            if hooks:
                callbacks.on_batch_begin(batch, {"size": size})
            output = model(xb)
            loss = loss_fn(output, yb)
            value = float(loss.data)
            if not math.isfinite(value):
                self._diverged_loss(epoch, batch, value)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += value if self._sum_batches else value * size
            seen += size
            if metrics:
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
            del output, loss
        self._check_parameters(epoch, batch)
        logs = {"loss": total if self._sum_batches else total / seen}
        for (name, _), metric_total in zip(metrics, metric_totals, strict=True):
            logs[name] = metric_total / seen
        return logs

    def _validate(self) -> dict[str, float]:
        assert self.validation is not None
        X, y = self.validation
        self.model.eval()
        try:
            with no_grad():
                output = self.model(X)
                logs = {"val_loss": float(self.loss(output, y).data)}
            target = y.data if isinstance(y, Tensor) else y
            for name, metric in self.metrics:
                logs[f"val_{name}"] = metric(output.data, target)
        finally:
            self.model.train()
        return logs

    def _should_stop(self, epoch: int, logs: dict[str, float], plateau: LossPlateau | None) -> bool:
        history = self.history
        if self.stop_training:
            history.stop("callback", f"A callback stopped training after epoch {epoch + 1}.")
            return True
        if plateau is not None and plateau.update(logs["loss"]):
            history.stop(
                "tol",
                f"Training loss did not improve more than tol={self.tol} for "
                f"{self.n_iter_no_change + 1} consecutive epochs (epoch {epoch + 1}).",
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

    def _optimizer_checkpoint(self) -> dict[str, Any] | None:
        state_dict = getattr(self.optimizer, "state_dict", None)
        return state_dict() if callable(state_dict) else None

    def _restore_epoch_start(self) -> None:
        """Weights and optimizer state (moments, step counts) back to the epoch's start.

        The hyper-parameters stay as they are now: a schedule keeps its learning rate.
        """
        self._snapshot.restore()
        if self._optimizer_state is not None:
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
