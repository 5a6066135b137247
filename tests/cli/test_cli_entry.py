"""The entry point: ``--version``, ``--help`` with an example on every sub-command."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from cli_helpers import run_in_process

import gradlab as gl


def test_version_through_python_dash_m_gradlab(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gradlab", "--version"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"gradlab {gl.__version__}"


@pytest.mark.parametrize("command", ["train", "predict", "info", "explain", "playground"])
def test_every_subcommand_has_help_with_an_example(
    command: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run_in_process([command, "--help"], tmp_path, monkeypatch, capsys)
    assert code == 0
    assert f"usage: gradlab {command}" in out
    assert "example" in out
    assert f"gradlab {command} " in out.split("example", 1)[1]
