"""Progress when ``gradlab train`` writes to a file or a pipe: a line every few epochs.

On a terminal, `gradlab.fit` draws its own live progress bar (``verbose=1``) instead.
"""

from __future__ import annotations

import sys
from typing import IO, Any


def epoch_lines(epochs: int, stream: IO[str] | None = None, lines: int = 10) -> Any:
    """A `gradlab.training.Callback` printing about ``lines`` lines over the whole run.

    It prints after epoch 1, every ``ceil(epochs / lines)`` epochs, and after the last epoch.

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
    >>> out = io.StringIO()
    >>> callback = epoch_lines(2, out)
    >>> callback.on_epoch_end(0, {"loss": 0.5})
    >>> out.getvalue()
    'epoch 1/2 - loss: 0.5000\\n'
    """
    from gradlab.training import Callback

    every = max(1, -(-epochs // lines))

    class EpochLines(Callback):
        def on_epoch_end(self, epoch: int, logs: dict[str, Any]) -> None:
            done = epoch + 1
            if done == 1 or done % every == 0 or done == epochs:
                values = " - ".join(f"{name}: {value:.4f}" for name, value in logs.items())
                print(f"epoch {done}/{epochs} - {values}", file=stream or sys.stdout, flush=True)

    return EpochLines()
