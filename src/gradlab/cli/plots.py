"""The pictures ``gradlab train`` writes: loss curves, confusion matrix or parity plot, and the
decision boundary of a two-feature model. Each is a 640 x 480 PNG (6.4 x 4.8 inches at 100 dpi).

matplotlib is imported inside each function and drawn with the Agg canvas, never pyplot, so no
window opens and no global state changes.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

FIGSIZE = (6.4, 4.8)
DPI = 100
#: Beyond this many classes, class names on the axes and in legends would overlap unreadably
#: (and cost matplotlib seconds per thousand labels): they are left out.
MAX_LABELLED_CLASSES = 50


def _figure() -> Any:
    try:
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError('pictures need matplotlib: pip install "gradlab[plot]"') from error
    figure = Figure(figsize=FIGSIZE, dpi=DPI)
    FigureCanvasAgg(figure)
    return figure


def _save(figure: Any, path: Path) -> None:
    figure.savefig(path, dpi=DPI, format="png")


def plot_loss(
    history: dict[str, list[float]], path: Path, loss_name: str, kept_epoch: int | None = None
) -> None:
    """Training and validation loss per epoch, with the epoch whose weights were kept.

    Parameters
    ----------
    history : dict
        ``History.history``: ``"loss"`` and optionally ``"val_loss"``.
    path : pathlib.Path
        The PNG to write.
    loss_name : str
        The y-axis label, e.g. ``"cross-entropy"``.
    kept_epoch : int, optional
        The 1-based epoch early stopping restored: a dashed vertical line, and a ring on its
        validation loss.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> plot_loss({"loss": [1.0, 0.5]}, pathlib.Path(tempfile.mkdtemp()) / "loss.png", "MSE")
    """
    _save(loss_figure(history, loss_name, kept_epoch), path)


def loss_figure(
    history: dict[str, list[float]], loss_name: str, kept_epoch: int | None = None
) -> Any:
    """The figure `plot_loss` writes."""
    figure = _figure()
    axes = figure.add_subplot()
    epochs = np.arange(1, len(history["loss"]) + 1)
    axes.plot(epochs, history["loss"], marker=".", label="training")
    if history.get("val_loss"):
        axes.plot(epochs, history["val_loss"], marker=".", label="validation")
    if kept_epoch is not None and 1 <= kept_epoch <= epochs.size:
        axes.axvline(kept_epoch, color="0.4", linestyle="--", linewidth=1)
        curve = history.get("val_loss") or history["loss"]
        axes.plot(
            [kept_epoch], [curve[kept_epoch - 1]], "o", markersize=10, markerfacecolor="none",
            markeredgecolor="black", label=f"kept: epoch {kept_epoch}",
        )  # fmt: skip
    axes.set_xlabel("epoch")
    axes.set_ylabel(loss_name)
    axes.set_title("Loss per epoch")
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    return figure


def plot_confusion(matrix: np.ndarray, classes: Sequence[str], path: Path, title: str) -> None:
    """A confusion matrix: rows are true classes, columns predicted ones, counts in the cells."""
    figure = _figure()
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes)
    if len(classes) <= MAX_LABELLED_CLASSES:
        ticks = np.arange(len(classes))
        axes.set_xticks(ticks, labels=[str(label) for label in classes], rotation=45, ha="right")
        axes.set_yticks(ticks, labels=[str(label) for label in classes])
    axes.set_xlabel("predicted class")
    axes.set_ylabel("true class")
    axes.set_title(title)
    if len(classes) <= 20:
        threshold = matrix.max() / 2 if matrix.size else 0
        for (row, column), count in np.ndenumerate(matrix):
            colour = "white" if count > threshold else "black"
            axes.text(column, row, str(count), ha="center", va="center", color=colour, fontsize=8)
    figure.tight_layout()
    _save(figure, path)


def plot_parity(y_true: np.ndarray, y_pred: np.ndarray, path: Path, title: str) -> None:
    """Predicted against true values, with the line y = x where a perfect model would lie."""
    figure = _figure()
    axes = figure.add_subplot()
    axes.scatter(y_true, y_pred, s=12, alpha=0.7)
    low = float(min(np.min(y_true), np.min(y_pred)))
    high = float(max(np.max(y_true), np.max(y_pred)))
    axes.plot([low, high], [low, high], color="black", linewidth=1, label="predicted = true")
    axes.set_xlabel("true value")
    axes.set_ylabel("predicted value")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    axes.legend()
    figure.tight_layout()
    _save(figure, path)


def plot_decision_boundary(
    points: np.ndarray,
    values: np.ndarray,
    predict: Callable[[np.ndarray], np.ndarray],
    names: Sequence[str],
    path: Path,
    classes: Sequence[str] | None = None,
    resolution: int = 200,
) -> None:
    """The model's answer over the plane of two features, with the data on top.

    Parameters
    ----------
    points : numpy.ndarray, shape (n, 2)
        The rows' two feature values, in the file's units.
    values : numpy.ndarray, shape (n,)
        Their class indices (classification) or target values (regression).
    predict : callable
        Maps an (m, 2) array of feature values to class indices or predicted values.
    names : sequence of two str
        The axis labels.
    path : pathlib.Path
        The PNG to write.
    classes : sequence of str, optional
        The class labels; None for regression (the surface is then the predicted value).
    resolution : int
        Grid points per axis.

    Raises
    ------
    ValueError
        When the plane to draw is wider than float64 can hold.
    """
    figure = _figure()
    axes = figure.add_subplot()
    low, high = points.min(axis=0), points.max(axis=0)
    margin = np.where(high > low, (high - low) * 0.1, 1.0)
    grid_x, grid_y = np.meshgrid(
        np.linspace(low[0] - margin[0], high[0] + margin[0], resolution),
        np.linspace(low[1] - margin[1], high[1] + margin[1], resolution),
    )
    if not (np.all(np.isfinite(grid_x)) and np.all(np.isfinite(grid_y))):
        raise ValueError("the features' values span more than the float64 range")
    surface = predict(np.column_stack([grid_x.ravel(), grid_y.ravel()])).reshape(grid_x.shape)
    if classes is not None:
        palette = _palette(len(classes))
        levels = np.arange(len(classes) + 1) - 0.5
        axes.contourf(grid_x, grid_y, surface, levels=levels, colors=palette, alpha=0.35)
        labelled = len(classes) <= MAX_LABELLED_CLASSES
        for index, label in enumerate(classes if labelled else []):
            mask = values == index
            axes.scatter(
                points[mask, 0],
                points[mask, 1],
                s=14,
                color=palette[index],
                edgecolors="black",
                linewidths=0.3,
                label=str(label),
            )
        if labelled:
            axes.legend(title="class", fontsize=8)
        else:
            # One scatter for all: thousands of labelled series take minutes to draw.
            colours = np.asarray(palette)[np.asarray(values, dtype=np.int64)]
            axes.scatter(
                points[:, 0], points[:, 1], s=14, c=colours, edgecolors="black", linewidths=0.3
            )
        axes.set_title("Decision regions")
    else:
        contour = axes.contourf(grid_x, grid_y, surface, levels=20, cmap="viridis", alpha=0.8)
        figure.colorbar(contour, ax=axes, label="prediction")
        axes.scatter(
            points[:, 0],
            points[:, 1],
            c=values,
            cmap="viridis",
            s=14,
            edgecolors="black",
            linewidths=0.3,
        )
        axes.set_title("Predicted value over the two features")
    axes.set_xlabel(names[0])
    axes.set_ylabel(names[1])
    figure.tight_layout()
    _save(figure, path)


def _palette(n_colours: int) -> list[Any]:
    """Distinct colours for classes: matplotlib's tab10 (tab20 beyond ten classes), cycled."""
    from matplotlib import colormaps

    cmap = colormaps["tab10" if n_colours <= 10 else "tab20"]
    return [cmap(index % cmap.N) for index in range(n_colours)]
