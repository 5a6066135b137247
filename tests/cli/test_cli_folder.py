"""The model folder on disk: atomic replacement, one writer at a time, recovery after a kill,
bounded reads, and many classes."""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from cli_datasets import Run, points_frame
from cli_helpers import (
    assert_one_line_error_text,
    forward,
    listing,
    read_metadata,
    run_in_process,
    start_gradlab,
)

from gradlab.cli import folder_guard

OLD = {"model.safetensors": "old weights", "report.md": "old report"}
NEW = {"model.safetensors": "new weights", "report.md": "new report", "loss.png": "new"}


def _replace_and_die(mode: str, kill_at: int, partial: bool, destination: Path) -> int:
    """In a forked child, replace ``destination`` by a new folder with `folder_guard.replace`,
    dying (``os._exit``) before its filesystem step number ``kill_at`` (the exchange or the
    renames, then the removal of the old folder); return the child's exit status."""
    pid = os.fork()
    if pid:
        return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
    try:
        done = [0]

        def step(function: Callable[..., Any], halfway: bool = False) -> Callable[..., Any]:
            def run(*args: Any, **kwargs: Any) -> Any:
                if done[0] == kill_at:
                    if halfway:  # die halfway through removing the old folder
                        os.unlink(next(Path(args[0]).iterdir()))
                    os._exit(9)
                done[0] += 1
                return function(*args, **kwargs)

            return run

        real_rename, real_rmtree = os.rename, shutil.rmtree
        if mode == "exchange":
            folder_guard.exchange = step(folder_guard.exchange)
        else:
            folder_guard.exchange = lambda first, second: False
        folder_guard.os.rename = step(real_rename)
        folder_guard.shutil.rmtree = step(real_rmtree, halfway=partial)
        staging = folder_guard.new_staging(destination)
        for name, text in NEW.items():
            (staging / name).write_text(text)
        folder_guard.replace(staging, destination)
    finally:
        os._exit(0)


def _contents(folder: Path) -> dict[str, str] | None:
    if not folder.is_dir():
        return None
    return {path.name: path.read_text() for path in folder.iterdir()}


def _write(folder: Path, files: dict[str, str]) -> None:
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)


# (mode, step killed before, extra argument, the destination after the kill: "old", "new" or
# None for absent, and after recovery)
KILLS = [
    ("exchange", 0, "", "old", "old"),
    ("exchange", 1, "", "new", "new"),
    ("exchange", 1, "partial", "new", "new"),
    ("exchange", 99, "", "new", "new"),
    ("renames", 0, "", "old", "old"),
    ("renames", 1, "", None, "old"),
    ("renames", 2, "", "new", "new"),
    ("renames", 2, "partial", "new", "new"),
    ("renames", 99, "", "new", "new"),
]


