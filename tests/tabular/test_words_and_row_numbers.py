"""Text columns of nearly all-different values read as words; row-number columns left out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gradlab as gl

MAKERS = {"ford": "USA", "chevrolet": "USA", "toyota": "Japan", "datsun": "Japan", "fiat": "Europe"}


def _cars(n: int = 120, seed: int = 0, first: int = 0) -> pd.DataFrame:
    """Car names ``maker model-k`` with a model number no other row has: the maker is the signal."""
    rng = np.random.default_rng(seed)
    makers = rng.choice(sorted(MAKERS), n)
    names = [f"{maker} model{k}" for k, maker in enumerate(makers, start=first)]
    return pd.DataFrame(
        {
            "Name": names,
            "noise": rng.normal(size=n).round(3),
            "Origin": [MAKERS[maker] for maker in makers],
        }
    )


def test_a_column_of_names_whose_words_recur_becomes_one_input_per_word(tmp_path: Path) -> None:
    frame = _cars()
    model = gl.tabular.fit(frame, target="Origin", epochs=3, validation_split=0, dtype="float64")
    notes = model.metadata["training"]["notes"]
    assert any(note.startswith("column 'Name' read as words") for note in notes)
    words = [name.removeprefix("Name has ") for name in model.input_names if "has" in name]
    # The oracle: the words in at least 5 names (each model number is in one only).
    counts = pd.Series([w for name in frame["Name"] for w in set(name.split())]).value_counts()
    assert words == sorted(counts[counts >= 5].index)
    X, _ = model.transform(frame)
    for column, word in enumerate(words):
        expected = [float(word in name.split()) for name in frame["Name"]]
        np.testing.assert_array_equal(X[:, column], expected)
    model.save(tmp_path / "m")
    again = gl.tabular.load(tmp_path / "m")
    np.testing.assert_array_equal(again.transform(frame)[0], X)
    # A name never seen still says its maker.
    new = pd.DataFrame({"Name": ["toyota supra"], "noise": [0.0]})
    row = again.transform(new)[0][0]
    assert row[words.index("toyota")] == 1 and row[: len(words)].sum() == 1


def test_the_words_let_the_network_learn_what_the_whole_names_cannot() -> None:
    train, test = _cars(200, seed=1), _cars(100, seed=2, first=1000)
    model = gl.tabular.fit(train, target="Origin", seed=0)
    # Every test name is new: as categories they would all be unseen.
    assert not set(test["Name"]) & set(train["Name"])
    assert model.score(test) == 1.0


def test_ids_without_recurring_words_are_left_out() -> None:
    frame = _cars().assign(Name=[f"ID{k:05d}" for k in range(120)])
    model = gl.tabular.fit(frame, target="Origin", epochs=1, validation_split=0)
    notes = model.metadata["training"]["notes"]
    assert any(note.startswith("column 'Name' left out") for note in notes)
    assert model.input_names == ["noise"]


@pytest.mark.parametrize("start", [0, 1])
def test_a_column_counting_the_rows_is_left_out(start: int) -> None:
    frame = _cars().assign(row=np.arange(start, start + 120))
    model = gl.tabular.fit(frame, target="Origin", epochs=1, validation_split=0)
    assert "row" not in model.input_names
    assert any(
        "column 'row' left out: it numbers the rows" in n
        for n in model.metadata["training"]["notes"]
    )
    kept = gl.tabular.fit(frame, target="Origin", epochs=1, validation_split=0, numeric=["row"])
    assert "row" in kept.input_names


def test_whole_numbers_that_do_not_count_rows_stay() -> None:
    rng = np.random.default_rng(3)
    frame = _cars().assign(year=np.arange(1900, 2020), shuffled=rng.permutation(120) + 1)
    model = gl.tabular.fit(frame, target="Origin", epochs=1, validation_split=0)
    assert {"year", "shuffled"} <= set(model.input_names)


@pytest.mark.parametrize("name", ["id", "ID", "user_id", "PassengerId", "customerID"])
def test_a_column_named_as_an_id_of_distinct_whole_numbers_is_left_out(name: str) -> None:
    rng = np.random.default_rng(5)
    frame = _cars().assign(**{name: rng.permutation(100_000)[:120]})
    model = gl.tabular.fit(frame, target="Origin", epochs=1, validation_split=0)
    assert name not in model.input_names


@pytest.mark.parametrize("name", ["idea", "valid", "grid", "width"])
def test_names_that_merely_end_in_id_stay(name: str) -> None:
    rng = np.random.default_rng(5)
    frame = _cars().assign(**{name: rng.permutation(100_000)[:120]})
    model = gl.tabular.fit(frame, target="Origin", epochs=1, validation_split=0)
    assert name in model.input_names
