"""`History`: what `fit` records per epoch, ready to plot."""

from __future__ import annotations

from typing import Any

STOP_REASONS = ("max_epochs", "tol", "step_tol", "callback")


class History:
    """The per-epoch record of one `gradlab.fit` call, as Keras returns it.

    Attributes
    ----------
    history : dict of str to list of float
        ``"loss"`` (the mean of the epoch's batch losses, weighted by batch size, or their sum
        for losses with ``reduction="sum"`` / ``"half_sum"``), ``"val_loss"`` when there is
        validation data, and one list per metric (``"accuracy"``, ``"val_accuracy"``, ...).
    epoch : list of int
        The 0-based indices of the completed epochs.
    stop_reason : str
        Why training stopped: ``"max_epochs"``, ``"tol"`` (the loss, or the value a `Plateau`
        rule watches, stopped improving by ``tol``), ``"step_tol"`` (every parameter moved
        less than ``step_tol`` in an epoch) or ``"callback"`` (a callback such as
        `EarlyStopping` set ``stop_training``); ``""`` while training runs.
    stop_message : str
        The same in one sentence, with the numbers.
    params : dict
        The settings of the run: ``epochs``, ``steps`` (batches per epoch), ``samples``,
        ``batch_size``, ``verbose``.

    ``repr`` gives the epoch count and the last values; a notebook shows a table of the
    epochs (the first and last 10 of a long run) under why training stopped.

    Examples
    --------
    >>> from gradlab.training import History
    >>> h = History()
    >>> h.record(0, {"loss": 0.5})
    >>> h.record(1, {"loss": 0.25})
    >>> h.history["loss"], h.epoch
    ([0.5, 0.25], [0, 1])
    """

    def __init__(self, params: dict[str, Any] | None = None) -> None:
        self.history: dict[str, list[float]] = {}
        self.epoch: list[int] = []
        self.stop_reason = ""
        self.stop_message = ""
        self.params: dict[str, Any] = dict(params or {})

    def record(self, epoch: int, logs: dict[str, float]) -> None:
        """Append one epoch's values (``logs`` maps names such as ``"loss"`` to floats)."""
        self.epoch.append(epoch)
        history = self.history
        for name, value in logs.items():
            values = history.get(name)  # setdefault would build an empty list every epoch
            if values is None:
                values = history[name] = []
            values.append(float(value))

    def stop(self, reason: str, message: str) -> None:
        """Say why training stopped: ``reason`` is one of `STOP_REASONS`."""
        if reason not in STOP_REASONS:
            raise ValueError(f"stop reason must be one of {STOP_REASONS}; got {reason!r}.")
        self.stop_reason, self.stop_message = reason, message

    def __getitem__(self, name: str) -> list[float]:
        return self.history[name]

    def __len__(self) -> int:
        return len(self.epoch)

    def plot(self, names: tuple[str, ...] | None = None, ax: Any = None) -> Any:
        """Plot the recorded curves against the epoch number (1-based) with matplotlib.

        Parameters
        ----------
        names : tuple of str, optional
            The curves to draw; all of them by default.
        ax : matplotlib Axes, optional
            Where to draw; a new figure's axes by default.

        Returns
        -------
        matplotlib Axes
        """
        try:
            import matplotlib.pyplot as plt
        except ImportError:  # pragma: no cover - depends on the environment
            raise ImportError(
                'History.plot needs matplotlib: pip install "gradlab[plot]"'
            ) from None
        if ax is None:
            _, ax = plt.subplots()
        epochs = [e + 1 for e in self.epoch]
        for name in names or tuple(self.history):
            if name not in self.history:
                raise KeyError(f"no curve named {name!r}; recorded: {sorted(self.history)}.")
            ax.plot(epochs, self.history[name], label=name)
        ax.set_xlabel("epoch")
        ax.legend()
        return ax

    def _repr_html_(self) -> str:
        """A table of the curves, one row per epoch (the first and last 10 of a long run),
        under a line saying why training stopped."""
        from gradlab.display import elided, html_table

        names = list(self.history)
        rows: list[list[str] | None] = []
        for k in elided(len(self.epoch), 10, 10):
            if k is None:
                rows.append(None)
                continue
            values = [self.history[name] for name in names]
            rows.append([str(self.epoch[k] + 1)] + [_cell(v, k) for v in values])
        caption = f"History: {len(self.epoch)} epoch{'s' if len(self.epoch) != 1 else ''}"
        if self.stop_reason:
            caption += f", stopped by {self.stop_reason}"
        return html_table(["epoch", *names], rows, caption=caption, footer=self.stop_message)

    def __repr__(self) -> str:
        last = ", ".join(f"{k}={v[-1]:.4g}" for k, v in self.history.items() if v)
        reason = f", stop_reason={self.stop_reason!r}" if self.stop_reason else ""
        return f"History(epochs={len(self.epoch)}{', ' if last else ''}{last}{reason})"


def _cell(values: list[float], index: int) -> str:
    # `fit` records every curve every epoch; a History filled by hand may have shorter lists.
    return f"{values[index]:.6g}" if index < len(values) else ""
