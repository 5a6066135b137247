"""The checkpoint of a ``gradlab train`` run, so that rerunning a killed command resumes it.

``gl.fit`` writes ``.NAME.checkpoint`` next to ``--out NAME`` after every epoch. When the
same command is run again after a kill, training continues from it and ends exactly where the
uninterrupted run would have; a checkpoint left by a run with other data or options is set
aside and training starts afresh. The file is removed once the model folder is written, when
training diverges, and on Ctrl-C.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any


class RunFile:
    """The checkpoint path of the run writing ``out``: ``.NAME.checkpoint`` beside it."""

    def __init__(self, out: Path) -> None:
        self.path = out.parent / f".{out.name}.checkpoint"
        self.previous = Path(f"{self.path}.previous")

    def exists(self) -> bool:
        return self.path.exists() or self.previous.exists()

    def remove(self) -> None:
        for path in (self.path, self.previous):
            if path.exists():
                os.remove(path)


def resumable(fit: Callable[[], Any], checkpoint: RunFile) -> Any:
    """Call ``fit`` (a ``gl.fit`` writing ``checkpoint``), resuming from it where it fits."""
    from gradlab.training import CheckpointMismatch

    if not checkpoint.exists():
        return fit()
    print(f"Resuming the interrupted run from {checkpoint.path}.", file=sys.stderr)
    try:
        return fit()
    except CheckpointMismatch:
        print(
            f"The checkpoint {checkpoint.path} is of a run with other data or options; "
            "starting afresh.",
            file=sys.stderr,
        )
        checkpoint.remove()
        return fit()
