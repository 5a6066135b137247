"""``gradlab predict`` and ``gradlab info`` against independent oracles.

The oracle of a prediction is NumPy: the preprocessing recomputed with pandas from the training
CSV (mean and population standard deviation per numeric column, one input per sorted category),
then z = x W + b layer by layer with the weights read by safetensors, then softmax. The oracle of
the reported scores is scikit-learn, applied to the predictions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_datasets import Run
from cli_helpers import assert_ok, forward, gradlab, read_metadata, run_in_process, softmax
from sklearn.metrics import (
    accuracy_score,
    mean_squared_error,
    precision_recall_fscore_support,
    r2_score,
)


def _mixed_inputs(train: pd.DataFrame, rows: pd.DataFrame) -> np.ndarray:
    blocks = []
    for name in ("height", "colour", "weight"):
        if name == "colour":
            categories = sorted(train[name].unique())
            blocks.append(np.stack([(rows[name] == c).to_numpy(float) for c in categories], 1))
        else:
            mean, std = train[name].mean(), train[name].std(ddof=0)
            blocks.append(((rows[name] - mean) / std).to_numpy()[:, None])
    return np.concatenate(blocks, axis=1)


@pytest.fixture(scope="module")
def mixed_predictions(mixed_run: Run) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The training rows shuffled, columns reordered, target dropped; and their predictions."""
    assert_ok(mixed_run.result)
    rows = mixed_run.frame.sample(frac=1.0, random_state=3)
    rows[["weight", "colour", "height"]].to_csv(mixed_run.folder / "new.csv", index=False)
    result = gradlab(
        "predict", "model", "new.csv", "--out", "new_predictions.csv", cwd=mixed_run.folder
    )
    assert_ok(result)
    assert "Wrote new_predictions.csv: 88 predictions of 'kind'." in result.stdout
    return rows, pd.read_csv(mixed_run.folder / "new_predictions.csv")


def test_predict_matches_numpy_on_reordered_columns(
    mixed_run: Run, mixed_predictions: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    rows, predicted = mixed_predictions
    classes = ["big", "mid", "small"]
    assert list(predicted.columns) == ["row", "prediction", *(f"probability_{c}" for c in classes)]
    assert predicted["row"].tolist() == list(range(1, len(rows) + 1))
    expected = softmax(forward(mixed_run.model, _mixed_inputs(mixed_run.frame, rows)))
    got = predicted[[f"probability_{c}" for c in classes]].to_numpy()
    np.testing.assert_allclose(got, expected, atol=1e-5)
    assert predicted["prediction"].tolist() == [classes[i] for i in expected.argmax(axis=1)]


def test_classification_scores_match_scikit_learn(
    mixed_run: Run, mixed_predictions: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    rows, predicted = mixed_predictions
    truth, guess = rows["kind"].to_numpy(), predicted["prediction"].to_numpy()
    scores = read_metadata(mixed_run.model)["training"]["scores"]
    assert scores["validation"] is None
    np.testing.assert_allclose(
        scores["training"]["accuracy"], accuracy_score(truth, guess), atol=1e-12
    )
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, guess, labels=["big", "mid", "small"], zero_division=0
    )
    per_class = scores["per_class"]
    np.testing.assert_allclose(per_class["precision"], precision, atol=1e-12)
    np.testing.assert_allclose(per_class["recall"], recall, atol=1e-12)
    np.testing.assert_allclose(per_class["f1"], f1, atol=1e-12)
    assert per_class["support"] == support.tolist()


def test_regression_predictions_and_scores(regression_run: Run) -> None:
    assert_ok(regression_run.result)
    frame = regression_run.frame
    assert_ok(gradlab("predict", "model", "prices.csv", cwd=regression_run.folder))
    predicted = pd.read_csv(regression_run.folder / "predictions.csv")
    assert list(predicted.columns) == ["row", "prediction"]
    inputs = np.column_stack(
        [(frame[c] - frame[c].mean()) / frame[c].std(ddof=0) for c in ("a", "b")]
    )
    mean, std = frame["price"].mean(), frame["price"].std(ddof=0)
    expected = mean + std * forward(regression_run.model, inputs)[:, 0]
    np.testing.assert_allclose(predicted["prediction"], expected, rtol=1e-5, atol=1e-6 * std)
    scores = read_metadata(regression_run.model)["training"]["scores"]["training"]
    truth = frame["price"]
    rmse = np.sqrt(mean_squared_error(truth, predicted["prediction"]))
    np.testing.assert_allclose(scores["rmse"], rmse, rtol=1e-3, atol=1e-6 * std)
    np.testing.assert_allclose(
        scores["r2"], r2_score(truth, predicted["prediction"]), rtol=1e-4, atol=1e-6
    )


def test_predict_drop_na_skips_rows(
    mixed_run: Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = mixed_run.frame.head(4).copy()
    rows["height"] = rows["height"].astype(object)
    rows.loc[1, "height"] = "nan"
    rows.to_csv(mixed_run.folder / "holes.csv", index=False)
    code, out, err = run_in_process(
        ["predict", "model", "holes.csv", "--drop-na", "--out", "-"],
        mixed_run.folder,
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert [line.split(",")[0] for line in out.strip().splitlines()] == ["row", "1", "3", "4"]


def test_info_shows_summary_and_training_record(classifier_run: Run) -> None:
    result = gradlab("info", "model", cwd=classifier_run.folder)
    assert_ok(result)
    out = result.stdout
    # 2 inputs -> 64 hidden -> 3 classes: (2 * 64 + 64) + (64 * 3 + 3) parameters.
    assert f"Total params: {2 * 64 + 64 + 64 * 3 + 3:,}" in out
    for fragment in (
        "Layer (type)",
        "Command: gradlab train points.csv --target label",
        "accuracy",
        "precision",
        "Time:",
        "96 for training, 24 for validation",
    ):
        assert fragment in out


def test_info_json_is_the_stored_record(
    classifier_run: Run, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    code, out, err = run_in_process(
        ["info", "model", "--json"], classifier_run.folder, monkeypatch, capsys
    )
    assert code == 0, err
    assert json.loads(out) == read_metadata(classifier_run.model)


def test_predict_keeps_columns_fills_missing_cells_and_ignores_extra_ones(mixed_run: Run) -> None:
    rows = mixed_run.frame.head(4).copy()
    rows.insert(0, "id", ["p1", "p2", "p3", "p4"])
    rows["unused"] = 7
    rows[["id", "unused", "colour", "height"]].assign(weight=[70.0, None, 65.0, 80.0]).to_csv(
        mixed_run.folder / "keep.csv", index=False
    )
    result = gradlab(
        "predict", "model", "keep.csv", "--keep", "id", "--out", "-", cwd=mixed_run.folder
    )
    assert_ok(result)
    lines = result.stdout.splitlines()
    assert lines[0].startswith("row,id,prediction,probability_")
    assert [line.split(",")[1] for line in lines[1:]] == ["p1", "p2", "p3", "p4"]
