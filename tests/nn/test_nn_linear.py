"""Linear and its fused op against PyTorch (float64, weight transposed) and finite differences."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

import gradlab as gl
from gradlab.nn.functional import linear

RNG = np.random.default_rng(1234)


def _torch_reference(x, w, b):
    """Value and gradients of sum(v * F.linear(x, W^T, b)) for a fixed random v."""
    xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    wt = torch.tensor(w.T.copy(), dtype=torch.float64, requires_grad=True)
    bt = None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True)
    out = F.linear(xt, wt, bt)
    v = torch.tensor(np.random.default_rng(7).standard_normal(out.shape), dtype=torch.float64)
    (out * v).sum().backward()
    return (
        out.detach().numpy(),
        v.numpy(),
        xt.grad.numpy(),
        wt.grad.numpy().T,
        None if bt is None else bt.grad.numpy(),
    )


@pytest.mark.parametrize("x_shape", [(3,), (5, 3), (2, 4, 3)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_linear_matches_torch_forward_and_backward(x_shape, with_bias):
    x_np = RNG.standard_normal(x_shape)
    w_np = RNG.standard_normal((3, 2))
    b_np = RNG.standard_normal(2) if with_bias else None
    out_ref, v, gx_ref, gw_ref, gb_ref = _torch_reference(x_np, w_np, b_np)

    x = gl.Tensor(x_np, requires_grad=True)
    layer = gl.nn.Linear.from_values(w_np, b_np)
    z = layer(x)
    assert z.op == "linear"
    z.backward(v)
    np.testing.assert_allclose(z.data, out_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(x.grad, gx_ref, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(layer.weight.grad, gw_ref, rtol=1e-12, atol=1e-12)
    if with_bias:
        np.testing.assert_allclose(layer.bias.grad, gb_ref, rtol=1e-12, atol=1e-12)
    else:
        assert layer.bias is None


@pytest.mark.parametrize("x_shape", [(3,), (4, 3), (2, 2, 3)])
def test_linear_op_passes_gradcheck(x_shape):
    x = gl.Tensor(RNG.standard_normal(x_shape))
    w = gl.Tensor(RNG.standard_normal((3, 2)))
    b = gl.Tensor(RNG.standard_normal(2))
    assert gl.gradcheck(lambda x, w, b: linear(x, w, b).tanh(), x, w, b)


def test_linear_is_one_node_with_x_w_b_parents():
    layer = gl.nn.Linear(3, 2, rng=0)
    x = gl.Tensor(np.ones((4, 3)))
    z = layer(x)
    assert z.parents == (x, layer.weight, layer.bias)


def test_numpy_input_is_used_without_copy_and_gets_no_gradient():
    layer = gl.nn.Linear(3, 2, rng=0)
    x = RNG.standard_normal((4, 3))
    z = layer(x)
    assert z.parents[0].data is x
    z.sum().backward()
    assert z.parents[0].grad is None
    # d(sum z)/dW = x^T 1: column j is the column sums of x, for every neuron j.
    np.testing.assert_allclose(
        layer.weight.grad, np.repeat(x.sum(0)[:, None], 2, axis=1), atol=1e-14
    )
    np.testing.assert_allclose(layer.bias.grad, [4.0, 4.0], atol=1e-15)


def test_frozen_weight_gets_no_gradient():
    layer = gl.nn.Linear(2, 2, rng=0)
    layer.weight.requires_grad = False
    layer(gl.Tensor([[1.0, 2.0]])).sum().backward()
    assert layer.weight.grad is None
    np.testing.assert_allclose(layer.bias.grad, [1.0, 1.0], atol=1e-15)


def test_lists_and_integer_arrays_become_the_layer_dtype():
    layer = gl.nn.Linear(2, 1, rng=0, dtype=np.float32)
    assert layer([[1, 2]]).dtype == np.float32
    assert layer(np.array([[1, 2]])).dtype == np.float32


def test_float32_stays_float32_forward_and_backward():
    layer = gl.nn.Linear(3, 2, rng=0, dtype="float32")
    x = gl.Tensor(RNG.standard_normal((4, 3)), dtype=np.float32, requires_grad=True)
    z = layer(x)
    z.sum().backward()
    assert z.dtype == np.float32
    assert layer.weight.dtype == layer.weight.grad.dtype == np.float32
    assert layer.bias.grad.dtype == x.grad.dtype == np.float32


def test_weight_layout_is_in_by_out():
    layer = gl.nn.Linear(3, 5, rng=0)
    assert layer.weight.shape == (3, 5)
    assert layer.bias.shape == (5,)
    assert isinstance(layer.weight, gl.nn.Parameter)
    assert gl.nn.Linear(3, 5, bias=False).bias is None


def test_wrong_input_width_names_in_features():
    layer = gl.nn.Linear(3, 2, rng=0)
    with pytest.raises(ValueError, match=r"in_features=3.*shape \(4, 2\)"):
        layer(np.ones((4, 2)))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True, "3"])
def test_bad_sizes_are_rejected(bad):
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        gl.nn.Linear(bad, 2)


def test_unknown_init_is_rejected():
    with pytest.raises(ValueError, match="unknown initialiser 'glorot'"):
        gl.nn.Linear(2, 2, init="glorot")


def test_from_values_copies_values_and_checks_shapes():
    w = np.array([[1.0, 0.5], [1.0, -0.5]])
    layer = gl.nn.Linear.from_values(w, [0.5, 0.0])
    w[0, 0] = 99.0
    assert layer.weight.data[0, 0] == 1.0
    assert gl.nn.Linear.from_values(np.ones((2, 1), np.float32)).weight.dtype == np.float32
    assert gl.nn.Linear.from_values([[1, 2]], dtype="float32").weight.dtype == np.float32
    with pytest.raises(ValueError, match="2-D array"):
        gl.nn.Linear.from_values([1.0, 2.0])
    with pytest.raises(ValueError, match=r"bias must have shape \(out_features,\) = \(2,\)"):
        gl.nn.Linear.from_values(np.ones((3, 2)), bias=[1.0, 2.0, 3.0])


def test_get_config_and_repr():
    layer = gl.nn.Linear(3, 2, bias=False, init="he_normal", rng=0, dtype=np.float32)
    assert layer.get_config() == {
        "in_features": 3,
        "out_features": 2,
        "bias": False,
        "init": "he_normal",
        "bias_init": "zeros",
        "dtype": "float32",
    }
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False, dtype=float32)"
    rebuilt = gl.nn.Linear(**layer.get_config())
    assert rebuilt.weight.shape == (3, 2) and rebuilt.weight.dtype == np.float32


def test_an_input_wrapped_without_a_copy_is_a_complete_tensor():
    # The no-copy path of Linear's input once built a Tensor without its attrs slot.
    from gradlab.engine.linear import as_input

    x = np.array([[1.0, 2.0]])
    t = as_input(x, np.dtype(np.float64))
    assert t.data is x and t.attrs is None and t.op == "leaf" and t.parents == ()
    assert not t.requires_grad and t.grad is None
