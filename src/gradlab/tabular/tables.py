"""Any table a user has, a CSV path or a pandas DataFrame, as a `CsvTable` of text cells."""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from gradlab.tabular.csv_data import CsvTable, read_csv
from gradlab.tabular.errors import DataError


def as_table(data: Any) -> CsvTable:
    """Read ``data`` as text cells, the form both training and prediction start from.

    Parameters
    ----------
    data : str, os.PathLike, pandas.DataFrame or CsvTable
        A CSV file, or a DataFrame (missing values become empty cells; numbers their text).

    Returns
    -------
    CsvTable

    Examples
    --------
    >>> import pandas as pd
    >>> as_table(pd.DataFrame({"x": [1.5, None], "c": ["a", "b"]})).frame.values.tolist()
    [['1.5', 'a'], ['', 'b']]
    """
    if isinstance(data, CsvTable):
        return data
    if isinstance(data, str | os.PathLike):
        return read_csv(os.fspath(data))
    import pandas

    if isinstance(data, pandas.Series):
        data = data.to_frame().T
    if not isinstance(data, pandas.DataFrame):
        raise DataError(
            f"expected a pandas DataFrame or the path of a CSV file; got {type(data).__name__}"
        )
    names = [str(name).strip() for name in data.columns]
    if len(set(names)) != len(names):
        raise DataError("the DataFrame names a column twice; rename one")
    if data.shape[0] == 0 or data.shape[1] == 0:
        raise DataError(f"the DataFrame is empty ({data.shape[0]} rows, {data.shape[1]} columns)")
    frame = pandas.DataFrame(
        {name: [_text(value) for value in data.iloc[:, i]] for i, name in enumerate(names)}
    )
    typed = frozenset(
        name
        for i, name in enumerate(names)
        if pandas.api.types.is_numeric_dtype(data.iloc[:, i])
        and not pandas.api.types.is_bool_dtype(data.iloc[:, i])
    )
    return CsvTable(frame, np.arange(0), "the DataFrame", typed=typed)


def _text(value: Any) -> str:
    import pandas

    if value is None or (not isinstance(value, str) and bool(pandas.isna(value))):
        return ""
    if isinstance(value, float | np.floating):
        return repr(float(value))
    return str(value).strip()
