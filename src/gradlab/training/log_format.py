"""How training progress reads, Keras's way: numbers, durations, an epoch's line, a step's bar.

Pure functions of numbers to text, shared by `fit`'s displays and ``gradlab train``'s lines, so
a value looks the same wherever it is shown.

Numbers (`format_number`) have a fixed 4 decimals, ``0.2345``, ``1.0000``; a value whose size
is below 1e-4 (but not 0) or at least 1e6 has 4 significant digits in scientific notation
instead, ``7.046e-05``, ``1.235e+12``, so a small non-zero loss never reads ``0.0000``.
"""

from __future__ import annotations

import math

#: Characters of a bar: the steps done, and the steps to go.
BAR_WIDTH = 20
DONE, TO_GO = "━", "─"


def format_number(value: float) -> str:
    """``value`` with 4 decimals, or 4 significant digits when tiny or huge.

    The rule: 0 and every ``value`` with 1e-4 <= |value| < 1e6 are written with 4 decimals
    (``f"{value:.4f}"``); the others (0 < |value| < 1e-4, |value| >= 1e6) in scientific
    notation with 4 significant digits (``f"{value:.3e}"``); nan and inf as ``nan``, ``inf``.

    Examples
    --------
    >>> format_number(1.0), format_number(0.00070461), format_number(7.0461e-05)
    ('1.0000', '0.0007', '7.046e-05')
    >>> format_number(0.0), format_number(-2.5e12), format_number(float("nan"))
    ('0.0000', '-2.500e+12', 'nan')
    """
    size = abs(value)
    if math.isfinite(value) and value != 0 and (size < 1e-4 or size >= 1e6):
        return f"{value:.3e}"
    return f"{value:.4f}"


def format_logs(logs: dict[str, float]) -> str:
    """The logs on one line, Keras's way: training values by name, then the ``val_`` ones.

    Examples
    --------
    >>> format_logs({"loss": 0.123456, "accuracy": 1, "val_loss": 0.2, "val_accuracy": 0.9})
    'accuracy: 1.0000 - loss: 0.1235 - val_accuracy: 0.9000 - val_loss: 0.2000'
    """
    names = sorted(logs, key=lambda name: (name.startswith("val_"), name))
    return " - ".join(f"{name}: {format_number(logs[name])}" for name in names)


def format_seconds(seconds: float) -> str:
    """A duration as Keras shows an epoch's time or an ETA: ``7s``, ``2:05``, ``1:02:05``.

    Examples
    --------
    >>> format_seconds(0.4), format_seconds(125), format_seconds(3725)
    ('0s', '2:05', '1:02:05')
    """
    whole = round(seconds)
    if whole >= 3600:
        return f"{whole // 3600}:{whole % 3600 // 60:02d}:{whole % 60:02d}"
    if whole >= 60:
        return f"{whole // 60}:{whole % 60:02d}"
    return f"{whole}s"


def format_step_time(seconds: float) -> str:
    """The time of one step: ``2s/step``, ``3ms/step`` or ``250us/step``.

    Examples
    --------
    >>> format_step_time(2.0), format_step_time(0.0031), format_step_time(0.00025)
    ('2s/step', '3ms/step', '250us/step')
    """
    if seconds >= 1 or seconds == 0:
        return f"{seconds:.0f}s/step"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.0f}ms/step"
    return f"{seconds * 1e6:.0f}us/step"


def epoch_line(epoch: int, epochs: int, seconds: float, steps: int, logs: dict[str, float]) -> str:
    """One epoch on one line, for logs and pipes.

    Parameters
    ----------
    epoch : int
        The 0-based index of the epoch.
    epochs : int
        The number of epochs of the run.
    seconds : float
        The epoch's duration.
    steps : int
        Its batches, for the time per step.
    logs : dict
        Its values (``loss``, ``val_loss``, metrics).

    Examples
    --------
    >>> epoch_line(2, 30, 0.036, 12, {"loss": 0.2345, "val_loss": 0.25})
    'Epoch 3/30 - 0s 3ms/step - loss: 0.2345 - val_loss: 0.2500'
    """
    line = f"Epoch {epoch + 1}/{epochs} - {format_seconds(seconds)} "
    line += format_step_time(seconds / max(steps, 1))
    return f"{line} - {format_logs(logs)}" if logs else line


def bar_parts(
    step: int, steps: int, seconds: float, logs: dict[str, float], finished: bool
) -> list[tuple[str, str]]:
    """The pieces of an epoch's bar line, each with a `rich` style name ("" for none).

    While the epoch runs: ``5/12 ━━━━━━━━──────────── ETA 1s 3ms/step - loss: 0.2345``; at
    its end the epoch's time replaces the ETA:
    ``12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.9123 - loss: 0.2345 - ...``.

    Parameters
    ----------
    step, steps : int
        Steps done, and steps in the epoch.
    seconds : float
        Time since the epoch began.
    logs : dict
        The values to show (the running loss, or the epoch's logs at its end).
    finished : bool
        Whether the epoch is over.
    """
    done = min(BAR_WIDTH, BAR_WIDTH * step // max(steps, 1))
    parts = [
        (f"{step:>{len(str(steps))}}/{steps} ", "bold"),
        (DONE * done, "green"),
        (TO_GO * (BAR_WIDTH - done), "bright_black"),
    ]
    if step:
        per_step = seconds / step
        timing = (
            format_seconds(seconds)
            if finished
            else f"ETA {format_seconds(per_step * (steps - step))}"
        )
        parts.append((f" {timing} {format_step_time(per_step)}", ""))
    if logs:
        parts.append((f" - {format_logs(logs)}", ""))
    return parts


def bar_line(step: int, steps: int, seconds: float, logs: dict[str, float], finished: bool) -> str:
    """`bar_parts` as plain text.

    Examples
    --------
    >>> bar_line(12, 12, 0.036, {"loss": 0.2345}, finished=True)
    '12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.2345'
    >>> bar_line(3, 12, 0.75, {"loss": 0.5}, finished=False)
    ' 3/12 ━━━━━─────────────── ETA 2s 250ms/step - loss: 0.5000'
    """
    return "".join(text for text, _ in bar_parts(step, steps, seconds, logs, finished))
