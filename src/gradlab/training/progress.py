"""What `fit` shows while it trains: a rich progress bar per epoch, or one line per epoch.

``verbose=0`` shows nothing; ``1`` Keras's display when the stream is a terminal and `rich`
is installed (``Epoch 3/30``, then a live bar with the steps, ETA, time per step and running
loss, which ends with the epoch's loss, metrics, val_loss and val_ metrics), else one line per
epoch; ``2`` one line per epoch (``Epoch 3/30 - 0s 3ms/step - accuracy: 0.9123 - loss:
0.2345 - val_accuracy: 0.9000 - val_loss: 0.2500``); numbers have 4 decimals
(`gradlab.training.log_format.format_number`). ``"auto"`` is 1 on a terminal and 0
otherwise, so logs and pipes stay quiet unless asked. `IterationLines` prints scikit-learn's
lines instead (its estimators' ``verbose``).
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any

from gradlab.training.log_format import bar_parts, epoch_line


def resolve_verbose(verbose: int | str, stream: IO[str]) -> int:
    """The verbosity level 0, 1 or 2 for ``verbose`` (0, 1, 2 or "auto").

    Examples
    --------
    >>> import io
    >>> resolve_verbose("auto", io.StringIO())  # not a terminal: quiet
    0
    """
    if verbose == "auto":
        isatty = getattr(stream, "isatty", None)
        return 1 if isatty is not None and isatty() else 0
    if isinstance(verbose, bool) or verbose not in (0, 1, 2):
        raise ValueError(f"verbose must be 0, 1, 2 or 'auto'; got {verbose!r}.")
    return int(verbose)


class EpochLines:
    """One line per epoch: ``Epoch 3/30 - 0s 3ms/step - accuracy: 0.9123 - loss: 0.2345``.

    The line is `gradlab.training.log_format.epoch_line`: the epoch's time and time per step,
    then its logs (numbers at 4 decimals, see `format_number`).
    """

    per_batch = False

    def __init__(self, epochs: int, steps: int, stream: IO[str]) -> None:
        self.epochs, self.steps, self.stream = epochs, steps, stream
        self._start = time.perf_counter()

    def epoch_begin(self, epoch: int) -> None:
        self._start = time.perf_counter()

    def batch_end(self, batch: int, loss: float) -> None:
        """Nothing per batch."""

    def epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        seconds = time.perf_counter() - self._start
        line = epoch_line(epoch, self.epochs, seconds, self.steps, logs)
        print(line, file=self.stream, flush=True)

    def close(self) -> None:
        """Nothing to close."""


class ProgressBar:
    """A `rich` bar per epoch, as Keras draws it: ``Epoch 3/30``, then the epoch's bar.

    While the epoch runs, the bar line shows the steps done, the ETA, the time per step and
    the running mean of the batch losses; at its end, the epoch's time and its logs (val_loss
    and metrics included): ``12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.9123 -
    loss: 0.2345 - val_accuracy: 0.9000 - val_loss: 0.2500``. Redrawn at most 20 times a
    second; an epoch shorter than that is drawn once, at its end, so a fast loop spends
    almost nothing on it.
    """

    per_batch = True
    interval = 0.05

    def __init__(self, epochs: int, steps: int, stream: IO[str]) -> None:
        from rich.console import Console

        self.epochs, self.steps = epochs, steps
        self._console = Console(file=stream)
        self._live: Any = None
        self._header = ""
        self._start = self._last = time.perf_counter()
        self._loss_total, self._done = 0.0, 0

    def epoch_begin(self, epoch: int) -> None:
        self.close()
        self._header = f"Epoch {epoch + 1}/{self.epochs}\n"
        self._start = self._last = time.perf_counter()
        self._loss_total, self._done = 0.0, 0

    def batch_end(self, batch: int, loss: float) -> None:
        self._loss_total += loss
        self._done = batch + 1
        now = time.perf_counter()
        if now - self._last < self.interval:
            return
        self._last = now
        line = self._line({"loss": self._loss_total / self._done}, finished=False)
        if self._live is None:
            # Started only once an epoch outlasts the interval: a fast epoch prints one line.
            from rich.live import Live

            self._console.print(self._header, end="", markup=False, highlight=False)
            self._live = Live(line, console=self._console, auto_refresh=False)
            self._live.start(refresh=True)
        else:
            self._live.update(line, refresh=True)

    def epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        line = self._line(logs, finished=True)
        if self._live is not None:
            self._live.update(line, refresh=True)
            self.close()
        else:
            self._console.print(
                self._header, line, sep="", soft_wrap=True, markup=False, highlight=False
            )

    def close(self) -> None:
        if self._live is not None:
            self._live.stop()
            self._live = None

    def _line(self, logs: dict[str, float], finished: bool) -> Any:
        from rich.text import Text

        seconds = time.perf_counter() - self._start
        return Text.assemble(*bar_parts(self._done, self.steps, seconds, logs, finished))


class IterationLines:
    """scikit-learn's verbose lines: ``Iteration 3, loss = 0.12345678`` after each epoch.

    When the logs hold a "val_score" (the validation score of ``early_stopping``), a line
    ``Validation score: 0.933333`` follows, as scikit-learn's MLP estimators print them.

    Examples
    --------
    >>> IterationLines().epoch_end(0, {"loss": 0.5, "val_score": 0.75})
    Iteration 1, loss = 0.50000000
    Validation score: 0.750000
    """

    per_batch = False

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def epoch_begin(self, epoch: int) -> None:
        """Nothing before an epoch."""

    def batch_end(self, batch: int, loss: float) -> None:
        """Nothing per batch."""

    def epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        stream = sys.stdout if self.stream is None else self.stream
        print(f"Iteration {epoch + 1}, loss = {logs['loss']:.8f}", file=stream)
        if "val_score" in logs:
            print(f"Validation score: {logs['val_score']:f}", file=stream)

    def close(self) -> None:
        """Nothing to close."""


Reporter = EpochLines | ProgressBar | IterationLines


def make_reporter(
    verbose: int | str, epochs: int, steps: int, stream: IO[str] | None = None
) -> Reporter | None:
    """The progress display for ``verbose``, or None when training is quiet.

    Parameters
    ----------
    verbose : 0, 1, 2 or "auto"
    epochs, steps : int
        Epochs to run and batches per epoch.
    stream : text stream, default sys.stdout

    Examples
    --------
    >>> import io
    >>> make_reporter(0, 10, 1, io.StringIO()) is None
    True
    >>> type(make_reporter(2, 10, 1, io.StringIO())).__name__
    'EpochLines'
    """
    stream = sys.stdout if stream is None else stream
    level = resolve_verbose(verbose, stream)
    if level == 0:
        return None
    if level == 1 and getattr(stream, "isatty", lambda: False)():
        try:
            return ProgressBar(epochs, steps, stream)
        except ImportError:
            pass
    return EpochLines(epochs, steps, stream)
