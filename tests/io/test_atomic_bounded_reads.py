"""gl.load reads only regular files of bounded size: never a device, a pipe or a folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import gradlab as gl
from gradlab.io import safetensors_file


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder"])
def test_load_refuses_what_is_not_a_regular_file(kind: str, tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    if kind == "dev-zero":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)  # no writer: a blocking open or read would never return
    else:
        path.mkdir()
    with pytest.raises(gl.io.ModelFileError, match="not a regular file"):
        gl.load(path)


def test_load_refuses_a_file_beyond_the_bound_before_reading_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "model.safetensors"
    gl.save(gl.nn.Linear.from_values([[1.0], [2.0]], bias=[0.5]), path)
    size = path.stat().st_size
    monkeypatch.setattr(safetensors_file, "MAX_FILE_BYTES", size - 1)
    with pytest.raises(gl.io.ModelFileError, match=f"it is {size:,} bytes, more than the"):
        gl.load(path)
    monkeypatch.setattr(safetensors_file, "MAX_FILE_BYTES", size)
    assert gl.load(path).weight.data.tolist() == [[1.0], [2.0]]


def test_a_sparse_file_past_two_gibibytes_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "model.safetensors"
    with open(path, "wb") as f:
        f.truncate(2**31 + 1)  # sparse: no disk used, and reading it would take 2 GiB
    with pytest.raises(gl.io.ModelFileError, match="more than the 2,147,483,648"):
        gl.load(path)
