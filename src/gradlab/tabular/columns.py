"""Which columns a model learns from: the user's overrides, and identifier columns left out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from gradlab.tabular import numbers
from gradlab.tabular.cells import read_cells
from gradlab.tabular.csv_data import CsvTable
from gradlab.tabular.dates import date_parts
from gradlab.tabular.errors import DataError

#: A text column in which at least this share of its (at least 20) rows hold a value no other
#: row holds names the rows rather than describing them: car models, people, ids. A category
#: that describes rows repeats, so even a column of many categories stays well below it.
IDENTIFIER_SHARE = 0.5
MIN_ROWS_FOR_IDENTIFIERS = 20


@dataclass(frozen=True)
class ColumnChoices:
    """The user's overrides: columns to leave out, and columns to read as text or numbers."""

    ignore: Sequence[str] = ()
    categorical: Sequence[str] = ()
    numeric: Sequence[str] = ()

    def check(self, table: CsvTable, target: str) -> None:
        """Refuse a name that is not a column, the target, or one asked to be two kinds."""
        for option, names in (
            ("ignore", self.ignore),
            ("categorical", self.categorical),
            ("numeric", self.numeric),
        ):
            for name in names:
                if name not in table.columns:
                    raise DataError(f"--{option} {name}: {table.source} has no column {name!r}")
                if name == target and option == "ignore":
                    raise DataError(f"--ignore {name}: it is the target column")
        both = set(self.categorical) & set(self.numeric)
        if both:
            raise DataError(f"--categorical and --numeric both name {sorted(both)[0]!r}")


def feature_columns(
    table: CsvTable, target: str, choices: ColumnChoices, notes: list[str]
) -> list[str]:
    """The columns to learn from, in file order; each one left out is noted once."""
    choices.check(table, target)
    names = [name for name in table.columns if name != target and name not in choices.ignore]
    if choices.ignore:
        notes.append("left out as asked (--ignore): " + ", ".join(choices.ignore))
    kept = []
    for name in names:
        share = _distinct_share(table, name)
        identifier = (
            name not in choices.categorical
            and name not in choices.numeric
            and len(table.frame) >= MIN_ROWS_FOR_IDENTIFIERS
            and share >= IDENTIFIER_SHARE
            and not _numeric(table, name)
            and not _dates(table, name)
        )
        if identifier:
            notes.append(
                f"column {name!r} left out: {share:.0%} of the rows hold a text no other row "
                f"holds, so it names rows rather than describing them (--categorical {name} "
                "keeps it)"
            )
            continue
        kept.append(name)
    return kept


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
