"""A notebook run by nbclient on this interpreter's kernel: gradlab's pictures arrive as PNGs
without ``%matplotlib inline``, and its results as HTML tables holding the right numbers.

One kernel runs one notebook; each test reads the outputs of its cells.
"""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
from html_cells import table_rows
from notebook_oracles import (
    B1,
    B2,
    EPOCHS,
    LINEAR_B,
    LINEAR_W,
    LINEAR_X,
    LINEAR_Y,
    LR,
    W1,
    W2,
    X,
    Y,
    linear_losses,
    network_gradients,
)

import gradlab

nbformat = pytest.importorskip("nbformat", reason='needs pip install "gradlab[test]"')
nbclient = pytest.importorskip("nbclient", reason='needs pip install "gradlab[test]"')
pytest.importorskip("ipykernel", reason='needs pip install "gradlab[test]"')
pytest.importorskip("matplotlib", reason='needs pip install "gradlab[plot]"')

PNG = b"\x89PNG\r\n\x1a\n"

CELLS = {
    "setup": f"""\
import gradlab as gl
network = gl.nn.Sequential(
    gl.nn.Linear.from_values({W1}, {B1}), gl.nn.Sigmoid(),
    gl.nn.Linear.from_values({W2}, {B2}), gl.nn.Sigmoid(),
)
trace = gl.explain(network, {X}, {Y}, loss="mse")
linear = gl.nn.Linear.from_values({LINEAR_W}, {LINEAR_B})
history = gl.fit(linear, {LINEAR_X}, {LINEAR_Y}, loss="mse", optimizer="sgd", lr={LR},
                 epochs={EPOCHS}, batch_size=4, shuffle=False, verbose=0)""",
    "plot_network": "trace.plot_network()",
    "gradcheck": f"gl.gradcheck(network, {X}, {Y}, loss='mse', symbolic=False)",
    "history": "history",
    "history_plot": "history.plot()",
    "trace": "trace",
    "check": "trace.check()",
    "model": "network",
    "plot_after_pyplot": "trace.plot_network()",
    "estimator": "from gradlab.sklearn import MLPRegressor\n"
    "MLPRegressor(hidden_layer_sizes=(3,), max_iter=7)",
}


def _kernel_spec(folder: Path) -> None:
    """A kernelspec for this very interpreter, with this checkout's gradlab first on the path
    and IPython's profile in ``folder``."""
    spec = folder / "gradlab-test"
    spec.mkdir(parents=True)
    source = str(Path(gradlab.__file__).parent.parent)
    path = os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")]))
    env = {"PYTHONPATH": path, "IPYTHONDIR": str(folder / "ipython")}
    spec.joinpath("kernel.json").write_text(
        json.dumps(
            {
                "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "gradlab test",
                "language": "python",
                "env": env,
            }
        )
    )


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list[dict]]:
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import KernelManager

    folder = tmp_path_factory.mktemp("kernels")
    _kernel_spec(folder)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(code) for code in CELLS.values()]
    manager = KernelManager(
        kernel_name="gradlab-test", kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(folder)])
    )
    with pytest.MonkeyPatch.context() as env:
        env.delenv("MPLBACKEND", raising=False)  # the kernel chooses its own, as in Jupyter
        env.setenv("JUPYTER_RUNTIME_DIR", str(folder / "runtime"))  # the connection file
        nbclient.NotebookClient(notebook, km=manager, timeout=120).execute()
    return {name: cell.outputs for name, cell in zip(CELLS, notebook.cells, strict=True)}


def _data(outputs: list[dict], mime: str) -> list:
    return [o["data"][mime] for o in outputs if mime in o.get("data", {})]


def _png_size(encoded: str) -> tuple[int, int]:
    raw = base64.b64decode(encoded)
    assert raw[:8] == PNG
    width, height = int.from_bytes(raw[16:20], "big"), int.from_bytes(raw[20:24], "big")
    return width, height


def test_the_network_diagram_is_a_png_without_matplotlib_inline(outputs):
    images = _data(outputs["plot_network"], "image/png")
    assert len(images) == 1
    width, height = _png_size(images[0])
    assert width > 300 and height > 150  # a drawing, not an empty canvas


def test_once_pyplot_is_inline_the_diagram_is_still_shown_once(outputs):
    # history.plot() imported pyplot, which registers the inline backend's Figure formatter.
    assert len(_data(outputs["plot_after_pyplot"], "image/png")) == 1
    assert not [o for o in outputs["plot_after_pyplot"] if o["output_type"] == "display_data"]


def test_the_history_plot_is_a_png(outputs):
    images = _data(outputs["history_plot"], "image/png")
    assert len(images) == 1
    assert min(_png_size(images[0])) > 100


def test_the_gradient_check_is_an_html_table_of_pytorchs_gradients(outputs):
    (html,) = _data(outputs["gradcheck"], "text/html")
    caption, rows = table_rows(html)
    assert "Gradient check" in caption
    expected = network_gradients()
    assert rows[0][:3] == ["parameter", "autograd", "finite diff (eps=1e-06)"]
    assert {row[0] for row in rows[1:]} == set(expected)
    for name, autograd, numeric, _error in rows[1:]:
        np.testing.assert_allclose(float(autograd), expected[name], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(float(numeric), expected[name], rtol=1e-6, atol=1e-9)
    (text,) = _data(outputs["gradcheck"], "text/plain")
    assert "GradientRow(" not in text and "◀ worst" in text


def test_the_history_is_an_html_table_of_pytorchs_losses(outputs):
    (html,) = _data(outputs["history"], "text/html")
    caption, rows = table_rows(html)
    assert caption == f"History: {EPOCHS} epochs, stopped by max_epochs"
    assert rows[0] == ["epoch", "loss"]
    assert [int(row[0]) for row in rows[1:]] == list(range(1, EPOCHS + 1))
    shown = [float(row[1]) for row in rows[1:]]
    np.testing.assert_allclose(shown, linear_losses(), rtol=1e-5, atol=1e-12)  # 6 digits shown


def test_the_trace_and_its_check_read_as_tables_and_one_line(outputs):
    assert "Forward" in _data(outputs["trace"], "text/html")[0]
    (text,) = _data(outputs["check"], "text/plain")
    assert text.startswith("✓ Checked: all") and "Step(" not in text


def test_a_model_shows_its_summary(outputs):
    (html,) = _data(outputs["model"], "text/html")
    caption, rows = table_rows(html)
    assert caption == 'Model: "Sequential"'
    assert [row[2] for row in rows[1:]] == ["6", "0", "3", "0"]  # 2·2 + 2 and 2·1 + 1


def test_an_estimator_shows_scikit_learns_html(outputs):
    (html,) = _data(outputs["estimator"], "text/html")
    assert "MLPRegressor" in html and "max_iter" in html
