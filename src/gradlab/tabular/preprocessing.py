"""The preprocessing the ``gradlab`` command learns at ``train`` and replays at ``predict``.

Numeric columns are standardised, :math:`z = (x - \\mu) / \\sigma` with the mean and standard
deviation of the training rows (:math:`\\sigma = 1` for a constant column), a missing value
imputed as the mean (with an indicator input where training rows had missing values); categorical
columns are one-hot encoded, one input ``column=value`` per category (the rarest grouped), all on
scikit-learn's transformers (`gradlab.tabular.encoders`). A classification target becomes class
indices into the sorted ``classes``; a regression target is standardised like a feature, and the
network's outputs are mapped back with :math:`y = \\mu_y + \\sigma_y \\hat z`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from gradlab.tabular import encoders
from gradlab.tabular.cells import (
    ColumnCells,
    bad_rows,
    describe_first_bad_cell,
    read_cells,
    require_numbers,
)
from gradlab.tabular.csv_data import CsvTable
from gradlab.tabular.dates import DATE_PARTS, derived_names, expand
from gradlab.tabular.errors import DataError
from gradlab.tabular.numbers import FORMATS
from gradlab.tabular.spelling import option

NUMERIC = encoders.NUMERIC
CATEGORICAL = encoders.CATEGORICAL
WORDS = encoders.WORDS
CLASSIFICATION = "classification"
REGRESSION = "regression"
MAX_AUTO_CLASSES = 20


@dataclass
class Feature:
    """One CSV column as the network sees it.

    Parameters
    ----------
    name : str
        The column name.
    kind : {"numeric", "categorical", "words"}
        Standardised number, one-hot encoded category, or 0/1 per frequent word.
    mean, std : float
        The standardisation of a numeric column (training rows).
    categories : list of str
        The sorted categories of a categorical column; one network input each.
    indicator : bool
        Whether a numeric column has an input saying its value was missing.
    infrequent : list of str
        The rare categories, grouped into one input ``name=(other)``.
    number_format : str
        How a numeric column writes its numbers (`gradlab.tabular.numbers.FORMATS`).
    words : list of str
        The words of a words column, one input ``name has word`` each.
    """

    name: str
    kind: str
    mean: float = 0.0
    std: float = 1.0
    categories: list[str] = field(default_factory=list)
    indicator: bool = False
    infrequent: list[str] = field(default_factory=list)
    number_format: str = ""
    words: list[str] = field(default_factory=list)

    @property
    def input_names(self) -> list[str]:
        """The network inputs this column becomes: its name, or ``name=category`` per category."""
        if self.kind == NUMERIC:
            return [self.name, f"{self.name} missing"] if self.indicator else [self.name]
        if self.kind == WORDS:
            return [f"{self.name} has {word}" for word in self.words]
        other = [f"{self.name}=(other)"] if self.infrequent else []
        return [f"{self.name}={category}" for category in self.categories] + other

    def to_dict(self) -> dict[str, Any]:
        """The fitted state, as `gradlab.tabular.encoders.describe` writes it."""
        if self.kind == NUMERIC:
            return {
                "name": self.name,
                "kind": NUMERIC,
                "mean": self.mean,
                "std": self.std,
                "indicator": self.indicator,
                "number_format": self.number_format,
            }
        if self.kind == WORDS:
            return {"name": self.name, "kind": WORDS, "words": self.words}
        return {
            "name": self.name,
            "kind": CATEGORICAL,
            "categories": self.categories,
            "infrequent": self.infrequent,
        }


@dataclass
class Preprocessing:
    """Columns to network inputs, and the target to network targets, as learned at training.

    Parameters
    ----------
    features : list of Feature
        The feature columns, in file order.
    target : str
        The target column.
    task : {"classification", "regression"}
        What the network predicts.
    classes : list of str
        The sorted class labels (classification).
    target_mean, target_std : float
        The standardisation of a regression target.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from gradlab.tabular.csv_data import CsvTable
    >>> frame = pd.DataFrame({"x": ["1", "3"], "c": ["b", "a"], "y": ["no", "yes"]})
    >>> table = CsvTable(frame, np.array([2, 3]), "data.csv")
    >>> prep = Preprocessing(
    ...     [Feature("x", "numeric", 2.0, 1.0), Feature("c", "categorical", categories=["a", "b"])],
    ...     "y", "classification", classes=["no", "yes"])
    >>> prep.input_names
    ['x', 'c=a', 'c=b']
    >>> prep.transform(table)[0]
    array([[-1.,  0.,  1.],
           [ 1.,  1.,  0.]])
    """

    features: list[Feature]
    target: str
    task: str
    classes: list[str] = field(default_factory=list)
    target_mean: float = 0.0
    target_std: float = 1.0
    target_format: str = ""
    dates: dict[str, list[str]] = field(default_factory=dict)
    _transformer: Any = field(default=None, repr=False, compare=False)

    @property
    def input_names(self) -> list[str]:
        """The names of the network's inputs, in order."""
        return [name for feature in self.features for name in feature.input_names]

    @property
    def n_outputs(self) -> int:
        """One output per class (softmax), or one for regression."""
        return len(self.classes) if self.task == CLASSIFICATION else 1

    # ------------------------------------------------------------------------- columns
    def check_columns(self, table: CsvTable) -> None:
        """Raise `DataError` naming the training columns that ``table`` lacks (extra ones are
        ignored)."""
        derived = {column for columns in derived_names(self.dates).values() for column in columns}
        expected = [f.name for f in self.features if f.name not in derived] + list(self.dates)
        missing = [name for name in expected if name not in table.columns]
        if not missing:
            return
        raise DataError(
            f"{table.source}: it lacks the column(s) {quoted(missing)} of the training data; "
            f"the model expects {len(expected)} feature column(s), "
            f"{quoted(expected, quote=False)} (other columns are ignored)"
        )

    @property
    def transformer(self) -> Any:
        """The fitted `sklearn.compose.ColumnTransformer`, rebuilt from the stored state."""
        if self._transformer is None:
            self._transformer = encoders.rebuild([f.to_dict() for f in self.features])
        return self._transformer

    def unseen(self, table: CsvTable) -> dict[str, int]:
        """How many cells of each categorical column hold a category unseen in training."""
        counts = {}
        for feature in self.features:
            if feature.kind == CATEGORICAL:
                known = {*feature.categories, *feature.infrequent}
                column = read_cells(table, feature.name)
                text = np.where(column.missing, encoders.MISSING, column.text)
                n = int(sum(value not in known for value in text))
                if n:
                    counts[feature.name] = n
        return counts

    def transform(self, table: CsvTable, drop_na: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """The network inputs of ``table``'s rows, and which rows they are.

        Parameters
        ----------
        table : CsvTable
            Rows with (at least) the training feature columns.
        drop_na : bool, default False
            Drop rows with an empty, missing or infinite feature cell instead of refusing them.

        Returns
        -------
        X : numpy.ndarray of float64, shape (n_kept, n_inputs)
        kept : numpy.ndarray of int
            The 0-based positions in ``table`` of the rows in ``X``.
        """
        import pandas

        self.check_columns(table)
        table = expand(table, self.dates)
        cells = [read_cells(table, f.name, f.number_format) for f in self.features]
        numeric = {feature.name for feature in self.features if feature.kind == NUMERIC}
        for column in cells:
            if column.name in numeric:
                require_numbers(table, column)
        kept = keep_rows(table, cells, numeric, drop_na)
        frame = pandas.DataFrame(
            {
                column.name: column.numbers[kept]
                if column.name in numeric
                else pandas.Series(
                    np.where(column.missing, encoders.MISSING, column.text)[kept], dtype=object
                )
                for column in cells
            }
        )
        X = encoders.transform(self.transformer, frame)
        _check_range(table, cells, kept, X, self.features)
        return X, kept

    # -------------------------------------------------------------------------- target
    def encode_target(self, table: CsvTable) -> np.ndarray:
        """The training targets: class indices (int64) or the standardised target (float64)."""
        cells = read_cells(table, self.target, self.target_format)
        if self.task == CLASSIFICATION:
            labels = class_labels(cells, numeric=self.target_is_numeric)
            lookup = {label: index for index, label in enumerate(self.classes)}
            return np.array([lookup[label] for label in labels], dtype=np.int64)
        return standardise(cells.numbers, self.target_mean, self.target_std)

    @property
    def target_is_numeric(self) -> bool:
        """Whether the class labels are numbers (ordered numerically)."""
        return self.task == REGRESSION or _all_numbers(self.classes)

    def decode_regression(self, outputs: np.ndarray) -> np.ndarray:
        """Map the network's standardised outputs back to the target's units."""
        return self.target_mean + self.target_std * np.asarray(outputs, dtype=np.float64)

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict[str, Any]:
        """A JSON-able description, stored in the model file's metadata."""
        features = [feature.to_dict() for feature in self.features]
        record: dict[str, Any] = {
            "features": features,
            "target": self.target,
            "task": self.task,
            "target_format": self.target_format,
            "dates": self.dates,
        }
        if self.task == CLASSIFICATION:
            record["classes"] = self.classes
        else:
            record["target_mean"] = self.target_mean
            record["target_std"] = self.target_std
        return record

    @classmethod
    def from_dict(cls, record: Any) -> Preprocessing:
        """Rebuild from `to_dict`'s output; raise ValueError naming what is malformed."""
        try:
            task = record["task"]
            if task not in (CLASSIFICATION, REGRESSION):
                raise ValueError(f"unknown task {task!r}")
            features = [feature_from_record(item) for item in record["features"]]
            if not features:
                raise ValueError("no feature columns")
            target = _string(record["target"], "target")
            found = _dates_from_record(record.get("dates", {}))
            target_format = record.get("target_format", "")
            if target_format not in FORMATS:
                raise ValueError(f"unknown number format {target_format!r} of the target")
            if task == CLASSIFICATION:
                classes = [_string(label, "class label") for label in record["classes"]]
                if len(classes) < 2 or len(set(classes)) != len(classes):
                    raise ValueError("the class labels are not distinct or fewer than two")
                return cls(
                    features,
                    target,
                    task,
                    classes=classes,
                    target_format=target_format,
                    dates=found,
                )
            mean = _finite(record["target_mean"], "target_mean")
            std = _finite(record["target_std"], "target_std")
            if std <= 0:
                raise ValueError("target_std is not positive")
            return cls(
                features,
                target,
                task,
                target_mean=mean,
                target_std=std,
                target_format=target_format,
                dates=found,
            )
        except (KeyError, TypeError) as error:
            raise ValueError(f"malformed preprocessing record ({error!r})") from error


def mean_std(values: np.ndarray) -> tuple[float, float]:
    """Mean and population standard deviation, finite for any finite values (even near 1e308).

    The values are divided by their largest magnitude first, so the sums cannot overflow.

    Examples
    --------
    >>> mean_std(np.array([1e308, -1e308]))
    (0.0, 1e+308)
    """
    scale = float(np.max(np.abs(values))) if values.size else 0.0
    if scale == 0:
        return 0.0, 0.0
    scaled = values / scale
    return float(scale * scaled.mean()), float(scale * scaled.std())


def standardise(
    values: np.ndarray, mean: float | np.ndarray, std: float | np.ndarray
) -> np.ndarray:
    """z = (x - mean) / std, computed as x / std - mean / std so that x - mean cannot overflow."""
    with np.errstate(over="ignore", invalid="ignore"):
        return values / std - mean / std


def _check_range(
    table: CsvTable, cells: list[ColumnCells], kept: np.ndarray, X: np.ndarray, features: list
) -> None:
    # Training rows lie within sqrt(n) standard deviations; 1e30 is far outside any data the
    # model has seen, and beyond float32 it would become inf.
    bad = np.argwhere(~(np.abs(X) <= 1e30))
    if not bad.size:
        return
    row, position = (int(index) for index in bad[0])
    owners = [index for index, f in enumerate(features) for _ in f.input_names]
    column = cells[owners[position]]
    raise DataError(
        f"{table.source}: column {column.name!r}, {table.where(int(kept[row]))} holds "
        f"{str(column.text[kept[row]])!r}, more than 1e30 standard deviations from the training "
        "mean; check the cell"
    )


def keep_rows(
    table: CsvTable, cells: list[ColumnCells], numeric: set[str], drop_na: bool
) -> np.ndarray:
    """Positions of the rows to use: refuse an infinite number (or drop its row with
    ``drop_na``); a missing cell is imputed, or its row dropped with ``drop_na``."""
    bad = bad_rows(table, cells, numeric, missing=drop_na)
    if bad.any() and not drop_na:
        raise DataError(describe_first_bad_cell(table, cells, numeric, bad))
    kept = np.flatnonzero(~bad)
    if kept.size == 0:
        raise DataError(
            f"{table.source}: every row has an empty, missing or non-finite cell; "
            f"nothing is left after {option('drop_na')}"
        )
    return kept


def class_labels(cells: ColumnCells, numeric: bool) -> list[str]:
    """Each row's class label as a string: numbers written canonically (``3.0`` -> ``"3"``)."""
    if not numeric:
        return [str(value) for value in cells.text]
    return [_number_label(value) for value in cells.numbers]


def sorted_classes(labels: list[str], numeric: bool) -> list[str]:
    """The distinct labels, sorted numerically for numbers and as text otherwise."""
    distinct = set(labels)
    if numeric:
        return sorted(distinct, key=float)
    return sorted(distinct)


def quoted(names: list[str], quote: bool = True, limit: int = 8) -> str:
    """``'a', 'b', ... (3 more)``: names for a one-line message, at most ``limit`` of them."""
    shown = [repr(name) if quote else name for name in names[:limit]]
    more = f", ... ({len(names) - limit} more)" if len(names) > limit else ""
    return ", ".join(shown) + more


def _number_label(value: float) -> str:
    if float(value).is_integer():
        return str(int(value))
    return np.format_float_positional(value, trim="-")


def _all_numbers(labels: list[str]) -> bool:
    try:
        for label in labels:
            float(label)
    except ValueError:
        return False
    return True


def _dates_from_record(record: Any) -> dict[str, list[str]]:
    if not isinstance(record, dict):
        raise ValueError("dates is not an object")
    found = {}
    for name, parts in record.items():
        if not isinstance(parts, list) or not set(parts) <= set(DATE_PARTS):
            raise ValueError(f"the date features of {name!r} are malformed")
        found[str(name)] = [str(part) for part in parts]
    return found


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{what} {value!r} is not a string")
    return value


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not np.isfinite(value):
        raise ValueError(f"{what} {value!r} is not a finite number")
    return float(value)


def feature_from_record(item: Any) -> Feature:
    """A `Feature` from its JSON record; raise ValueError naming what is malformed."""
    name = _string(item["name"], "feature name")
    if item["kind"] == NUMERIC:
        std = _finite(item["std"], f"std of {name!r}")
        if std <= 0:
            raise ValueError(f"std of {name!r} is not positive")
        mean = _finite(item["mean"], f"mean of {name!r}")
        indicator = item.get("indicator", False)
        if not isinstance(indicator, bool):
            raise ValueError(f"indicator of {name!r} is not true or false")
        number_format = item.get("number_format", "")
        if number_format not in FORMATS:
            raise ValueError(f"unknown number format {number_format!r} of {name!r}")
        return Feature(
            name, NUMERIC, mean=mean, std=std, indicator=indicator, number_format=number_format
        )
    if item["kind"] == CATEGORICAL:
        categories = [_string(category, "category") for category in item["categories"]]
        if not categories:
            raise ValueError(f"categorical column {name!r} has no categories")
        infrequent = [_string(category, "category") for category in item.get("infrequent", [])]
        return Feature(name, CATEGORICAL, categories=categories, infrequent=infrequent)
    if item["kind"] == WORDS:
        words = [_string(word, "word") for word in item["words"]]
        if not words or len(set(words)) != len(words):
            raise ValueError(f"the words of {name!r} are empty or repeated")
        return Feature(name, WORDS, words=words)
    raise ValueError(f"unknown column kind {item['kind']!r}")
