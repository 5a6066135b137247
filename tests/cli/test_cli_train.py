"""``gradlab train`` driven as a subprocess on real CSV files: files, pictures, report, scores."""

from __future__ import annotations

import shutil
import signal
import statistics
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from cli_datasets import Run, points_frame
from cli_helpers import (
    assert_ok,
    assert_picture,
    gradlab,
    listing,
    read_metadata,
    run_in_process,
    start_gradlab,
)


def test_classifier_folder_holds_model_report_and_pictures(classifier_run: Run) -> None:
    assert_ok(classifier_run.result)
    assert sorted(p.name for p in classifier_run.model.iterdir()) == [
        "confusion.png",
        "decision_boundary.png",
        "evaluation.safetensors",
        "loss.png",
        "model.safetensors",
        "report.md",
    ]
    # Nothing but the CSV and the model folder: no temporary folder left behind.
    assert {p.name for p in classifier_run.folder.iterdir()} == {"points.csv", "model"}


@pytest.mark.parametrize("picture", ["loss.png", "confusion.png", "decision_boundary.png"])
def test_classifier_pictures_are_real_640x480_pngs(classifier_run: Run, picture: str) -> None:
    assert_picture(classifier_run.model / picture)


def test_classifier_prints_the_report(classifier_run: Run) -> None:
    out = classifier_run.result.stdout
    for fragment in ("accuracy", "precision", "recall", "F1", "Time:", "training", "validation"):
        assert fragment in out
    for label in ("circle", "square", "star"):
        assert label in out
    assert "Target 'label': 3 classes, circle, square, star." in out
    # Not a terminal: a few progress lines, the last one for the last epoch.
    assert "Epoch 3/3 - " in out  # the lines themselves: test_cli_progress.py


def test_classifier_report_md_shows_scores_and_pictures(classifier_run: Run) -> None:
    report = (classifier_run.model / "report.md").read_text()
    assert report.startswith("# gradlab training report")
    assert "## Scores" in report and "| validation |" in report
    for picture in ("loss.png", "confusion.png", "decision_boundary.png"):
        assert f"]({picture})" in report


def test_classifier_split_and_history(classifier_run: Run) -> None:
    training = read_metadata(classifier_run.model)["training"]
    # 40 rows per class, 20 % of each held out: 8 per class.
    assert training["rows"] == {"read": 120, "dropped": 0, "training": 96, "validation": 24}
    assert len(training["history"]["loss"]) == 3
    assert len(training["history"]["val_loss"]) == 3
    assert training["scores"]["per_class"]["support"] == [8, 8, 8]


