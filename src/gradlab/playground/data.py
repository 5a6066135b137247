"""The data a session trains on: a TensorFlow Playground set, a worked example or a CSV file.

Classification labels are kept as class indices; `targets` encodes them for the loss chosen
(indices for a cross-entropy over several outputs, 0/1 for a binary cross-entropy, -1/+1 for a
squared error on one tanh output as in TensorFlow Playground, one-hot for several outputs).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.playground.datasets import EXTENT, generate
from gradlab.playground.state import SettingsError
from gradlab.playground.worked_examples import EXAMPLES

MAX_CSV_BYTES = 5 * 1024**2
MAX_CSV_ROWS = 20_000
MAX_INPUTS = 64
INDEX_LOSSES = {"cross_entropy", "softmax_cross_entropy"}
BINARY_LOSSES = {"bce", "binary_cross_entropy", "bce_with_logits",
                 "binary_cross_entropy_with_logits"}  # fmt: skip


@dataclass
class Data:
    """Inputs, labels and the split.

    Attributes
    ----------
    X : numpy.ndarray of shape (n, d)
    labels : numpy.ndarray
        Class indices (classification), numbers (regression), or the example's target rows.
    task : {"classification", "regression", "given"}
    train, test : numpy.ndarray of int
        Row positions.
    inputs : list of str
        The input names.
    n_classes : int
    extent : tuple of float or None
        (x0, x1, y0, y1) of the pictures, for two inputs.
    """

    X: np.ndarray
    labels: np.ndarray
    task: str
    train: np.ndarray
    test: np.ndarray
    inputs: list[str]
    n_classes: int = 0
    extent: tuple[float, float, float, float] | None = None

    def n_outputs(self, loss: str) -> int:
        """The output layer's width for ``loss``."""
        if self.task == "given":
            return int(self.labels.shape[1])
        if self.task == "classification" and (loss in INDEX_LOSSES or self.n_classes > 2):
            return self.n_classes
        return 1

    def targets(self, rows: np.ndarray, loss: str) -> np.ndarray:
        """The targets of ``rows`` as ``loss`` takes them."""
        labels = self.labels[rows]
        if self.task != "classification":
            return labels if labels.ndim == 2 else labels[:, None]
        codes = labels.astype(np.int64)
        if loss in INDEX_LOSSES:
            return codes
        if self.n_classes > 2:
            return np.eye(self.n_classes)[codes]
        if loss in BINARY_LOSSES:
            return codes[:, None].astype(np.float64)
        return (2.0 * codes - 1.0)[:, None]


def _split(n: int, ratio: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    order = np.random.default_rng([seed, 1]).permutation(n)
    cut = min(n - 1, max(1, round(ratio * n))) if n > 1 else n
    return np.sort(order[:cut]), np.sort(order[cut:])


def load(data: dict[str, Any], notes: list[str]) -> Data:
    """The `Data` of normalised settings' ``data``."""
    if data["source"] == "example":
        example = EXAMPLES[data["name"]]
        X = np.asarray(example.X, dtype=np.float64)
        names = example.names.get("inputs", [f"x{i + 1}" for i in range(X.shape[1])])
        every = np.arange(len(X))
        extent = _extent(X) if X.shape[1] == 2 else None
        return Data(X, np.asarray(example.y, dtype=np.float64), "given", every, every[:0],
                    list(names), extent=extent)  # fmt: skip
    if data["source"] == "csv":
        return _csv(data, notes)
    X, y, task = generate(data["name"], data["points"], data["noise"], data["seed"])
    train, test = _split(len(X), data["train_ratio"], data["seed"])
    labels = (y > 0).astype(np.int64) if task == "classification" else y
    extent = (-EXTENT, EXTENT, -EXTENT, EXTENT)
    return Data(X, labels, task, train, test, ["x1", "x2"], 2 if task == "classification" else 0,
                extent)  # fmt: skip


def _extent(X: np.ndarray) -> tuple[float, float, float, float]:
    low, high = X.min(axis=0), X.max(axis=0)
    pad = np.maximum(0.15 * (high - low), 0.5)
    return (low[0] - pad[0], high[0] + pad[0], low[1] - pad[1], high[1] + pad[1])


def csv_columns(text: Any) -> list[str]:
    """The header of a CSV text, or SettingsError for text that is not one."""
    _check_size(text)
    try:
        header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))), [])
    except csv.Error as error:
        raise SettingsError(f"the CSV's header cannot be read: {error}") from None
    names = [name.strip() for name in header]
    if len(names) < 2 or not all(names):
        raise SettingsError("the CSV needs a header line naming at least two columns")
    return names


def _check_size(text: Any) -> None:
    if not isinstance(text, str) or not text.strip():
        raise SettingsError("the CSV file is empty; choose a file with a header and rows")
    size = len(text.encode("utf-8", "replace"))
    if size > MAX_CSV_BYTES:
        raise SettingsError(
            f"the CSV file is {size / 1024**2:.1f} MB; the playground takes files up to "
            f"{MAX_CSV_BYTES // 1024**2} MB (train larger ones with gradlab train)"
        )


def _csv(data: dict[str, Any], notes: list[str]) -> Data:
    """Read the CSV text through gradlab.tabular: its column typing, encoding and checks."""
    text = data["text"]
    _check_size(text)
    if text.count("\n") > MAX_CSV_ROWS + 1:
        raise SettingsError(f"the CSV has more than {MAX_CSV_ROWS} rows; use a sample of it")
    try:
        from gradlab.tabular.csv_data import read_csv
        from gradlab.tabular.errors import DataError
        from gradlab.tabular.training_data import prepare
    except ImportError:
        raise SettingsError('reading a CSV needs pip install "gradlab[all]"') from None
    name = os.path.basename(data["filename"]) or "data.csv"
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, name if name.lower().endswith(".csv") else "data.csv")
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
        try:
            table = read_csv(path)
            prepared = prepare(table, data["target"], validation_split=1 - data["train_ratio"],
                               rng=np.random.default_rng(0))  # fmt: skip
        except DataError as error:
            raise SettingsError(str(error)) from None
    notes.extend(prepared.notes)
    X = np.asarray(prepared.X, dtype=np.float64)
    if X.shape[1] > MAX_INPUTS:
        raise SettingsError(
            f"the CSV becomes {X.shape[1]} inputs; the playground draws at most {MAX_INPUTS}"
        )
    pre = prepared.preprocessing
    task = pre.task
    n_classes = len(pre.classes) if task == "classification" else 0
    extent = _extent(X) if X.shape[1] == 2 else None
    return Data(X, prepared.y, task, np.sort(prepared.train), np.sort(prepared.validation),
                list(pre.input_names), n_classes, extent)  # fmt: skip
