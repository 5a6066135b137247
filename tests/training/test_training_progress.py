"""What fit prints: nothing at verbose=0 or off a terminal, a line per epoch at 2, a bar per
epoch at 1; numbers as the documented rule says, checked against the History's values."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import time

import numpy as np
import pytest

import gradlab as gl
from gradlab.training.log_format import bar_line, format_logs, format_number

X = np.array([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
Y = np.array([1.0, 1.0, 0.0, 0.0])


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def model() -> gl.nn.MLP:
    return gl.nn.MLP(2, [2], 1, rng=0)


def test_verbose_0_prints_nothing(capsys):
    gl.fit(model(), X, Y, epochs=3, verbose=0)
    assert capsys.readouterr() == ("", "")


def test_auto_is_quiet_when_not_attached_to_a_terminal(capsys):
    gl.fit(model(), X, Y, epochs=3)
    assert capsys.readouterr() == ("", "")


def test_verbose_0_prints_nothing_even_on_a_terminal(monkeypatch):
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    gl.fit(model(), X, Y, epochs=3, verbose=0)
    assert terminal.getvalue() == ""


def shown(value: float) -> str:
    """The documented rule, written again with NumPy's formatters: 4 decimals; 4 significant
    digits when tiny or huge."""
    if value == 0 or 1e-4 <= abs(value) < 1e6:
        return np.format_float_positional(value, precision=4, unique=False, trim="k")
    return np.format_float_scientific(value, precision=3, unique=False, exp_digits=2)


def expected_logs(history: gl.training.History, epoch: int, names: list[str]) -> str:
    return " - ".join(f"{name}: {shown(history.history[name][epoch])}" for name in names)


KERAS_ORDER = ["accuracy", "loss", "val_accuracy", "val_loss"]
EPOCH_LINE = re.compile(r"Epoch (\d+)/(\d+) - \d+s \d+(?:s|ms|us)/step - (.*)")
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1, "1.0000"),
        (0.0, "0.0000"),
        (0.25, "0.2500"),
        (-0.25, "-0.2500"),
        (0.99996, "1.0000"),
        (0.0007046, "0.0007"),
        (1e-4, "0.0001"),
        (7.0461e-05, "7.046e-05"),
        (9.99949e-05, "9.999e-05"),
        (-3e-9, "-3.000e-09"),
        (123456.78901, "123456.7890"),
        (2.5e12, "2.500e+12"),
        (float("nan"), "nan"),
        (float("inf"), "inf"),
    ],
)
def test_numbers_have_4_decimals_and_4_significant_digits_when_tiny_or_huge(value, text):
    assert format_number(value) == text
    assert format_logs({"loss": value}) == f"loss: {text}"


def test_logs_are_in_keras_order_training_values_then_validation_ones():
    logs = {"loss": 0.5, "val_loss": 0.25, "accuracy": 1, "val_accuracy": 0.75, "mae": 0.125}
    assert format_logs(logs) == (
        "accuracy: 1.0000 - loss: 0.5000 - mae: 0.1250 - val_accuracy: 0.7500 - val_loss: 0.2500"
    )


def test_verbose_2_prints_one_keras_line_per_epoch_with_the_historys_values(capsys):
    history = gl.fit(
        model(), X, Y, epochs=3, batch_size=2, validation_data=(X, Y), metrics=["accuracy"],
        verbose=2,
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        match = EPOCH_LINE.fullmatch(line)
        assert match is not None, line
        assert match.group(1, 2) == (str(epoch + 1), "3")
        assert match.group(3) == expected_logs(history, epoch, KERAS_ORDER)


def test_a_loss_below_1e_4_is_shown_in_scientific_notation_never_as_0(capsys):
    # y = 2x + 1 is exactly linear: full-batch gradient descent drives the loss towards 0.
    x = np.array([[0.0], [0.5], [1.0]])
    history = gl.fit(
        gl.nn.MLP(1, [], 1, rng=0), x, 2 * x[:, 0] + 1, optimizer="sgd", lr=0.5, epochs=120,
        verbose=2,
    )  # fmt: skip
    losses = history.history["loss"]
    assert any(0 < loss < 1e-4 for loss in losses) and losses[0] > 1e-4
    lines = capsys.readouterr().out.splitlines()
    for epoch, line in enumerate(lines):
        match = EPOCH_LINE.fullmatch(line)
        assert match is not None and match.group(3) == f"loss: {shown(losses[epoch])}", line
        assert losses[epoch] == 0 or "0.0000" not in line


def test_verbose_1_off_a_terminal_falls_back_to_lines(capsys):
    gl.fit(model(), X, Y, epochs=2, verbose=1)
    assert capsys.readouterr().out.count("Epoch ") == 2


def test_on_a_terminal_each_epoch_has_its_header_and_its_bar_with_the_logs(monkeypatch):
    pytest.importorskip("rich", reason="the progress bar is drawn by the optional rich package")
    monkeypatch.setenv("COLUMNS", "200")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    history = gl.fit(
        model(), X, Y, epochs=3, batch_size=2, validation_data=(X, Y), metrics=["accuracy"]
    )
    lines = [line for line in ANSI.sub("", terminal.getvalue()).splitlines() if line.strip()]
    assert [line for line in lines if line.startswith("Epoch")] == [
        "Epoch 1/3",
        "Epoch 2/3",
        "Epoch 3/3",
    ]
    bar = re.compile(r"2/2 ━{20} \d+s \d+(?:s|ms|us)/step - (.*)")
    for epoch in range(3):
        end = lines[lines.index(f"Epoch {epoch + 1}/3") + 1]
        match = bar.fullmatch(end)
        assert match is not None, end
        assert match.group(1) == expected_logs(history, epoch, KERAS_ORDER)


class Slow(gl.training.Callback):
    """Makes each step last 60 ms and records the batch losses."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_batch_begin(self, batch, logs):
        time.sleep(0.06)

    def on_batch_end(self, batch, logs):
        self.losses.append(logs["loss"])


