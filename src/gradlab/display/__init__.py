"""How gradlab's results show themselves in Jupyter: small HTML tables for ``_repr_html_``
(`html_table`) and a matplotlib Figure that displays inline without ``%matplotlib inline``
(`gradlab.display.figure.NotebookFigure`, imported only when something is drawn).

This package needs nothing but the standard library and imports nothing else of gradlab, so
every layer may use it.
"""

from __future__ import annotations

from gradlab.display.html_table import elided, html_table

__all__ = ["elided", "html_table"]
