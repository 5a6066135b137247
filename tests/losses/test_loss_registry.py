"""`gl.losses.get`: shortcuts, objects, callables and clear errors."""

from __future__ import annotations

import numpy as np
import pytest

import gradlab as gl
from gradlab.losses import (
    AbsoluteError,
    BinaryCrossEntropy,
    CrossEntropy,
    Hinge,
    Huber,
    SquaredError,
)

SHORTCUTS = {
    "mse": (SquaredError, {"reduction": "mean"}),
    "sse": (SquaredError, {"reduction": "sum"}),
    "half_sse": (SquaredError, {"reduction": "half_sum"}),
    "bce": (BinaryCrossEntropy, {"from_logits": False}),
    "bce_with_logits": (BinaryCrossEntropy, {"from_logits": True}),
    "cross_entropy": (CrossEntropy, {"reduction": "mean"}),
    "hinge": (Hinge, {"reduction": "mean"}),
    "mae": (AbsoluteError, {"reduction": "mean"}),
    "l1": (AbsoluteError, {"reduction": "mean"}),
    "huber": (Huber, {"delta": 1.0}),
}


@pytest.mark.parametrize("name", sorted(SHORTCUTS))
def test_contract_shortcuts(name):
    cls, attributes = SHORTCUTS[name]
    loss = gl.losses.get(name)
    assert type(loss) is cls
    for key, value in attributes.items():
        assert getattr(loss, key) == value


def test_names_are_case_insensitive_and_take_arguments():
    loss = gl.losses.get("Huber", delta=2.5, reduction="sum")
    assert isinstance(loss, Huber) and loss.delta == 2.5 and loss.reduction == "sum"
    assert gl.losses.get(" MSE ").reduction == "mean"


def test_a_loss_name_round_trips_through_get():
    for name in SHORTCUTS:
        loss = gl.losses.get(name)
        assert type(gl.losses.get(loss.name)) is type(loss)


def test_objects_classes_and_callables_pass_through():
    loss = Huber(delta=3.0)
    assert gl.losses.get(loss) is loss
    built = gl.losses.get(Huber, delta=0.5)
    assert isinstance(built, Huber) and built.delta == 0.5

    def custom(prediction, target):
        return ((prediction - target) ** 4).sum()

    assert gl.losses.get(custom) is custom


def test_unknown_name_lists_the_valid_names():
    with pytest.raises(ValueError, match="unknown loss 'msqe'") as info:
        gl.losses.get("msqe")
    for name in SHORTCUTS:
        assert name in str(info.value)


def test_keyword_arguments_need_a_name():
    with pytest.raises(TypeError, match="only to a loss given by name"):
        gl.losses.get(Huber(), delta=2.0)


def test_non_callable_is_rejected():
    with pytest.raises(TypeError, match="must be a name, a Loss object or a callable"):
        gl.losses.get(3)  # type: ignore[arg-type]


def test_a_loss_from_get_trains_the_same_as_the_class():
    p = gl.Tensor(np.array([0.5, 2.0]), requires_grad=True)
    gl.losses.get("half_sse")(p, np.array([0.0, 1.0])).backward()
    np.testing.assert_allclose(p.grad, [0.5, 1.0], rtol=1e-15, atol=1e-15)
