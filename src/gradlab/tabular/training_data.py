"""From a CSV table to a training set: column kinds, task, classes, split and arrays."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field

import numpy as np

from gradlab.tabular import dates, encoders, numbers
from gradlab.tabular.cells import (
    ColumnCells,
    bad_rows,
    describe_first_bad_cell,
    read_cells,
    require_numbers,
)
from gradlab.tabular.columns import ColumnChoices, feature_columns
from gradlab.tabular.csv_data import CsvTable
from gradlab.tabular.errors import DataError
from gradlab.tabular.metrics import MAX_CLASSES
from gradlab.tabular.preprocessing import (
    CATEGORICAL,
    CLASSIFICATION,
    MAX_AUTO_CLASSES,
    NUMERIC,
    REGRESSION,
    WORDS,
    Feature,
    Preprocessing,
    class_labels,
    feature_from_record,
    mean_std,
    quoted,
    sorted_classes,
)
from gradlab.tabular.spelling import option
from gradlab.tabular.splitting import split_rows


@dataclass
class TrainingData:
    """Everything ``gradlab train`` learns from, ready for `gradlab.fit`.

    Parameters
    ----------
    table : CsvTable
        The rows kept (after ``--drop-na``).
    preprocessing : Preprocessing
        The learned column encoding.
    X : numpy.ndarray of float64, shape (n_rows, n_inputs)
    y : numpy.ndarray
        Class indices (int64) or the standardised target (float64).
    train, validation : numpy.ndarray of int
        Row positions of the two parts.
    notes : list of str
        What was decided on the user's behalf (the task, dropped rows, constant columns).
    dropped : int
        The number of rows dropped by ``drop_na``.
    """

    table: CsvTable
    preprocessing: Preprocessing
    X: np.ndarray
    y: np.ndarray
    train: np.ndarray
    validation: np.ndarray
    notes: list[str] = field(default_factory=list)
    dropped: int = 0


def prepare(
    table: CsvTable,
    target: str,
    task: str = "auto",
    validation_split: float = 0.2,
    drop_na: bool = False,
    rng: np.random.Generator | None = None,
    choices: ColumnChoices | None = None,
) -> TrainingData:
    """Validate ``table``, choose column kinds and the task, split it and encode it.

    A column is numeric when at least half of its present cells are numbers (and then every cell
    must be one), categorical otherwise. With ``task="auto"`` the target is a classification
    target when it is text, or whole numbers with at most 20 distinct values that repeat (two
    values, or at least two rows per value on average); otherwise regression.
    Standardisation statistics come from the training rows only.

    Parameters
    ----------
    table : CsvTable
        The CSV file read by `gradlab.tabular.csv_data.read_csv`.
    target : str
        The column to predict.
    task : {"auto", "classification", "regression"}
    validation_split : float
        The fraction of rows held out, in [0, 1).
    drop_na : bool
        Drop rows with empty, missing or non-finite cells instead of refusing the file.
    rng : numpy.random.Generator, optional
        The source of the split's shuffle.
    choices : ColumnChoices, optional
        Columns to leave out or to read as text or as numbers (identifier columns, a distinct
        text in nearly every row, are left out unless named).

    Returns
    -------
    TrainingData

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from gradlab.tabular.csv_data import CsvTable
    >>> frame = pd.DataFrame({"x": ["0", "1", "2", "3"], "y": ["a", "b", "a", "b"]})
    >>> data = prepare(CsvTable(frame, np.arange(2, 6), "d.csv"), "y", validation_split=0)
    >>> data.preprocessing.task, data.preprocessing.classes, data.y.tolist()
    ('classification', ['a', 'b'], [0, 1, 0, 1])
    """
    rng = np.random.default_rng(0) if rng is None else rng
    _check_target_column(table, target)
    choices = ColumnChoices() if choices is None else choices
    notes: list[str] = []
    chosen_columns = feature_columns(table, target, choices, notes)
    names = chosen_columns.names
    if not names:
        raise DataError(
            f"{table.source} has no feature columns besides the target {target!r}; "
            "add the columns to learn from"
        )
    table, names, found = _dates(table, names, choices, notes)
    formats = _number_formats(table, [*names, target], notes)
    cells = [read_cells(table, name, formats[name]) for name in [*names, target]]
    numeric = {column.name for column in cells if _is_numeric(table, column, choices)}
    kept = _rows_to_use(table, cells, numeric, drop_na)
    dropped = len(table.frame) - kept.size
    if dropped:
        why = "empty, missing or non-finite cells" if drop_na else "no target value"
        notes.append(f"dropped {dropped} row(s) with {why}")
        table = table.take(kept)
        cells = [read_cells(table, name, formats[name]) for name in [*names, target]]
    _note_imputed(cells[:-1], notes)
    target_cells = cells[-1]
    chosen = _choose_task(task, target, target_cells, target in numeric, notes)

    classes, codes = _classes(target, target_cells, chosen, target in numeric)
    train, validation = split_rows(len(table.frame), validation_split, rng, codes)

    words = _words(cells[:-1], chosen_columns.words, train, notes)
    inputs = [c for c in cells[:-1] if c.name not in chosen_columns.words or c.name in words]
    _note_constant(inputs, numeric, train, notes)
    transformer, features = _fit_features(inputs, numeric, words, train)
    for feature in features:
        if feature.kind == NUMERIC:
            feature.number_format = formats[feature.name]
    preprocessing = Preprocessing(
        features, target, chosen, classes=classes, target_format=formats[target], dates=found
    )
    preprocessing._transformer = transformer
    if chosen == REGRESSION:
        mean, std = mean_std(target_cells.numbers[train])
        preprocessing.target_mean = mean
        preprocessing.target_std = std if std > 0 else 1.0
    X, _ = preprocessing.transform(table)
    y = preprocessing.encode_target(table)
    return TrainingData(table, preprocessing, X, y, train, validation, notes, dropped)


def row_weights(table: CsvTable, name: str) -> np.ndarray:
    """The sample-weight column's numbers: finite, at least 0, in every row.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from gradlab.tabular.csv_data import CsvTable
    >>> frame = pd.DataFrame({"w": ["1", "2.5"]})
    >>> row_weights(CsvTable(frame, np.array([2, 3]), "d.csv"), "w").tolist()
    [1.0, 2.5]
    """
    plain = read_cells(table, name)
    cells = read_cells(table, name, numbers.choose(plain.text, plain.missing, table.delimiter))
    bad = cells.missing | cells.not_a_number
    if not bad.any():
        bad = ~np.isfinite(cells.numbers) | (cells.numbers < 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{table.source}: the sample-weight column {name!r}, {table.where(row)} holds "
            f"{str(cells.text[row])!r}; a weight is a number, at least 0, in every row"
        )
    if not np.any(cells.numbers > 0):
        raise DataError(f"{table.source}: the sample-weight column {name!r} is 0 in every row")
    return cells.numbers.astype(np.float64)


def _words(
    cells: list[ColumnCells], names: list[str], train: np.ndarray, notes: list[str]
) -> set[str]:
    """The words columns that keep a recurring word in the training rows alone."""
    kept = set()
    for column in cells:
        if column.name in names:
            present = column.text[train][~column.missing[train]]
            if encoders.frequent_words(present):
                kept.add(column.name)
            else:
                notes.append(
                    f"column {column.name!r} left out: no word recurs in its training rows"
                )
    return kept


def _note_imputed(cells: list[ColumnCells], notes: list[str]) -> None:
    imputed = {column.name: int(column.missing.sum()) for column in cells}
    if any(imputed.values()):
        where = ", ".join(f"{name} ({n})" for name, n in imputed.items() if n)
        notes.append(
            f"missing cells filled in: {where}; a number by the training mean, with an input "
            f"saying it was missing, a text by the category {encoders.MISSING!r}"
        )


def _note_constant(
    cells: list[ColumnCells], numeric: set[str], train: np.ndarray, notes: list[str]
) -> None:
    constant = [
        column.name
        for column in cells
        if column.name in numeric and _constant(column.numbers[train])
    ]
    if constant:
        notes.append(
            f"{len(constant)} column(s) constant in the training rows, carrying no information: "
            + ", ".join(constant)
        )


def _classes(
    target: str, target_cells: ColumnCells, chosen: str, numeric: bool
) -> tuple[list[str], np.ndarray | None]:
    """The sorted classes and each row's class index (classification), refusing one class,
    too many classes, or a constant regression target."""
    classes: list[str] = []
    codes = None
    if chosen == CLASSIFICATION:
        labels = class_labels(target_cells, numeric=numeric)
        classes = sorted_classes(labels, numeric=numeric)
        if len(classes) < 2:
            raise DataError(
                f"the target {target!r} has a single class {classes[0]!r} in every row; "
                "a classifier needs at least two classes"
            )
        if len(classes) > MAX_CLASSES:
            raise DataError(
                f"the target {target!r} has {len(classes):,} classes, more than the "
                f"{MAX_CLASSES:,} gradlab train handles; group rare classes together, or pass "
                f"{option('task', 'regression')} if it is a number"
            )
        lookup = {label: index for index, label in enumerate(classes)}
        codes = np.array([lookup[label] for label in labels], dtype=np.int64)
    elif np.all(target_cells.numbers == target_cells.numbers[0]):
        raise DataError(
            f"the target {target!r} is constant ({str(target_cells.text[0])!r} in every row); "
            "there is nothing to learn"
        )
    return classes, codes


def _check_target_column(table: CsvTable, target: str) -> None:
    if target in table.columns:
        return
    close = difflib.get_close_matches(target, table.columns, n=1)
    lowered = [name for name in table.columns if name.lower() == target.lower()]
    guess = lowered or close
    hint = f" (did you mean {guess[0]!r}?)" if guess else ""
    raise DataError(
        f"{table.source} has no column {target!r}{hint}; its columns are "
        f"{quoted(table.columns, quote=False, limit=30)}"
    )


def _is_numeric(table: CsvTable, column: ColumnCells, choices: ColumnChoices) -> bool:
    if column.missing.all():
        raise DataError(
            f"{table.source}: column {column.name!r} is empty in every row; remove it or fill it"
        )
    if column.name in choices.categorical:
        return False
    if column.name in choices.numeric or column.looks_numeric():
        require_numbers(table, column)
        return True
    return False


def _choose_task(
    task: str, target: str, cells: ColumnCells, numeric: bool, notes: list[str]
) -> str:
    if task == REGRESSION and not numeric:
        row = int(np.flatnonzero(cells.not_a_number)[0])
        raise DataError(
            f"the target {target!r} is not numeric (data row {row + 1} holds "
            f"{str(cells.text[row])!r}); regression needs numbers: use "
            f"{option('task', 'classification')}"
        )
    if task in (CLASSIFICATION, REGRESSION):
        return task
    if not numeric:
        notes.append(f"task: classification (the target {target!r} holds text)")
        return CLASSIFICATION
    whole = bool(np.all(np.mod(cells.numbers, 1) == 0))
    n_distinct = np.unique(cells.numbers).size
    # A few whole numbers that repeat are labels; one value per row or so is a measurement.
    repeated = n_distinct == 2 or cells.numbers.size >= 2 * n_distinct
    if whole and n_distinct <= MAX_AUTO_CLASSES and repeated:
        notes.append(
            f"task: classification (the target {target!r} holds {n_distinct} distinct whole "
            f"numbers; pass {option('task', 'regression')} to predict it as a number)"
        )
        return CLASSIFICATION
    notes.append(
        f"task: regression (the target {target!r} holds numbers; pass "
        f"{option('task', 'classification')} "
        "to treat them as classes)"
    )
    return REGRESSION


def _dates(
    table: CsvTable, names: list[str], choices: ColumnChoices, notes: list[str]
) -> tuple[CsvTable, list[str], dict[str, list[str]]]:
    """Replace each date column by its numeric features (`gradlab.tabular.dates`), noted."""
    found = {}
    for name in names:
        if name in choices.categorical or name in choices.numeric:
            continue
        cells = read_cells(table, name)
        parts = dates.date_parts(cells.text, cells.missing)
        if parts:
            found[name] = parts
    if not found:
        return table, names, found
    derived = dates.derived_names(found)
    for name, columns in derived.items():
        notes.append(f"column {name!r} read as dates: features {', '.join(columns)}")
    names = [column for name in names for column in derived.get(name, [name])]
    return dates.expand(table, found), names, found


def _number_formats(table: CsvTable, names: list[str], notes: list[str]) -> dict[str, str]:
    """Each column's number format, and a note naming the columns not written ``1234.5``."""
    formats = {}
    for name in names:
        plain = read_cells(table, name)
        formats[name] = numbers.choose(plain.text, plain.missing, table.delimiter)
    for number_format in sorted(set(formats.values()) - {numbers.PLAIN}):
        columns = [name for name, chosen in formats.items() if chosen == number_format]
        notes.append(f"read with {numbers.describe(number_format)}: " + ", ".join(columns))
    return formats


