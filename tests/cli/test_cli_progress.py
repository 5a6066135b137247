"""What ``gradlab train`` prints while and after it trains: Keras's epoch lines off a terminal
(with the values of the History stored in the model file), and a total time that is the whole
command's, from the start of its process to its end."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from cli_datasets import Run, points_frame
from cli_helpers import assert_ok, read_metadata, run_in_process

import gradlab as gl
from gradlab.cli.progress import epoch_lines
from gradlab.cli.wall_clock import process_age

EPOCH_LINE = re.compile(r"Epoch (\d+)/(\d+) - \d+s \d+(?:s|ms|us)/step - (.*)")
TIME_LINE = re.compile(
    r"Time: (\d+\.\d+ m?s) training \(\d+ epochs[^)]*\), (\d+\.\d+ m?s) for the whole command"
)


def shown(value: float) -> str:
    """The documented rule, written again with NumPy's formatters: 4 decimals; 4 significant
    digits when tiny or huge."""
    if value == 0 or 1e-4 <= abs(value) < 1e6:
        return np.format_float_positional(value, precision=4, unique=False, trim="k")
    return np.format_float_scientific(value, precision=3, unique=False, exp_digits=2)


def test_off_a_terminal_each_line_shows_accuracy_loss_and_validation_of_the_history(
    classifier_run: Run,
) -> None:
    assert_ok(classifier_run.result)
    history = read_metadata(classifier_run.model)["training"]["history"]
    lines = [line for line in classifier_run.result.stdout.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        match = EPOCH_LINE.fullmatch(line)
        assert match is not None, line
        assert match.group(1, 2) == (str(epoch + 1), "3")
        names = ["accuracy", "loss", "val_accuracy", "val_loss"]
        assert match.group(3) == " - ".join(f"{n}: {shown(history[n][epoch])}" for n in names)


X = np.array([[0.0], [1.0], [2.0], [3.0]])
Y = np.array([0.0, 1.0, 0.0, 1.0])


class StopAfter(gl.training.Callback):
    def __init__(self, epochs: int) -> None:
        self.epochs = epochs

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        if epoch + 1 == self.epochs:
            self.trainer.stop_training = True


@pytest.mark.parametrize(
    ("stop", "printed"),
    [(None, [1, 3, 6, 9, 12, 15, 18, 21, 24, 25]), (7, [1, 3, 6, 7]), (1, [1])],
)
def test_a_long_run_prints_every_k_epochs_and_its_first_and_last(stop, printed) -> None:
    out = io.StringIO()
    callbacks = [StopAfter(stop)] if stop else []
    history = gl.fit(
        gl.nn.MLP(1, [], 1, rng=0), X, Y, epochs=25, callbacks=[*callbacks, epoch_lines(25, out)]
    )
    lines = out.getvalue().splitlines()
    matches = [EPOCH_LINE.fullmatch(line) for line in lines]
    assert all(matches), lines
    assert [int(m.group(1)) for m in matches if m] == printed
    for match in matches:
        assert match is not None
        epoch = int(match.group(1)) - 1
        assert match.group(3) == f"loss: {shown(history.history['loss'][epoch])}"


def _times(stdout: str) -> tuple[float, float]:
    match = TIME_LINE.search(stdout)
    assert match is not None, stdout
    seconds = [
        float(text.split()[0]) / (1000 if text.endswith("ms") else 1) for text in match.groups()
    ]
    return seconds[0], seconds[1]


@pytest.mark.skipif(process_age() is None, reason="this system does not tell a process's age")
def test_the_total_time_runs_from_the_start_of_the_process_to_the_end(tmp_path: Path) -> None:
    # One second of "imports" before gradlab's code runs: the total must count it.
    code = (
        "import sys, time; print(time.time(), flush=True); time.sleep(1.0); "
        "from gradlab.cli.main import main; sys.exit(main())"
    )
    points_frame().to_csv(tmp_path / "points.csv", index=False)
    args = ["train", "points.csv", "--target", "label", "--epochs", "2", "--out", "model"]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    before = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code, *args], cwd=tmp_path, capture_output=True, text=True,
        env=env, timeout=120, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - before
    assert_ok(result)
    training, total = _times(result.stdout)
    began = float(result.stdout.splitlines()[0])  # the child's clock, after Python started
    last_write = max(path.stat().st_mtime for path in (tmp_path / "model").iterdir())
    slack = 0.01  # the printed figures have 2 decimals
    assert total + slack >= 1.0 + training
    assert total + slack >= last_write - began  # the pictures and files are all counted
    assert total <= wall + slack


def test_called_from_python_the_total_time_is_that_of_the_call(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    points_frame().to_csv(tmp_path / "points.csv", index=False)
    args = ["train", "points.csv", "--target", "label", "--epochs", "1", "--out", "model"]
    before = time.perf_counter()
    code, out, err = run_in_process(args, tmp_path, monkeypatch, capsys)
    call = time.perf_counter() - before
    assert code == 0, err
    training, total = _times(out)
    assert training <= total <= call + 0.01


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="read from /proc on Linux")
def test_the_process_age_counts_from_the_start_of_the_process() -> None:
    code = (
        "import time; time.sleep(0.5); "
        "from gradlab.cli.wall_clock import process_age; print(process_age())"
    )
    before = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    wall = time.perf_counter() - before
    age = float(result.stdout)
    assert 0.5 <= age <= wall + 0.01  # /proc counts in 1/100 s ticks
