"""`html_table`: one small HTML table, the shape of every ``_repr_html_`` in gradlab."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

_STYLE = (
    "<style>.gradlab-table table{border-collapse:collapse}"
    ".gradlab-table td,.gradlab-table th{padding:2px 10px;font-family:monospace;"
    "white-space:nowrap;text-align:right}"
    ".gradlab-table th{border-bottom:1px solid #999}"
    ".gradlab-table .text{text-align:left}"
    ".gradlab-table tr.marked td{font-weight:bold;background:#fff3cd}"
    ".gradlab-table caption{text-align:left;font-weight:bold;padding-bottom:4px}</style>"
)


def elided(count: int, head: int, tail: int) -> list[int | None]:
    """The row indices a table shows: all ``count`` when they fit in ``head + tail + 1``,
    else the first ``head``, None (a "⋮" row) and the last ``tail``.

    Examples
    --------
    >>> elided(4, 2, 1)
    [0, 1, 2, 3]
    >>> elided(10, 2, 1)
    [0, 1, None, 9]
    """
    if count <= head + tail + 1:
        return list(range(count))
    return [*range(head), None, *range(count - tail, count)]


def html_table(
    header: Sequence[str],
    rows: Sequence[Sequence[str] | None],
    *,
    caption: str = "",
    footer: str = "",
    text_columns: int = 1,
    marked: int | None = None,
) -> str:
    """An HTML fragment: a table of ``rows`` (strings, escaped here) under ``header``.

    Parameters
    ----------
    header : sequence of str
        The column titles.
    rows : sequence of (sequence of str, or None)
        The cells; a None row is drawn as "⋮" (rows left out).
    caption : str, optional
        A bold line above the table.
    footer : str, optional
        A line below the table.
    text_columns : int, default 1
        How many leading columns are text (left-aligned); the rest are numbers (right-aligned).
    marked : int, optional
        The index in ``rows`` of a row to highlight (the worst one, say).

    Examples
    --------
    >>> html = html_table(["name", "value"], [["w", "0.5"]], caption="a < b")
    >>> "<caption>a &lt; b</caption>" in html and "<td>0.5</td>" in html
    True
    """

    def cells(values: Sequence[str], tag: str) -> str:
        return "".join(
            f'<{tag} class="text">{escape(v)}</{tag}>'
            if k < text_columns
            else f"<{tag}>{escape(v)}</{tag}>"
            for k, v in enumerate(values)
        )

    parts = [_STYLE, '<div class="gradlab-table"><table>']
    if caption:
        parts.append(f"<caption>{escape(caption)}</caption>")
    parts.append(f"<thead><tr>{cells(header, 'th')}</tr></thead><tbody>")
    for index, row in enumerate(rows):
        if row is None:
            parts.append(f'<tr><td class="text" colspan="{len(header)}">⋮</td></tr>')
        else:
            mark = ' class="marked"' if index == marked else ""
            parts.append(f"<tr{mark}>{cells(row, 'td')}</tr>")
    parts.append("</tbody></table>")
    if footer:
        parts.append(f"<p>{escape(footer)}</p>")
    parts.append("</div>")
    return "".join(parts)
