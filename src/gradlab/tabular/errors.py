"""`DataError`: data or a model folder that `gradlab.tabular` cannot use, said in one line."""

from __future__ import annotations


class DataError(ValueError):
    """Bad data, options or model folder: the message names the problem and the fix.

    The ``gradlab`` command prints it as one line and exits with status 2.
    """
