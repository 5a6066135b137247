"""Every engine op, value and gradient, against PyTorch (float64) and against finite differences."""

from __future__ import annotations

import operator

import numpy as np
import pytest
import torch
from engine_cases import CASES, OpCase
from engine_oracles import (
    FD_ATOL,
    FD_RTOL,
    SETTINGS,
    assert_close,
    assert_unchanged,
    copies,
    direction,
    finite_differences,
    reals,
    run_gradlab,
    run_torch,
)
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradlab as gl

SEEDS = st.integers(0, 2**32 - 1)


@pytest.mark.parametrize("case", CASES, ids=repr)
@SETTINGS
@given(data=st.data())
def test_value_and_gradient_match_torch(case: OpCase, data: st.DataObject) -> None:
    drawn = data.draw(case.draw, label="inputs")
    before = copies(drawn)
    out, tensors, v = run_gradlab(case.gradlab, drawn, data.draw(SEEDS, label="seed"))
    expected, expected_grads = run_torch(case.torch, drawn, v)

    assert out.dtype == np.float64
    assert_close(out.data, expected, what=f"{case.name} value")
    for k, (t, expected_grad) in enumerate(zip(tensors, expected_grads, strict=True)):
        assert type(t.grad) is np.ndarray
        assert t.grad.shape == t.shape
        assert t.grad.dtype == np.float64
        assert_close(t.grad, expected_grad, what=f"{case.name} gradient of input {k}")
    assert_unchanged(drawn, before)
    for t, a in zip(tensors, drawn.arrays, strict=True):
        assert t.data is a or np.array_equal(t.data, a)


SMOOTH_CASES = [case for case in CASES if case.draw_smooth is not None]


@pytest.mark.parametrize("case", SMOOTH_CASES, ids=repr)
@SETTINGS
@given(data=st.data())
def test_gradient_matches_finite_differences(case: OpCase, data: st.DataObject) -> None:
    assert case.draw_smooth is not None
    drawn = data.draw(case.draw_smooth, label="inputs")
    before = copies(drawn)
    _, tensors, v = run_gradlab(case.gradlab, drawn, data.draw(SEEDS, label="seed"))
    numeric = finite_differences(case.gradlab, drawn, v)

    for k, (t, expected) in enumerate(zip(tensors, numeric, strict=True)):
        assert t.grad is not None
        assert t.grad.shape == t.shape
        assert_close(t.grad, expected, FD_RTOL, FD_ATOL, what=f"{case.name} input {k}")
    assert_unchanged(drawn, before)


def test_every_op_of_the_contract_is_in_the_table() -> None:
    names = {case.name.split(" ")[0] for case in CASES}
    assert names >= {
        *("add", "sub", "mul", "div", "neg", "pow", "matmul", "exp", "log", "sqrt", "abs"),
        *("maximum", "minimum", "clip", "sum", "mean", "max", "min", "reshape", "transpose"),
        *("getitem", "concatenate", "stack", "where", "astype", "step", "relu", "leaky_relu"),
        *("sigmoid", "tanh", "softplus", "softmax", "log_softmax"),
    }


OPERATORS = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
    "@": operator.matmul,
}
FORMS = ("tensor op number", "number op tensor", "tensor op array", "array op tensor")
POSITIVE = reals(0.5, 3.0)  # valid on either side of every operator, ** included


@st.composite
def operands(draw: st.DrawFn, symbol: str, form: str) -> tuple[np.ndarray, object]:
    if symbol == "@":
        m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
        shapes = draw(st.sampled_from([((m, k), (k, n)), ((k,), (k, n)), ((m, k), (k,))]))
    else:
        shapes = draw(hnp.mutually_broadcastable_shapes(num_shapes=2, max_side=3)).input_shapes
    tensor_shape, constant_shape = shapes if form.startswith("tensor") else shapes[::-1]
    x = draw(hnp.arrays(np.float64, tensor_shape, elements=POSITIVE))
    if form.endswith("number") or form.startswith("number"):
        return x, draw(POSITIVE)
    return x, draw(hnp.arrays(np.float64, constant_shape, elements=POSITIVE))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("symbol", OPERATORS)
@SETTINGS
@given(data=st.data())
def test_numbers_and_arrays_on_either_side_match_torch(
    symbol: str, form: str, data: st.DataObject
) -> None:
    if symbol == "@" and "number" in form:
        return  # a matrix product has no number operand
    x, constant = data.draw(operands(symbol, form), label="operands")
    before = np.array(constant, copy=True)
    fn = OPERATORS[symbol]
    tensor_first = form.startswith("tensor")

    t = gl.Tensor(x, requires_grad=True)
    out = fn(t, constant) if tensor_first else fn(constant, t)
    assert isinstance(out, gl.Tensor) and out.dtype == np.float64
    v = direction(out.shape, data.draw(SEEDS, label="seed"))
    out.backward(v)

    reference = torch.tensor(x, requires_grad=True)
    c = constant if isinstance(constant, float) else torch.from_numpy(constant.copy())
    expected = fn(reference, c) if tensor_first else fn(c, reference)
    expected.backward(torch.from_numpy(v))
    assert_close(out.data, expected.detach().numpy(), what="value")
    assert t.grad is not None
    assert_close(t.grad, reference.grad.numpy(), what="gradient")
    assert np.array_equal(np.asarray(constant), before)


FUNCTIONS_WITH_CONSTANTS = {
    "maximum(t, number)": (
        lambda t: gl.maximum(t, 0.5),
        lambda t: torch.maximum(t, torch.tensor(0.5, dtype=t.dtype)),
    ),
    "minimum(number, t)": (
        lambda t: gl.minimum(0.5, t),
        lambda t: torch.minimum(torch.tensor(0.5, dtype=t.dtype), t),
    ),
    "maximum(array, t)": (
        lambda t: gl.maximum(np.full(t.shape, 0.5), t),
        lambda t: torch.maximum(torch.full(t.shape, 0.5, dtype=t.dtype), t),
    ),
    "where(cond, t, number)": (
        lambda t: gl.where(t.data > 0, t, -1.0),
        lambda t: torch.where(t > 0, t, -1.0),
    ),
    "where(cond, number, t)": (
        lambda t: gl.where(t.data > 0, 2.0, t),
        lambda t: torch.where(t > 0, 2.0, t),
    ),
}


@pytest.mark.parametrize("name", FUNCTIONS_WITH_CONSTANTS)
def test_functions_take_numbers_and_arrays(name: str) -> None:
    gradlab_fn, torch_fn = FUNCTIONS_WITH_CONSTANTS[name]
    values = np.array([-1.0, 0.25, 0.5, 2.0])  # 0.5 ties with the constant
    t = gl.Tensor(values, requires_grad=True)
    out = gradlab_fn(t)
    out.backward(np.arange(1.0, 5.0))
    reference = torch.tensor(values, requires_grad=True)
    torch_fn(reference).backward(torch.arange(1.0, 5.0, dtype=torch.float64))
    assert_close(out.data, torch_fn(torch.tensor(values)).numpy())
    assert_close(t.grad, reference.grad.numpy())
