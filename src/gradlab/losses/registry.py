"""`get`: a loss from a name, a loss object or a callable."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from gradlab.engine import Tensor
from gradlab.engine.loss_op import LOSS_OPS, LossOp, register_loss
from gradlab.engine.registry import Registry
from gradlab.losses.absolute_error import AbsoluteError, Huber
from gradlab.losses.base import Loss, OpLoss
from gradlab.losses.cross_entropy import BinaryCrossEntropy, CrossEntropy
from gradlab.losses.hinge import Hinge
from gradlab.losses.squared_error import SquaredError

LossFunction = Callable[[Tensor, Any], Tensor]

Preset = tuple[type[Loss], dict[str, Any]]

#: Shortcut -> (class, keyword arguments); ``get`` adds the caller's keywords.
LOSSES: Registry[Preset] = Registry("loss")
for _names, _preset in (
    (("mse",), (SquaredError, {"reduction": "mean"})),
    (("sse",), (SquaredError, {"reduction": "sum"})),
    (("half_sse",), (SquaredError, {"reduction": "half_sum"})),
    (("squared_error",), (SquaredError, {})),
    (("bce", "binary_cross_entropy"), (BinaryCrossEntropy, {"from_logits": False})),
    (
        ("bce_with_logits", "binary_cross_entropy_with_logits"),
        (BinaryCrossEntropy, {"from_logits": True}),
    ),
    (("cross_entropy", "softmax_cross_entropy"), (CrossEntropy, {})),
    (("hinge",), (Hinge, {})),
    (("mae", "l1", "absolute_error"), (AbsoluteError, {})),
    (("huber",), (Huber, {})),
):
    LOSSES.register(_names[0], _preset, aliases=_names[1:])


def get(loss: str | Loss | LossFunction, **kwargs: Any) -> Loss | LossFunction:
    """The loss named ``loss``, or ``loss`` itself when it is a loss object or a callable.

    Parameters
    ----------
    loss : str, Loss, Loss subclass or callable
        A shortcut ("mse", "sse", "half_sse", "bce", "bce_with_logits", "cross_entropy",
        "hinge", "mae" or "l1", "huber", and the long names "squared_error",
        "binary_cross_entropy", "absolute_error"; case-insensitive), a `Loss` or a `Loss` subclass
        (instantiated with ``kwargs``), or any callable
        ``f(prediction, target) -> Tensor``.
    **kwargs
        Arguments of the named loss's class, e.g. ``reduction="sum"`` or ``delta=2.0``;
        only with a name or a class.

    Returns
    -------
    Loss or callable

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.losses.get("half_sse")
    SquaredError(reduction='half_sum')
    >>> gl.losses.get("huber", delta=2.0)
    Huber(delta=2.0, reduction='mean')
    """
    if isinstance(loss, str):
        found = LOSSES.find(loss)
        if found is not None:
            cls, preset = found
            return cls(**{**preset, **kwargs})
        op = LOSS_OPS.find(loss)
        if op is not None:  # a registered op with no class of its own (a user's loss)
            return OpLoss(op, **kwargs)
        raise ValueError(
            f"unknown loss {loss!r}; valid names are: {', '.join(names())}, "
            "or pass a Loss object or a callable f(prediction, target)."
        )
    if isinstance(loss, type) and issubclass(loss, Loss):
        return loss(**kwargs)
    if kwargs:
        raise TypeError(
            f"keyword arguments {sorted(kwargs)} apply only to a loss given by name; "
            f"configure the {type(loss).__name__} object itself instead."
        )
    if isinstance(loss, Loss):
        return loss
    if callable(loss):
        return cast(LossFunction, loss)
    raise TypeError(
        f"loss must be a name, a Loss object or a callable f(prediction, target); "
        f"got {type(loss).__name__}."
    )


def names() -> list[str]:
    """Every name `get` accepts: the shortcuts and every registered loss op, sorted."""
    return sorted({*LOSSES.all_names(), *LOSS_OPS.names()})


def register(op: LossOp) -> LossOp:
    """Register a loss op (`gradlab.engine.LossOp`) so that ``get(op.name)`` and
    ``gl.fit(..., loss=op.name)`` find it, and the glass box and symbolic view write it."""
    return register_loss(op)
