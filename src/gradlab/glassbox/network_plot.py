"""The network diagram the worked examples describe in words, drawn with matplotlib.

Neurons are circles in columns (inputs on the left), labelled with their name, activation value
and δ; each weight is an edge coloured by its sign and value (blue negative, red positive) and as
thick as its magnitude, labelled with its value and its gradient. Needs
``pip install "gradlab[plot]"``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from gradlab.glassbox.formula import format_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from gradlab.glassbox.trace import NetworkView, Trace


def _matplotlib() -> Any:
    try:
        import matplotlib

        from gradlab.display.figure import NotebookFigure
    except ImportError:
        raise ImportError(
            'plot_network needs matplotlib; install it with pip install "gradlab[plot]".'
        ) from None
    return matplotlib, NotebookFigure


Box = tuple[float, float, float, float]  # (left, bottom, right, top) in display pixels

_NEURON_AREA = 1400.0  # scatter marker area in points^2
_EDGE_FONTSIZE = 7.0
# Where along its edge a label may sit (0 at the source), in order of preference: near the
# source first, where the edges fanning out of one neuron are apart, then further along.
_LABEL_SPOTS = (0.35, 0.5, 0.65, 0.42, 0.58, 0.28, 0.72, 0.46, 0.54, 0.38, 0.62, 0.22, 0.78)


def _neuron_box(ax: Axes, x: float, y: float) -> Box:
    cx, cy = ax.transData.transform((x, y))
    radius = (_NEURON_AREA**0.5 / 2) * ax.figure.dpi / 72
    return cx - radius, cy - radius, cx + radius, cy + radius


def _text_box(ax: Axes, x: float, y: float, text: str, fontsize: float) -> Box:
    """The display box of ``text`` centred at data point (x, y), estimated from its lines.

    An estimate (0.6 em per character, 1.2 em per line, a little padding) rather than a
    measurement, so that placing labels needs no renderer.
    """
    cx, cy = ax.transData.transform((x, y))
    lines = text.split("\n")
    em = fontsize * ax.figure.dpi / 72
    half_width = (0.6 * max(len(line) for line in lines) + 0.4) * em / 2
    half_height = (1.2 * len(lines) + 0.4) * em / 2
    return cx - half_width, cy - half_height, cx + half_width, cy + half_height


def _overlap(a: Box, b: Box) -> float:
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    return width * height if width > 0 and height > 0 else 0.0


def _place_labels(
    ax: Axes, labels: list[tuple[float, float, float, float, str]], obstacles: list[Box]
) -> list[tuple[float, float, str]]:
    """A spot on each edge (x0, y0) -> (x1, y1) for its label: the first of `_LABEL_SPOTS`
    where it covers no neuron and no label placed before, else the one covering least."""
    placed = list(obstacles)
    spots = []
    for x0, y0, x1, y1, text in labels:
        best: tuple[float, float, float, Box] | None = None
        for t in _LABEL_SPOTS:
            x, y = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
            box = _text_box(ax, x, y, text, _EDGE_FONTSIZE)
            covered = sum(_overlap(box, other) for other in placed)
            if best is None or covered < best[0]:
                best = (covered, x, y, box)
            if covered == 0:
                break
        assert best is not None
        placed.append(best[3])
        spots.append((best[1], best[2], text))
    return spots


def plot_network(
    trace: Trace,
    ax: Axes | None = None,
    decimals: int | None = 3,
    figsize: tuple[float, float] | None = None,
    labels: bool | None = None,
) -> Figure:
    """Draw the network of a trace of a layered model.

    Parameters
    ----------
    trace : Trace
        From `gradlab.glassbox` on a `Sequential` / `MLP`.
    ax : matplotlib Axes, optional
        Where to draw; by default a new Figure (not attached to pyplot) is made, which a
        notebook shows as a picture without ``%matplotlib inline``.
    decimals : int or None, default 3
        Decimals of the numbers written on the picture.
    figsize : (width, height) in inches, optional
        Size of a new figure; by default it grows with the number of layers and neurons.
    labels : bool, optional
        Write values on neurons and edges; by default only for networks of up to 60 weights.

    Returns
    -------
    matplotlib.figure.Figure
        ``ax.figure`` when ``ax`` is given; else a new `gradlab.display.figure.NotebookFigure`
        (a Figure with ``_repr_png_``, so Jupyter displays it as a cell's value).

    Examples
    --------
    >>> import gradlab as gl
    >>> model = gl.nn.MLP(2, [2], 1, rng=0)
    >>> fig = gl.explain(model, [1.0, 0.0], [1.0]).plot_network()
    >>> len(fig.axes), fig._repr_png_()[1:4]
    (1, b'PNG')
    """
    matplotlib, Figure = _matplotlib()
    view = trace.network
    if view is None:
        raise ValueError(
            "this trace has no network to draw: plot_network needs a trace of a Sequential of "
            "Linear layers and activations (use trace.to_dot() for graphs)."
        )
    layout = _Layout(view)
    n_edges = sum(len(e) for e in view.edges)
    show = n_edges <= 60 if labels is None else labels
    if ax is None:
        fig = Figure(figsize=figsize or layout.figsize())
        ax = fig.add_subplot(1, 1, 1)
        fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.94)
    else:
        fig = ax.figure
    fmt = lambda v: format_number(v, decimals)  # noqa: E731
    # The limits come first: label placement measures in display space.
    ax.set_xlim(-0.6, layout.n_columns - 0.4)
    ax.set_ylim(-(layout.tallest - 1) / 2.0 - 0.8, (layout.tallest - 1) / 2.0 + 1.3)
    edge_labels = _draw_edges(ax, layout, matplotlib, fmt)
    neuron_boxes = _draw_neurons(ax, layout, show, fmt)
    if show:
        _write_edge_labels(ax, _place_labels(ax, edge_labels, neuron_boxes))
    _write_titles(ax, layout)
    ax.set_axis_off()
    ax.set_title(
        f"loss {fmt(trace.loss)}; edges: red positive, blue negative, width |w|", fontsize=9
    )
    return fig


class _Layout:
    """Where each neuron sits: column by layer, rows centred on 0."""

    def __init__(self, view: NetworkView) -> None:
        self.view = view
        self.n_columns = len(view.layers)
        self.tallest = max(len(column) for column in view.layers)

    def figsize(self) -> tuple[float, float]:
        """A size that grows with the number of layers and neurons."""
        return max(6.0, 2.6 * self.n_columns), max(4.0, 1.3 * self.tallest + 1.5)

    def position(self, column: int, row: int) -> tuple[float, float]:
        count = len(self.view.layers[column])
        return float(column), (count - 1) / 2.0 - row


def _draw_edges(
    ax: Axes, layout: _Layout, matplotlib: Any, fmt: Callable[[float], str]
) -> list[tuple[float, float, float, float, str]]:
    """Each weight as a line coloured by its value, as thick as its magnitude; returns the
    label each edge should carry, with its end points."""
    view = layout.view
    weights = [abs(e.weight) for edges in view.edges for e in edges] or [1.0]
    scale = max(weights) or 1.0
    colormap = matplotlib.colormaps["coolwarm"]
    norm = matplotlib.colors.Normalize(vmin=-scale, vmax=scale)
    edge_labels = []
    for column, edges in enumerate(view.edges):
        for edge in edges:
            x0, y0 = layout.position(column, edge.source)
            x1, y1 = layout.position(column + 1, edge.target)
            ax.plot(
                [x0, x1],
                [y0, y1],
                color=colormap(norm(edge.weight)),
                linewidth=0.6 + 3.4 * abs(edge.weight) / scale,
                zorder=1,
            )
            text = f"{edge.label.text}={fmt(edge.weight)}\ngrad={fmt(edge.grad)}"
            edge_labels.append((x0, y0, x1, y1, text))
    return edge_labels


def _draw_neurons(ax: Axes, layout: _Layout, show: bool, fmt: Callable[[float], str]) -> list[Box]:
    """Each neuron as a circle with its name and value (and δ and bias when ``show``);
    returns the circles' display boxes."""
    boxes = []
    for column, neurons in enumerate(layout.view.layers):
        for row, neuron in enumerate(neurons):
            x, y = layout.position(column, row)
            face = "#e8e8e8" if column == 0 else "#fff3cd"
            ax.scatter([x], [y], s=_NEURON_AREA, color=face, edgecolors="#333333", zorder=2)
            boxes.append(_neuron_box(ax, x, y))
            text = f"{neuron.label.text}\n{fmt(neuron.value)}"
            if show and neuron.delta is not None:
                text += f"\nδ={fmt(neuron.delta)}"
            ax.text(x, y, text, fontsize=7, ha="center", va="center", zorder=4)
            if show and neuron.bias is not None:
                ax.text(
                    x,
                    y - 0.32,
                    f"b={fmt(neuron.bias)}",
                    fontsize=6,
                    ha="center",
                    va="top",
                    color="#555555",
                    zorder=4,
                )
    return boxes


def _write_titles(ax: Axes, layout: _Layout) -> None:
    """ "input", then each layer's number and activation, above the columns."""
    activations = layout.view.activations
    titles = ["input"] + [f"layer {k + 1}\n{name}" for k, name in enumerate(activations)]
    for column, title in enumerate(titles):
        y = (layout.tallest - 1) / 2.0 + 0.75
        ax.text(column, y, title, ha="center", va="bottom", fontsize=9)


def _write_edge_labels(ax: Axes, spots: list[tuple[float, float, str]]) -> None:
    for x, y, text in spots:
        ax.text(
            x,
            y,
            text,
            fontsize=_EDGE_FONTSIZE,
            ha="center",
            va="center",
            zorder=3,
            bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8},
        )