def test_training_again_replaces_a_gradlab_model_folder(
    classifier_run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    points_frame().to_csv(tmp_path / "points.csv", index=False)
    shutil.copytree(classifier_run.model, tmp_path / "model")
    code, _, err = run_in_process(
        ["train", "points.csv", "--target", "label", "--epochs", 1, "--out", "model"],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert len(read_metadata(tmp_path / "model")["training"]["history"]["loss"]) == 1
    pictures = (
        "model.safetensors",
        "evaluation.safetensors",
        "report.md",
        "loss.png",
        "confusion.png",
        "decision_boundary.png",
    )
    assert listing(tmp_path) == {"points.csv", "model", *(f"model/{p}" for p in pictures)}


def test_force_replaces_a_folder_that_is_not_gradlabs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    points_frame().to_csv(tmp_path / "points.csv", index=False)
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "notes.txt").write_text("mine")
    code, _, err = run_in_process(
        ["train", "points.csv", "--target", "label", "--epochs", 1, "--out", "out", "--force"],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert not (tmp_path / "out" / "notes.txt").exists()
    assert (tmp_path / "out" / "model.safetensors").is_file()
    assert {p.name for p in tmp_path.iterdir()} == {"points.csv", "out"}


def test_mixed_csv_semicolons_bom_categories_and_drop_na(mixed_run: Run) -> None:
    assert_ok(mixed_run.result)
    out = mixed_run.result.stdout
    assert "Read mixed.csv as semicolon-separated." in out
    assert "one-hot encoded as colour=blue, colour=green, colour=red" in out
    assert "2 numeric column(s) standardised: height, weight" in out
    assert "Dropped 2 row(s)" in out
    assert not (mixed_run.model / "decision_boundary.png").exists()  # 5 inputs, not 2
    metadata = read_metadata(mixed_run.model)
    assert metadata["training"]["rows"]["dropped"] == 2
    assert [f["name"] for f in metadata["preprocessing"]["features"]] == [
        "height",
        "colour",
        "weight",
    ]


def test_regression_writes_parity_and_decision_pictures(regression_run: Run) -> None:
    assert_ok(regression_run.result)
    names = sorted(p.name for p in regression_run.model.iterdir())
    assert names == [
        "decision_boundary.png",
        "loss.png",
        "model.safetensors",
        "parity.png",
        "report.md",
    ]
    for picture in ("parity.png", "decision_boundary.png", "loss.png"):
        assert_picture(regression_run.model / picture)
    out = regression_run.result.stdout
    assert "Task: regression" in out and "RMSE" in out and "R²" in out


def test_no_data_trains_on_the_shipped_digits(tmp_path: Path) -> None:
    from sklearn.datasets import load_digits

    result = gradlab("train", "--epochs", 3, "--out", "digits-model", cwd=tmp_path)
    assert_ok(result)
    assert "No DATA given: training on scikit-learn's handwritten digits" in result.stdout
    assert "nothing is downloaded" in result.stdout
    metadata = read_metadata(tmp_path / "digits-model")
    digits = load_digits()
    assert metadata["training"]["rows"]["read"] == digits.data.shape[0]
    assert metadata["preprocessing"]["classes"] == [str(c) for c in np.unique(digits.target)]
    assert len(metadata["preprocessing"]["features"]) == digits.data.shape[1]


def test_default_settings_reach_95_percent_on_held_out_digits(tmp_path: Path) -> None:
    """The defaults (no --epochs, --lr, ...) on 80 % of the digits; scored by scikit-learn on the
    other 20 %, which gradlab never sees."""
    from sklearn.datasets import load_digits
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    columns = [f"p{i}" for i in range(64)]
    frame = pd.DataFrame(digits.data.astype(int), columns=columns)
    frame["digit"] = digits.target
    train, test = train_test_split(frame, test_size=0.2, random_state=0, stratify=frame["digit"])
    train.to_csv(tmp_path / "train.csv", index=False)
    test.to_csv(tmp_path / "test.csv", index=False)
    assert_ok(gradlab("train", "train.csv", "--target", "digit", cwd=tmp_path))
    assert_ok(gradlab("predict", "gradlab-model", "test.csv", cwd=tmp_path))
    predicted = pd.read_csv(tmp_path / "predictions.csv")["prediction"]
    assert accuracy_score(test["digit"], predicted) > 0.95


def test_interrupt_leaves_nothing_behind(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=400), "b": rng.normal(size=400)})
    frame["y"] = np.where(frame["a"] > 0, "p", "n")
    frame.to_csv(tmp_path / "d.csv", index=False)
    process = start_gradlab(
        "train", "d.csv", "--target", "y", "--epochs", "100000", "--batch-size", "1",
        "--out", "model", cwd=tmp_path,
    )  # fmt: skip
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith("Epoch 1/"):
            break
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "interrupted; nothing was written" in err and "Traceback" not in err
    assert listing(tmp_path) == {"d.csv"}


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_values_near_the_float64_maximum_train_without_overflow(
    task: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    big = ["1e308", "-1e308", "1e308", "-1e308", "1.5e308", "-1.5e308"]
    target = ["x", "z"] * 3 if task == "classification" else ["1e308", "-1e308", "5", "7", "8", "9"]
    rows = [f"{b},{i},{t}" for i, (b, t) in enumerate(zip(big, target, strict=True))]
    (tmp_path / "d.csv").write_text("a,b,y\n" + "\n".join(rows) + "\n")
    code, _, err = run_in_process(
        ["train", "d.csv", "--target", "y", "--task", task, "--validation-split", 0, "--epochs", 2],
        tmp_path,
        monkeypatch,
        capsys,
    )
    assert code == 0, err
    assert err == ""
    feature = read_metadata(tmp_path / "gradlab-model")["preprocessing"]["features"][0]
    # statistics.pstdev works in exact fractions: an oracle that cannot overflow.
    assert feature["std"] == pytest.approx(statistics.pstdev([float(v) for v in big]))


def test_the_loss_picture_marks_the_epoch_that_was_kept(tmp_path: Path) -> None:
    from gradlab.cli.plots import loss_figure

    history = {"loss": [1.0, 0.6, 0.4, 0.3, 0.25], "val_loss": [1.1, 0.7, 0.65, 0.8, 0.9]}
    kept = int(np.argmin(history["val_loss"])) + 1  # the oracle: the lowest validation loss
    axes = loss_figure(history, "MSE", kept).axes[0]
    vertical = [line for line in axes.lines if list(line.get_xdata()) == [kept, kept]]
    assert len(vertical) == 1
    ring = [line for line in axes.lines if line.get_label() == f"kept: epoch {kept}"]
    assert [list(ring[0].get_xdata()), list(ring[0].get_ydata())] == [[3], [0.65]]
    unmarked = loss_figure(history, "MSE").axes[0].lines
    assert not any(str(line.get_label()).startswith("kept") for line in unmarked)