def test_while_an_epoch_runs_the_bar_shows_steps_eta_and_the_running_loss(monkeypatch):
    pytest.importorskip("rich", reason="the progress bar is drawn by the optional rich package")
    monkeypatch.setenv("COLUMNS", "200")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    slow = Slow()
    history = gl.fit(model(), X, Y, epochs=1, batch_size=1, shuffle=False, callbacks=[slow])
    shown_lines = re.split(r"[\r\n]", ANSI.sub("", terminal.getvalue()))
    for step in (1, 2, 3):  # each 60 ms step is longer than the 50 ms between redraws
        running = shown(float(np.mean(slow.losses[:step])))
        done = 5 * step
        expected = re.compile(
            rf"{step}/4 {'━' * done}{'─' * (20 - done)} ETA \d+s \d+(?:s|ms)/step - "
            rf"loss: {re.escape(running)}"
        )
        assert any(expected.fullmatch(line) for line in shown_lines), (step, shown_lines)
    final = f"loss: {shown(history.history['loss'][0])}"
    assert any(re.fullmatch(rf"4/4 ━{{20}} \d+s \d+(?:s|ms)/step - {final}", line)
               for line in shown_lines)  # fmt: skip


def test_the_bar_formatter_counts_down_the_eta_and_ends_with_the_epoch_time():
    running = bar_line(3, 12, 0.75, {"loss": 0.5}, finished=False)
    assert running == " 3/12 ━━━━━─────────────── ETA 2s 250ms/step - loss: 0.5000"
    logs = {"loss": 0.2345, "accuracy": 0.9123, "val_loss": 0.25, "val_accuracy": 0.9}
    end = bar_line(12, 12, 0.036, logs, finished=True)
    assert end == (
        "12/12 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - accuracy: 0.9123 - loss: 0.2345 - "
        "val_accuracy: 0.9000 - val_loss: 0.2500"
    )
    assert bar_line(1, 2, 125.0, {}, finished=False).endswith(" ETA 2:05 125s/step")


def test_bad_verbose_is_refused():
    with pytest.raises(ValueError, match="verbose must be 0, 1, 2 or 'auto'"):
        gl.fit(model(), X, Y, verbose=3)


def test_import_gradlab_does_not_import_rich():
    code = "import sys, gradlab; print('rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
