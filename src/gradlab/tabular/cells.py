"""Reading the cells of a CSV column: which are missing, which are numbers, which are not finite."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gradlab.tabular.errors import DataError
from gradlab.tabular.spelling import option

if TYPE_CHECKING:
    from gradlab.tabular.csv_data import CsvTable

# The markers pandas and spreadsheets use for "no value", compared case-insensitively.
MISSING_MARKERS = frozenset(
    {"", "na", "n/a", "nan", "-nan", "+nan", "null", "none", "#n/a", "<na>", "?"}
)
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


@dataclass
class ColumnCells:
    """The cells of one column, classified.

    Parameters
    ----------
    name : str
        The column name.
    text : numpy.ndarray
        The cells as strings.
    missing : numpy.ndarray
        True where the cell is empty or a missing-value marker ("nan", "NA", "null", ...).
    numbers : numpy.ndarray
        The cells read as float64; NaN where the cell is missing or not a number.
    number_format : str
        How the column writes numbers (`gradlab.tabular.numbers`).
    """

    name: str
    text: np.ndarray
    missing: np.ndarray
    numbers: np.ndarray
    number_format: str = ""

    @property
    def is_number(self) -> np.ndarray:
        """True where the cell is a number (finite or infinite)."""
        return ~np.isnan(self.numbers)

    @property
    def not_a_number(self) -> np.ndarray:
        """True where the cell holds text that is neither a number nor a missing marker."""
        return ~self.missing & ~self.is_number

    def looks_numeric(self) -> bool:
        """Whether most present cells are numbers (a column meant to be numeric)."""
        present = ~self.missing
        n_present = int(present.sum())
        return n_present > 0 and int(self.is_number[present].sum()) * 2 >= n_present


def read_cells(table: CsvTable, name: str, number_format: str = "") -> ColumnCells:
    """Classify the cells of column ``name`` of ``table``.

    Parameters
    ----------
    table : CsvTable
        The table read by `gradlab.tabular.csv_data.read_csv`.
    name : str
        A column of the table.
    number_format : str, default ""
        How the column writes numbers (`gradlab.tabular.numbers.FORMATS`); "" is ``1234.5``.

    Returns
    -------
    ColumnCells
        The column's text, missing mask and numbers.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from gradlab.tabular.csv_data import CsvTable
    >>> table = CsvTable(pd.DataFrame({"x": ["1.5", "nan", "inf", "abc"]}), np.arange(2, 6), "t")
    >>> cells = read_cells(table, "x")
    >>> cells.missing.tolist(), cells.not_a_number.tolist()
    ([False, True, False, False], [False, False, False, True])
    """
    import pandas

    text = table.frame[name].to_numpy(dtype=str)
    missing = np.isin(np.char.lower(text), list(MISSING_MARKERS))
    from gradlab.tabular.numbers import PLAIN, normalise

    if name in table.typed:
        number_format = PLAIN

    numbers = np.array(
        pandas.to_numeric(pandas.Series(normalise(text, number_format)), errors="coerce"),
        dtype=np.float64,
    )
    numbers[missing] = np.nan
    return ColumnCells(name, text, missing, numbers, number_format)


def bad_rows(
    table: CsvTable, cells: list[ColumnCells], numeric: set[str], missing: bool = True
) -> np.ndarray:
    """Rows holding (with ``missing``) an empty or missing-marker cell, or (in a numeric column)
    an infinite one.

    Parameters
    ----------
    table : CsvTable
        The table the cells come from.
    cells : list of ColumnCells
        The columns to check.
    numeric : set of str
        The names of the numeric columns, where an infinite value is also bad.
    missing : bool, default True
        Whether a missing cell makes a row bad.

    Returns
    -------
    numpy.ndarray
        A boolean mask over the rows.
    """
    mask = np.zeros(len(table.frame), dtype=bool)
    for column in cells:
        if missing:
            mask |= column.missing
        if column.name in numeric:
            mask |= np.isinf(column.numbers)
    return mask


def describe_first_bad_cell(
    table: CsvTable,
    cells: list[ColumnCells],
    numeric: set[str],
    mask: np.ndarray,
    missing: bool = False,
) -> str:
    """A message naming the first bad cell (by row, then column) and how many rows have one."""
    row = int(np.flatnonzero(mask)[0])
    for column in cells:
        value = str(column.text[row])
        if missing and column.missing[row]:
            problem = "an empty cell" if value == "" else f"a missing value {value!r}"
            break
        if column.name in numeric and np.isinf(column.numbers[row]):
            problem = f"a non-finite value {value!r}"
            break
    n_bad = int(mask.sum())
    more = f" ({n_bad} rows have such cells)" if n_bad > 1 else ""
    return (
        f"{table.source}: column {column.name!r}, {table.where(row)} holds {problem}{more}; "
        f"fill it in, or pass {option('drop_na')} to drop such rows"
    )


def require_numbers(table: CsvTable, column: ColumnCells) -> None:
    """Raise `DataError` naming the first cell of a numeric column that is not a number."""
    bad = np.flatnonzero(column.not_a_number)
    if bad.size == 0:
        return
    row = int(bad[0])
    value = str(column.text[row])
    hint = ""
    if column.number_format in ("1234,5", "1.234,5"):
        hint = f" (the column writes decimals with a comma, {column.number_format})"
    elif _DECIMAL_COMMA.match(value):
        hint = " (write decimals with a point: 1.5, not 1,5)"
    more = f" ({bad.size} cells are not numbers)" if bad.size > 1 else ""
    raise DataError(
        f"{table.source}: column {column.name!r} is numeric but {table.where(row)} holds "
        f"{value!r}, which is not a number{hint}{more}; fix the cell"
    )
