"""The column encoding: scikit-learn's transformers fitted, stored as JSON, rebuilt exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.impute import SimpleImputer
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import gradlab as gl
from gradlab.tabular import encoders
from gradlab.tabular.report import describe_inputs


def _training_frame() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 300
    a = rng.normal(10, 2, n)
    a[rng.random(n) < 0.1] = np.nan
    # 60 categories: the 49 most frequent kept, the rest grouped (MAX_CATEGORIES = 50).
    town = np.array([f"t{int(i):02d}" for i in rng.zipf(1.3, n) % 60], dtype=object)
    colour = rng.choice(["red", "green", "blue"], n).astype(object)
    colour[rng.random(n) < 0.05] = encoders.MISSING
    return pd.DataFrame({"a": a, "town": town, "colour": colour, "b": rng.normal(size=n)})


def _new_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": [np.nan, 11.0, 9.0],
            "town": ["t01", "never-seen", "t59"],
            "colour": ["purple", encoders.MISSING, "red"],
            "b": [0.5, np.nan, -1.0],
        }
    )


KINDS = {"a": "numeric", "town": "categorical", "colour": "categorical", "b": "numeric"}


def test_the_rebuilt_transformer_equals_the_fitted_one_exactly() -> None:
    frame = _training_frame()
    fitted, features = encoders.fit(frame, KINDS)
    rebuilt = encoders.rebuild(json.loads(json.dumps(features)))
    for rows in (frame, _new_frame()):
        np.testing.assert_array_equal(
            encoders.transform(rebuilt, rows), encoders.transform(fitted, rows)
        )
    town = next(f for f in features if f["name"] == "town")
    assert len(town["categories"]) == encoders.MAX_CATEGORIES - 1 and town["infrequent"]


def test_the_encoding_matches_an_independent_scikit_learn_pipeline() -> None:
    frame = _training_frame()
    fitted, _ = encoders.fit(frame, KINDS)
    new = _new_frame()
    got = encoders.transform(fitted, new)
    # Oracle: scaling by the statistics of the present values, a missing one at the mean (0),
    # with an indicator; one-hot per column.
    scaler = StandardScaler().fit(frame[["a"]].dropna())
    imputer = SimpleImputer(strategy="mean", add_indicator=True).fit(frame[["a"]])
    np.testing.assert_array_equal(got[:, :2][:, 1], imputer.transform(new[["a"]])[:, 1])
    np.testing.assert_allclose(
        got[:, 0], np.nan_to_num(scaler.transform(new[["a"]])[:, 0], nan=0.0), atol=1e-12
    )
    np.testing.assert_array_equal(got[:, 1], new["a"].isna().to_numpy(float))
    town = OneHotEncoder(
        handle_unknown="infrequent_if_exist", max_categories=50, sparse_output=False
    ).fit(frame[["town"]])
    n_town = len(town.get_feature_names_out())
    np.testing.assert_array_equal(got[:, 2 : 2 + n_town], town.transform(new[["town"]]))
    colour = OneHotEncoder(handle_unknown="ignore", sparse_output=False).fit(frame[["colour"]])
    np.testing.assert_array_equal(
        got[:, 2 + n_town : 2 + n_town + 4], colour.transform(new[["colour"]])
    )
    b = StandardScaler().fit(frame[["b"]])
    np.testing.assert_allclose(
        got[:, -1], np.nan_to_num(b.transform(new[["b"]])[:, 0], nan=0.0), atol=1e-12
    )
    assert got.shape[1] == 2 + n_town + 4 + 1  # b had no missing value: no indicator


def test_missing_cells_train_and_predict_and_unseen_categories_warn(tmp_path: Path) -> None:
    frame = _training_frame().assign(
        colour=lambda f: f["colour"].replace(encoders.MISSING, None),
        y=lambda f: np.where(f["b"] > 0, "up", "down"),
    )
    model = gl.tabular.fit(frame, target="y", epochs=3, validation_split=0, dtype="float64")
    assert "a missing" in model.input_names and "town=(other)" in model.input_names
    notes = " ".join(model.metadata["training"]["notes"])
    assert "missing cells filled in: a (" in notes
    inputs = " ".join(describe_inputs(model.metadata["preprocessing"]))
    assert "an input saying the value was missing for: a" in inputs
    assert "town=(other: " in inputs
    model.save(tmp_path / "m")
    again = gl.tabular.load(tmp_path / "m")
    new = _new_frame().assign(colour=["purple", None, "red"])
    with pytest.warns(
        UserWarning, match=r"3 cell\(s\) hold a category unseen in training \(town: 2, colour: 1\)"
    ):
        expected = model.predict_proba(new)
    with pytest.warns(UserWarning):
        np.testing.assert_array_equal(again.predict_proba(new), expected)
