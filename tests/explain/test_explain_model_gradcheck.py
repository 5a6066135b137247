"""check_gradients: autograd vs finite differences vs SymPy, one row per parameter entry."""

import numpy as np
import pytest
import torch
from explain_worked_models import sigmoid_2_3_1_model

import gradlab as gl


def _sigmoid_2_3_1_output_weight_gradient() -> torch.Tensor:
    """The 2-3-1 sigmoid network's output weights after PyTorch (float64) backpropagated its
    squared error."""
    w = torch.tensor([[0.9], [-0.5], [0.08]], dtype=torch.float64, requires_grad=True)
    hidden = torch.sigmoid(
        torch.tensor([[2.0, 9.0]], dtype=torch.float64)
        @ torch.tensor([[0.15, 0.5, 0.05], [0.23, 0.8, -0.05]], dtype=torch.float64)
        + 0.5
    )
    ((torch.sigmoid(hidden @ w + 0.2) - 0.92) ** 2).sum().backward()
    return w


def test_sigmoid_2_3_1_rows_agree_with_pytorch():
    check = gl.glassbox.check_gradients(sigmoid_2_3_1_model(), [2, 9], [0.92], loss="mse")
    assert len(check.rows) == 13 and check.passed()
    assert all(row.symbolic is not None for row in check.rows)
    w = _sigmoid_2_3_1_output_weight_gradient()
    by_name = {row.name: row for row in check.rows}
    for i in range(3):
        row = by_name[f"W2[{i},0]"]
        for value in (row.autograd, row.symbolic):
            assert value == pytest.approx(w.grad[i, 0].item(), rel=1e-10)
        assert row.finite_difference == pytest.approx(w.grad[i, 0].item(), rel=1e-6)


def test_the_table_marks_the_worst_row():
    check = gl.glassbox.check_gradients(sigmoid_2_3_1_model(), [2, 9], [0.92], loss="mse")
    text = str(check)
    assert text.count("◀ worst") == 1
    worst_line = next(line for line in text.splitlines() if "◀ worst" in line)
    assert worst_line.startswith(check.worst.name)
    assert "symbolic" in text.splitlines()[0]
    assert check.worst.error == max(row.error for row in check.rows)
    assert list(check.to_frame().columns)[:3] == ["name", "parameter", "autograd"]


def test_a_wrong_gradient_is_caught():
    # An op whose backward is wrong for negative inputs (2t + 1 instead of 2t): finite
    # differences expose it at w[1] only, where t = w[1] * 2 = -2 (error |1 * 2| = 2).
    def bad_square(t):
        return gl.engine.node(t.data**2, (t,), lambda g: ((2 * t.data + (t.data < 0)) * g,), "bad")

    w = gl.Tensor(np.array([0.5, -1.0]), requires_grad=True, name="w")
    check = gl.glassbox.check_gradients(
        lambda x: bad_square(w * x).sum(), [1.0, 2.0], params={"w": w}, symbolic=False
    )
    assert not check.passed()
    assert check.worst.name == "w[1]"
    assert check.worst.error == pytest.approx(2.0, rel=1e-6)
    assert check.rows[0].error < 1e-8


def test_parameters_are_left_untouched():
    model = sigmoid_2_3_1_model()
    before = model.state_dict()
    gl.glassbox.check_gradients(model, [2, 9], [0.92], symbolic=False)
    after = model.state_dict()
    for key, value in before.items():
        np.testing.assert_array_equal(after[key], value)


def test_gl_gradcheck_takes_a_whole_model():
    # The name for the whole-model check: gradlab.gradcheck(model, x, y, ...).
    check = gl.gradcheck(sigmoid_2_3_1_model(), [2, 9], [0.92], loss="mse")
    assert len(check.rows) == 13 and check.passed()
    w = _sigmoid_2_3_1_output_weight_gradient()
    by_name = {row.name: row for row in check.rows}
    assert by_name["W2[0,0]"].autograd == pytest.approx(w.grad[0, 0].item(), rel=1e-10)
    with pytest.raises(TypeError, match="gradcheck of a function takes no"):
        gl.gradcheck(lambda t: t.sum(), gl.Tensor([1.0]), loss="mse")
