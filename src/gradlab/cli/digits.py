"""The dataset ``gradlab train`` uses when given no CSV: scikit-learn's handwritten digits.

The 1,797 images of 8 x 8 pixels (grey levels 0-16, ten classes) ship inside scikit-learn, so
nothing is downloaded.
"""

from __future__ import annotations

import numpy as np

from gradlab.cli.main import UsageError
from gradlab.tabular.csv_data import CsvTable

TARGET = "digit"
DESCRIPTION = (
    "scikit-learn's handwritten digits (1,797 images of 8x8 pixels, 10 classes; shipped with "
    "scikit-learn, nothing is downloaded)"
)


def digits_table() -> CsvTable:
    """The digits as a `CsvTable`: columns ``pixel_<row>_<column>`` and the target ``digit``.

    Returns
    -------
    CsvTable
        1,797 rows of 65 text cells, as if read from a CSV file.

    Examples
    --------
    >>> table = digits_table()
    >>> table.frame.shape, table.columns[0], table.columns[-1]
    ((1797, 65), 'pixel_0_0', 'digit')
    """
    try:
        import pandas
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise UsageError(
            "the built-in digits dataset needs scikit-learn and pandas: pip install "
            '"gradlab[sklearn,data]"; or give a CSV file: gradlab train DATA.csv --target COLUMN'
        ) from error
    digits = load_digits()
    names = [f"pixel_{index // 8}_{index % 8}" for index in range(64)]
    cells = np.column_stack([digits.data.astype(np.int64), digits.target]).astype(str)
    frame = pandas.DataFrame(cells, columns=[*names, TARGET])
    return CsvTable(frame, np.arange(0), "digits")
