"""Running the ``gradlab`` command as a subprocess, and reading what it writes."""

from __future__ import annotations

import os
import signal
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def gradlab(*args: object, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``python -m gradlab.cli.main ARGS`` in ``cwd``; stdout is a pipe, not a terminal."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "COLUMNS": "100"}
    return subprocess.run(
        [sys.executable, "-m", "gradlab.cli.main", *map(str, args)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        check=False,
    )


def assert_ok(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr


def assert_one_line_error(result: subprocess.CompletedProcess[str], command: str) -> str:
    """Exit status 2, no traceback, and exactly one line on stderr naming the command."""
    return assert_one_line_error_text(result.returncode, result.stderr, command)


def png_size(path: Path) -> tuple[int, int]:
    """Width and height from the PNG signature and IHDR chunk (the first chunk of every PNG)."""
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE, f"{path.name} is not a PNG"
    assert data[12:16] == b"IHDR", f"{path.name} has no IHDR chunk first"
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)


def assert_picture(path: Path, size: tuple[int, int] = (640, 480)) -> None:
    """A real PNG of ``size`` pixels that decodes to an image with more than one colour."""
    import matplotlib.image

    assert png_size(path) == size
    pixels = matplotlib.image.imread(path)
    assert pixels.shape[:2] == (size[1], size[0])
    assert np.ptp(pixels[..., :3]) > 0, f"{path.name} is blank"


def start_gradlab(*args: object, cwd: Path) -> subprocess.Popen[str]:
    """Start ``python -m gradlab.cli.main ARGS`` in ``cwd``, its output in pipes, to signal it.

    A suite started in the background (``&``, nohup, some CI runners) ignores SIGINT, and a
    child inherits that: it gets the default disposition, as from a terminal.
    """
    return subprocess.Popen(
        [sys.executable, "-m", "gradlab.cli.main", *map(str, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )


def listing(folder: Path) -> set[str]:
    """Every file and folder under ``folder`` (hidden ones included), as relative paths."""
    return {str(path.relative_to(folder)) for path in folder.rglob("*")}


def read_metadata(model_dir: Path) -> dict:
    """The metadata stored in a model folder's safetensors header, read with safetensors."""
    import json

    from safetensors import safe_open

    with safe_open(str(model_dir / "model.safetensors"), framework="numpy") as handle:
        header = handle.metadata()
    return json.loads(header["metadata"])


def forward(model_dir: Path, X: np.ndarray, activation: str = "relu") -> np.ndarray:
    """The network's outputs computed with NumPy from the stored weights (z = x W + b per layer).

    The layers are "0", "2", "4", ...: Linear layers with an activation module between them.
    """
    from safetensors.numpy import load_file

    tensors = load_file(str(model_dir / "model.safetensors"))
    indices = sorted({int(name.split(".")[0]) for name in tensors})
    out = np.asarray(X, dtype=np.float64)
    for position, index in enumerate(indices):
        weight = tensors[f"{index}.weight"].astype(np.float64)
        bias = tensors[f"{index}.bias"].astype(np.float64)
        out = out @ weight + bias
        if position < len(indices) - 1:
            assert activation == "relu"
            out = np.maximum(out, 0.0)
    return out


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def run_in_process(
    args: list[object],
    cwd: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> tuple[int, str, str]:
    """Run ``gradlab ARGS`` through `gradlab.cli.main.main` in this process (for the many
    smaller cases; the subprocess tests cover the process boundary)."""
    from gradlab.cli.main import main

    monkeypatch.chdir(cwd)
    try:
        code = main([str(arg) for arg in args])
    except SystemExit as stop:  # argparse: --help, bad option values
        code = int(stop.code or 0)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error_text(code: int, err: str, command: str) -> str:
    """Exit status 2, no traceback, and exactly one line ``gradlab COMMAND: error: ...``."""
    assert code == 2, f"exit {code}\n{err}"
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith(f"gradlab {command}: error: "), lines[0]
    return lines[0]
