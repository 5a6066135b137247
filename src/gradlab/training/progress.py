"""What `fit` shows while it trains: a rich progress bar, or one plain line per epoch.

``verbose=0`` shows nothing; ``1`` a live bar (epoch i/N, step, elapsed time, ETA, loss,
val_loss) when the stream is a terminal and `rich` is installed, else one line per epoch;
``2`` one line per epoch; ``"auto"`` is 1 on a terminal and 0 otherwise, so logs and pipes
stay quiet unless asked. `IterationLines` prints scikit-learn's lines instead (its estimators'
``verbose``).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from typing import IO


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


def format_logs(logs: dict[str, float]) -> str:
    """The logs on one line, Keras's way.

    Examples
    --------
    >>> format_logs({"loss": 0.123456, "val_loss": 0.2})
    'loss: 0.1235 - val_loss: 0.2'
    """
    return " - ".join(f"{name}: {value:.4g}" for name, value in logs.items())


def _duration(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms" if seconds < 1 else f"{seconds:.1f}s"


class EpochLines:
    """One line per epoch: ``Epoch 3/100 - 4/4 steps - 12ms - loss: 0.2345``."""

    per_batch = False

    def __init__(self, epochs: int, steps: int, stream: IO[str]) -> None:
        self.epochs, self.steps, self.stream = epochs, steps, stream

    def epoch_begin(self, epoch: int) -> None:
        self._start = time.perf_counter()

    def batch_end(self, batch: int, loss: float) -> None:
        """Nothing per batch."""

    def epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        took = _duration(time.perf_counter() - self._start)
        line = f"Epoch {epoch + 1}/{self.epochs} - {self.steps}/{self.steps} steps - {took}"
        print(f"{line} - {format_logs(logs)}" if logs else line, file=self.stream, flush=True)

    def close(self) -> None:
        """Nothing to close."""


class ProgressBar:
    """A live `rich` display: a bar over all the steps of training, the logs on the line below.

    Refreshed at most 20 times a second, so a fast loop spends almost nothing on it.
    """

    per_batch = True

    def __init__(self, epochs: int, steps: int, stream: IO[str]) -> None:
        from rich.console import Console, RenderableType
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        bar = self

        class BarAndLogs(Progress):
            def get_renderables(self) -> Iterator[RenderableType]:
                yield self.make_tasks_table(self.tasks)
                if bar.logs:
                    yield Text(bar.logs)

        self.epochs, self.steps, self.logs = epochs, steps, ""
        self._progress = BarAndLogs(
            TextColumn(f"Epoch {{task.fields[epoch]:>{len(str(epochs))}}}/{epochs}"),
            BarColumn(bar_width=30),
            TextColumn(f"step {{task.fields[step]:>{len(str(steps))}}}/{steps}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            console=Console(file=stream),
            auto_refresh=False,
        )
        self._task = self._progress.add_task("fit", total=epochs * steps, epoch=1, step=0)
        self._progress.start()
        self._epoch = 0
        self._last = 0.0

    def epoch_begin(self, epoch: int) -> None:
        self._epoch = epoch

    def batch_end(self, batch: int, loss: float) -> None:
        now = time.monotonic()
        if now - self._last < 0.05:
            return
        self._last = now
        self._progress.update(
            self._task,
            completed=self._epoch * self.steps + batch + 1,
            epoch=self._epoch + 1,
            step=batch + 1,
        )
        self._progress.refresh()

    def epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.logs = format_logs(logs)
        self._progress.update(
            self._task, completed=(epoch + 1) * self.steps, epoch=epoch + 1, step=self.steps
        )
        now = time.monotonic()
        if now - self._last >= 0.05:
            self._last = now
            self._progress.refresh()

    def close(self) -> None:
        self._progress.refresh()
        self._progress.stop()


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
