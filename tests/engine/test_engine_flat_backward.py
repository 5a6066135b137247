"""The flat backward of a replayed step (`gradlab.engine.backward_program`) against the
dynamic walk of the same graph, which is the oracle: every parameter's and every
intermediate tensor's gradient bit for bit equal, over networks with biases, every
activation, shared parameters (gradients added in the walk's order), float32 and float64; and
each case where the program must step aside (gradients not zeroed, a backward that sends no
gradient) gives the dynamic result."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import gradlab as gl
from gradlab.engine.backward_program import BackwardProgram
from gradlab.engine.tensor import backward_order, node

ACTIVATIONS = sorted(gl.engine.activation_op.ACTIVATION_OPS.names())


def _graph(activation: str, dtype: Any, rng: np.random.Generator) -> tuple[Any, list[Any]]:
    model = gl.nn.MLP(5, [6, 4], 3, activation=activation, dtype=dtype, rng=rng)
    shared = gl.Tensor(rng.normal(size=(3, 3)), requires_grad=True, dtype=dtype)
    x = gl.Tensor(rng.normal(size=(7, 5)), dtype=dtype)
    y = rng.integers(0, 3, size=7)

    def step(x: gl.Tensor, y: np.ndarray) -> gl.Tensor:
        z = model(x) @ shared  # ``shared`` is used twice: its gradients add up
        return gl.softmax_cross_entropy(z @ shared, y) + (z * z).mean()

    return gl.compile_step(step), [x, y, *model.parameters(), shared]


def _gradients(loss: gl.Tensor, tensors: list[gl.Tensor], flat: bool) -> list[np.ndarray]:
    loss._flat.usable = flat
    for t in tensors:
        t.grad = None
    loss.backward()
    return [np.array(t.grad) for t in [*tensors, *loss._plan]]


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_flat_backward_is_the_dynamic_walk_bit_for_bit(activation: str, dtype: Any) -> None:
    step, tensors = _graph(activation, dtype, np.random.default_rng(3))
    x, y, params = tensors[0], tensors[1], tensors[2:]
    step(x, y)
    loss = step(x, y)  # a replay
    assert step.replays == 1, step.reasons
    flat = _gradients(loss, params, flat=True)
    assert all(p.grad is loss._flat.arrays[id(p)] for p in params)  # the program ran
    walked = _gradients(loss, params, flat=False)
    for a, b in zip(flat, walked, strict=True):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype


def test_gradients_not_zeroed_add_up_as_in_the_dynamic_engine() -> None:
    step, tensors = _graph("tanh", np.float64, np.random.default_rng(4))
    x, y, params = tensors[0], tensors[1], tensors[2:]
    step(x, y)
    loss = step(x, y)
    twice = []
    for flat in (True, False):
        _gradients(loss, params, flat)
        loss.backward()  # grads are set: the program steps aside and the walk adds to them
        twice.append([p.grad.copy() for p in params])
    for a, b in zip(*twice, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_backward_that_sends_no_gradient_turns_the_program_off() -> None:
    w = gl.Tensor([1.0, 2.0], requires_grad=True)
    hidden = node(w.data * 3, (w,), lambda g: (None,), "silent")
    root = node(np.asarray(hidden.data.sum()), (hidden,), lambda g: (g * np.ones(2),), "total")
    program = BackwardProgram(root, backward_order(root))
    assert program(np.ones(())) is False and not program.usable
    assert w.grad is None and hidden.grad is None


@pytest.mark.parametrize(
    ("loss", "reduction"),
    [(loss, r) for loss in ("squared_error", "softmax_cross_entropy") for r in ("mean", "sum")]
    + [("squared_error", "half_sum")],
)
def test_a_seed_other_than_one_walks_the_replayed_graph(loss: str, reduction: str) -> None:
    """A replayed loss whose kernels take dL/dL = 1 as a constant, given another gradient,
    gives the dynamic engine's gradients for that seed."""
    rng = np.random.default_rng(8)
    w = gl.Tensor(rng.normal(size=(4, 3)), requires_grad=True)
    x = gl.Tensor(rng.normal(size=(6, 4)))
    y = rng.integers(0, 3, size=6) if loss == "softmax_cross_entropy" else rng.normal(size=(6, 3))

    def step(x: gl.Tensor, y: np.ndarray) -> gl.Tensor:
        return getattr(gl, loss)((x @ w).tanh(), y, reduction=reduction)

    compiled = gl.compile_step(step)
    compiled(x, y)
    grads = []
    for fn in (compiled, step):
        w.grad = None
        fn(x, y).backward(gradient=np.array(2.5))
        grads.append(w.grad.copy())
    assert compiled.replays == 1, compiled.reasons
    np.testing.assert_array_equal(grads[0], grads[1])


@pytest.mark.parametrize(
    ("loss", "reduction", "twice"),
    [
        ("squared_error", "half_sum", False),
        ("squared_error", "half_sum", True),
        ("squared_error", "sum", False),
        ("softmax_cross_entropy", "sum", False),
        ("softmax_cross_entropy", "mean", False),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_a_loss_slope_taken_as_the_predictions_gradient_is_the_dynamic_one(
    loss: str, reduction: str, twice: bool, dtype: Any
) -> None:
    """A loss whose gradient factor is 1 hands its slope array to the prediction as its
    gradient, with no kernel; a prediction read twice, or another factor, keeps the
    product. Every step's gradients, the prediction's too, are the dynamic engine's."""
    rng = np.random.default_rng(9)
    w = gl.Tensor(rng.normal(size=(4, 3)), requires_grad=True, dtype=dtype)
    xs = [gl.Tensor(rng.normal(size=(5, 4)), dtype=dtype) for _ in range(3)]
    if loss == "softmax_cross_entropy":
        ys = [rng.integers(0, 3, size=5) for _ in range(3)]
    else:
        ys = [rng.normal(size=(5, 3)).astype(dtype) for _ in range(3)]
    seen: dict[str, list[np.ndarray]] = {"compiled": [], "dynamic": []}

    def step(x: gl.Tensor, y: np.ndarray) -> tuple[gl.Tensor, gl.Tensor]:
        p = (x @ w).tanh()
        total = getattr(gl, loss)(p, y, reduction=reduction)
        return (total + (p * p).sum() if twice else total), p

    compiled = gl.compile_step(step)
    for name, fn in (("compiled", compiled), ("dynamic", step)):
        for x, y in zip(xs, ys, strict=True):
            w.grad = None
            total, p = fn(x, y)
            total.backward()
            seen[name] += [w.grad.copy(), np.array(p.grad)]
    assert compiled.replays == 2, compiled.reasons
    for a, b in zip(seen["compiled"], seen["dynamic"], strict=True):
        assert a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)
    labels = next(iter(compiled.programs().values()))
    aliased = not twice and reduction in ("half_sum",) + (("sum",) if "entropy" in loss else ())
    assert all(not label.startswith(f"{loss} backward") for label in labels) is aliased
