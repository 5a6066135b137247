"""Columns read as a person means them: identifiers left out, and the user's overrides."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import gradlab as gl


def cars(n: int = 40) -> pd.DataFrame:
    rng = np.random.default_rng(11)
    power = rng.normal(100, 30, n).round(0)
    return pd.DataFrame(
        {
            "name": [f"car {i}" for i in range(n)],
            "power": power,
            "zip": rng.choice([1000, 2000, 3000], n),
            "origin": np.where(power > 100, "US", "Europe"),
        }
    )


def test_an_identifier_column_is_left_out_with_a_note() -> None:
    model = gl.tabular.fit(cars(), target="origin", epochs=2)
    assert [f.name for f in model.preprocessing.features] == ["power", "zip"]
    notes = model.metadata["training"]["notes"]
    assert any(
        "column 'name' left out: 100% of the rows hold a text no other row" in n for n in notes
    )


def test_names_that_sometimes_repeat_are_left_out_and_repeating_categories_kept() -> None:
    # vega_datasets' cars: 406 rows, 305 model names, 62% of them on one row only.
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "name": [f"model {i}" for i in range(30)] + [f"model {i}" for i in range(10)],
            "maker": [f"maker {i % 20}" for i in range(40)],  # 20 categories, each twice
            "power": rng.normal(size=40),
            "origin": ["a", "b"] * 20,
        }
    )
    model = gl.tabular.fit(frame, target="origin", epochs=2)
    assert [f.name for f in model.preprocessing.features] == ["maker", "power"]
    notes = model.metadata["training"]["notes"]
    assert any("column 'name' left out: 50% of the rows hold a text" in n for n in notes)


def test_overrides_ignore_categorical_numeric() -> None:
    model = gl.tabular.fit(
        cars(), target="origin", epochs=2, categorical=["zip", "name"], ignore=["power"]
    )
    features = {f.name: f for f in model.preprocessing.features}
    assert list(features) == ["name", "zip"]
    assert features["zip"].categories == ["1000", "2000", "3000"]
    assert len(features["name"].categories) == 32  # one per training row (40 - 8 validation)
    # From Python the message names the keyword, as the caller wrote it.
    with pytest.raises(gl.tabular.DataError, match=r"numeric=\['nope'\]: the DataFrame has no"):
        gl.tabular.fit(cars(), target="origin", numeric=["nope"])
    with pytest.raises(gl.tabular.DataError, match="is numeric but data row 1 holds 'car 0'"):
        gl.tabular.fit(cars(), target="origin", numeric=["name"])


@pytest.mark.parametrize(
    ("options", "python", "command"),
    [
        ({"ignore": ["nope"]}, "ignore=['nope']: ", "--ignore nope: "),
        (
            {"categorical": ["zip"], "numeric": ["zip"]},
            "categorical=['zip'] and",
            "--categorical zip and",
        ),
        (
            {"sample_weight": "origin"},
            "sample_weight='origin': it is the target",
            "--sample-weight origin: it is the target",
        ),
        ({"task": "regression"}, "use task='classification'", "use --task classification"),
    ],
)
def test_a_message_names_options_as_the_caller_writes_them(
    tmp_path: Path, options: dict, python: str, command: str
) -> None:
    with pytest.raises(gl.tabular.DataError) as raised:
        gl.tabular.fit(cars(), target="origin", **options)
    assert python in str(raised.value) and "--" not in str(raised.value)
    cars().to_csv(tmp_path / "cars.csv", index=False)
    flags = []
    for name, value in options.items():
        for item in value if isinstance(value, list) else [value]:
            flags += ["--" + name.replace("_", "-"), item]
    command_line = [sys.executable, "-m", "gradlab.cli.main", "train", "cars.csv"]
    done = subprocess.run(
        [*command_line, "--target", "origin", *flags],
        cwd=tmp_path, capture_output=True, text=True,
    )  # fmt: skip
    assert done.returncode == 2 and command in done.stderr, done.stderr
