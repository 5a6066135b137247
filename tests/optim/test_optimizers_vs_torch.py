"""Each optimizer against the torch.optim optimizer of the same hyper-parameters, step by step.

Both sides start from the same float64 values; at every step each side's gradient is the
gradient of the same function at its own current values (computed in NumPy), so any
difference in the update rule shows up in the trajectory.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

import gradlab as gl

SHAPES = [(3, 4), (4,), ()]
STEPS = 8


def _gradient(values: np.ndarray, k: int) -> np.ndarray:
    """Gradient of a non-quadratic function, shifted at each step k: h p + q_k + 0.2 p^3."""
    rng = np.random.default_rng(1000 + k + values.size)
    h = np.linspace(0.5, 2.0, values.size).reshape(values.shape)
    return h * values + rng.normal(size=values.shape) + 0.2 * values**3


def _initial(seed: int = 0) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.normal(size=shape) for shape in SHAPES]


def _run_pair(
    ours_cls: type[gl.optim.Optimizer],
    torch_cls: type[torch.optim.Optimizer],
    kwargs: dict[str, Any],
    groups: list[dict[str, Any]] | None = None,
    steps: int = STEPS,
) -> None:
    start = _initial()
    ours = [gl.nn.Parameter(v.copy()) for v in start]
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in start]
    if groups is None:
        opt = ours_cls(ours, **kwargs)
        topt = torch_cls(theirs, foreach=False, **kwargs)
    else:
        opt = ours_cls([{**g, "params": [ours[i] for i in g["params"]]} for g in groups], **kwargs)
        topt = torch_cls(
            [{**g, "params": [theirs[i] for i in g["params"]]} for g in groups],
            foreach=False,
            **kwargs,
        )
    for k in range(steps):
        for p, t in zip(ours, theirs, strict=True):
            p.grad = _gradient(p.data, k)
            t.grad = torch.tensor(_gradient(t.detach().numpy(), k))
        opt.step()
        topt.step()
        for p, t in zip(ours, theirs, strict=True):
            np.testing.assert_allclose(
                p.data, t.detach().numpy(), rtol=1e-12, atol=1e-15, err_msg=f"step {k + 1}"
            )
            assert p.data.dtype == np.float64


SGD_CASES = [
    {"lr": 0.05},
    {"lr": 0.05, "momentum": 0.9},
    {"lr": 0.05, "momentum": 0.9, "dampening": 0.5},
    {"lr": 0.05, "momentum": 0.9, "nesterov": True},
    {"lr": 0.05, "weight_decay": 0.1},
    {"lr": 0.05, "momentum": 0.8, "weight_decay": 0.1, "nesterov": True},
    {"lr": 0.05, "momentum": 0.5, "dampening": 0.3, "weight_decay": 0.01, "maximize": True},
]


@pytest.mark.parametrize("kwargs", SGD_CASES, ids=str)
def test_sgd_matches_torch(kwargs):
    _run_pair(gl.optim.SGD, torch.optim.SGD, kwargs)


ADAM_CASES = [
    {"lr": 0.01},
    {"lr": 0.05, "betas": (0.8, 0.99), "eps": 1e-6},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "amsgrad": True},
    {"lr": 0.01, "weight_decay": 0.05, "amsgrad": True, "maximize": True},
    {"lr": 0.01, "betas": (0.3, 0.5)},
]


@pytest.mark.parametrize("kwargs", ADAM_CASES, ids=str)
def test_adam_matches_torch(kwargs):
    _run_pair(gl.optim.Adam, torch.optim.Adam, kwargs)


ADAMW_CASES = [
    {"lr": 0.01},
    {"lr": 0.02, "weight_decay": 0.5},
    {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True},
    {"lr": 0.01, "betas": (0.85, 0.95), "eps": 1e-4, "maximize": True},
]


@pytest.mark.parametrize("kwargs", ADAMW_CASES, ids=str)
def test_adamw_matches_torch(kwargs):
    _run_pair(gl.optim.AdamW, torch.optim.AdamW, kwargs)


RMSPROP_CASES = [
    {"lr": 0.01},
    {"lr": 0.01, "alpha": 0.9, "eps": 1e-6},
    {"lr": 0.01, "centered": True},
    {"lr": 0.01, "momentum": 0.9},
    {"lr": 0.005, "centered": True, "momentum": 0.5, "weight_decay": 0.1},
    {"lr": 0.01, "maximize": True, "weight_decay": 0.01},
]


@pytest.mark.parametrize("kwargs", RMSPROP_CASES, ids=str)
def test_rmsprop_matches_torch(kwargs):
    _run_pair(gl.optim.RMSprop, torch.optim.RMSprop, kwargs)


ADAGRAD_CASES = [
    {"lr": 0.1},
    {"lr": 0.1, "lr_decay": 0.05},
    {"lr": 0.1, "initial_accumulator_value": 0.5, "eps": 1e-6},
    {"lr": 0.1, "weight_decay": 0.1, "lr_decay": 0.01},
    {"lr": 0.1, "maximize": True},
]


@pytest.mark.parametrize("kwargs", ADAGRAD_CASES, ids=str)
def test_adagrad_matches_torch(kwargs):
    _run_pair(gl.optim.Adagrad, torch.optim.Adagrad, kwargs)


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"),
    [
        (gl.optim.SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9}),
        (gl.optim.Adam, torch.optim.Adam, {"lr": 0.01}),
        (gl.optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01, "centered": True}),
        (gl.optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1}),
    ],
    ids=["SGD", "Adam", "RMSprop", "Adagrad"],
)
def test_param_groups_with_their_own_hyper_parameters_match_torch(ours, theirs, kwargs):
    groups = [{"params": [0], "lr": 0.003}, {"params": [1, 2], "weight_decay": 0.2}]
    _run_pair(ours, theirs, kwargs, groups=groups)


def test_adam_state_matches_torch_state():
    start = _initial()
    ours = [gl.nn.Parameter(v.copy()) for v in start]
    theirs = [torch.tensor(v.copy(), requires_grad=True) for v in start]
    opt = gl.optim.Adam(ours, lr=0.01, amsgrad=True)
    topt = torch.optim.Adam(theirs, lr=0.01, amsgrad=True, foreach=False)
    for k in range(3):
        for p, t in zip(ours, theirs, strict=True):
            p.grad = _gradient(p.data, k)
            t.grad = torch.tensor(_gradient(t.detach().numpy(), k))
        opt.step()
        topt.step()
    for p, t in zip(ours, theirs, strict=True):
        mine, torch_state = opt.state[p], topt.state[t]
        assert mine["step"] == int(torch_state["step"].item()) == 3
        for key in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq"):
            np.testing.assert_allclose(mine[key], torch_state[key].numpy(), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"),
    [
        (gl.optim.SGD, torch.optim.SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        (gl.optim.Adam, torch.optim.Adam, {"lr": 0.01, "amsgrad": True}),
        (gl.optim.AdamW, torch.optim.AdamW, {"lr": 0.01}),
        (gl.optim.RMSprop, torch.optim.RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
        (gl.optim.Adagrad, torch.optim.Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    ],
    ids=["SGD", "Adam", "AdamW", "RMSprop", "Adagrad"],
)
def test_float32_parameters_stay_float32_and_track_torch_float32(ours, theirs, kwargs):
    start = [v.astype(np.float32) for v in _initial()]
    params = [gl.nn.Parameter(v.copy()) for v in start]
    tparams = [torch.tensor(v.copy(), requires_grad=True) for v in start]
    opt = ours(params, weight_decay=0.01, **kwargs)
    topt = theirs(tparams, weight_decay=0.01, foreach=False, **kwargs)
    for k in range(5):
        for p, t in zip(params, tparams, strict=True):
            p.grad = _gradient(p.data, k).astype(np.float32)
            t.grad = torch.tensor(_gradient(t.detach().numpy(), k).astype(np.float32))
        opt.step()
        topt.step()
    for p, t in zip(params, tparams, strict=True):
        assert p.data.dtype == np.float32
        np.testing.assert_allclose(p.data, t.detach().numpy(), rtol=1e-5, atol=1e-6)
        for value in opt.state[p].values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32
