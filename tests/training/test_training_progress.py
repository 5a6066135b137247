"""What fit prints: nothing at verbose=0 or off a terminal, a line per epoch at 2, a bar at 1."""

from __future__ import annotations

import io
import subprocess
import sys

import numpy as np
import pytest

import gradlab as gl

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


def test_verbose_2_prints_one_line_per_epoch(capsys):
    history = gl.fit(
        model(), X, Y, epochs=3, batch_size=2, validation_data=(X, Y), metrics=["accuracy"],
        verbose=2,
    )  # fmt: skip
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    for epoch, line in enumerate(lines):
        assert line.startswith(f"Epoch {epoch + 1}/3 - 2/2 steps - ")
        assert f"loss: {history.history['loss'][epoch]:.4g}" in line
        assert f"val_loss: {history.history['val_loss'][epoch]:.4g}" in line
        assert "accuracy: " in line


def test_verbose_1_off_a_terminal_falls_back_to_lines(capsys):
    gl.fit(model(), X, Y, epochs=2, verbose=1)
    assert capsys.readouterr().out.count("Epoch ") == 2


def test_auto_on_a_terminal_shows_a_rich_progress_bar(monkeypatch):
    pytest.importorskip("rich", reason="the progress bar is drawn by the optional rich package")
    terminal = Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    gl.fit(model(), X, Y, epochs=3, batch_size=2, validation_split=0.25)
    shown = terminal.getvalue()
    assert "Epoch 3/3" in shown
    assert "step 2/2" in shown
    assert "ETA" in shown
    assert "loss: " in shown and "val_loss: " in shown


def test_bad_verbose_is_refused():
    with pytest.raises(ValueError, match="verbose must be 0, 1, 2 or 'auto'"):
        gl.fit(model(), X, Y, verbose=3)


def test_import_gradlab_does_not_import_rich():
    code = "import sys, gradlab; print('rich' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
