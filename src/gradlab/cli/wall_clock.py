"""The clock of a whole command: from the start of its process, not of its code.

Starting Python and importing gradlab, NumPy and scikit-learn takes a good part of a short
``gradlab train``; a time "in all" that began in the command's own code would leave it out.
"""

from __future__ import annotations

import os
import time


def process_age() -> float | None:
    """Seconds since this process started, or None where the system does not tell.

    On Linux, from the start time in ``/proc/self/stat`` (in clock ticks since boot, so to
    within 1/100 s) against the clock since boot.

    Examples
    --------
    >>> age = process_age()
    >>> age is None or age > 0
    True
    """
    try:
        with open("/proc/self/stat", "rb") as stat:
            # The command name (field 2) may hold spaces and parentheses: split after it.
            fields = stat.read().rsplit(b")", 1)[1].split()
        started = int(fields[19]) / os.sysconf("SC_CLK_TCK")  # field 22, the start time
        age = time.clock_gettime(time.CLOCK_BOOTTIME) - started
    except (OSError, IndexError, ValueError, AttributeError):
        return None
    return age if age >= 0 else None


def command_start(whole_process: bool) -> float:
    """The `time.perf_counter` reading at which the command began.

    Parameters
    ----------
    whole_process : bool
        True when the process runs this one command (the ``gradlab`` program): the command
        began when the process did. False when it is called from Python code that was already
        running (a test, a notebook): it begins now. Also now where the process's start is
        unknown.

    Examples
    --------
    >>> import time
    >>> command_start(whole_process=False) <= time.perf_counter()
    True
    """
    now = time.perf_counter()
    age = process_age() if whole_process else None
    return now if age is None else now - age
