"""float32 stays float32 through every op, and non-real data is refused with a clear TypeError."""

from __future__ import annotations

import operator
from collections.abc import Callable

import numpy as np
import pytest
from engine_cases import CASES, OpCase
from engine_oracles import SETTINGS, Drawn, assert_close, direction, run_torch
from hypothesis import given
from hypothesis import strategies as st

import gradlab as gl

# float32 rounds each op to ~6e-8 relative; a handful of ops and the cancellation in
# 1 - sigmoid(x) at |x| <= 10 stay well inside these bounds.
F32_RTOL = 1e-4
F32_ATOL = 1e-5

FLOAT32_CASES = [case for case in CASES if case.name != "astype"]


@pytest.mark.parametrize("case", FLOAT32_CASES, ids=repr)
@SETTINGS
@given(data=st.data())
def test_float32_stays_float32_through_every_op(case: OpCase, data: st.DataObject) -> None:
    drawn = data.draw(case.draw, label="inputs")
    arrays32 = tuple(a.astype(np.float32) for a in drawn.arrays)
    tensors = [gl.Tensor(a, requires_grad=True) for a in arrays32]
    out = case.gradlab(*tensors, **drawn.kwargs)
    v = direction(out.shape, data.draw(st.integers(0, 2**32 - 1), label="seed"), np.float32)
    out.backward(v)

    assert out.dtype == np.float32
    assert out.grad is not None and out.grad.dtype == np.float32
    # The oracle: PyTorch in float64 at the same (float32-rounded) inputs.
    expected, expected_grads = run_torch(case.torch, Drawn(arrays32, drawn.kwargs), v)
    assert_close(out.data, expected, F32_RTOL, F32_ATOL, what=f"{case.name} value")
    for t, expected_grad in zip(tensors, expected_grads, strict=True):
        assert t.dtype == np.float32
        assert t.grad is not None and t.grad.dtype == np.float32 and t.grad.shape == t.shape
        assert_close(t.grad, expected_grad, F32_RTOL, F32_ATOL, what=f"{case.name} gradient")


def test_astype_converts_values_and_returns_the_gradient_in_the_input_dtype() -> None:
    x = gl.Tensor(np.array([0.1, 0.2], dtype=np.float32), requires_grad=True)
    y = x.astype(np.float64)
    assert y.dtype == np.float64
    assert np.array_equal(y.data, np.array([0.1, 0.2], dtype=np.float32).astype(np.float64))
    (y * np.array([3.0, 4.0])).sum().backward()
    assert x.grad is not None and x.grad.dtype == np.float32
    assert_close(x.grad, [3.0, 4.0])


CONSTANTS: dict[str, object] = {
    "python float": 0.75,
    "python int": 2,
    "numpy float64 scalar": np.float64(0.75),
    "numpy float32 scalar": np.float32(0.75),
    "numpy float64 array": np.array([0.5, 1.5, 2.5]),
    "numpy int array": np.array([1, 2, 3]),
    "numpy float64 0-d array": np.array(1.25),
}

OPERATORS: dict[str, Callable[[object, object], object]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "**": operator.pow,
}


@pytest.mark.parametrize("constant", CONSTANTS, ids=str)
@pytest.mark.parametrize("symbol", OPERATORS, ids=str)
@pytest.mark.parametrize("side", ["tensor op constant", "constant op tensor"])
def test_numbers_and_arrays_on_either_side_keep_float32(
    constant: str, symbol: str, side: str
) -> None:
    c = CONSTANTS[constant]
    x = gl.Tensor(np.array([0.5, 1.0, 2.0], dtype=np.float32), requires_grad=True)
    fn = OPERATORS[symbol]
    y = fn(x, c) if side == "tensor op constant" else fn(c, x)
    assert isinstance(y, gl.Tensor)
    assert y.dtype == np.float32
    y.backward(np.ones(y.shape, dtype=np.float32))
    assert x.grad is not None and x.grad.dtype == np.float32


