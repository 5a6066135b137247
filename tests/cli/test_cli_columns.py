"""gradlab train --ignore / --categorical / --numeric, and the identifier note."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from cli_helpers import assert_one_line_error_text, read_metadata, run_in_process

sys.path.insert(0, str(Path(__file__).parents[1] / "tabular"))
from test_columns import cars


def test_the_command_takes_the_overrides_and_records_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    cars().to_csv(tmp_path / "cars.csv", index=False)
    args = ["train", "cars.csv", "--target", "origin", "--epochs", 2, "--categorical", "zip"]
    code, out, err = run_in_process(args, tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert out.count("Column 'name' left out") == 1
    metadata = read_metadata(tmp_path / "gradlab-model")
    assert "--categorical zip" in metadata["training"]["command"]
    code, _, err = run_in_process([*args, "--ignore", "origin"], tmp_path, monkeypatch, capsys)
    assert "--ignore origin: it is the target column" in assert_one_line_error_text(
        code, err, "train"
    )
