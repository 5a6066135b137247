"""Plain-text descriptions of a model: a Keras-style `summary_text` and an `info_text` listing.

`Module.summary()` and `Module.info()` call these.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from gradlab.nn.module import Module, Shape


def _rows(model: Module) -> list[tuple[str, Module]]:
    # A container (iterable, or children and no parameters of its own) is shown child by
    # child; an empty Sequential has no rows, as in Keras.
    if isinstance(model, Iterable) or (model._modules and not model._parameters):
        return list(model.named_children())
    return [(type(model).__name__.lower(), model)]


def _shape_text(shape: Shape | None) -> str:
    return "?" if shape is None else str(tuple(shape))  # (None, 4), and (None,) as in Keras


def _bytes(n: int) -> str:
    if n < 1024:
        return f"{n} B"
    if n < 1024**2:
        return f"{n / 1024:.2f} KB"
    return f"{n / 1024**2:.2f} MB"


def summary_text(model: Module) -> str:
    """The table of `Module.summary`: Layer (type) / Output Shape / Param #, with totals.

    Each layer states its output shape (`Module.output_shape`) from its sizes ("(None, 4)": any
    number of samples, 4 features), without running the model; "?" where it cannot.

    Examples
    --------
    >>> import gradlab as gl
    >>> print(summary_text(gl.nn.Linear(2, 1, rng=0)).splitlines()[4])
     linear (Linear)             (None, 1)                 3
    """
    table = summary_rows(model)
    widths = [max(28, *(len(row[0]) + 2 for row in table)), 26, 10]
    widths[1] = max(widths[1], *(len(row[1]) + 2 for row in table))
    width = sum(widths) + 1
    rows = [
        (" " + "".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))).rstrip()
        for row in table
    ]
    lines = [f'Model: "{type(model).__name__}"', "_" * width, rows[0], "=" * width, *rows[1:]]
    lines += ["=" * width, *summary_totals(model), "_" * width]
    return "\n".join(lines)


def summary_rows(model: Module) -> list[tuple[str, str, str]]:
    """The header (Layer (type), Output Shape, Param #) and one row per layer of `summary_text`.

    Examples
    --------
    >>> import gradlab as gl
    >>> summary_rows(gl.nn.Linear(2, 1, rng=0))[1]
    ('linear (Linear)', '(None, 1)', '3')
    """
    shape: Shape | None = None
    table = [("Layer (type)", "Output Shape", "Param #")]
    for name, child in _rows(model):
        shape = child.output_shape(shape)
        row = (
            f"{name} ({type(child).__name__})",
            _shape_text(shape),
            f"{child.num_parameters():,}",
        )
        table.append(row)
    return table


def summary_totals(model: Module) -> list[str]:
    """The total, trainable and non-trainable parameter counts and sizes, one line each."""
    parameters = list(model.parameters())
    total = sum(p.size for p in parameters)
    trainable = sum(p.size for p in parameters if p.requires_grad)
    size = sum(p.data.nbytes for p in parameters)
    trainable_size = sum(p.data.nbytes for p in parameters if p.requires_grad)
    return [
        f"Total params: {total:,} ({_bytes(size)})",
        f"Trainable params: {trainable:,} ({_bytes(trainable_size)})",
        f"Non-trainable params: {total - trainable:,} ({_bytes(size - trainable_size)})",
    ]


def summary_html(model: Module) -> str:
    """`summary_text` as an HTML table, what Jupyter shows for a model (``_repr_html_``)."""
    from gradlab.display import html_table

    header, *rows = summary_rows(model)
    return html_table(
        header,
        rows,
        caption=f'Model: "{type(model).__name__}"',
        footer="; ".join(summary_totals(model)),
        text_columns=2,
    )


def _array(values: np.ndarray, indent: str) -> str:
    text = np.array2string(values, separator=", ", precision=8, floatmode="maxprec")
    return indent + text.replace("\n", "\n" + indent)


def info_text(model: Module) -> str:
    """Every weight and bias with its values (and gradient, when there is one), layer by
    layer, in the manner of ``MyNeuralNetwork.info()`` in the Perceptron and generic MLP worked
    example; Linear layers are also shown neuron by neuron (bias, then the weights into that
    neuron: a column of W).

    Examples
    --------
    >>> import gradlab as gl
    >>> layer = gl.nn.Linear.from_values([[1.0], [2.0]], bias=[0.5])
    >>> print(info_text(layer).splitlines()[-1])
        neuron 0: bias 0.5, weights [1.0, 2.0]
    """
    parameters = list(model.parameters())
    total = sum(p.size for p in parameters)
    trainable = sum(p.size for p in parameters if p.requires_grad)
    lines = [
        f"========= [ {type(model).__name__}: {total:,} parameters "
        f"({trainable:,} trainable) ] =========",
    ]
    for prefix, module in model.named_modules():
        if module._modules and not module._parameters:
            continue
        label = f"{prefix}: " if prefix else ""
        lines.append(f"~~~~~~ [ {label}{module!r} ] ~~~~~~".replace("\n", " "))
        if not module._parameters:
            lines.append("    no parameters")
        for name, p in module._parameters.items():
            full = f"{prefix}.{name}" if prefix else name
            frozen = "" if p.requires_grad else ", frozen"
            lines.append(f"  {full}: shape {p.shape}, {p.dtype}{frozen}")
            lines.append(_array(p.data, "    "))
            if p.grad is not None:
                lines.append(f"  {full}.grad:")
                lines.append(_array(p.grad, "    "))
        lines += module.info_lines()
    return "\n".join(lines)
