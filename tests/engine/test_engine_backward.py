"""Backward's semantics: accumulation, reuse, depth, no_grad, detach, and its refusals."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from engine_oracles import SETTINGS, assert_close, reals
from hypothesis import given
from hypothesis.extra import numpy as hnp

import gradlab as gl


@SETTINGS
@given(hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3), elements=reals(-1e3, 1e3)))
def test_x_times_x_plus_x_has_gradient_2x_plus_1(values: np.ndarray) -> None:
    before = values.copy()
    x = gl.Tensor(values, requires_grad=True)
    (x * x + x).backward(np.ones(values.shape))
    assert type(x.grad) is np.ndarray  # also for 0-d, where NumPy arithmetic gives scalars
    assert x.grad.shape == values.shape
    assert_close(x.grad, 2 * before + 1, rtol=1e-15, atol=1e-15)
    assert np.array_equal(values, before)


def test_gradients_accumulate_across_backward_calls_on_a_leaf() -> None:
    values = np.array([0.5, -1.0, 2.0])
    x = gl.Tensor(values, requires_grad=True)
    (x * 3).sum().backward()
    (x * x).sum().backward()

    reference = torch.tensor(values, requires_grad=True)
    (reference * 3).sum().backward()
    (reference * reference).sum().backward()
    assert_close(x.grad, reference.grad.numpy())


def test_backward_twice_through_one_graph_doubles_leaves_but_not_intermediates() -> None:
    x = gl.Tensor([1.0, -2.0], requires_grad=True)
    hidden = x * x
    y = (hidden * 3).sum()
    y.backward()
    first_hidden = hidden.grad.copy()
    y.backward()
    assert_close(x.grad, 2 * 6 * np.array([1.0, -2.0]))
    assert_close(hidden.grad, first_hidden)  # intermediates keep the latest call's gradient


def test_zero_grad_forgets_the_accumulated_gradient() -> None:
    x = gl.Tensor([1.0, 2.0], requires_grad=True)
    x.sum().backward()
    x.zero_grad()
    (2 * x).sum().backward()
    assert_close(x.grad, [2.0, 2.0])


def test_a_leaf_used_many_times_gets_the_summed_gradient() -> None:
    values = np.array([[0.3, -0.7], [1.1, 0.2]])
    bias = np.array([0.1, -0.4])

    def network(x, b, relu, tanh):
        h = tanh(x @ x + b)
        return (relu(h * b - x) + h @ x + b * b).sum()

    x = gl.Tensor(values, requires_grad=True)
    b = gl.Tensor(bias, requires_grad=True)
    network(x, b, gl.relu, gl.tanh).backward()

    tx = torch.tensor(values, requires_grad=True)
    tb = torch.tensor(bias, requires_grad=True)
    network(tx, tb, torch.relu, torch.tanh).backward()
    assert_close(x.grad, tx.grad.numpy())
    assert_close(b.grad, tb.grad.numpy())


def test_a_chain_of_10000_ops_backpropagates_without_recursion() -> None:
    # y_0 = x, y_{k+1} = a y_k + 1: y_n = a^n x + (a^n - 1)/(a - 1) and dy_n/dx = a^n.
    a, n, x0 = 1.0001, 5000, 0.5
    x = gl.Tensor(x0, requires_grad=True)
    y = x
    for _ in range(n):
        y = y * a + 1.0  # two recorded ops per step
    y.backward()
    assert_close(y.data, a**n * x0 + (a**n - 1) / (a - 1), rtol=1e-11)
    assert_close(x.grad, a**n, rtol=1e-11)


def test_no_grad_records_nothing_and_restores_the_mode() -> None:
    w = gl.Tensor([1.0, 2.0], requires_grad=True)
    with gl.no_grad():
        y = w * 2 + 1
        assert not gl.is_grad_enabled()
        with gl.enable_grad():
            z = w * 2
    assert gl.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf and y.parents == ()
    assert z.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()

    with pytest.raises(KeyError), gl.no_grad():
        raise KeyError("a failure inside the block")
    assert gl.is_grad_enabled()

    @gl.no_grad()
    def predict(t: gl.Tensor) -> gl.Tensor:
        return t * 3

    assert not predict(w).requires_grad
    assert gl.is_grad_enabled()


def test_detach_cuts_the_graph() -> None:
    values = np.array([0.5, -1.5])
    x = gl.Tensor(values, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.is_leaf
    (d * x).sum().backward()

    tx = torch.tensor(values, requires_grad=True)
    (tx.detach() * tx).sum().backward()
    assert_close(x.grad, tx.grad.numpy())
    assert d.grad is None


def test_backward_on_a_non_scalar_needs_a_gradient() -> None:
    x = gl.Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=r"one-element tensor.*shape \(2,\)"):
        (x * 2).backward()
    with pytest.raises(ValueError, match=r"gradient has shape \(3,\)"):
        (x * 2).backward(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        gl.Tensor([1.0]).backward()


def test_backward_leaves_the_given_gradient_alone() -> None:
    x = gl.Tensor([1.0, 2.0, 3.0], requires_grad=True)
    v = np.array([1.0, -2.0, 0.5])
    (x + 1.0).backward(v)
    assert np.array_equal(v, [1.0, -2.0, 0.5])
    v[:] = 0.0  # the caller reuses its buffer; the leaf's gradient must not follow
    assert_close(x.grad, [1.0, -2.0, 0.5])


def test_one_element_non_scalar_backward_and_item() -> None:
    x = gl.Tensor([[2.0]], requires_grad=True)
    y = x * x
    y.backward()
    assert y.item() == 4.0
    assert_close(x.grad, [[4.0]])
    with pytest.raises(ValueError, match="one element"):
        gl.Tensor([1.0, 2.0]).item()


def test_integer_array_index_with_repeats_scatter_adds() -> None:
    x = gl.Tensor([10.0, 20.0, 30.0], requires_grad=True)
    x[np.array([0, 2, 0, 0])].backward(np.array([1.0, 2.0, 3.0, 4.0]))
    assert_close(x.grad, [8.0, 0.0, 2.0])  # 1 + 3 + 4 at index 0


def test_a_tensor_can_index_a_tensor() -> None:
    x = gl.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = gl.Tensor([1.0, 1.0])  # float entries are whole numbers, used as positions
    x[rows].sum().backward()
    assert_close(x.grad, [[0.0, 0.0], [2.0, 2.0]])


def test_leaf_gradients_are_writeable_arrays_of_their_own() -> None:
    x = gl.Tensor(np.ones((2, 3)), requires_grad=True)
    b = gl.Tensor(np.ones(3), requires_grad=True)
    c = gl.Tensor(np.ones((3, 2)), requires_grad=True)
    out = x.reshape(3, 2) + c.T.T + x[0].reshape(3, 1) + b.reshape(3, 1)
    out.backward(np.ones((3, 2)))
    for leaf in (x, b, c):
        assert leaf.grad is not None
        assert leaf.grad.flags.writeable and leaf.grad.flags.owndata
    assert_close(x.grad, [[3.0, 3.0, 3.0], [1.0, 1.0, 1.0]])
    assert_close(b.grad, [2.0, 2.0, 2.0])
    assert_close(c.grad, np.ones((3, 2)))


def test_no_two_tensors_share_a_leaf_gradients_memory() -> None:
    # add hands its upstream gradient to both inputs; each leaf must still own its grad, so
    # that updating one in place (a hand-written SGD step) cannot change another.
    x = gl.Tensor([1.0, 2.0], requires_grad=True)
    y = gl.Tensor([3.0, 4.0], requires_grad=True)
    total = (x + y) * 2
    total.sum().backward()
    assert total.grad is not None and x.grad is not None and y.grad is not None
    for a, b in [(x.grad, y.grad), (x.grad, total.grad), (y.grad, total.grad)]:
        assert not np.shares_memory(a, b)
    x.grad *= 0
    assert_close(y.grad, [2.0, 2.0])
    z = gl.Tensor(np.ones(3), requires_grad=True)
    w = gl.Tensor(np.ones(3), requires_grad=True)
    (z + w).backward(np.array([1.0, 2.0, 3.0]))
    assert z.grad is not None and w.grad is not None
    assert not np.shares_memory(z.grad, w.grad)
