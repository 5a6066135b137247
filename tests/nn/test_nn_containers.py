"""Sequential, MLP (the worked example's MyNeuralNetwork made generic) and Module state handling."""

import numpy as np
import pytest
import torch

import gradlab as gl


def test_mlp_2_2_2_structure_and_names():
    model = gl.nn.MLP(2, [2], 2, rng=0)
    assert [type(m).__name__ for m in model] == ["Linear", "Sigmoid", "Linear", "Identity"]
    assert [(n, p.shape) for n, p in model.named_parameters()] == [
        ("0.weight", (2, 2)),
        ("0.bias", (2,)),
        ("2.weight", (2, 2)),
        ("2.bias", (2,)),
    ]
    assert len(model) == 4
    assert isinstance(model, gl.nn.Sequential)


def test_mlp_matches_torch_forward_and_backward():
    model = gl.nn.MLP(3, [4, 5], 2, activation="tanh", output_activation="sigmoid", rng=1)
    linears = [m for m in model if isinstance(m, gl.nn.Linear)]
    x = np.random.default_rng(2).standard_normal((6, 3))
    params = [
        torch.tensor(t, requires_grad=True)
        for m in linears
        for t in (m.weight.data.T.copy(), m.bias.data.copy())
    ]
    h = torch.tensor(x)
    for i in range(3):
        h = torch.nn.functional.linear(h, params[2 * i], params[2 * i + 1])
        h = torch.tanh(h) if i < 2 else torch.sigmoid(h)
    h.sum().backward()
    out = model(x)
    out.sum().backward()
    np.testing.assert_allclose(out.data, h.detach().numpy(), rtol=1e-12, atol=1e-14)
    for i, m in enumerate(linears):
        np.testing.assert_allclose(
            m.weight.grad, params[2 * i].grad.numpy().T, rtol=1e-10, atol=1e-12
        )
        np.testing.assert_allclose(
            m.bias.grad, params[2 * i + 1].grad.numpy(), rtol=1e-10, atol=1e-12
        )


def test_mlp_options():
    assert len(gl.nn.MLP(3, [], 1)) == 2
    assert [m.out_features for m in gl.nn.MLP(3, 4, 1) if isinstance(m, gl.nn.Linear)] == [4, 1]
    model = gl.nn.MLP(2, [3, 3], 1, activation=gl.nn.LeakyReLU(0.2), bias=False)
    leaky = [m for m in model if isinstance(m, gl.nn.LeakyReLU)]
    assert len(leaky) == 2 and leaky[0] is not leaky[1] and leaky[0].negative_slope == 0.2
    assert [n for n, _ in model.named_parameters()] == ["0.weight", "2.weight", "4.weight"]
    assert model.get_config()["activation"] == {
        "type": "LeakyReLU",
        "config": {"negative_slope": 0.2},
    }


def test_mlp_rng_reproducible_and_seed_style_uniform_init():
    a = gl.nn.MLP(2, [2], 2, init="uniform", bias_init="uniform", rng=42)
    b = gl.nn.MLP(2, [2], 2, init="uniform", bias_init="uniform", rng=42)
    for (_, p), (_, q) in zip(a.named_parameters(), b.named_parameters(), strict=True):
        np.testing.assert_array_equal(p.data, q.data)
        assert ((p.data >= 0) & (p.data < 1)).all()


def test_mlp_rebuilds_from_its_config():
    model = gl.nn.MLP(2, [3], 1, activation="relu", dtype=np.float32, rng=0)
    rebuilt = gl.nn.build_layer(gl.nn.layer_spec(model))
    assert repr(rebuilt) == repr(model)
    assert rebuilt.dtype == np.float32


def test_sequential_indexing_iteration_and_forward():
    a, r, b = gl.nn.Linear(2, 3, rng=0), gl.nn.ReLU(), gl.nn.Linear(3, 1, rng=0)
    model = gl.nn.Sequential(a, r, b)
    assert model[0] is a and model[-1] is b and list(model) == [a, r, b]
    head = model[:2]
    assert isinstance(head, gl.nn.Sequential) and head[1] is r
    x = np.array([[1.0, -2.0]])
    expected = np.maximum(x @ a.weight.data + a.bias.data, 0) @ b.weight.data + b.bias.data
    np.testing.assert_allclose(model(x).data, expected, atol=1e-12)
    assert gl.nn.Sequential([a, r]).get_config()["layers"][1] == {"type": "ReLU", "config": {}}


def test_sequential_rejects_non_modules():
    with pytest.raises(TypeError, match="Sequential takes gradlab Modules; got function"):
        gl.nn.Sequential(lambda x: x)


def test_state_dict_round_trip_and_strict_key_reporting():
    model = gl.nn.MLP(2, [2], 1, rng=0)
    state = model.state_dict()
    state["0.weight"][0, 0] = 123.0  # a copy: the model is untouched
    assert model[0].weight.data[0, 0] != 123.0
    other = gl.nn.MLP(2, [2], 1, rng=1)
    assert other.load_state_dict(state) == ([], [])
    np.testing.assert_array_equal(other[0].weight.data, state["0.weight"])

    broken = {k: v for k, v in state.items() if k != "2.bias"} | {"9.weight": np.zeros(1)}
    with pytest.raises(KeyError, match=r"missing keys \['2\.bias'\], unexpected keys \['9\."):
        other.load_state_dict(broken)
    assert other.load_state_dict(broken, strict=False) == (["2.bias"], ["9.weight"])
    with pytest.raises(ValueError, match=r"'0\.bias' has shape"):
        other.load_state_dict(state | {"0.bias": np.zeros(3)})


def test_zero_grad_train_eval_astype():
    model = gl.nn.MLP(2, [2], 1, rng=0)
    model([[1.0, 2.0]]).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())
    assert model.eval() is model and not model[0].training
    model.train()
    assert model[2].training
    model.astype(np.float32)
    assert model.dtype == np.float32 and model([[1.0, 2.0]]).dtype == np.float32
    assert model.get_config()["dtype"] == "float32"


def test_a_refused_state_dict_changes_no_parameter():
    model = gl.nn.MLP(2, [2], 1, rng=0)
    before = {name: p.data.copy() for name, p in model.named_parameters()}
    state = {name: value + 1.0 for name, value in before.items()}
    state["2.weight"] = np.zeros((5, 5))  # refused after "0.weight" and "0.bias" would fit
    with pytest.raises(ValueError, match=r"'2\.weight' has shape \(5, 5\)"):
        model.load_state_dict(state)
    for name, p in model.named_parameters():
        np.testing.assert_array_equal(p.data, before[name])


@pytest.mark.parametrize("dtype", [np.int32, np.complex128, "U3"])
def test_astype_refuses_a_non_float_dtype(dtype):
    model = gl.nn.MLP(2, [2], 1, rng=0)
    with pytest.raises(TypeError, match="float16, float32 or float64"):
        model.astype(dtype)
    assert model.dtype == np.float64
