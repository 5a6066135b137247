"""How a column writes its numbers: ``1.5``, ``1,234.5``, ``1,5`` or ``1.234,5``.

The format is chosen once per column at training, as the one that reads the most of its cells
(on a tie a ``;``-separated file prefers decimal commas, any other file decimal points; a format
that reads every cell as plain ``1234.5`` does is plain), is stored with the model and applied
again at prediction, so that both read a cell alike.
"""

from __future__ import annotations

import re

import numpy as np

PLAIN = ""
#: format name -> (decimal mark, thousands separator, the pattern of a grouped number)
FORMATS = {
    PLAIN: (".", "", None),
    "1,234.5": (".", ",", re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d*)?$")),
    "1234,5": (",", "", None),
    "1.234,5": (",", ".", re.compile(r"^[+-]?\d{1,3}(\.\d{3})+(,\d*)?$")),
}
_NOT_A_NUMBER = "not a number"


def normalise(text: np.ndarray, number_format: str) -> np.ndarray:
    """The cells rewritten with a decimal point and no thousands separator.

    Examples
    --------
    >>> import numpy as np
    >>> normalise(np.array(["1.234,5", "2,5", "7"]), "1.234,5").tolist()
    ['1234.5', '2.5', '7']
    """
    if number_format == PLAIN:
        return text
    decimal, thousands, grouped = FORMATS[number_format]
    out = []
    for cell in text.tolist():
        if grouped is not None and grouped.match(cell):
            cell = cell.replace(thousands, "")
        elif thousands and thousands in cell:
            cell = _NOT_A_NUMBER
        if decimal == ",":
            cell = _NOT_A_NUMBER if "." in cell else cell.replace(",", ".")
        out.append(cell)
    return np.array(out, dtype=str) if out else text


def choose(text: np.ndarray, missing: np.ndarray, delimiter: str) -> str:
    """The format that reads the most present cells as numbers (plain unless another reads
    more)."""
    import pandas

    present = text[~missing]
    order = ["1234,5", "1.234,5", PLAIN, "1,234.5"]
    if delimiter != ";":
        order = [PLAIN, "1,234.5", "1234,5", "1.234,5"]
    read = {
        name: pandas.to_numeric(pandas.Series(normalise(present, name)), errors="coerce")
        for name in order
    }
    best = max(order, key=lambda name: (int(read[name].notna().sum()), -order.index(name)))
    if read[best].equals(read[PLAIN]):
        return PLAIN
    return best


def describe(number_format: str) -> str:
    """How a note names the format."""
    decimal, thousands, _ = FORMATS[number_format]
    mark = "decimal commas" if decimal == "," else "decimal points"
    separator = {"": "", ",": " and thousands commas", ".": " and thousands points"}[thousands]
    return f"{mark}{separator} ({number_format})"
