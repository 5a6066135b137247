"""A trace as HTML tables (what Jupyter shows through ``Trace._repr_html_``)."""

from __future__ import annotations

from functools import partial
from html import escape
from typing import TYPE_CHECKING

from gradlab.glassbox.formula import format_number
from gradlab.glassbox.render_text import summary_table

if TYPE_CHECKING:
    from gradlab.glassbox.trace import Trace

_STYLE = (
    "<style>.gradlab-trace table{border-collapse:collapse;margin-bottom:0.8em}"
    ".gradlab-trace td,.gradlab-trace th{padding:2px 10px;text-align:left;"
    "font-family:monospace;white-space:nowrap}"
    ".gradlab-trace th{border-bottom:1px solid #999}"
    ".gradlab-trace td.value{text-align:right;font-weight:bold}</style>"
)


def render_html(trace: Trace, decimals: int | None) -> str:
    """The whole trace as an HTML fragment."""
    fmt = partial(format_number, decimals=decimals)
    parts = [_STYLE, '<div class="gradlab-trace">', f"<p><b>{escape(trace.title)}</b></p>"]
    if trace.summary is not None:
        parts.append(f"<p>{escape(trace.message or '')}</p><table>")
        table = summary_table(trace.summary)
        parts.append("<tr>" + "".join(f"<th>{escape(c)}</th>" for c in table[0]) + "</tr>")
        for row in table[1:]:
            parts.append("<tr>" + "".join(f"<td>{escape(c)}</td>" for c in row) + "</tr>")
        parts.append("</table>")
    for title, steps in trace.blocks():
        parts.append(f"<h4>{escape(title)}</h4><table>")
        parts.append(
            "<tr><th>quantity</th><th></th><th>formula</th><th>with numbers</th><th>value</th></tr>"
        )
        for step in steps:
            value = fmt(step.value) + (f" ({step.note})" if step.note else "")
            cells = [step.name(), step.relation, step.symbolic(), step.numbers(fmt)]
            parts.append(
                "<tr>"
                + "".join(f"<td>{escape(c)}</td>" for c in cells)
                + f'<td class="value">{escape(value)}</td></tr>'
            )
        parts.append("</table>")
    report = trace.check()
    if report.checked:
        parts.append(f"<p>{escape(str(report))}</p>")
    parts.append("</div>")
    return "\n".join(parts)
