"""`NotebookFigure`: a matplotlib Figure that Jupyter shows inline by itself.

gradlab draws on Figures made without pyplot (no window, no global state), and IPython only
knows how to show such a Figure once ``%matplotlib inline`` has registered its formatter.
This subclass carries its own ``_repr_png_``, so a Figure returned as a cell's value is shown
as a picture in any notebook; everything else (``savefig``, ``axes``, embedding it in a GUI)
is matplotlib's Figure unchanged. Needs ``pip install "gradlab[plot]"``.
"""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class NotebookFigure(Figure):
    """A `matplotlib.figure.Figure` with a PNG representation for Jupyter.

    Examples
    --------
    >>> fig = NotebookFigure(figsize=(2, 1))
    >>> fig._repr_png_()[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """

    def _repr_png_(self) -> bytes:
        """The figure as PNG bytes, trimmed to its drawing as ``%matplotlib inline`` does."""
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", bbox_inches="tight")
        return buffer.getvalue()
