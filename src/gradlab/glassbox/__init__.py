"""The glass box: one training step with every forward value, chain-rule product and update
written out, checked against the engine, and drawn.

`explain` (also ``gl.explain(model, x, y, loss="mse", lr=0.01)``) returns a `Trace`. The
package also holds `check_gradients` (autograd vs finite
differences vs SymPy, per parameter), `to_dot` / `render_graph` (the computational graph in
Graphviz) and `plot_network` (a matplotlib diagram). SymPy, matplotlib and pandas are imported
only by the functions that use them.
"""

from __future__ import annotations

from typing import Any

from gradlab.glassbox.api import explain
from gradlab.glassbox.graph_dot import render_graph, to_dot
from gradlab.glassbox.model_gradcheck import GradientCheck, check_gradients
from gradlab.glassbox.trace import CheckReport, LayerSummary, Step, Trace

__all__ = [
    "CheckReport",
    "GradientCheck",
    "LayerSummary",
    "Step",
    "Trace",
    "check_gradients",
    "explain",
    "plot_network",
    "render_graph",
    "to_dot",
]


def plot_network(trace: Trace, ax: Any = None, decimals: int | None = 3) -> Any:
    """Draw a traced network with matplotlib (see `gradlab.glassbox.network_plot.plot_network`)."""
    from gradlab.glassbox.network_plot import plot_network as plot

    return plot(trace, ax=ax, decimals=decimals)
