"""`Trace`: the record of one training step, row by row, ready to render and to check.

A trace is data. Each `Step` is one line of the glass box: the quantity computed (``z1``,
``∂L/∂w5``, the new ``w5``), the formula that computes it written with names and with numbers,
and the value the engine computed. The renderers (text, Markdown, LaTeX, HTML, records) only
format these rows; `Trace.check` evaluates every written-out formula and compares it with the
engine's value, so the trace proves what it shows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from gradlab.engine import Tensor
from gradlab.glassbox.formula import Expr, Formatter, Label, Style, format_number

if TYPE_CHECKING:
    import pandas
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from gradlab.glassbox.graph_dot import DotSource

#: Section keys in the order a step is explained, with their titles.
SECTIONS = {
    "parameters": "Parameters",
    "forward": "Forward pass",
    "loss": "Loss",
    "backward": "Backward pass (chain rule, output to input)",
    "gradient": "Gradients",
    "batch": "Batch",
    "update": "Update",
}


@dataclass(frozen=True)
class Step:
    """One row of a trace: ``label relation formula = value``.

    Attributes
    ----------
    section : str
        One of `SECTIONS`: "parameters", "forward", "loss", "backward", "gradient", "batch",
        "update".
    kind : str
        What the row computes: "input", "weighted_sum", "activation", "output", "loss",
        "dL/da", "da/dz", "delta", "gradient", "batch_loss", "batch_gradient", "update",
        "penalized_gradient" and "optimizer_state" (an optimizer's step, `optimizer_step`),
        "node", "node_gradient", "parameter".
    label : Label
        The name of the quantity (``z1``, ``∂L/∂w5``, ``w5``).
    value : float
        The engine's value (for an update row, the parameter's new value).
    formula : Expr or None
        How it is computed; written with names and with numbers. None for given values.
    relation : str
        "=" for a computed value, "←" for an update.
    sample : int or None
        1-based index of the sample in the batch for per-sample rows; None for rows about the
        whole batch (and for a single sample).
    layer, neuron : int or None
        1-based layer number and 0-based neuron index, for neuron rows of layered networks.
    parameter : str or None
        For gradient and update rows: the parameter entry (``"0.weight[1,0]"``).
    note : str or None
        A remark shown after the value (e.g. a tensor's shape and norm).
    """

    section: str
    kind: str
    label: Label
    value: float
    formula: Expr | None = None
    relation: str = "="
    sample: int | None = None
    layer: int | None = None
    neuron: int | None = None
    parameter: str | None = None
    note: str | None = None

    def written(self) -> float | None:
        """The value of the written-out numbers (None where the formula is descriptive)."""
        return None if self.formula is None else self.formula.evaluate()

    def name(self, style: Style = "text") -> str:
        return self.label.render(style)

    def symbolic(self, style: Style = "text") -> str:
        """The formula with names (empty without a formula)."""
        if self.formula is None:
            return ""
        return self.formula.render(style, False, format_number)

    def numbers(self, fmt: Formatter, style: Style = "text") -> str:
        """The formula with numbers (empty without a formula)."""
        if self.formula is None:
            return ""
        return self.formula.render(style, True, fmt)


@dataclass(frozen=True)
class LayerSummary:
    """One row of the per-layer summary shown for networks too large to print number by number.

    Norms are Euclidean (Frobenius) norms over every entry; ``update_norm`` is the norm of the
    change the update makes to the layer's parameters, lr·‖∂L/∂θ‖ for gradient descent.
    """

    name: str
    shape: tuple[int, ...]
    activation_norm: float
    activation_grad_norm: float | None
    n_parameters: int = 0
    weight_norm: float | None = None
    weight_grad_norm: float | None = None
    bias_norm: float | None = None
    bias_grad_norm: float | None = None
    update_norm: float | None = None


@dataclass(frozen=True)
class NeuronView:
    """A neuron (or input) as the network picture draws it."""

    label: Label
    value: float
    delta: float | None = None
    bias: float | None = None


@dataclass(frozen=True)
class EdgeView:
    """A weight as the network picture draws it: from neuron ``source`` of one layer to
    neuron ``target`` of the next."""

    source: int
    target: int
    label: Label
    weight: float
    grad: float


@dataclass(frozen=True)
class NetworkView:
    """What the network diagram needs: ``layers[0]`` are the inputs, ``edges[l]`` join
    ``layers[l]`` to ``layers[l + 1]``; values are those of the first sample."""

    layers: list[list[NeuronView]]
    edges: list[list[EdgeView]]
    activations: list[str]


@dataclass(frozen=True)
class CheckReport:
    """The outcome of `Trace.check`: how many written formulas were evaluated and the worst
    relative difference from the engine's values."""

    checked: int
    worst_difference: float
    worst_step: Step | None
    tolerance: float

    @property
    def passed(self) -> bool:
        return self.worst_difference <= self.tolerance

    def __str__(self) -> str:
        if self.checked == 0:
            return "No written-out formula to check."
        if self.passed:
            return (
                f"✓ Checked: all {self.checked} written-out formulas give the engine's values "
                f"(largest relative difference {self.worst_difference:.1e})."
            )
        assert self.worst_step is not None
        return (
            f"✗ MISMATCH: {self.worst_step.label.text} is {self.worst_step.value!r} in the engine "
            f"but its written formula gives {self.worst_step.written()!r} "
            f"(relative difference {self.worst_difference:.1e} > {self.tolerance:.0e})."
        )

    def __repr__(self) -> str:
        return f"<CheckReport: {self}>"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


@dataclass
class Trace:
    """One training step of a network or a scalar graph, every number shown and checked.

    Made by `gradlab.glassbox`. Print it (aligned text), or call `to_markdown`, `to_latex`,
    `to_html` (also shown by Jupyter), `to_records`, `to_frame`, `to_dot`, `plot_network`.

    Attributes
    ----------
    title : str
        One line saying what was explained.
    steps : list of Step
        The rows, in the order they are explained.
    loss : float
        The loss of the (whole) batch, from the engine.
    lr : float
        Learning rate of the gradient-descent update shown.
    n_samples : int
    reduction : str or None
        How the loss combines entries and samples ("mean", "sum", "half_sum"); None if unknown.
    gradients : dict of str to float
        dL/dθ of the whole batch for every parameter entry, by label (``"w5"``), from the engine.
    new_values : dict of str to float
        θ - lr·dL/dθ for every parameter entry, by label, from the optimizer.
    summary : list of LayerSummary or None
        The per-layer summary, for networks too large to print number by number.
    message : str or None
        Why the summary is shown instead of every number.
    decimals : int or None
        Default number of decimals of the renderers (display only).
    update_rule : str or None
        The optimizer step the update rows write, when not plain gradient descent
        (`gradlab.glassbox.optimizer_update.optimizer_step` sets it).
    """

    title: str
    steps: list[Step]
    loss: float
    lr: float
    n_samples: int
    reduction: str | None
    gradients: dict[str, float] = field(default_factory=dict)
    new_values: dict[str, float] = field(default_factory=dict)
    summary: list[LayerSummary] | None = None
    message: str | None = None
    decimals: int | None = None
    network: NetworkView | None = None
    graph: Tensor | None = None
    node_labels: dict[int, str] = field(default_factory=dict)
    tolerance: float = 1e-9
    update_rule: str | None = None

    # ------------------------------------------------------------------ looking things up
    def find(self, name: str, section: str | None = None, sample: int | None = None) -> list[Step]:
        """The steps whose label is ``name`` (text or ASCII spelling), optionally restricted
        to a section and a sample."""
        found = []
        for step in self.steps:
            if name not in (step.label.text, step.label.render("ascii")):
                continue
            if section is not None and step.section != section:
                continue
            if sample is not None and step.sample != sample:
                continue
            found.append(step)
        return found

    def value(self, name: str, section: str | None = None, sample: int | None = None) -> float:
        """The engine's value of the one quantity called ``name``.

        Examples
        --------
        >>> import gradlab as gl
        >>> model = gl.nn.Sequential(
        ...     gl.nn.Linear.from_values([[1.0], [1.0]], [0.5]), gl.nn.ReLU()
        ... )
        >>> trace = gl.explain(model, [1.0, 0.0], [2.0])
        >>> trace.value("z1[0]")
        1.5
        """
        found = self.find(name, section, sample)
        if len(found) != 1:
            where = [(s.section, s.sample) for s in self.find(name)]
            raise KeyError(
                f"{len(found)} rows are called {name!r} (section={section!r}, "
                f"sample={sample!r}); rows with that name are in {where}."
            )
        return found[0].value

    def gradient(self, name: str) -> float:
        """dL/dθ of the batch for the parameter entry called ``name`` (``"w5"``)."""
        if name not in self.gradients:
            raise KeyError(f"no parameter called {name!r}; known: {list(self.gradients)}.")
        return self.gradients[name]

    def new_value(self, name: str) -> float:
        """The value of parameter entry ``name`` after the update."""
        if name not in self.new_values:
            raise KeyError(f"no parameter called {name!r}; known: {list(self.new_values)}.")
        return self.new_values[name]

    # ------------------------------------------------------------------------ checking
    def check(self) -> CheckReport:
        """Evaluate every written-out formula and compare it with the engine's value.

        The relative difference |written - engine| / max(1, |engine|) must stay within
        ``tolerance`` (1e-9 in float64, 1e-4 in float32): what the trace writes is exactly
        what the engine computed, up to rounding.
        """
        checked, worst, worst_step = 0, 0.0, None
        for step in self.steps:
            written = step.written()
            if written is None:
                continue
            checked += 1
            if math.isfinite(written) and math.isfinite(step.value):
                difference = abs(written - step.value) / max(1.0, abs(step.value))
            else:
                difference = 0.0 if written == step.value else math.inf
            if difference > worst or worst_step is None:
                worst, worst_step = difference, step
        return CheckReport(checked, worst, worst_step, self.tolerance)

    # ---------------------------------------------------------------------- rendering
    def to_text(self, decimals: int | None = None, ascii: bool = False) -> str:
        """Aligned plain-text tables, one per section (``ascii=True`` for plain terminals)."""
        from gradlab.glassbox.render_text import render_text

        return render_text(self, self._decimals(decimals), ascii=ascii)

    def to_markdown(self, decimals: int | None = None) -> str:
        """Markdown: one table per section, formulas in ``$...$`` math."""
        from gradlab.glassbox.render_markdown import render_markdown

        return render_markdown(self, self._decimals(decimals))

    def to_latex(self, decimals: int | None = None) -> str:
        """LaTeX: one ``align*`` block per section (needs amsmath)."""
        from gradlab.glassbox.render_latex import render_latex

        return render_latex(self, self._decimals(decimals))

    def to_html(self, decimals: int | None = None) -> str:
        """HTML tables, as Jupyter shows a trace."""
        from gradlab.glassbox.render_html import render_html

        return render_html(self, self._decimals(decimals))

    def _repr_html_(self) -> str:
        return self.to_html()

    def __str__(self) -> str:
        return self.to_text()

    def __repr__(self) -> str:
        return (
            f"<Trace {self.title!r}: {len(self.steps)} rows, loss {self.loss:.6g}, lr {self.lr:g}>"
        )

    def to_records(self, decimals: int | None = None) -> list[dict[str, Any]]:
        """One dict per row: section, sample, layer, neuron, parameter, kind, name, formula
        (with names), numbers (with numbers, at ``decimals``), value (full precision) and
        written (the written numbers evaluated). Summary rows when the trace is a summary."""
        from gradlab.glassbox.render_records import records

        return records(self, self._decimals(decimals))

    def to_json(self, decimals: int | None = None) -> dict[str, Any]:
        """JSON-ready data: title, loss, check, and the rows in titled blocks, each row its
        record (`to_records`) and its LaTeX (name, relation, right-hand side), as the
        playground's page shows them; non-finite numbers become text.

        Examples
        --------
        >>> import gradlab as gl
        >>> model = gl.nn.Sequential(gl.nn.Linear.from_values([[1.0], [1.0]], [0.5]))
        >>> data = gl.explain(model, [1.0, 0.0], [2.0]).to_json()
        >>> row = data["blocks"][-1]["rows"][0]
        >>> row["parameter"], row["value"], row["latex"]["relation"]
        ('0.weight[0,0]', 1.01, '\\\\leftarrow')
        """
        from gradlab.glassbox.render_json import render_json

        return render_json(self, self._decimals(decimals))

    def to_frame(self, decimals: int | None = None) -> pandas.DataFrame:
        """`to_records` as a pandas DataFrame (needs ``pip install "gradlab[data]"``)."""
        try:
            import pandas
        except ImportError:
            raise ImportError(
                'Trace.to_frame needs pandas; install it with pip install "gradlab[data]".'
            ) from None
        return pandas.DataFrame(self.to_records(decimals))

    def to_dot(self, decimals: int | None = 4) -> DotSource:
        """The computational graph of this step in Graphviz DOT (op, value, gradient per node);
        a notebook draws it as SVG when Graphviz is installed."""
        from gradlab.glassbox.graph_dot import to_dot

        if self.graph is None:
            raise ValueError("this trace holds no graph (it was built without one).")
        return to_dot(self.graph, decimals=decimals, labels=self.node_labels)

    def plot_network(self, ax: Axes | None = None, decimals: int | None = 3) -> Figure:
        """Draw the network: neurons with values and deltas, edges coloured and sized by
        weight (needs ``pip install "gradlab[plot]"``).

        A new figure is a `gradlab.display.figure.NotebookFigure`: Jupyter shows it as a
        picture without ``%matplotlib inline``.
        """
        from gradlab.glassbox.network_plot import plot_network

        return plot_network(self, ax=ax, decimals=decimals)

    def _decimals(self, decimals: int | None) -> int | None:
        return self.decimals if decimals is None else decimals

    def blocks(self) -> list[tuple[str, list[Step]]]:
        """The rows grouped into consecutive blocks with a title each (for the renderers)."""
        result: list[tuple[str, list[Step]]] = []
        key: tuple[str, int | None] | None = None
        for step in self.steps:
            here = (step.section, step.sample)
            if here != key:
                result.append((self._block_title(step), []))
                key = here
            result[-1][1].append(step)
        return result

    def _block_title(self, step: Step) -> str:
        title = SECTIONS.get(step.section, step.section)
        if step.section == "update" and self.update_rule is not None:
            title = f"Update ({self.update_rule})"
        elif step.section == "update":
            title = f"Update (gradient descent, lr = {self.lr:g}): θ ← θ - lr·∂L/∂θ"
        elif step.section == "batch":
            how = {"mean": "mean", "sum": "sum", "half_sum": "half of the sum"}.get(
                self.reduction or "", "combination"
            )
            title = f"Batch: loss and gradients as the {how} over the {self.n_samples} samples"
        if step.sample is not None:
            title = f"Sample {step.sample} of {self.n_samples} · {title}"
        return title
