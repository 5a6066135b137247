"""`optimizer_step`: the update rows written from the optimizer's own step, against PyTorch in
float64 — the 2-2-1 ReLU network worked by hand, two steps of each optimizer with an L1 or L2
penalty, the running moments each row writes compared with PyTorch's optimizer state."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from numpy.testing import assert_allclose

import gradlab as gl
from gradlab.glassbox.formula import format_number
from gradlab.glassbox.optimizer_update import optimizer_step
from gradlab.training.penalty import L1Penalty, L2Penalty

X, Y = np.array([[1.0, 0.0]]), np.array([[2.0]])
W1, B1, W2, B2 = [[1.0, 0.5], [1.0, -0.5]], [0.5, 0.0], [[1.0], [1.0]], [0.5]
LR = 0.01


def relu_2_2_1() -> gl.nn.Sequential:
    return gl.nn.Sequential(
        gl.nn.Linear.from_values(W1, B1), gl.nn.ReLU(),
        gl.nn.Linear.from_values(W2, B2), gl.nn.ReLU(),
    )  # fmt: skip


OPTIMIZERS = {
    "sgd_momentum": ("sgd", torch.optim.SGD, {"momentum": 0.9}),
    "adam": ("adam", torch.optim.Adam, {}),
    "adamw": ("adamw", torch.optim.AdamW, {}),
    "rmsprop": ("rmsprop", torch.optim.RMSprop, {}),
    "adagrad": ("adagrad", torch.optim.Adagrad, {}),
    "adam_amsgrad": ("adam", torch.optim.Adam, {"amsgrad": True}),
}
STATE = {"b": "momentum_buffer", "m": "exp_avg", "v": "exp_avg_sq", "s": "sum"}


def torch_steps(make, kwargs, penalty, alpha, steps):
    """PyTorch's steps on L = mse + alpha/S·R(W) (S = 1 sample): its parameters and state."""
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (W1, B1, W2, B2)]
    optimizer = make(params, lr=LR, **kwargs)
    for _ in range(steps):
        h = torch.relu(torch.tensor(X) @ params[0] + params[1])
        out = torch.relu(h @ params[2] + params[3])
        loss = ((out - torch.tensor(Y)) ** 2).mean()
        for W in (params[0], params[2]):
            loss = loss + alpha * (W.abs().sum() if penalty == "l1" else 0.5 * (W**2).sum())
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    return params, optimizer


@pytest.mark.parametrize("case", list(OPTIMIZERS))
@pytest.mark.parametrize("penalty", ["l1", "l2"])
def test_two_steps_write_what_pytorch_computes(case: str, penalty: str) -> None:
    name, make, kwargs = OPTIMIZERS[case]
    alpha = 0.1
    model = relu_2_2_1()
    optimizer = gl.optim.get(name, model.parameters(), lr=LR, **kwargs)
    kind = L1Penalty if penalty == "l1" else L2Penalty
    for _ in range(2):
        optimizer.zero_grad()
        trace = gl.explain(model, X, Y, loss="mse", lr=LR)
        trace = optimizer_step(
            trace, model, optimizer, penalty=kind([model[0].weight, model[2].weight], alpha)
        )
    params, expected = torch_steps(make, kwargs, penalty, alpha, 2)
    assert trace.check().passed, trace.check()
    keys = ["0.weight", "0.bias", "2.weight", "2.bias"]
    rows = [s for s in trace.steps if s.section == "update"]
    for key, tensor in zip(keys, params, strict=True):
        state = expected.state[tensor]
        for s in (s for s in rows if s.parameter and s.parameter.startswith(key)):
            index = tuple(int(i) for i in s.parameter[len(key) + 1 : -1].split(","))
            if s.kind == "update":
                want = tensor.detach().numpy()[index]
            elif s.kind == "optimizer_state":
                names = {**STATE, "v": "square_avg"} if name == "rmsprop" else STATE
                want = state[names[s.label.text[0]]].numpy()[index]
            else:  # the gradient the optimizer was given: the loss's plus the penalty's
                want = tensor.grad.numpy()[index]
            assert_allclose(s.value, want, rtol=1e-12, atol=1e-15, err_msg=s.label.text)
    if case == "adam_amsgrad":  # no formula written for amsgrad: the measured change
        assert {s.kind for s in rows} == {"update", "penalized_gradient"}
        assert all("Δ" in s.symbolic() for s in rows if s.kind == "update")


def test_one_adam_step_on_the_worked_example_in_numbers() -> None:
    # Adam's first step moves each entry by lr·g/(|g| + ε·...) ≈ lr·sign(g): w5 = 1 - 0.01.
    model = relu_2_2_1()
    optimizer = gl.optim.Adam(model.parameters(), lr=LR)
    trace = optimizer_step(gl.explain(model, X, Y, loss="mse", lr=LR), model, optimizer)
    params, _ = torch_steps(torch.optim.Adam, {}, "l2", 0.0, 1)
    assert_allclose(trace.new_value("W2[0,0]"), params[2].detach().numpy()[0, 0],
                    rtol=1e-14, atol=1e-15)  # fmt: skip
    w5 = [s for s in trace.steps if s.section == "update" and s.parameter == "2.weight[0,0]"]
    assert [s.label.text for s in w5] == ["m(W2[0,0])", "v(W2[0,0])", "W2[0,0]"]
    assert w5[0].numbers(format_number) == "0.9·0 + 0.1·1.5"  # m = β1·0 + (1 - β1)·∂L/∂w5
    assert trace.title.startswith("One Adam step")
    assert trace.blocks()[-1][0].startswith("Update (Adam: lr = 0.01")
