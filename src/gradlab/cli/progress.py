"""Progress when ``gradlab train`` writes to a file or a pipe: a line every few epochs.

On a terminal, `gradlab.fit` draws its own bar per epoch (``verbose=1``) instead; both show
the epoch's values in the same format (`gradlab.training.log_format`).
"""

from __future__ import annotations

import sys
import time
from typing import IO, Any


def epoch_lines(epochs: int, stream: IO[str] | None = None, lines: int = 10) -> Any:
    """A `gradlab.training.Callback` printing about ``lines`` lines over the whole run.

    It prints after epoch 1, every ``ceil(epochs / lines)`` epochs, and after the last epoch
    run (the last of ``epochs``, or the one where training stopped). Each line is
    ``Epoch 3/30 - 0s 3ms/step - accuracy: 0.9123 - loss: 0.2345 - val_accuracy: 0.9000 -
    val_loss: 0.2500``: the epoch's time and time per step, then its values with 4 decimals
    (`gradlab.training.log_format.format_number`).

    Parameters
    ----------
    epochs : int
        The number of epochs of the run.
    stream : text stream, default sys.stdout
    lines : int
        Roughly how many lines to print.

    Examples
    --------
    >>> import io
    >>> import gradlab as gl
    >>> out = io.StringIO()
    >>> _ = gl.fit(gl.nn.MLP(1, [], 1, rng=0), [[0.0], [1.0]], [0.0, 1.0], epochs=2,
    ...            callbacks=[epoch_lines(2, out)])
    >>> [line.split(" - ")[0] for line in out.getvalue().splitlines()]
    ['Epoch 1/2', 'Epoch 2/2']
    """
    from gradlab.training import Callback
    from gradlab.training.log_format import epoch_line

    every = max(1, -(-epochs // lines))

    class EpochLines(Callback):
        def on_epoch_begin(self, epoch: int, logs: dict[str, Any]) -> None:
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
            steps = int(self.trainer.history.params.get("steps", 1))
            self.line = epoch_line(epoch, epochs, time.perf_counter() - self.start, steps, logs)
            done = epoch + 1
            self.shown = done == 1 or done % every == 0 or done == epochs
            if self.shown:
                print(self.line, file=stream or sys.stdout, flush=True)

        def on_train_end(self, logs: dict[str, Any]) -> None:
            # An early stop ends the run between two lines: show its last epoch too.
            if not getattr(self, "shown", True):
                print(self.line, file=stream or sys.stdout, flush=True)

    return EpochLines()