@pytest.mark.parametrize("constant", ["numpy float64 array", "numpy int array"])
def test_matmul_with_an_array_on_either_side_keeps_float32(constant: str) -> None:
    matrix = np.outer(CONSTANTS[constant], [1, -1])  # (3, 2), float64 or int
    x = gl.Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    for y in (x @ matrix, matrix @ x):
        assert y.dtype == np.float32
        y.sum().backward()
        assert x.grad is not None and x.grad.dtype == np.float32


def test_functions_with_float64_constants_keep_float32() -> None:
    x = gl.Tensor(np.array([-1.0, 0.25, 2.0], dtype=np.float32), requires_grad=True)
    c64 = np.float64(0.5)
    outputs = [
        gl.maximum(x, c64),
        gl.minimum(c64, x),
        gl.maximum(x, np.zeros(3)),
        gl.where(np.array([True, False, True]), x, c64),
        gl.where(np.array([True, False, True]), np.ones(3), x),
        gl.clip(x, np.float64(-0.5), np.float64(1.0)),
        x.leaky_relu(np.float64(0.1)),
    ]
    for y in outputs:
        assert y.dtype == np.float32, y.op
        y.sum().backward()
        assert x.grad is not None and x.grad.dtype == np.float32


@pytest.mark.parametrize(
    "loss",
    [
        lambda p: gl.squared_error(p, np.array([0.0, 1.0, 1.0])),
        lambda p: gl.squared_error(p, np.array([0.0, 1.0, 1.0]), reduction="half_sum"),
        lambda p: gl.absolute_error(p, np.array([0.0, 1.0, 1.0]), reduction="sum"),
        lambda p: gl.huber(p, np.array([0.0, 1.0, 1.0]), delta=0.5),
        lambda p: gl.huber(p, np.array([0.0, 1.0, 1.0]), delta=np.float64(0.5)),
        lambda p: gl.binary_cross_entropy(gl.sigmoid(p), np.array([0.0, 1.0, 1.0])),
        lambda p: gl.binary_cross_entropy_with_logits(p, np.array([0, 1, 1]), reduction="none"),
        lambda p: gl.hinge(p, np.array([-1.0, 1.0, 1.0])),
        lambda p: gl.softmax_cross_entropy(p.reshape(1, 3), np.array([2])),
        lambda p: gl.softmax_cross_entropy(p.reshape(1, 3), np.array([[0.2, 0.3, 0.5]])),
    ],
)
def test_losses_keep_float32(loss: Callable[[gl.Tensor], gl.Tensor]) -> None:
    p = gl.Tensor(np.array([0.3, -0.2, 1.5], dtype=np.float32), requires_grad=True)
    out = loss(p)
    assert out.dtype == np.float32
    out.backward(np.ones(out.shape, dtype=np.float32))
    assert p.grad is not None and p.grad.dtype == np.float32


def test_float64_is_the_default_and_dtype_can_be_chosen() -> None:
    assert gl.Tensor([1, 2]).dtype == np.float64
    assert gl.Tensor(np.array([1, 2], dtype=np.int32)).dtype == np.float64
    assert gl.Tensor([1.0], dtype=np.float32).dtype == np.float32
    assert gl.Tensor(np.array([1.0], dtype=np.float32)).dtype == np.float32


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (np.array([1 + 2j]), "complex"),
        ([1.0, 2j], "complex"),
        ("abc", "Convert strings"),
        (["1.0", "2.0"], "Convert strings"),
        (np.array([{"a": 1}], dtype=object), "Convert strings or objects"),
        ([[1.0, 2.0], [3.0]], "one shape"),
    ],
)
def test_non_real_data_is_refused_with_a_clear_type_error(data: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        gl.Tensor(data)


def test_non_real_operands_and_dtypes_are_refused() -> None:
    x = gl.Tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="complex"):
        x * 1j
    with pytest.raises(TypeError, match="Convert strings"):
        x + "1"
    with pytest.raises(TypeError, match="Convert strings"):
        np.array(["a", "b"]) - x
    with pytest.raises(TypeError, match="float16, float32 or float64"):
        gl.Tensor([1, 2], dtype=np.int64)
