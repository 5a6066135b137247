"""Learning-rate schedules against torch.optim.lr_scheduler, epoch by epoch."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch

import gradlab as gl

EPOCHS = 20
LRS = (0.1, 0.03)


def _pair() -> tuple[gl.optim.Optimizer, torch.optim.Optimizer]:
    ours = gl.optim.SGD(
        [
            {"params": [gl.nn.Parameter([1.0])], "lr": LRS[0]},
            {"params": [gl.nn.Parameter([2.0])], "lr": LRS[1]},
        ],
        momentum=0.9,
    )
    theirs = torch.optim.SGD(
        [
            {"params": [torch.zeros(1, requires_grad=True)], "lr": LRS[0]},
            {"params": [torch.zeros(1, requires_grad=True)], "lr": LRS[1]},
        ],
        momentum=0.9,
    )
    return ours, theirs


CASES: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any]]] = [
    (
        "StepLR",
        lambda o: gl.optim.StepLR(o, step_size=3, gamma=0.5),
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    ),
    (
        "StepLR-default-gamma",
        lambda o: gl.optim.StepLR(o, step_size=1),
        lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=1),
    ),
    (
        "ExponentialLR",
        lambda o: gl.optim.ExponentialLR(o, gamma=0.9),
        lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.9),
    ),
    (
        "CosineAnnealingLR",
        lambda o: gl.optim.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
    ),
    (
        "CosineAnnealingLR-T1",
        lambda o: gl.optim.CosineAnnealingLR(o, T_max=1),
        lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=1),
    ),
]


@pytest.mark.parametrize(("_name", "make_ours", "make_theirs"), CASES, ids=[c[0] for c in CASES])
def test_epoch_schedules_match_torch(_name, make_ours, make_theirs):
    ours, theirs = _pair()
    schedule, reference = make_ours(ours), make_theirs(theirs)
    np.testing.assert_allclose(
        schedule.get_last_lr(), reference.get_last_lr(), rtol=1e-15, atol=1e-18
    )
    for epoch in range(EPOCHS):
        ours.step()
        theirs.step()
        schedule.step()
        reference.step()
        expected = reference.get_last_lr()
        np.testing.assert_allclose(
            schedule.get_last_lr(), expected, rtol=1e-12, atol=1e-15, err_msg=f"epoch {epoch}"
        )
        np.testing.assert_allclose(
            [g["lr"] for g in ours.param_groups], expected, rtol=1e-12, atol=1e-15
        )
    assert [g["initial_lr"] for g in ours.param_groups] == list(LRS)


PLATEAU_METRICS = [5.0, 4.0, 4.0, 3.9999, 4.1, 4.2, *[3.0] * 4, 2.99, *[3.5] * 5, *[1.0] * 8]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"patience": 1},
        {"patience": 0, "factor": 0.5, "threshold": 0.01},
        {"patience": 2, "threshold_mode": "abs", "threshold": 0.5},
        {"patience": 1, "cooldown": 2, "min_lr": 0.002},
        {"patience": 1, "min_lr": [0.05, 0.0], "factor": 0.3},
        {"mode": "max", "patience": 1},
        {"mode": "max", "patience": 0, "threshold_mode": "abs", "threshold": 0.05},
        {"patience": 1, "factor": 0.9, "eps": 0.005},
    ],
    ids=str,
)
def test_reduce_on_plateau_matches_torch(kwargs):
    ours, theirs = _pair()
    schedule = gl.optim.ReduceLROnPlateau(ours, **kwargs)
    reference = torch.optim.lr_scheduler.ReduceLROnPlateau(theirs, **kwargs)
    for epoch, metric in enumerate(PLATEAU_METRICS):
        schedule.step(metric)
        reference.step(metric)
        np.testing.assert_allclose(
            schedule.get_last_lr(),
            reference.get_last_lr(),
            rtol=1e-15,
            err_msg=f"epoch {epoch}",
            atol=1e-18,
        )
        assert schedule.num_bad_epochs == reference.num_bad_epochs
    assert schedule.get_last_lr() != list(LRS)  # the sequence did trigger reductions


def test_schedules_compose_like_torch():
    ours, theirs = _pair()
    a, b = gl.optim.ExponentialLR(ours, 0.9), gl.optim.StepLR(ours, step_size=4, gamma=0.5)
    ta = torch.optim.lr_scheduler.ExponentialLR(theirs, 0.9)
    tb = torch.optim.lr_scheduler.StepLR(theirs, step_size=4, gamma=0.5)
    for _ in range(12):
        ours.step()
        theirs.step()
        for s in (a, b, ta, tb):
            s.step()
    np.testing.assert_allclose(b.get_last_lr(), tb.get_last_lr(), rtol=1e-12, atol=1e-15)


def test_schedule_state_dict_resumes():
    reference_opt, _ = _pair()
    reference = gl.optim.CosineAnnealingLR(reference_opt, T_max=5)
    for _ in range(9):
        reference.step()
    opt, _ = _pair()
    first = gl.optim.CosineAnnealingLR(opt, T_max=5)
    for _ in range(4):
        first.step()
    saved, saved_opt = first.state_dict(), opt.state_dict()
    assert "optimizer" not in saved
    fresh_opt, _ = _pair()
    fresh_opt.load_state_dict(saved_opt)
    resumed = gl.optim.CosineAnnealingLR(fresh_opt, T_max=5)
    resumed.load_state_dict(saved)
    for _ in range(5):
        resumed.step()
    assert resumed.get_last_lr() == reference.get_last_lr()
    with pytest.raises(ValueError, match="unknown keys"):
        resumed.load_state_dict({"bogus": 1})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda o: gl.optim.StepLR(o, step_size=0), "step_size must be a positive integer"),
        (lambda o: gl.optim.StepLR(o, step_size=2.5), "step_size must be a positive integer"),
        (lambda o: gl.optim.ExponentialLR(o, gamma=-0.5), "gamma must be a finite number"),
        (lambda o: gl.optim.CosineAnnealingLR(o, T_max=0), "T_max must be a positive integer"),
        (lambda o: gl.optim.ReduceLROnPlateau(o, factor=1.0), r"factor must lie in \[0, 1\)"),
        (lambda o: gl.optim.ReduceLROnPlateau(o, mode="minimum"), "mode must be 'min' or 'max'"),
        (lambda o: gl.optim.ReduceLROnPlateau(o, threshold_mode="x"), "'rel' or 'abs'"),
        (lambda o: gl.optim.ReduceLROnPlateau(o, patience=-1), "patience=-1"),
        (lambda o: gl.optim.ReduceLROnPlateau(o, min_lr=[0.1]), "one per group"),
    ],
)
def test_bad_schedule_arguments_are_named(make, message):
    ours, _ = _pair()
    with pytest.raises(ValueError, match=message):
        make(ours)


def test_a_schedule_needs_a_gradlab_optimizer():
    _, theirs = _pair()
    with pytest.raises(TypeError, match="schedules a gradlab optimizer"):
        gl.optim.StepLR(theirs, step_size=2)
