"""Trained model folders shared by the CLI tests, each trained once per session as a subprocess."""

from __future__ import annotations

import pytest
from cli_datasets import Run, mixed_frame, points_frame, regression_frame, replace_cell
from cli_helpers import gradlab


@pytest.fixture(scope="session")
def classifier_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """Two numeric features, three classes, the default 0.2 validation split, 3 epochs."""
    folder = tmp_path_factory.mktemp("classifier")
    frame = points_frame()
    frame.to_csv(folder / "points.csv", index=False)
    result = gradlab(
        "train", "points.csv", "--target", "label", "--epochs", 3, "--out", "model", cwd=folder
    )
    return Run(folder, folder / "model", frame, result)


@pytest.fixture(scope="session")
def mixed_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A semicolon CSV with a byte order mark, a categorical column and two rows with missing
    cells, trained with --drop-na and no validation split (statistics over every kept row)."""
    folder = tmp_path_factory.mktemp("mixed")
    frame = mixed_frame()
    text = frame.to_csv(index=False, sep=";")
    lines = text.splitlines()  # lines[k] is data row k
    lines[5] = replace_cell(lines[5], 2, "NA")  # weight
    lines[9] = replace_cell(lines[9], 1, "")  # colour
    (folder / "mixed.csv").write_bytes(b"\xef\xbb\xbf" + ("\n".join(lines) + "\n").encode())
    result = gradlab(
        "train",
        "mixed.csv",
        "--target",
        "kind",
        "--validation-split",
        0,
        "--drop-na",
        "--epochs",
        20,
        "--out",
        "model",
        cwd=folder,
    )
    kept = frame.drop(index=[4, 8]).reset_index(drop=True)
    return Run(folder, folder / "model", kept, result)


@pytest.fixture(scope="session")
def regression_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """A numeric target of two numeric features, no validation split."""
    folder = tmp_path_factory.mktemp("regression")
    frame = regression_frame()
    frame.to_csv(folder / "prices.csv", index=False)
    result = gradlab(
        "train",
        "prices.csv",
        "--target",
        "price",
        "--validation-split",
        0,
        "--epochs",
        40,
        "--out",
        "model",
        cwd=folder,
    )
    return Run(folder, folder / "model", frame, result)
