"""Class weights and a sample-weight column in `gl.tabular.fit` and ``gradlab train``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import recall_score

import gradlab as gl


def _imbalanced(n: int = 400, seed: int = 0) -> pd.DataFrame:
    """Two overlapping classes, one in ten rows rare."""
    rng = np.random.default_rng(seed)
    rare = rng.random(n) < 0.1
    x = rng.normal(size=(n, 2)) + np.where(rare, 1.0, -0.3)[:, None]
    return pd.DataFrame({"x1": x[:, 0], "x2": x[:, 1], "y": np.where(rare, "rare", "common")})


def test_balanced_class_weights_find_more_of_the_rare_class() -> None:
    train, test = _imbalanced(seed=1), _imbalanced(seed=2)
    plain = gl.tabular.fit(train, target="y", seed=0)
    balanced = gl.tabular.fit(train, target="y", seed=0, class_weight="balanced")
    recall = [
        recall_score(test["y"], model.predict(test), pos_label="rare")
        for model in (plain, balanced)
    ]
    # Measured: 0.47 without class weights, 0.67 with them.
    assert recall[1] > recall[0] + 0.1
    assert balanced.metadata["training"]["settings"]["class_weight"] == "balanced"


def test_rows_of_weight_zero_teach_nothing() -> None:
    frame = _imbalanced(seed=3)
    # Only the common rows weigh: the network never learns that the rare class exists.
    frame["w"] = np.where(frame["y"] == "rare", 0.0, 1.0)
    model = gl.tabular.fit(frame, target="y", sample_weight="w", seed=0)
    assert "w" not in model.input_names
    assert set(model.predict(frame)) == {"common"}
    notes = model.metadata["training"]["notes"]
    assert "column 'w' weighs the rows in the training loss" in notes


@pytest.mark.parametrize(
    ("cell", "message"),
    [("-1", "holds '-1'; a weight is a number, at least 0"), ("", "holds ''"), ("x", "'x'")],
)
def test_a_bad_weight_cell_is_named(cell: str, message: str) -> None:
    frame = _imbalanced().assign(w="1")
    frame.loc[5, "w"] = cell
    with pytest.raises(gl.tabular.DataError, match=message):
        gl.tabular.fit(frame, target="y", sample_weight="w", epochs=1)


def test_class_weights_need_a_classification_target() -> None:
    frame = _imbalanced().assign(y=np.linspace(0, 1, 400))
    with pytest.raises(gl.tabular.DataError, match="the target is a number"):
        gl.tabular.fit(frame, target="y", class_weight="balanced", epochs=1)


def test_the_command_takes_both_flags(tmp_path: Path) -> None:
    _imbalanced().assign(w=2.0).to_csv(tmp_path / "d.csv", index=False)
    done = subprocess.run(
        [sys.executable, "-m", "gradlab.cli.main", "train", "d.csv", "--target", "y",
         "--class-weight", "balanced", "--sample-weight", "w", "--epochs", "2"],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    model = gl.tabular.load(tmp_path / "gradlab-model")
    settings = model.metadata["training"]["settings"]
    assert (settings["class_weight"], settings["sample_weight"]) == ("balanced", "w")
    assert "--class-weight balanced --sample-weight w" in model.metadata["training"]["command"]
