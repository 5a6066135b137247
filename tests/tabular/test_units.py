"""Tabular helpers in-process: CSV reading, task detection, split, scores (sklearn oracle)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support, r2_score

from gradlab.tabular import metrics
from gradlab.tabular.csv_data import CsvTable, read_csv
from gradlab.tabular.splitting import split_rows
from gradlab.tabular.training_data import prepare


def _table(columns: dict[str, list[str]]) -> CsvTable:
    n_rows = len(next(iter(columns.values())))
    return CsvTable(pd.DataFrame(columns), np.arange(2, n_rows + 2), "t.csv")


def test_read_csv_names_file_lines_after_a_quoted_newline_bom_and_tabs(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b'\xef\xbb\xbfa\tnote\ty\n1\t"two\nlines"\tp\n\n3\tplain\tq\n')
    table = read_csv(path)
    assert table.columns == ["a", "note", "y"]
    assert table.delimiter == "\t"
    assert table.frame["note"].tolist() == ["two\nlines", "plain"]
    assert table.where(1) == "data row 2 (file line 5)"


@pytest.mark.parametrize(
    ("values", "task", "classes"),
    [
        (["2", "10", "2", "10", "3", "3"], "classification", ["2", "3", "10"]),
        (["2.0", "10", "2", "10.0"], "classification", ["2", "10"]),
        (["1", "2", "3", "4", "5", "6"], "regression", []),
        (["0.5", "1.5", "0.5", "1.5"], "regression", []),
        (["b", "a", "b", "a"], "classification", ["a", "b"]),
    ],
)
def test_task_detection_and_class_order(values: list[str], task: str, classes: list[str]) -> None:
    x = [str(i) for i in range(len(values))]
    data = prepare(_table({"x": x, "y": values}), "y", validation_split=0)
    assert data.preprocessing.task == task
    assert data.preprocessing.classes == classes


def test_standardisation_uses_training_rows_only() -> None:
    x = ["0", "2", "4", "6", "8", "10", "100", "200", "300", "400"]
    y = ["a", "b"] * 5
    data = prepare(
        _table({"x": x, "y": y}), "y", validation_split=0.2, rng=np.random.default_rng(0)
    )
    feature = data.preprocessing.features[0]
    train_values = np.array(x, dtype=float)[data.train]
    assert feature.mean == pytest.approx(train_values.mean())
    assert feature.std == pytest.approx(train_values.std())


def test_stratified_split_keeps_class_proportions() -> None:
    labels = np.array([0] * 10 + [1] * 5 + [2] * 20)
    train, val = split_rows(labels.size, 0.2, np.random.default_rng(1), labels)
    assert np.bincount(labels[val]).tolist() == [2, 1, 4]
    assert sorted([*train, *val]) == list(range(labels.size))


def test_scores_match_scikit_learn() -> None:
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 4, 200)
    guess = np.where(rng.random(200) < 0.7, truth, rng.integers(0, 4, 200))
    guess[guess == 3] = 2  # class 3 is never predicted: precision 0/0 counts as 0
    scores = metrics.class_scores(truth, guess, 4)
    np.testing.assert_array_equal(scores.confusion, confusion_matrix(truth, guess, labels=range(4)))
    expected = precision_recall_fscore_support(truth, guess, labels=range(4), zero_division=0)
    for got, want in zip(
        (scores.precision, scores.recall, scores.f1, scores.support), expected, strict=True
    ):
        np.testing.assert_allclose(got, want, atol=1e-12)
    values = rng.normal(size=50)
    predictions = values + rng.normal(scale=0.3, size=50)
    assert metrics.r2_score(values, predictions) == pytest.approx(r2_score(values, predictions))
    assert metrics.rmse(values, predictions) == pytest.approx(
        np.sqrt(np.mean((values - predictions) ** 2))
    )
    assert np.isnan(metrics.rmse(values, np.full(50, np.inf)))
