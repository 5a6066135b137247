"""A trace as aligned plain-text tables, one per section, for the terminal."""

from __future__ import annotations

from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING

from gradlab.glassbox.formula import Style, format_number, to_ascii

if TYPE_CHECKING:
    from gradlab.glassbox.trace import LayerSummary, Step, Trace


def _row(step: Step, style: Style, decimals: int | None) -> list[str]:
    """[name, relation, formula with names, formula with numbers, value]; a part equal to the
    one before it is left empty, so no row says the same thing twice."""
    fmt = partial(format_number, decimals=decimals)
    relation = "<-" if style == "ascii" and step.relation == "←" else step.relation
    symbolic = step.symbolic(style)
    numbers = step.numbers(fmt, style)
    value = fmt(step.value)
    if numbers == symbolic:
        numbers = ""
    if value in (numbers, symbolic if not numbers else None):
        value = ""
    if step.note:
        value = f"{value}   ({step.note})" if value else f"({step.note})"
    return [step.name(style), relation, symbolic, numbers, value]


_WIDE = 56  # formulas longer than this get lines of their own instead of a padded column


def _table(rows: Sequence[list[str]], indent: str = "  ") -> list[str]:
    """Align rows: names, then the formula, the numbers and the value each in a column.

    A row with a formula wider than the columns allow is written over several lines, each
    part under the other (``= numbers`` then ``= value``)."""
    name_width = max(len(r[0]) for r in rows)
    narrow = [r for r in rows if len(r[2]) <= _WIDE and len(r[3]) <= _WIDE] or [
        ["", "", "", "", ""]
    ]
    widths = [max(len(r[k]) for r in narrow) for k in (2, 3)]
    lines = []
    for name, relation, symbolic, numbers, value in rows:
        head = f"{indent}{name.ljust(name_width)} {relation} "
        if not symbolic:
            lines.append((head + value).rstrip())
            continue
        if len(symbolic) > _WIDE or len(numbers) > _WIDE:
            pad = " " * (len(head) - 2)
            lines.append((head + symbolic).rstrip())
            lines += [f"{pad}= {part}" for part in (numbers, value) if part]
            continue
        text = symbolic.ljust(widths[0])
        if widths[1]:
            text += (" = " + numbers.ljust(widths[1])) if numbers else " " * (widths[1] + 3)
        if value:
            text += " = " + value
        lines.append((head + text).rstrip())
    return lines


def summary_table(rows: Sequence[LayerSummary]) -> list[list[str]]:
    """The per-layer summary as rows of strings (header first)."""

    def num(value: float | None) -> str:
        return "" if value is None else f"{value:.4g}"

    table = [
        [
            "layer",
            "output shape",
            "‖a‖",
            "‖∂L/∂a‖",
            "params",
            "‖W‖",
            "‖∂L/∂W‖",
            "‖b‖",
            "‖∂L/∂b‖",
            "‖update‖",
        ]
    ]
    for r in rows:
        table.append(
            [
                r.name,
                str(r.shape),
                num(r.activation_norm),
                num(r.activation_grad_norm),
                str(r.n_parameters) if r.n_parameters else "",
                num(r.weight_norm),
                num(r.weight_grad_norm),
                num(r.bias_norm),
                num(r.bias_grad_norm),
                num(r.update_norm),
            ]
        )
    return table


def _grid(table: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[k]) for row in table) for k in range(len(table[0]))]
    lines = []
    for n, row in enumerate(table):
        lines.append(
            "  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        )
        if n == 0:
            lines.append("  " + "  ".join("-" * w for w in widths))
    return lines


def render_text(trace: Trace, decimals: int | None, ascii: bool = False) -> str:
    """The whole trace as text; ``ascii=True`` spells ∂, δ, σ, · and ← in ASCII."""
    style: Style = "ascii" if ascii else "text"
    lines = [trace.title, ""]
    if trace.summary is not None:
        lines += [trace.message or "", ""]
        lines += _grid(summary_table(trace.summary))
        lines += ["", f"  loss L = {format_number(trace.loss, decimals)}"]
    for title, steps in trace.blocks():
        lines.append(title)
        lines += _table([_row(s, style, decimals) for s in steps])
        lines.append("")
    report = trace.check()
    if report.checked:
        lines.append(str(report))
    text = "\n".join(lines).rstrip() + "\n"
    return to_ascii(text) if ascii else text
