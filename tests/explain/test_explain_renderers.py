"""Renderings of a trace: text, ASCII, Markdown, LaTeX, HTML, records, DataFrame, decimals."""

import pandas
import pytest
from explain_worked_models import RELU_2_2_1_NAMES, relu_2_2_1_model, sigmoid_2_3_1_model

import gradlab as gl


@pytest.fixture(scope="module")
def trace():
    return gl.explain(relu_2_2_1_model(), [1, 0], [2], loss="mse", lr=0.01, names=RELU_2_2_1_NAMES)


def flat(text: str) -> str:
    return " ".join(text.split())


def test_text_has_every_section(trace):
    text = trace.to_text()
    for title in ("Forward pass", "Loss", "Backward pass", "Gradients", "Update"):
        assert title in text
    assert str(trace) == text


def test_ascii_text_has_no_unicode(trace):
    text = trace.to_text(ascii=True)
    assert text.isascii()
    assert "dL/dw5 = dz3/dw5 * da3/dz3 * dL/da3" in flat(text)
    assert "w5 <- w5 - lr * dL/dw5 = 1 - 0.01*1.5 = 0.985" in flat(text)


def test_markdown_tables_with_latex_formulas(trace):
    md = trace.to_markdown()
    assert "| quantity | formula | with numbers | value |" in md
    assert r"$x_{1} \cdot w_{1} + x_{2} \cdot w_{3} + \mathrm{bias}_{1}$" in md
    assert r"$1 \cdot 1 + 0 \cdot 1 + 0.5$" in md
    assert r"\frac{\partial L}{\partial w_{5}}" in md


def test_latex_align_blocks(trace):
    tex = trace.to_latex()
    assert tex.count(r"\begin{align*}") == tex.count(r"\end{align*}") == 5
    assert (
        r"z_{1} &= x_{1} \cdot w_{1} + x_{2} \cdot w_{3} + \mathrm{bias}_{1} = "
        r"1 \cdot 1 + 0 \cdot 1 + 0.5 = 1.5" in tex
    )
    assert r"w_{5} &\leftarrow w_{5} - \eta \cdot \frac{\partial L}{\partial w_{5}}" in tex


def test_html_for_jupyter(trace):
    html = trace._repr_html_()
    assert html == trace.to_html()
    assert '<div class="gradlab-trace">' in html and "<table>" in html
    assert "x1·w1 + x2·w3 + bias1" in html


def test_records_and_frame(trace):
    records = trace.to_records()
    assert len(records) == len(trace.steps)
    z1 = next(r for r in records if r["name"] == "z1")
    assert z1["formula"] == "x1·w1 + x2·w3 + bias1"
    assert z1["numbers"] == "1·1 + 0·1 + 0.5"
    assert z1["value"] == 1.5 and z1["section"] == "forward" and z1["layer"] == 1
    frame = trace.to_frame()
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns[:3]) == ["section", "sample", "layer"]
    updates = frame[frame.section == "update"]
    assert updates.set_index("name").loc["w5", "value"] == pytest.approx(0.985, abs=1e-12)


def test_decimals_is_display_only():
    trace = gl.explain(sigmoid_2_3_1_model(), [2, 9], [0.92], loss="mse", lr=0.1)
    assert "0.6445" not in trace.to_text()
    assert "σ(0.5948) = 0.6445" in flat(trace.to_text(decimals=4))
    assert trace.value("a2[0]") != round(trace.value("a2[0]"), 4)
    rounded = gl.explain(sigmoid_2_3_1_model(), [2, 9], [0.92], loss="mse", lr=0.1, decimals=4)
    assert "= 2.87" in rounded.to_text()  # trailing zeros dropped: 2.87, not 2.8700
    assert rounded.to_records()[0]["value"] == trace.to_records()[0]["value"]


def test_lookup_errors_name_the_choices(trace):
    with pytest.raises(KeyError, match="known"):
        trace.gradient("w9")
    with pytest.raises(KeyError, match="rows"):
        trace.value("nothing")


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="lr"):
        gl.explain(relu_2_2_1_model(), [1, 0], [2], lr=-1)
    with pytest.raises(ValueError, match="detail"):
        gl.explain(relu_2_2_1_model(), [1, 0], [2], detail="everything")
    with pytest.raises(ValueError, match="in_features=2"):
        gl.explain(relu_2_2_1_model(), [1, 0, 3], [2])
    with pytest.raises(ValueError, match="y has shape"):
        gl.explain(relu_2_2_1_model(), [1, 0], [2, 3])
    with pytest.raises(ValueError, match="NaN"):
        gl.explain(relu_2_2_1_model(), [1, float("nan")], [2])
    with pytest.raises(ValueError, match="unknown keys"):
        gl.explain(relu_2_2_1_model(), [1, 0], [2], names={"1.weight": [["a"]]})
    with pytest.raises(ValueError, match="shape"):
        gl.explain(relu_2_2_1_model(), [1, 0], [2], names={"0.weight": [["a", "b"]]})
    with pytest.raises(ValueError, match="twice"):
        gl.explain(relu_2_2_1_model(), [1, 0], [2], names={"0.bias": ["a", "a"]})