@pytest.mark.parametrize(("mode", "kill_at", "extra", "after_kill", "after_recovery"), KILLS)
def test_a_kill_at_any_step_of_the_replacement_loses_nothing(
    mode: str, kill_at: int, extra: str, after_kill: str | None, after_recovery: str, tmp_path: Path
) -> None:
    destination = tmp_path / "model"
    _write(destination, OLD)
    status = _replace_and_die(mode, kill_at, extra == "partial", destination)
    assert status == (0 if kill_at == 99 else 9)
    expected = {"old": OLD, "new": NEW, None: None}
    # With an exchange the destination is whole at every step; two renames leave one gap,
    # during which .model.previous holds the old folder.
    assert _contents(destination) == expected[after_kill]
    if after_kill is None:
        assert _contents(tmp_path / ".model.previous") == OLD
    folder_guard.recover_if_idle(destination)
    assert _contents(destination) == expected[after_recovery]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_info_puts_back_the_folder_a_killed_replacement_left_aside(
    classifier_run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # The state a kill between the two renames leaves: no model, the old one aside.
    shutil.copytree(classifier_run.model, tmp_path / ".model.previous")
    code, out, err = run_in_process(["info", "model"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert "Command: gradlab train points.csv --target label" in out
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def test_replacing_uses_one_exchange_where_the_system_has_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []
    real = folder_guard.exchange

    def exchange(first: Path, second: Path) -> bool:
        calls.append((Path(first).name, Path(second).name))
        return real(first, second)

    def no_rename(*args: object) -> None:
        raise AssertionError("renamed the old folder away instead of exchanging")

    monkeypatch.setattr(folder_guard, "exchange", exchange)
    destination = tmp_path / "model"
    _write(destination, OLD)
    staging = folder_guard.new_staging(destination)
    for name, text in NEW.items():
        (staging / name).write_text(text)
    monkeypatch.setattr(folder_guard.os, "rename", no_rename)
    folder_guard.replace(staging, destination)
    assert calls == [(staging.name, "model")]
    assert _contents(destination) == NEW
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model"]


def _train_args(out: str = "model") -> list[object]:
    return ["train", "points.csv", "--target", "label", "--epochs", 1, "--out", out]


def test_a_second_train_on_a_locked_out_fails_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    points_frame().to_csv(tmp_path / "points.csv", index=False)
    lock = tmp_path / ".model.lock"
    fd = os.open(lock, os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # what a live `gradlab train --out model` holds
        code, _, err = run_in_process(_train_args(), tmp_path, monkeypatch, capsys)
    finally:
        os.close(fd)
    line = assert_one_line_error_text(code, err, "train")
    assert "is being written by another gradlab train" in line
    assert not (tmp_path / "model").exists()
    lock.unlink()
    assert listing(tmp_path) == {"points.csv"}


def test_a_second_train_process_on_the_same_out_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    points_frame().to_csv(tmp_path / "points.csv", index=False)
    endless = ["--target", "label", "--epochs", "100000", "--batch-size", "1", "--out", "model"]
    first = start_gradlab("train", "points.csv", *endless, cwd=tmp_path)
    assert first.stdout is not None
    for line in first.stdout:
        if line.startswith("Epoch 1/"):
            break
    code, _, err = run_in_process(_train_args(), tmp_path, monkeypatch, capsys)
    first.send_signal(signal.SIGINT)
    first.communicate(timeout=60)
    assert "is being written by another gradlab train" in assert_one_line_error_text(
        code, err, "train"
    )
    assert first.returncode == 130
    assert listing(tmp_path) == {"points.csv"}  # the lock file went with the first run


def test_train_removes_the_leftovers_of_killed_runs_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    points_frame().to_csv(tmp_path / "points.csv", index=False)
    killed = tmp_path / ".model.0123456789abcdef.tmp"  # a staging folder, with a half save
    killed.mkdir()
    (killed / ".model.safetensors.fedcba9876543210.tmp").write_bytes(b"half")
    (tmp_path / ".model.k3j_9x2q.tmp").mkdir()  # tempfile.mkdtemp's name, before this change
    other = tmp_path / ".model.v2.0123456789abcdef.tmp"  # the staging of --out model.v2
    other.mkdir()
    code, _, err = run_in_process(_train_args(), tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert {p.name for p in tmp_path.iterdir()} == {"points.csv", "model", other.name}


def test_leftovers_are_kept_while_a_live_run_holds_the_lock(tmp_path: Path) -> None:
    staging = tmp_path / ".model.0123456789abcdef.tmp"
    staging.mkdir()
    fd = os.open(tmp_path / ".model.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        folder_guard.recover_if_idle(tmp_path / "model")
        assert staging.is_dir()
    finally:
        os.close(fd)
        (tmp_path / ".model.lock").unlink()
    folder_guard.recover_if_idle(tmp_path / "model")
    assert not staging.exists()
    assert list(tmp_path.iterdir()) == []


def _model_copy(run: Run, tmp_path: Path) -> Path:
    shutil.copytree(run.model, tmp_path / "model")
    file = tmp_path / "model" / "model.safetensors"
    file.unlink()
    return file


@pytest.mark.parametrize("kind", ["dev-zero", "fifo", "folder"])
@pytest.mark.parametrize("command", ["info", "predict"])
def test_only_a_regular_model_file_is_read(
    kind: str,
    command: str,
    classifier_run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    file = _model_copy(classifier_run, tmp_path)
    if kind == "dev-zero":
        file.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(file)
    else:
        file.mkdir()
    points_frame().to_csv(tmp_path / "rows.csv", index=False)
    args = ["info", "model"] if command == "info" else ["predict", "model", "rows.csv"]
    code, _, err = run_in_process(args, tmp_path, monkeypatch, capsys)
    line = assert_one_line_error_text(code, err, command)
    wanted = "is a folder, not the file" if kind == "folder" else "is not a regular file"
    assert wanted in line


def test_a_model_file_beyond_the_bound_is_refused_unread(
    classifier_run: Run,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from gradlab.cli import model_dir

    shutil.copytree(classifier_run.model, tmp_path / "model")
    size = (tmp_path / "model" / "model.safetensors").stat().st_size
    monkeypatch.setattr(model_dir, "MAX_FILE_BYTES", size - 1)
    code, _, err = run_in_process(["info", "model"], tmp_path, monkeypatch, capsys)
    line = assert_one_line_error_text(code, err, "info")
    assert f"is {size:,} bytes, more than the {size - 1:,}" in line


def test_the_bound_is_two_gibibytes() -> None:
    from gradlab.cli import model_dir

    assert model_dir.MAX_FILE_BYTES == 2**31


def test_many_classes_train_save_and_show(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from safetensors.numpy import load_file
    from sklearn.metrics import confusion_matrix

    import gradlab as gl

    k = 2000
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"a": rng.normal(size=k), "label": [f"c{i:04d}" for i in range(k)]})
    frame.to_csv(tmp_path / "d.csv", index=False)
    args = ["train", "d.csv", "--target", "label", "--validation-split", 0, "--hidden", 8]
    args += ["--epochs", 1, "--batch-size", 500, "--dtype", "float64", "--out", "model"]
    code, _, err = run_in_process(args, tmp_path, monkeypatch, capsys)
    assert code == 0, err
    model = tmp_path / "model"
    header_bytes = int.from_bytes((model / "model.safetensors").read_bytes()[:8], "little")
    # Classes and per-class scores only: the 2000 x 2000 counts as JSON took over 8 MB.
    assert header_bytes < 1_000_000
    assert isinstance(gl.load(model / "model.safetensors"), gl.nn.Module)
    metadata = read_metadata(model)
    classes = metadata["preprocessing"]["classes"]
    feature = metadata["preprocessing"]["features"][0]
    X = ((frame["a"].to_numpy() - feature["mean"]) / feature["std"]).reshape(-1, 1)
    predicted = forward(model, X).argmax(axis=1)
    truth = np.array([classes.index(label) for label in frame["label"]])
    stored = load_file(str(model / "evaluation.safetensors"))["confusion"]
    assert stored.dtype.kind == "i" and stored.shape == (k, k)
    np.testing.assert_array_equal(stored, confusion_matrix(truth, predicted, labels=range(k)))
    assert metadata["training"]["scores"]["confusion"]["file"] == "evaluation.safetensors"
    code, out, err = run_in_process(["info", "model"], tmp_path, monkeypatch, capsys)
    assert code == 0, err
    assert f"target 'label': {k} classes" in out


def test_more_classes_than_the_bound_are_refused_up_front(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gradlab.tabular import training_data

    monkeypatch.setattr(training_data, "MAX_CLASSES", 2)
    points_frame().to_csv(tmp_path / "points.csv", index=False)
    code, _, err = run_in_process(_train_args(), tmp_path, monkeypatch, capsys)
    line = assert_one_line_error_text(code, err, "train")
    assert "has 3 classes, more than the 2 gradlab train handles" in line
    assert listing(tmp_path) == {"points.csv"}


def test_the_class_bound_is_documented() -> None:
    from gradlab.tabular.metrics import MAX_CLASSES

    assert MAX_CLASSES == 4096


def test_train_on_dev_zero_is_refused_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run_in_process(
        ["train", "/dev/zero", "--target", "y"], tmp_path, monkeypatch, capsys
    )
    assert "is not a text CSV file (it holds NUL bytes)" in assert_one_line_error_text(
        code, err, "train"
    )
    assert listing(tmp_path) == set()


def test_a_csv_beyond_the_bound_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from gradlab.tabular import csv_data

    points_frame().to_csv(tmp_path / "points.csv", index=False)
    monkeypatch.setattr(csv_data, "MAX_CSV_BYTES", 100)
    code, _, err = run_in_process(_train_args(), tmp_path, monkeypatch, capsys)
    line = assert_one_line_error_text(code, err, "train")
    assert "points.csv is larger than the 100 bytes gradlab train reads" in line


def test_a_symlinked_out_is_replaced_by_the_new_folder_and_its_target_kept(
    tmp_path: Path,
) -> None:
    target = tmp_path / "elsewhere"
    _write(target, OLD)
    (tmp_path / "model").symlink_to(target)
    staging = folder_guard.new_staging(tmp_path / "model")
    for name, text in NEW.items():
        (staging / name).write_text(text)
    folder_guard.replace(staging, tmp_path / "model")
    assert not (tmp_path / "model").is_symlink()
    assert _contents(tmp_path / "model") == NEW
    assert _contents(target) == OLD
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere", "model"]
