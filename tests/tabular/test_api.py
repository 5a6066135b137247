"""`gradlab.tabular`: fit, predict, score, save, load and explain, against scikit-learn."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import gradlab as gl


def _frame() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    n = 120
    a = rng.normal(size=n)
    b = rng.normal(scale=3.0, size=n) + 5
    colour = rng.choice(["red", "green", "blue"], size=n)
    label = np.where(a + (colour == "red") > 0.3, "yes", "no")
    return pd.DataFrame({"a": a, "b": b, "colour": colour, "label": label})


@pytest.fixture(scope="module")
def fitted() -> tuple[pd.DataFrame, gl.tabular.TabularModel]:
    frame = _frame()
    model = gl.tabular.fit(frame, target="label", epochs=40, seed=1, dtype="float64")
    return frame, model


def test_inputs_are_a_column_transformer_of_the_training_rows(fitted: tuple) -> None:
    frame, model = fitted
    train = model.metadata["training"]["rows"]["training"]
    assert train == 96
    transformer = ColumnTransformer(
        [
            ("numbers", StandardScaler(), ["a", "b"]),
            ("text", OneHotEncoder(sparse_output=False), ["colour"]),
        ]
    )
    # The split is gradlab's; the oracle is fitted on the rows it kept for training.
    X, _ = model.transform(frame)
    oracle = transformer.fit(frame.iloc[_training_rows(frame, model)])
    np.testing.assert_allclose(X, oracle.transform(frame), atol=1e-12)
    assert model.input_names == ["a", "b", "colour=blue", "colour=green", "colour=red"]


def _training_rows(frame: pd.DataFrame, model: gl.tabular.TabularModel) -> np.ndarray:
    # The training rows are those whose standardisation statistics reproduce the stored ones.
    from gradlab.tabular.splitting import split_rows

    labels = (frame["label"] == "yes").to_numpy().astype(np.int64)
    train, _ = split_rows(len(frame), 0.2, np.random.default_rng([1, 0]), labels)
    feature = model.preprocessing.features[0]
    assert frame["a"].iloc[train].mean() == pytest.approx(feature.mean, abs=1e-12)
    return train


def test_predict_proba_score_and_report(fitted: tuple) -> None:
    from sklearn.metrics import accuracy_score

    frame, model = fitted
    proba = model.predict_proba(frame)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-12)
    predicted = model.predict(frame)
    assert (model.classes_[proba.argmax(axis=1)] == predicted).all()
    assert model.score(frame) == pytest.approx(accuracy_score(frame["label"], predicted))
    report = model.report()
    assert "Scores (loss: cross-entropy)" in report and "Per class (validation rows)" in report


def test_save_and_load_give_the_same_predictions(fitted: tuple, tmp_path: Path) -> None:
    frame, model = fitted
    model.save(tmp_path / "m")
    assert sorted(p.name for p in (tmp_path / "m").iterdir()) == [
        "evaluation.safetensors",
        "model.safetensors",
        "report.md",
    ]
    again = gl.tabular.load(tmp_path / "m")
    np.testing.assert_array_equal(again.predict_proba(frame), model.predict_proba(frame))
    network = gl.load(tmp_path / "m" / "model.safetensors")
    X, _ = model.transform(frame)
    np.testing.assert_array_equal(gl.predict(network, X), gl.predict(model.network, X))
    assert again.report() == model.report()


def test_columns_in_another_order_predict_the_same(fitted: tuple) -> None:
    frame, model = fitted
    shuffled = frame[["colour", "label", "b", "a"]]
    np.testing.assert_array_equal(model.predict(shuffled), model.predict(frame))


def test_explain_names_inputs_by_column_and_category(fitted: tuple) -> None:
    frame, model = fitted
    trace = model.explain(frame.iloc[[0]], detail="full")
    text = str(trace)
    assert "colour=" in text
    assert trace.check().passed
    first = frame.iloc[0]
    assert f"colour={first['colour']}" in text


def test_iris_accuracy_matches_a_scikit_learn_pipeline() -> None:
    from sklearn.neural_network import MLPClassifier

    from gradlab.tabular.splitting import split_rows

    iris = load_iris(as_frame=True)
    frame = iris.frame.assign(target=iris.target_names[iris.target])
    model = gl.tabular.fit(frame, target="target", seed=0, epochs=400)
    validation = model.metadata["training"]["scores"]["validation"]
    # The oracle: scikit-learn's scaler and MLP (64 hidden units) on the same split.
    codes = iris.target.to_numpy()
    train, val = split_rows(len(frame), 0.2, np.random.default_rng([0, 0]), codes)
    X = frame.drop(columns="target")
    scaler = StandardScaler().fit(X.iloc[train])
    oracle = MLPClassifier(64, max_iter=2000, random_state=0)
    oracle.fit(scaler.transform(X.iloc[train]), codes[train])
    expected = oracle.score(scaler.transform(X.iloc[val]), codes[val])
    assert validation["rows"] == val.size
    assert validation["accuracy"] >= expected - 0.02


def test_bad_input_is_a_data_error() -> None:
    with pytest.raises(gl.tabular.DataError, match="has no column 'lable'"):
        gl.tabular.fit(_frame(), target="lable")
    with pytest.raises(gl.tabular.DataError, match="DataFrame or the path"):
        gl.tabular.fit([[1, 2]], target="a")
    with pytest.raises(TypeError, match="unknown option"):
        gl.tabular.fit(_frame(), target="label", epoch=3)
