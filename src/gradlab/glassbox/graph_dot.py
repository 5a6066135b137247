"""The computational graph as Graphviz DOT: each node with its op, value and gradient.

`to_dot` needs nothing but gradlab; `render_graph` calls Graphviz's ``dot`` program, when it is
installed, to make an SVG or PNG, and so does Jupyter, through `DotSource._repr_svg_`, when it
shows the DOT text as a cell's value.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.glassbox.formula import format_number
from gradlab.graph.walk import topological


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _show(values: np.ndarray | None, decimals: int | None) -> str:
    if values is None:
        return "-"
    array = np.asarray(values, dtype=np.float64)
    if array.size == 1:
        return format_number(float(array.reshape(-1)[0]), decimals)
    if array.size <= 6:
        return _nested(array, decimals)
    return f"shape {array.shape}, ‖·‖={format_number(float(np.linalg.norm(array)), decimals)}"


def _nested(array: np.ndarray, decimals: int | None) -> str:
    if array.ndim == 0:
        return format_number(float(array), decimals)
    return "[" + ", ".join(_nested(row, decimals) for row in array) + "]"


class DotSource(str):
    """Graphviz DOT text: a `str` in every way, which a notebook draws as SVG when Graphviz's
    ``dot`` program is installed (and shows as the text otherwise).

    Examples
    --------
    >>> source = DotSource("digraph { a -> b }")
    >>> source.upper()
    'DIGRAPH { A -> B }'
    """

    __slots__ = ()

    def _repr_svg_(self) -> str | None:
        if shutil.which("dot") is None:
            return None
        try:
            return _render(self, "svg").decode()
        except RuntimeError:
            return None  # Jupyter then shows the text, in which the mistake can be read

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def to_dot(
    root: Tensor, decimals: int | None = 4, labels: Mapping[int, str] | None = None
) -> DotSource:
    """Graphviz DOT source of the graph that computed ``root``.

    Every tensor is a node labelled with its name (``tensor.name``, or ``labels[id(tensor)]``),
    its op, its value and its gradient (``.grad``, after ``backward``); an edge goes from each
    input to the op that used it. Trainable leaves are blue ellipses, constants grey, op
    results boxes.

    Parameters
    ----------
    root : Tensor
        The result (usually the loss) whose graph to draw.
    decimals : int or None, default 4
        Decimals of the numbers shown.
    labels : mapping of id(tensor) to str, optional
        Names for tensors that have no ``.name`` (a `Trace` passes its own).

    Returns
    -------
    DotSource
        The DOT text (a `str`), drawn as SVG when a notebook shows it and Graphviz is installed.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.Tensor(2.0, requires_grad=True, name="w")
    >>> loss = (w * 3.0) ** 2
    >>> loss.backward()
    >>> print(gl.glassbox.to_dot(loss).splitlines()[0])
    digraph gradlab {
    """
    labels = dict(labels or {})
    order = topological(root)
    ids = {id(t): f"n{k}" for k, t in enumerate(order)}
    lines = [
        "digraph gradlab {",
        "  rankdir=LR;",
        '  node [fontname="Helvetica", fontsize=10];',
        '  edge [color="#555555"];',
    ]
    for t in order:
        name = t.name or labels.get(id(t), "")
        value = _show(t.data, decimals)
        grad = _show(t.grad, decimals) if t.requires_grad else None
        if t.is_leaf:
            kind = "parameter" if t.requires_grad else "constant"
            shape = "ellipse"
            fill = "#cfe2ff" if t.requires_grad else "#eeeeee"
        else:
            kind, shape, fill = t.op, "box", "#fff3cd" if t is root else "#ffffff"
        text = f"{name}\n{kind}" if name else kind
        text += f"\nvalue = {value}"
        if grad is not None:
            text += f"\ngrad = {grad}"
        lines.append(
            f"  {ids[id(t)]} [label={_quote(text)}, shape={shape}, style=filled, "
            f"fillcolor={_quote(fill)}];"
        )
    for t in order:
        for parent in t.parents:
            lines.append(f"  {ids[id(parent)]} -> {ids[id(t)]};")
    lines.append("}")
    return DotSource("\n".join(lines) + "\n")


def render_graph(source: str, path: str | os.PathLike[str], format: str | None = None) -> Path:
    """Render DOT ``source`` to ``path`` (SVG, PNG or PDF by its suffix) with Graphviz.

    The file is written atomically (a temporary file in the same folder, then renamed).

    Raises
    ------
    RuntimeError
        When Graphviz's ``dot`` program is not installed, or fails.
    """
    target = Path(path)
    fmt = (format or target.suffix.lstrip(".") or "svg").lower()
    if fmt not in ("svg", "png", "pdf"):
        raise ValueError(f"format must be 'svg', 'png' or 'pdf'; got {fmt!r}.")
    from gradlab.io.atomic import write_atomic

    write_atomic(target, _render(source, fmt))
    return target


def _render(source: str, fmt: str) -> bytes:
    """``source`` drawn by Graphviz's ``dot`` in format ``fmt``."""
    dot = shutil.which("dot")
    if dot is None:
        raise RuntimeError(
            "rendering needs Graphviz's 'dot' program, which is not installed; install "
            "Graphviz (apt install graphviz, brew install graphviz, conda install graphviz) "
            "or save the DOT text from to_dot() and render it elsewhere."
        )
    result = subprocess.run(
        [dot, f"-T{fmt}"], input=source.encode(), capture_output=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"dot failed: {result.stderr.decode(errors='replace').strip()}")
    return result.stdout
