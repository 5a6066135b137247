"""Date and time columns as numbers: year, month, day of week, and hour where times are given.

A text column is a date column when at least 90% of its present cells are ISO 8601 dates or
times (``2012-01-31``, ``2012-01-31 14:00``). It is replaced by numeric columns
``NAME_year``, and the finer parts the column tells apart: ``NAME_month`` when its dates fall in
more than one month of the year, ``NAME_day_of_week`` (0 = Monday) when they fall on more than one
day of the month, ``NAME_hour`` when some cell has a time of day. A part that never changes would
be a constant input at best and noise at worst: dates that are all 1 January (a model year, as in
vega_datasets' cars) have a day of the week that only says which year it was. A cell that is not
a date leaves its parts missing (imputed as any number).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.tabular.csv_data import CsvTable

DATE_SHARE = 0.9
DATE_PARTS = ("year", "month", "day_of_week", "hour")


def _parse(text: np.ndarray) -> Any:
    """The cells as a pandas Series of timestamps (NaT where a cell is not a date)."""
    import pandas

    return pandas.to_datetime(pandas.Series(text), errors="coerce", format="ISO8601")


def date_parts(text: np.ndarray, missing: np.ndarray) -> list[str]:
    """The features a column gives if it holds dates (else none).

    Examples
    --------
    >>> import numpy as np
    >>> date_parts(np.array(["2012-01-01", "2012-02-03 10:30"]), np.array([False, False]))
    ['year', 'month', 'day_of_week', 'hour']
    >>> date_parts(np.array(["1970-01-01", "1971-01-01"]), np.array([False, False]))
    ['year']
    """
    present = text[~missing]
    if present.size == 0 or not any(("-" in cell or ":" in cell) for cell in present[:50]):
        return []
    values = _parse(present)
    if values.notna().mean() < DATE_SHARE:
        return []
    times = values.dropna()
    varies = {
        "year": True,
        "month": times.dt.month.nunique() > 1,
        "day_of_week": times.dt.day.nunique() > 1,
        "hour": bool(((times.dt.hour != 0) | (times.dt.minute != 0)).any()),
    }
    return [part for part in DATE_PARTS if varies[part]]


def derived_names(dates: dict[str, list[str]]) -> dict[str, list[str]]:
    """Each date column's feature columns: ``NAME_part``."""
    return {name: [f"{name}_{part}" for part in parts] for name, parts in dates.items()}


def expand(table: CsvTable, dates: dict[str, list[str]]) -> CsvTable:
    """``table`` with each date column's features added as text numbers."""
    if not dates or any(name not in table.columns for name in dates):
        return table
    frame = table.frame.copy()
    for name, parts in dates.items():
        values = _parse(frame[name].to_numpy(dtype=str))
        for part in parts:
            numbers = {
                "year": values.dt.year,
                "month": values.dt.month,
                "day_of_week": values.dt.day_of_week,
                "hour": values.dt.hour + values.dt.minute / 60,
            }[part]
            frame[f"{name}_{part}"] = [
                "" if np.isnan(number) else repr(float(number)) for number in numbers
            ]
    return CsvTable(frame, table.lines, table.source, table.delimiter, table.typed)
