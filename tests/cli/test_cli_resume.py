"""`gradlab train` killed with SIGKILL and run again resumes from its checkpoint and writes
the same model as a run never interrupted (the oracle: that uninterrupted run)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from cli_helpers import gradlab, listing

import gradlab as gl


def _data(folder: Path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1500, 4))
    y = (X[:, 0] + X[:, 1] ** 2 > 1).astype(int)
    rows = "".join(f"{a},{b},{c},{d},{v}\n" for (a, b, c, d), v in zip(X, y, strict=True))
    (folder / "d.csv").write_text("a,b,c,d,y\n" + rows)


ARGS = ["train", "d.csv", "--target", "y", "--epochs", "600", "--optimizer", "adam"]


def test_a_killed_train_resumes_to_the_same_model(tmp_path: Path) -> None:
    _data(tmp_path)
    done = gradlab(*ARGS, "--out", "reference", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "gradlab.cli.main", *ARGS, "--out", "m"], cwd=tmp_path, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    checkpoint = tmp_path / ".m.checkpoint"
    deadline = time.monotonic() + 60
    while not checkpoint.exists() and child.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert not (tmp_path / "m").exists()
    again = gradlab(*ARGS, "--out", "m", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Resuming the interrupted run" in again.stderr
    assert "starting afresh" not in again.stderr  # it continued the killed run
    expected = gl.load(tmp_path / "reference" / "model.safetensors")
    resumed = gl.load(tmp_path / "m" / "model.safetensors")
    for (name, p), (_, q) in zip(
        expected.named_parameters(), resumed.named_parameters(), strict=True
    ):
        np.testing.assert_array_equal(q.data, p.data, err_msg=name)
    leftovers = {name for name in listing(tmp_path) if name.startswith(".")}
    assert leftovers == set()  # the checkpoint goes once the folder is written


def test_a_checkpoint_of_other_options_is_set_aside(tmp_path: Path) -> None:
    _data(tmp_path)
    small = ["train", "d.csv", "--target", "y", "--epochs", "3"]
    gl.fit(
        gl.nn.MLP(2, [2], 1, rng=0), np.zeros((4, 2)), np.zeros(4), epochs=1, verbose=0,
        checkpoint=tmp_path / ".m.checkpoint",
    )  # fmt: skip
    result = gradlab(*small, "--out", "m", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "other data or options; starting afresh" in result.stderr
    reference = gradlab(*small, "--out", "reference", cwd=tmp_path)
    assert reference.returncode == 0
    expected = gl.load(tmp_path / "reference" / "model.safetensors")
    trained = gl.load(tmp_path / "m" / "model.safetensors")
    for (name, p), (_, q) in zip(
        expected.named_parameters(), trained.named_parameters(), strict=True
    ):
        np.testing.assert_array_equal(q.data, p.data, err_msg=name)
