"""How a message names an option: ``--ignore Name`` to the command, ``ignore=['Name']`` in Python.

`gradlab.tabular` is called from Python and from ``gradlab train``; a message telling the user
what to pass should use the words of the caller. The command runs inside `as_command`.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_COMMAND = contextvars.ContextVar("gradlab_tabular_command", default=False)
#: Options that take a list in Python and are repeated on the command line.
LISTS = frozenset({"ignore", "categorical", "numeric"})


@contextmanager
def as_command() -> Iterator[None]:
    """Within this block, messages name options as ``gradlab train``'s flags."""
    token = _COMMAND.set(True)
    try:
        yield
    finally:
        _COMMAND.reset(token)


def option(name: str, value: Any = None) -> str:
    """The option ``name`` (set to ``value``; a switch when None), as the caller writes it.

    Examples
    --------
    >>> option("ignore", "Name"), option("drop_na"), option("validation_split", 0)
    ("ignore=['Name']", 'drop_na=True', 'validation_split=0')
    >>> with as_command():
    ...     option("ignore", "Name"), option("drop_na"), option("validation_split", 0)
    ('--ignore Name', '--drop-na', '--validation-split 0')
    """
    if _COMMAND.get():
        flag = "--" + name.replace("_", "-")
        return flag if value is None else f"{flag} {value}"
    if value is None:
        return f"{name}=True"
    if name in LISTS:
        return f"{name}=[{value!r}]"
    return f"{name}={value!r}"