def _rows_to_use(
    table: CsvTable, cells: list[ColumnCells], numeric: set[str], drop_na: bool
) -> np.ndarray:
    """Rows with a target value; an infinite number refused (or, with ``drop_na``, its row
    dropped, as are rows with a missing cell)."""
    target = cells[-1]
    target_inf = (
        np.isinf(target.numbers) if target.name in numeric else np.zeros_like(target.missing)
    )
    bad = bad_rows(table, cells[:-1], numeric, missing=drop_na) | target_inf
    if bad.any() and not drop_na:
        raise DataError(describe_first_bad_cell(table, cells, numeric, bad))
    kept = np.flatnonzero(~(bad | target.missing))
    if kept.size == 0:
        raise DataError(
            f"{table.source}: every row has an empty, missing or non-finite cell"
            + (
                f" (nothing is left after {option('drop_na')})"
                if drop_na
                else f" in {target.name!r}"
            )
        )
    return kept


def _constant(values: np.ndarray) -> bool:
    present = values[~np.isnan(values)]
    return bool(present.size == 0 or np.all(present == present[0]))


def _fit_features(
    cells: list[ColumnCells], numeric: set[str], words: set[str], train: np.ndarray
) -> tuple[object, list[Feature]]:
    import pandas

    frame = pandas.DataFrame(
        {
            column.name: column.numbers[train]
            if column.name in numeric
            else pandas.Series(
                np.where(column.missing, encoders.MISSING, column.text)[train], dtype=object
            )
            for column in cells
        }
    )
    kinds = {
        column.name: NUMERIC
        if column.name in numeric
        else (WORDS if column.name in words else CATEGORICAL)
        for column in cells
    }
    transformer, described = encoders.fit(frame, kinds)
    return transformer, [feature_from_record(item) for item in described]
