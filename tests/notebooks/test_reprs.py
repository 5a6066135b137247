"""How gradlab's results display, without a kernel: IPython's own DisplayFormatter (what a
notebook calls on a cell's value) on the figure, the gradient check, the history, the trace's
check and an estimator; the HTML tables' numbers against PyTorch or the values typed in."""

from __future__ import annotations

import io
import os
import pickle
import shutil

import numpy as np
import pytest
from html_cells import table_rows
from notebook_oracles import B1, B2, W1, W2, X, Y, network_gradients

import gradlab as gl
from gradlab.display import elided, html_table
from gradlab.glassbox.model_gradcheck import GradientCheck, GradientRow
from gradlab.training import History

formatters = pytest.importorskip("IPython.core.formatters", reason="needs IPython (ipykernel)")
matplotlib = pytest.importorskip("matplotlib", reason='needs pip install "gradlab[plot]"')
matplotlib.use("Agg")


def _shown(value: object) -> dict[str, object]:
    """The MIME bundle a notebook receives for ``value`` as a cell's result."""
    data, _metadata = formatters.DisplayFormatter().format(value)
    return data


def _network() -> gl.nn.Sequential:
    return gl.nn.Sequential(
        gl.nn.Linear.from_values(W1, B1),
        gl.nn.Sigmoid(),
        gl.nn.Linear.from_values(W2, B2),
        gl.nn.Sigmoid(),
    )


# ------------------------------------------------------------------------ html_table
def test_html_table_escapes_marks_and_elides():
    html = html_table(
        ["name", "value"],
        [["<w>", "1"], None, ["b&c", "2"]],
        caption="x < y",
        footer="done",
        marked=2,
    )
    caption, rows = table_rows(html)
    assert caption == "x < y"
    assert rows == [["name", "value"], ["<w>", "1"], ["⋮"], ["b&c", "2"]]
    assert "&lt;w&gt;" in html and "b&amp;c" in html and "<p>done</p>" in html
    assert html.count('class="marked"') == 1
    assert '<tr class="marked"><td class="text">b&amp;c' in html


def test_elided_keeps_head_and_tail():
    assert elided(0, 3, 3) == []
    assert elided(7, 3, 3) == list(range(7))
    assert elided(8, 3, 3) == [0, 1, 2, None, 5, 6, 7]


# ------------------------------------------------------------------------ figures
def test_the_network_figure_displays_as_a_png_and_stays_a_figure():
    from matplotlib.figure import Figure

    fig = gl.explain(_network(), X, Y, loss="mse").plot_network()
    assert isinstance(fig, Figure)
    bundle = _shown(fig)
    assert set(bundle) == {"text/plain", "image/png"}
    image = matplotlib.image.imread(io.BytesIO(bundle["image/png"]), format="png")
    assert image.ndim == 3 and image.shape[0] > 150 and image.shape[1] > 300
    assert image[..., :3].std() > 0.05  # something is drawn
    out = io.BytesIO()
    fig.savefig(out, format="svg")  # the Figure API is unchanged
    assert b"<svg" in out.getvalue()
    again = pickle.loads(pickle.dumps(fig))
    assert again._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_network_drawn_on_the_callers_axes_returns_the_callers_figure():
    from matplotlib.figure import Figure

    own = Figure()
    ax = own.add_subplot()
    assert gl.explain(_network(), X, Y, loss="mse").plot_network(ax=ax) is own


# ------------------------------------------------------------------------ GradientCheck
def test_gradient_check_repr_is_one_line_and_pretty_is_the_table():
    from IPython.lib.pretty import pretty

    check = gl.gradcheck(_network(), X, Y, loss="mse", symbolic=False)
    text = repr(check)
    assert "\n" not in text and "GradientRow" not in text
    assert text.startswith("<GradientCheck: 9 parameters; all agree; worst ")
    assert text.endswith(", eps=1e-06>")
    assert pretty(check) == str(check)


