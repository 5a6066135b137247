"""Which columns a model learns from: the user's overrides, identifier columns left out, and
text columns of nearly all-different values read as words."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradlab.tabular import encoders, numbers
from gradlab.tabular.cells import read_cells
from gradlab.tabular.csv_data import CsvTable
from gradlab.tabular.dates import date_parts
from gradlab.tabular.errors import DataError
from gradlab.tabular.spelling import option

#: A text column in which at least this share of its (at least 20) rows hold a value no other
#: row holds names the rows rather than describing them: car models, people, ids. A category
#: that describes rows repeats, so even a column of many categories stays well below it.
IDENTIFIER_SHARE = 0.5
MIN_ROWS_FOR_IDENTIFIERS = 20


@dataclass(frozen=True)
class FeatureColumns:
    """The columns to learn from, in file order, and those of them to read as words."""

    names: list[str]
    words: list[str]


@dataclass(frozen=True)
class ColumnChoices:
    """The user's overrides: columns to leave out, columns to read as text or numbers, and the
    column that weighs the rows."""

    ignore: Sequence[str] = ()
    categorical: Sequence[str] = ()
    numeric: Sequence[str] = ()
    weight: str | None = None

    def check(self, table: CsvTable, target: str) -> None:
        """Refuse a name that is not a column, the target, or one asked to be two kinds."""
        for flag, names in (
            ("ignore", self.ignore),
            ("categorical", self.categorical),
            ("numeric", self.numeric),
            ("sample_weight", () if self.weight is None else (self.weight,)),
        ):
            for name in names:
                if name not in table.columns:
                    raise DataError(f"{option(flag, name)}: {table.source} has no column {name!r}")
                if name == target and flag in ("ignore", "sample_weight"):
                    raise DataError(f"{option(flag, name)}: it is the target column")
        both = set(self.categorical) & set(self.numeric)
        if both:
            name = sorted(both)[0]
            raise DataError(
                f"{option('categorical', name)} and {option('numeric', name)} name the same column"
            )


def feature_columns(
    table: CsvTable, target: str, choices: ColumnChoices, notes: list[str]
) -> FeatureColumns:
    """The columns to learn from, in file order; each one left out is noted once.

    A text column that names rows (`IDENTIFIER_SHARE`) is read as words when some of its words
    recur (`gradlab.tabular.encoders.frequent_words`: ``ford`` in car models, ``Mr`` in
    passengers' names), and left out otherwise (ids, codes). A numeric column that only counts
    rows (`row_numbers`) is left out.
    """
    choices.check(table, target)
    names = [
        name
        for name in table.columns
        if name not in (target, choices.weight) and name not in choices.ignore
    ]
    if choices.ignore:
        notes.append("left out as asked: " + ", ".join(choices.ignore))
    if choices.weight is not None:
        notes.append(f"column {choices.weight!r} weighs the rows in the training loss")
    kept, words = [], []
    for name in names:
        if name in choices.categorical or name in choices.numeric:
            kept.append(name)
            continue
        if _numeric(table, name):
            why = _numbering(table, name)
            if why:
                notes.append(
                    f"column {name!r} left out: {why}, which says nothing about them "
                    f"({option('numeric', name)} keeps it)"
                )
            else:
                kept.append(name)
            continue
        share = _distinct_share(table, name)
        if (
            len(table.frame) < MIN_ROWS_FOR_IDENTIFIERS
            or share < IDENTIFIER_SHARE
            or _dates(table, name)
        ):
            kept.append(name)
            continue
        found = encoders.frequent_words(_present_text(table, name))
        held = f"{share:.0%} of the rows hold a text no other row holds"
        if found:
            notes.append(
                f"column {name!r} read as words: {held}, but {len(found)} of its words recur "
                f"({option('categorical', name)} reads whole texts, {option('ignore', name)} "
                "leaves it out)"
            )
            kept.append(name)
            words.append(name)
            continue
        notes.append(
            f"column {name!r} left out: {held}, so it names rows rather than describing them "
            f"({option('categorical', name)} keeps it)"
        )
    return FeatureColumns(kept, words)


def _numbering(table: CsvTable, name: str) -> str:
    """Why a numeric column only numbers the rows ("" when it does not)."""
    if len(table.frame) < MIN_ROWS_FOR_IDENTIFIERS:
        return ""
    text = read_cells(table, name).text
    if row_numbers(text):
        return "it numbers the rows (whole numbers counting up by one)"
    if ID_NAME.search(name) and distinct_whole_numbers(text):
        return "it is named as an id and holds a different whole number in every row"
    return ""


#: ``id``, ``user_id``, ``PassengerId``, ``customerID``: a name that says "identifier".
ID_NAME = re.compile(r"(?:^|[_\s.-])[iI][dD]$|[a-z](?:Id|ID)$|^[iI][dD]$")


def distinct_whole_numbers(text: np.ndarray) -> bool:
    """Whether every cell holds a whole number that no other cell holds.

    Examples
    --------
    >>> import numpy as np
    >>> distinct_whole_numbers(np.array(["17", "4", "9"]))
    True
    >>> distinct_whole_numbers(np.array(["1", "1"]))
    False
    """
    try:
        values = np.array([float(cell) for cell in text])
    except ValueError:
        return False
    whole = bool(np.all(np.isfinite(values)) and np.all(values == np.round(values)))
    return whole and np.unique(values).size == values.size


def row_numbers(text: np.ndarray) -> bool:
    """Whether the cells count rows: whole numbers from 0 or 1 going up by one, in file order.

    Examples
    --------
    >>> import numpy as np
    >>> row_numbers(np.array(["1", "2", "3"])), row_numbers(np.array(["1970", "1971", "1972"]))
    (True, False)
    """
    if text.size < 2:
        return False
    try:
        values = np.array([float(cell) for cell in text])
    except ValueError:
        return False
    return bool(values[0] in (0, 1) and np.all(np.diff(values) == 1))


def _present_text(table: CsvTable, name: str) -> np.ndarray:
    cells = read_cells(table, name)
    return cells.text[~cells.missing]


def _numeric(table: CsvTable, name: str) -> bool:
    plain = read_cells(table, name)
    number_format = numbers.choose(plain.text, plain.missing, table.delimiter)
    return read_cells(table, name, number_format).looks_numeric()


def _dates(table: CsvTable, name: str) -> bool:
    cells = read_cells(table, name)
    return bool(date_parts(cells.text, cells.missing))


def _distinct_share(table: CsvTable, name: str) -> float:
    """The share of rows whose value in ``name`` no other row holds."""
    cells = read_cells(table, name)
    present = cells.text[~cells.missing]
    _, counts = np.unique(present, return_counts=True)
    return int((counts == 1).sum()) / max(1, len(table.frame))
