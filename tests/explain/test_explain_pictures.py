"""Pictures: the computational graph as Graphviz DOT (and SVG/PNG), the network with matplotlib."""

import os
import shutil
import struct

import matplotlib
import pytest
from explain_worked_models import RELU_2_2_1_NAMES, relu_2_2_1_model, sigmoid_3_4_1_model
from matplotlib.backends.backend_agg import FigureCanvasAgg

import gradlab as gl

matplotlib.use("Agg")


def relu_2_2_1_trace():
    return gl.explain(relu_2_2_1_model(), [1, 0], [2], loss="mse", lr=0.01, names=RELU_2_2_1_NAMES)


def sigmoid_3_4_1_trace():
    return gl.explain(sigmoid_3_4_1_model(), [0.0, 0.0, 1.0], [0.0])


@pytest.fixture(scope="module")
def trace():
    return relu_2_2_1_trace()


def test_dot_of_a_scalar_graph_has_op_value_and_gradient():
    w = gl.Tensor(2.0, requires_grad=True, name="w")
    loss = (w * 3.0 - 1.0) ** 2
    loss.backward()
    dot = gl.glassbox.to_dot(loss)
    assert dot.startswith("digraph gradlab {") and dot.rstrip().endswith("}")
    assert '"w\\nparameter\\nvalue = 2\\ngrad = 30"' in dot  # d/dw (3w - 1)^2 = 6 (3w - 1)
    assert "pow" in dot and "value = 25" in dot
    assert dot.count("->") == 3


def test_dot_of_a_trace_names_layers(trace):
    dot = trace.to_dot()
    assert "linear" in dot and "relu" in dot and "squared_error" in dot
    assert '"L\\nsquared_error\\nvalue = 0.25\\ngrad = 1"' in dot


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot program is not installed")
def test_render_svg(tmp_path, trace):
    path = gl.glassbox.render_graph(trace.to_dot(), tmp_path / "graph.svg")
    assert path.read_text().lstrip().startswith(("<?xml", "<svg"))


def test_render_writes_what_dot_prints_and_nothing_when_it_fails(tmp_path, monkeypatch, trace):
    # A stand-in for Graphviz's dot, first on PATH: it prints its format and the lines it read.
    bin_folder = tmp_path / "bin"
    bin_folder.mkdir()
    program = bin_folder / "dot"
    program.write_text('#!/bin/sh\nn=$(wc -l)\necho "$1 $n"\n')
    program.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_folder}:{os.environ['PATH']}")
    source = trace.to_dot()
    (tmp_path / "out").mkdir()
    path = gl.glassbox.render_graph(source, tmp_path / "out" / "graph.png")
    assert path.read_text() == f"-Tpng {source.count(chr(10))}\n"
    program.write_text("#!/bin/sh\necho 'syntax error in line 1' >&2\nexit 1\n")
    with pytest.raises(RuntimeError, match="dot failed: syntax error in line 1"):
        gl.glassbox.render_graph(source, tmp_path / "out" / "other.svg")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["graph.png"]


def test_render_without_graphviz_says_what_to_install(tmp_path, monkeypatch, trace):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(RuntimeError, match="install Graphviz"):
        gl.glassbox.render_graph(trace.to_dot(), tmp_path / "graph.svg")
    assert not list(tmp_path.iterdir())


def test_network_plot_is_a_png_of_the_requested_size(tmp_path, trace):
    figure = trace.plot_network()
    figure.set_size_inches(6, 4)
    path = tmp_path / "network.png"
    figure.savefig(path, dpi=50)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])  # the IHDR chunk
    assert (width, height) == (300, 200)
    texts = [t.get_text() for t in figure.axes[0].texts]
    assert any(t.startswith("w5=1\ngrad=1.5") for t in texts)
    assert any(t.startswith("a3\n2.5") for t in texts)


@pytest.mark.parametrize(
    "make_trace", [sigmoid_3_4_1_trace, relu_2_2_1_trace], ids=["3-4-1", "2-2-1"]
)
def test_network_plot_edge_labels_cover_neither_each_other_nor_neuron_text(make_trace):
    trace = make_trace()
    figure = trace.plot_network()
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    renderer = canvas.get_renderer()
    # Matplotlib's own measure of the drawn text, not the estimate the layout used.
    edge_labels, neuron_texts = [], []
    for text in figure.axes[0].texts:
        box = text.get_window_extent(renderer)
        (edge_labels if "\ngrad=" in text.get_text() else neuron_texts).append(box)
    assert len(edge_labels) == sum(len(edges) for edges in trace.network.edges)
    for i, a in enumerate(edge_labels):
        assert not any(a.overlaps(b) for b in edge_labels[i + 1 :])
        assert not any(a.overlaps(b) for b in neuron_texts)


def test_plot_needs_a_layered_network():
    w = gl.Tensor(1.0, requires_grad=True, name="w")
    with pytest.raises(ValueError, match="Sequential"):
        gl.explain((w * 2) ** 2).plot_network()