def test_gradient_check_html_holds_pytorchs_gradients_and_marks_the_worst():
    check = gl.gradcheck(_network(), X, Y, loss="mse", symbolic=False)
    html = _shown(check)["text/html"]
    _caption, rows = table_rows(html)
    expected = network_gradients()
    assert [row[0] for row in rows[1:]] == list(expected)
    for name, autograd, numeric, _error in rows[1:]:
        np.testing.assert_allclose(float(autograd), expected[name], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(float(numeric), expected[name], rtol=1e-6, atol=1e-9)
    assert html.count('class="marked"') == 1
    assert f'<tr class="marked"><td class="text">{check.worst.name}<' in html


def test_a_long_gradient_check_shows_the_first_rows_and_the_worst():
    rows = [GradientRow(f"w[{k}]", f"w[{k}]", 1.0, 1.0, None, 0.0, 0.0) for k in range(100)]
    rows[77] = GradientRow("w[77]", "w[77]", 2.0, 2.5, None, 0.5, 0.25)
    check = GradientCheck(rows, 1e-6)
    _caption, shown = table_rows(check._repr_html_())
    names = [row[0] for row in shown[1:]]
    assert names == [f"w[{k}]" for k in range(40)] + ["⋮", "w[77]"]
    assert shown[-1] == ["w[77]", "2", "2.5", "5.00e-01"]
    assert "60 rows left out" in check._repr_html_()
    assert "DISAGREEMENT" in repr(check)


# ------------------------------------------------------------------------ History
def _history(losses: list[float], accuracy_epochs: int | None = None) -> History:
    history = History()
    for epoch, loss in enumerate(losses):
        logs = {"loss": loss}
        if accuracy_epochs is None or epoch < accuracy_epochs:
            logs["accuracy"] = 0.5
        history.record(epoch, logs)
    return history


def test_history_html_lists_every_epoch_and_why_it_stopped():
    history = _history([0.75, 0.5, 0.3125])
    history.stop("tol", "the loss improved by less than tol=0.1 for 1 epoch.")
    html = _shown(history)["text/html"]
    caption, rows = table_rows(html)
    assert caption == "History: 3 epochs, stopped by tol"
    assert rows == [
        ["epoch", "loss", "accuracy"],
        ["1", "0.75", "0.5"],
        ["2", "0.5", "0.5"],
        ["3", "0.3125", "0.5"],
    ]
    assert "less than tol=0.1" in html
    assert repr(history) == "History(epochs=3, loss=0.3125, accuracy=0.5, stop_reason='tol')"


def test_a_long_history_shows_its_first_and_last_ten_epochs():
    losses = [1.0 / (k + 1) for k in range(30)]
    _caption, rows = table_rows(_history(losses)._repr_html_())
    epochs = [row[0] for row in rows[1:]]
    assert epochs == [str(k) for k in range(1, 11)] + ["⋮"] + [str(k) for k in range(21, 31)]
    assert rows[-1][1] == f"{1 / 30:.6g}"


def test_an_empty_history_and_a_metric_recorded_for_fewer_epochs():
    _caption, rows = table_rows(History()._repr_html_())
    assert rows == [["epoch"]]
    _caption, rows = table_rows(_history([0.5, 0.25], accuracy_epochs=1)._repr_html_())
    assert rows[1:] == [["1", "0.5", "0.5"], ["2", "0.25", ""]]


# ------------------------------------------------------------------------ the rest
def test_trace_and_its_check_display_briefly():
    trace = gl.explain(_network(), X, Y, loss="mse")
    bundle = _shown(trace)
    assert "text/html" in bundle and bundle["text/plain"].startswith("<Trace ")
    report = trace.check()
    assert repr(report) == f"<CheckReport: {report}>"
    assert _shown(report)["text/plain"] == str(report)


@pytest.mark.parametrize("name", ["MLPClassifier", "MLPRegressor", "Perceptron"])
def test_estimators_show_scikit_learns_html(name):
    import gradlab.sklearn

    estimator = getattr(gradlab.sklearn, name)(max_iter=3)
    html = _shown(estimator)["text/html"]
    assert name in html and "max_iter" in html


def test_a_tabular_model_shows_its_scores():
    pd = pytest.importorskip("pandas", reason='needs pip install "gradlab[data]"')
    rng = np.random.default_rng(0)
    a = rng.normal(size=60)
    frame = pd.DataFrame({"a": a, "b": rng.normal(size=60), "label": np.where(a > 0, "y", "n")})
    model = gl.tabular.fit(frame, target="label", epochs=5, seed=1)
    caption, rows = table_rows(_shown(model)["text/html"])
    assert caption == "TabularModel: 'label' (classification) from 2 inputs"
    assert rows[0] == ["part", "rows", "loss", "accuracy"]
    scores = model.metadata["training"]["scores"]
    for part, count, loss, accuracy in rows[1:]:
        assert int(count) == scores[part]["rows"]
        np.testing.assert_allclose(float(loss), scores[part]["loss"], rtol=0, atol=5e-5)
        np.testing.assert_allclose(float(accuracy), scores[part]["accuracy"], rtol=0, atol=5e-5)
    assert [row[0] for row in rows[1:]] == ["training", "validation"]


def test_a_model_shows_its_summary_table():
    model = gl.nn.MLP(2, [3], 1, rng=0)
    bundle = _shown(model)
    assert bundle["text/plain"] == repr(model)
    caption, rows = table_rows(bundle["text/html"])
    assert caption == 'Model: "MLP"'
    # 2·3 weights + 3 biases, then 3·1 + 1, in float64 (8 bytes each).
    assert rows == [
        ["Layer (type)", "Output Shape", "Param #"],
        ["0 (Linear)", "(None, 3)", "9"],
        ["1 (Sigmoid)", "(None, 3)", "0"],
        ["2 (Linear)", "(None, 1)", "4"],
        ["3 (Identity)", "(None, 1)", "0"],
    ]
    assert "Total params: 13 (104 B)" in bundle["text/html"]


def _fake_dot(folder, monkeypatch, script: str) -> None:
    """A ``dot`` program first on PATH (Graphviz itself need not be installed)."""
    program = folder / "dot"
    program.write_text("#!/bin/sh\n" + script)
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


def test_the_graph_is_drawn_as_svg_by_graphviz_when_shown(tmp_path, monkeypatch):
    trace = gl.explain(_network(), X, Y, loss="mse")
    dot = trace.to_dot()
    assert isinstance(dot, str) and dot.startswith("digraph gradlab {")
    # The fake dot echoes its format argument and the node count it was given.
    _fake_dot(tmp_path, monkeypatch, 'n=$(grep -c "label=")\necho "<svg>$1 $n</svg>"\n')
    bundle = _shown(dot)
    assert bundle["image/svg+xml"].strip() == f"<svg>-Tsvg {dot.count('label=')}</svg>"
    assert bundle["text/plain"] == str(dot)


def test_without_a_working_graphviz_the_graph_shows_as_text(tmp_path, monkeypatch):
    dot = gl.explain(_network(), X, Y, loss="mse").to_dot()
    _fake_dot(tmp_path, monkeypatch, "echo broken >&2\nexit 1\n")
    assert set(_shown(dot)) == {"text/plain"}
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert _shown(dot) == {"text/plain": str(dot)}


def test_a_symbolic_model_shows_its_loss_as_latex():
    sp = pytest.importorskip("sympy", reason='needs pip install "gradlab[sym]"')
    model = gl.nn.Sequential(gl.nn.Linear.from_values([[0.5]], [0.1]), gl.nn.Sigmoid())
    symbolic = gl.symbolic.build(model, [2.0], [1.0], loss="mse")
    assert repr(symbolic) == "<SymbolicModel: the loss in 2 parameter symbols>"
    w, b = sp.Symbol("W1[0,0]", real=True), sp.Symbol("b1[0]", real=True)
    loss = (1 / (1 + sp.exp(-(2 * w + b))) - 1) ** 2  # written by hand
    names = {w: "w^{(1)}_{0,0}", b: "b^{(1)}_{0}"}
    assert _shown(symbolic)["text/latex"] == f"$$ L = {sp.latex(loss, symbol_names=names)} $$"
    big = gl.symbolic.build(gl.nn.MLP(4, [6, 6], 1, rng=0), [[1.0, 2, 3, 4]], [1.0])
    assert len(big.latex(big.loss)) > big.LATEX_LIMIT and "text/latex" not in _shown(big)
