"""A trace as Markdown: a table per section, formulas in ``$...$`` math (Jupyter, GitHub)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING

from gradlab.glassbox.formula import format_number, latex_number
from gradlab.glassbox.render_text import summary_table

if TYPE_CHECKING:
    from gradlab.glassbox.trace import Trace


def _math(text: str) -> str:
    return f"${text}$" if text else ""


def render_markdown(trace: Trace, decimals: int | None) -> str:
    """The whole trace as Markdown."""
    fmt = partial(format_number, decimals=decimals)
    lines = [f"**{trace.title}**", ""]
    if trace.summary is not None:
        lines += [trace.message or "", ""]
        table = summary_table(trace.summary)
        lines.append("| " + " | ".join(table[0]) + " |")
        lines.append("|" + "---|" * len(table[0]))
        lines += ["| " + " | ".join(row) + " |" for row in table[1:]]
        lines.append("")
    for title, steps in trace.blocks():
        lines += [
            f"#### {title}",
            "",
            "| quantity | formula | with numbers | value |",
            "|---|---|---|---|",
        ]
        for step in steps:
            relation = r"\leftarrow" if step.relation == "←" else "="
            name = _math(f"{step.name('latex')} {relation}")
            value = _math(latex_number(fmt(step.value)))
            if step.note:
                value += f" ({step.note})"
            lines.append(
                f"| {name} | {_math(step.symbolic('latex'))} | "
                f"{_math(step.numbers(fmt, 'latex'))} | {value} |"
            )
        lines.append("")
    report = trace.check()
    if report.checked:
        lines.append(str(report))
    return "\n".join(lines).rstrip() + "\n"
