"""`compile_step`: a user's loop of Tensor ops captured once and replayed, against the same
loop run by the dynamic engine (``enabled=False``), which is the oracle: bit for bit equal
weights, and every fallback (shape, replaced or frozen parameter, module change, no_grad,
a tensor made inside the step, an op without a kernel) trains as the dynamic engine does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import gradlab as gl

X = np.array([[0, 0, 1], [0, 1, 1], [1, 0, 1], [1, 1, 1]], dtype=np.float64)
Y = np.array([[0.0], [1.0], [1.0], [0.0]])


def _weights(dtype: Any = np.float64) -> list[gl.Tensor]:
    rng = np.random.RandomState(1)
    return [
        gl.Tensor(rng.random_sample((3, 4)), requires_grad=True, dtype=dtype),
        gl.Tensor(rng.random_sample((4,)), requires_grad=True, dtype=dtype),
        gl.Tensor(rng.random_sample((4, 1)), requires_grad=True, dtype=dtype),
    ]


def _fused(w: list[gl.Tensor]) -> Callable[..., Any]:
    return lambda x, y: gl.squared_error(
        ((x @ w[0] + w[1]).sigmoid() @ w[2]).sigmoid(), y, reduction="half_sum"
    )


def _operators(w: list[gl.Tensor]) -> Callable[..., Any]:
    def step(x: gl.Tensor, y: gl.Tensor) -> gl.Tensor:
        a2 = (gl.tanh(x @ w[0] - w[1]) @ w[2]).sigmoid()
        return ((a2 - y) ** 2).sum() * 0.5 + (-a2).mean()

    return step


def _loop(
    make: Callable[[list[gl.Tensor]], Callable[..., Any]],
    enabled: bool,
    batches: list[tuple[Any, Any]],
    dtype: Any = np.float64,
) -> tuple[list[np.ndarray], Any]:
    w = _weights(dtype)
    step = gl.compile_step(make(w), enabled=enabled)
    for x, y in batches:
        loss = step(x, y)
        for p in w:
            p.grad = None
        loss.backward()
        for p in w:
            p.data -= 0.5 * p.grad
    return [p.data.copy() for p in w], step


def _same(a: list[np.ndarray], b: list[np.ndarray]) -> None:
    for wa, wb in zip(a, b, strict=True):
        np.testing.assert_array_equal(wa, wb)


@pytest.mark.parametrize("make", [_fused, _operators])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_replayed_loop_is_the_dynamic_loop_bit_for_bit(make: Any, dtype: Any) -> None:
    batches = [(gl.Tensor(X, dtype=dtype), gl.Tensor(Y, dtype=dtype))] * 30
    replayed, step = _loop(make, True, batches, dtype)
    dynamic, _ = _loop(make, False, batches, dtype)
    _same(replayed, dynamic)
    assert (step.captures, step.replays) == (1, 29), step.reasons


def test_each_shape_gets_its_own_capture() -> None:
    batches = [(X[:3], Y[:3]), (X, Y), (X[1:], Y[1:])] * 5  # arrays, and a ragged batch
    replayed, step = _loop(_fused, True, batches)
    _same(replayed, _loop(_fused, False, batches)[0])
    assert step.captures == 2 and step.replays == 13


def test_a_replaced_or_frozen_parameter_is_captured_again() -> None:
    w = _weights()
    step = gl.compile_step(_fused(w))
    reference = _weights()
    dynamic = _fused(reference)
    for i in range(6):
        for params in (w, reference):
            if i == 2:
                params[0].data = params[0].data * 0.5  # a new array
            if i == 4:
                params[1].requires_grad = False
        for params, fn in ((w, step), (reference, dynamic)):
            loss = fn(gl.Tensor(X), gl.Tensor(Y))
            for p in params:
                p.grad = None
            loss.backward()
            for p in params:
                if p.grad is not None:
                    p.data -= 0.5 * p.grad
    _same([p.data for p in w], [p.data for p in reference])
    assert step.captures == 3


def test_intermediate_gradients_are_those_of_the_dynamic_engine() -> None:
    w = _weights()
    inner: list[gl.Tensor] = []

    def fn(x: gl.Tensor, y: gl.Tensor) -> tuple[gl.Tensor, gl.Tensor]:
        hidden = (x @ w[0]).sigmoid()
        inner[:] = [hidden]
        return gl.squared_error(hidden @ w[2], y), hidden

    step = gl.compile_step(fn)
    step(gl.Tensor(X), gl.Tensor(Y))
    w[0].data += 0.25
    loss, hidden = step(gl.Tensor(X), gl.Tensor(Y))
    loss.backward()
    replayed = hidden.grad.copy()
    loss, hidden = fn(gl.Tensor(X), gl.Tensor(Y))
    loss.backward()
    np.testing.assert_array_equal(replayed, hidden.grad)
    assert step.replays == 1


def test_a_tensor_made_inside_the_step_is_never_frozen() -> None:
    w = _weights()

    def masked(x: gl.Tensor, y: gl.Tensor, seed: np.ndarray) -> gl.Tensor:
        mask = gl.Tensor(np.random.default_rng(int(seed[0])).random((4, 4)) > 0.5)
        return gl.squared_error((x @ w[0]) * mask @ w[2], y)

    step = gl.compile_step(masked)
    values = [step(gl.Tensor(X), gl.Tensor(Y), np.array([s])).item() for s in (1, 2, 1)]
    expected = [masked(gl.Tensor(X), gl.Tensor(Y), np.array([s])).item() for s in (1, 2, 1)]
    assert values == expected and values[0] != values[1]
    assert step.replays == 0 and "made inside" in next(iter(step.reasons.values()))


def test_an_op_without_a_kernel_runs_dynamically() -> None:
    w = _weights()
    step = gl.compile_step(lambda x, y: gl.squared_error((x @ w[0]).exp() @ w[2], y))
    assert step(gl.Tensor(X), gl.Tensor(Y)).item() == step(gl.Tensor(X), gl.Tensor(Y)).item()
    assert step.replays == 0 and "'exp'" in next(iter(step.reasons.values()))


def test_no_grad_and_a_changed_module_run_the_function() -> None:
    model = gl.nn.MLP(3, [4], 1, rng=0)
    step = gl.compile_step(lambda x, y: gl.squared_error(model(x), y))
    first = step(gl.Tensor(X), gl.Tensor(Y)).item()
    with gl.no_grad():
        assert not step(gl.Tensor(X), gl.Tensor(Y)).requires_grad
    assert step(gl.Tensor(X), gl.Tensor(Y)).item() == first and step.replays == 1
    setattr(model, "1", gl.nn.ReLU())
    after = step(gl.Tensor(X), gl.Tensor(Y)).item()
    assert after == gl.squared_error(model(gl.Tensor(X)), gl.Tensor(Y)).item()
    assert step.captures == 2


def test_inputs_are_copied_never_written() -> None:
    w = _weights()
    x, y = X.copy(), Y.copy()
    step = gl.compile_step(_fused(w))
    for _ in range(3):
        step(x, y).backward()
    np.testing.assert_array_equal(x, X)
    np.testing.assert_array_equal(y, Y)


@pytest.mark.parametrize("reduction", ["mean", "sum", "half_sum"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_squared_error_recomputed_in_place_follows_new_targets(reduction: str, dtype: Any) -> None:
    # New targets every step and the loss scaled afterwards: the in-place kernel must refresh
    # both the residual its backward reads and the value the product reads.
    rng = np.random.default_rng(0)
    batches = [
        (gl.Tensor(X, dtype=dtype), gl.Tensor(rng.normal(size=(4, 1)), dtype=dtype))
        for _ in range(12)
    ]

    def make(w: list[gl.Tensor]) -> Callable[..., Any]:
        return lambda x, y: gl.squared_error((x @ w[0] + w[1]).tanh() @ w[2], y, reduction) * 3.0

    replayed, step = _loop(make, True, batches, dtype)
    dynamic, _ = _loop(make, False, batches, dtype)
    _same(replayed, dynamic)
    assert step.replays == 11, step.reasons
    assert "squared_error: subtract" in next(iter(step.programs().values()))


def _labelled(reduction: str) -> Callable[[list[gl.Tensor]], Callable[..., Any]]:
    def make(w: list[gl.Tensor]) -> Callable[..., Any]:
        return lambda x, y: (
            gl.softmax_cross_entropy((x @ w[0] + w[1]).tanh() * w[2], y, reduction) * 3.0
        )

    return make


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("label_dtype", [np.int64, np.int32, np.uint8])
def test_cross_entropy_recomputed_in_place_follows_new_labels(
    reduction: str, dtype: Any, label_dtype: Any
) -> None:
    # New labels every step: the in-place kernel must refresh the value, the softmax slope
    # and which entry of each row loses 1.
    rng = np.random.default_rng(0)
    batches = [
        (gl.Tensor(X, dtype=dtype), rng.integers(0, 4, size=4).astype(label_dtype))
        for _ in range(12)
    ]
    replayed, step = _loop(_labelled(reduction), True, batches, dtype)
    dynamic, _ = _loop(_labelled(reduction), False, batches, dtype)
    _same(replayed, dynamic)
    assert step.replays == 11, step.reasons
    assert "softmax_cross_entropy: softmax_refresh" in next(iter(step.programs().values()))


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "uint8", ">i4"])
@pytest.mark.parametrize("bad", [-1, 4, -128])
def test_a_replayed_cross_entropy_refuses_labels_out_of_range(bad: int, dtype: str) -> None:
    if bad < 0 and dtype.startswith("u"):
        bad = 200  # an unsigned label cannot be negative: one far out of range instead
    w = _weights()
    step = gl.compile_step(_labelled("mean")(w))
    step(X, np.array([0, 1, 2, 3], dtype=dtype))
    labels = np.array([0, bad, 2, 3], dtype=dtype)
    with pytest.raises(ValueError) as dynamic:
        _labelled("mean")(w)(X, labels)
    with pytest.raises(ValueError) as replayed:
        step(X, labels)
    assert str(replayed.value) == str(dynamic.value) and "class indices" in str(dynamic.value)


def _loop_with_backward(
    make: Callable[[list[gl.Tensor]], Callable[..., Any]],
    batches: list[tuple[Any, Any]],
    dtype: Any,
) -> tuple[list[np.ndarray], Any]:
    w = _weights(dtype)
    step = gl.compile_step(make(w))
    for x, y in batches:
        for p in w:
            p.grad = None
        loss = step.with_backward(x, y)
        if step.replays:
            assert all(p.grad is loss._flat.arrays[id(p)] for p in w)  # the fused program ran
        for p in w:
            p.data -= 0.5 * p.grad
    return [p.data.copy() for p in w], step


@pytest.mark.parametrize("make", [_fused, _operators, _labelled("sum")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_forward_and_backward_in_one_program_are_the_dynamic_step(make: Any, dtype: Any) -> None:
    rng = np.random.default_rng(1)
    labels = make is not _fused and make is not _operators
    batches = [
        (
            X.astype(dtype),
            rng.integers(0, 4, size=4) if labels else rng.random((4, 1)).astype(dtype),
        )
        for _ in range(10)
    ]
    fused, step = _loop_with_backward(make, batches, dtype)
    _same(fused, _loop(make, False, batches, dtype)[0])
    assert (step.captures, step.replays) == (1, 9), step.reasons


def test_with_backward_adds_to_gradients_not_zeroed() -> None:
    results = []
    for enabled in (True, False):
        w = _weights()
        step = gl.compile_step(_fused(w), enabled=enabled)
        for _ in range(3):
            step.with_backward(X, Y)  # never zeroed: each backward adds
        results.append([p.grad.copy() for p in w])
    _same(*results)


def test_with_backward_refuses_what_backward_refuses() -> None:
    w = _weights()
    rows = gl.compile_step(lambda x: x @ w[0])
    with pytest.raises(RuntimeError, match="one-element tensor"):
        rows.with_backward(X)
    with pytest.raises(RuntimeError, match="one-element tensor"):
        rows.with_backward(X)  # the replay refuses it as the capture did
    with pytest.raises(TypeError, match="first item is the loss"):
        gl.compile_step(lambda x: [(x @ w[0]).sum()]).with_backward(X)


def test_a_backward_sending_no_gradient_inside_the_fused_program_walks_the_graph() -> None:
    w = gl.Tensor([[1.0]], requires_grad=True)
    step = gl.compile_step(lambda x: (x @ w).relu().sum())
    loss = step(gl.Tensor([[2.0]]))
    assert "sum backward: recorded_backward" in next(iter(step.programs().values()))
    calls = []
    loss._backward = lambda g: calls.append(g) or (None,)  # what the fused kernels call
    w.grad = None
    assert step.with_backward(gl.Tensor([[3.0]])) is loss
    assert not loss._flat.usable and w.grad is None  # the walk, which sends nothing either
    assert len(calls) == 2  # the fused program, then the walk: the program is not tried again
    assert loss.item() == 3.0


def _repeating_loop(
    make: Callable[[list[gl.Tensor]], Callable[..., Any]],
    batches: list[tuple[Any, Any]],
    dtype: Any,
) -> tuple[list[np.ndarray], Any, int]:
    """`_loop_with_backward`, repeating each step that may be repeated."""
    w = _weights(dtype)
    step = gl.compile_step(make(w))
    repeated = 0
    for x, y in batches:
        loss = step.repeat_with_backward(x, y) if step.repeatable else None
        if loss is None:
            for p in w:
                p.grad = None
            loss = step.with_backward(x, y)
        else:
            repeated += 1
        for p in w:
            p.data -= 0.5 * p.grad
    return [p.data.copy() for p in w], step, repeated


@pytest.mark.parametrize("make", [_fused, _operators, _labelled("mean")])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_repeated_program_is_the_dynamic_step(make: Any, dtype: Any) -> None:
    rng = np.random.default_rng(2)
    labels = make is not _fused and make is not _operators
    last = 4 if labels else 3  # the labelled step broadcasts over exactly 4 rows
    batches = [
        (
            X.astype(dtype)[: 4 if i < 7 else last],  # the last three: another shape
            (rng.integers(0, 4, size=4) if labels else rng.random((4, 1)).astype(dtype))[
                : 4 if i < 7 else last
            ],
        )
        for i in range(10)
    ]
    batches[3] = batches[2]  # the same arrays again: a full batch, not copied a second time
    repeating, step, repeated = _repeating_loop(make, batches, dtype)
    _same(repeating, _loop(make, False, batches, dtype)[0])
    # per shape: a capture, a flat replay, then repeats
    expected = (1, 8, 9) if labels else (2, 6, 8)
    assert (step.captures, repeated, step.replays) == expected, step.reasons


def test_repeat_with_backward_needs_a_flat_backward_just_before() -> None:
    w = _weights()
    step = gl.compile_step(_fused(w))
    assert step.repeat_with_backward(X, Y) is None  # nothing before
    step.with_backward(X, Y)
    assert not step.repeatable and step.repeat_with_backward(X, Y) is None  # a capture
    for p in w:
        p.grad = None
    loss = step.with_backward(X, Y)
    assert step.repeatable
    assert step.repeat_with_backward(X[:2], Y[:2]) is None  # another shape
    assert step.repeat_with_backward(X.astype(np.float32), Y) is None  # another dtype
    assert step.repeat_with_backward(X, Y) is loss and step.repeatable
    step(X, Y)  # a forward alone: its gradients are not the program's
    assert not step.repeatable and step.repeat_with_backward(X, Y) is None
    step.with_backward(X, Y)  # gradients not zeroed: the dynamic walk adds to them
    assert not step.repeatable and step.repeat_with_backward(X, Y) is None


def test_a_repeat_gives_the_gradients_of_zero_grad_and_with_backward() -> None:
    grads = []
    for repeat in (True, False):
        w = _weights()
        step = gl.compile_step(_fused(w))
        for _ in range(2):
            for p in w:
                p.grad = None
            step.with_backward(X, Y)
        for p in w:
            p.data *= 0.75
            p.grad = None  # zeroed or not, a repeat writes the gradients afresh
        if repeat:
            assert step.repeat_with_backward(X, Y) is not None
        else:
            step.with_backward(X, Y)
        grads.append([p.grad.copy() for p in w])
    _same(*grads)


def test_a_backward_sending_no_gradient_inside_a_repeat_walks_the_graph() -> None:
    w = gl.Tensor([[1.0]], requires_grad=True)
    step = gl.compile_step(lambda x: (x @ w).relu().sum())
    for _ in range(2):
        w.grad = None
        loss = step.with_backward(gl.Tensor([[2.0]]))
    assert step.repeatable and w.grad.tolist() == [[2.0]]
    calls = []
    loss._backward = lambda g: calls.append(g) or (None,)
    assert step.repeat_with_backward(gl.Tensor([[3.0]])) is loss
    assert w.grad is None  # the walk sends nothing either; the last step's gradient is gone
    assert len(calls) == 2 and not step.repeatable and loss.item() == 3.0
