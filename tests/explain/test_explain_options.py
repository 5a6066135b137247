"""explain's options: checked once, frozen, and honoured by both trace builders."""

import dataclasses

import numpy as np
import pytest
import torch

import gradlab as gl
from gradlab.glassbox.options import ExplainOptions


def checked(**changes):
    settings = {
        "lr": 0.01,
        "detail": "auto",
        "decimals": None,
        "step": False,
        "max_parameters": 64,
        "max_samples": 8,
        "max_nodes": 200,
    }
    return ExplainOptions.checked(**(settings | changes))


def test_options_are_frozen_and_map_detail_to_full():
    options = checked(detail="summary", lr=1)
    assert (options.full, options.lr, type(options.lr)) == (False, 1.0, float)
    assert checked(detail="full").full is True
    assert checked().full is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        options.lr = 0.5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"lr": -1}, r"lr must be a finite number >= 0; got -1\."),
        ({"lr": float("nan")}, r"lr must be a finite number >= 0; got nan\."),
        ({"lr": True}, r"lr must be a finite number >= 0; got True\."),
        ({"detail": "all"}, r"detail must be one of \('auto', 'full', 'summary'\); got 'all'\."),
        ({"decimals": -2}, r"decimals must be None or an integer >= 0; got -2\."),
        ({"decimals": 1.5}, r"decimals must be None or an integer >= 0; got 1\.5\."),
    ],
)
def test_bad_options_are_named(changes, message):
    model = gl.nn.MLP(2, [2], 1, rng=0)
    with pytest.raises(ValueError, match=message):
        gl.explain(model, [1.0, 0.0], [1.0], **changes)


def test_max_nodes_switches_a_graph_to_the_summary():
    w = gl.Tensor(0.5, requires_grad=True, name="w")
    assert gl.explain((w * 3) ** 2, max_nodes=2).summary is None
    trace = gl.explain((w * 3) ** 2, max_nodes=1)
    assert [row.name for row in trace.summary] == ["t1 = mul", "L = pow"]
    assert "limit max_nodes=1" in trace.message


def test_max_parameters_and_max_samples_switch_a_network_to_the_summary():
    model = gl.nn.MLP(2, [2], 1, rng=0)  # 9 parameters
    x, y = np.ones((2, 2)), np.ones((2, 1))
    assert gl.explain(model, x, y, max_parameters=9).summary is None
    assert "max_parameters=8" in gl.explain(model, x, y, max_parameters=8).message
    assert "max_samples=1" in gl.explain(model, x, y, max_samples=1).message


def test_step_of_a_graph_applies_the_update_pytorch_computes():
    w = gl.Tensor(0.5, requires_grad=True, name="w")
    gl.explain(lambda: (w * 3).sigmoid() ** 2, lr=0.1, step=True)
    t = torch.tensor(0.5, dtype=torch.float64, requires_grad=True)
    (torch.sigmoid(t * 3) ** 2).backward()
    assert abs(float(w.data) - (0.5 - 0.1 * t.grad.item())) < 1e-12
