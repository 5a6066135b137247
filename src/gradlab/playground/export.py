"""What the page exports: Python code that rebuilds the network, its model file, the step's
trace as Markdown or LaTeX."""

from __future__ import annotations

import os
import tempfile
from typing import Any

from gradlab.nn import Linear
from gradlab.playground.session import Session
from gradlab.playground.state import SettingsError

SUFFIX = {"markdown": "md", "latex": "tex"}


def python_code(session: Session) -> str:
    """A script that builds the session's network with its current weights, exactly (a float's
    ``repr`` reads back as the same float), and one step of its training settings."""
    settings = session.settings
    lines = [
        '"""The network of a gradlab playground session, with its weights as they are now."""',
        "",
        "import gradlab as gl",
        "",
        "model = gl.nn.Sequential(",
    ]
    modules = list(session.model)
    for linear, activation in zip(modules[::2], modules[1::2], strict=True):
        assert isinstance(linear, Linear)
        bias = "" if linear.bias is None else f", bias={linear.bias.data.tolist()!r}"
        lines.append(f"    gl.nn.Linear.from_values({linear.weight.data.tolist()!r}{bias}),")
        lines.append(f"    gl.nn.activations.get({_activation_name(activation)!r}),")
    lines += [
        ")",
        f"loss = {settings['loss']!r}",
        f"optimizer = gl.optim.get({settings['optimizer']!r}, model.parameters(), "
        f"lr={settings['lr']!r})",
        f"batch_size = {settings['batch_size']!r}",
    ]
    if session.penalty is not None:
        name = type(session.penalty).__name__
        lines += [
            f"from gradlab.training.penalty import {name}",
            "",
            "weights = [m.weight for m in model if isinstance(m, gl.nn.Linear)]",
            f"penalty = {name}(weights, alpha={settings['reg_rate']!r})  # for gl.training.Trainer",
        ]
    if session.data.X.shape[0] <= 16:
        lines += [
            f"X = {session.data.X.tolist()!r}",
            f"y = {session.data.targets(session.data.train, session.loss_name).tolist()!r}",
            "print(gl.explain(model, X, y, loss=loss, lr=optimizer.param_groups[0]['lr']))",
        ]
    return "\n".join(lines) + "\n"


def _activation_name(module: Any) -> str:
    return str(getattr(module, "name", "identity"))


def trace_text(session: Session, kind: str) -> str:
    """The last step's trace as Markdown or LaTeX."""
    trace = session.last_trace
    if trace is None:
        raise SettingsError("press Step first: the export is the trace of the last step")
    return trace.to_markdown() if kind == "markdown" else trace.to_latex()


def model_file(session: Session) -> bytes:
    """The network in gradlab's model file (``gl.save``; ``gl.load`` reads it back)."""
    from gradlab.io import save

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "network.safetensors")
        try:
            save(session.model, path, metadata={"source": "gradlab playground"})
        except ImportError as error:
            raise SettingsError(str(error)) from None
        with open(path, "rb") as file:
            return file.read()
