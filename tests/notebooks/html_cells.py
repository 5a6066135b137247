"""The cells of the HTML tables gradlab's ``_repr_html_`` writes, read back with html.parser."""

from __future__ import annotations

from html.parser import HTMLParser


class _Cells(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self.caption = ""
        self._where: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag in ("td", "th"):
            self.rows[-1].append("")
            self._where = "cell"
        elif tag == "caption":
            self._where = "caption"

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th", "caption"):
            self._where = None

    def handle_data(self, data: str) -> None:
        if self._where == "cell":
            self.rows[-1][-1] += data
        elif self._where == "caption":
            self.caption += data


def table_rows(html: str) -> tuple[str, list[list[str]]]:
    """The caption and the rows (header first) of the table in ``html``."""
    parser = _Cells()
    parser.feed(html)
    return parser.caption, parser.rows
