"""Loss functions as named, callable objects over the engine's fused loss ops.

Every class wraps one op of `gradlab.engine.losses`, where the formula and its gradient live;
`get` turns a shortcut such as ``"mse"`` or ``"bce_with_logits"`` into a loss object.
"""

from gradlab.losses.absolute_error import AbsoluteError, Huber
from gradlab.losses.base import Loss, OpLoss
from gradlab.losses.cross_entropy import BinaryCrossEntropy, CrossEntropy
from gradlab.losses.hinge import Hinge
from gradlab.losses.registry import LOSSES, get, names, register
from gradlab.losses.squared_error import (
    HalfSumSquaredError,
    MeanSquaredError,
    SquaredError,
    SumSquaredError,
)

__all__ = [
    "LOSSES",
    "AbsoluteError",
    "BinaryCrossEntropy",
    "CrossEntropy",
    "HalfSumSquaredError",
    "Hinge",
    "Huber",
    "Loss",
    "MeanSquaredError",
    "OpLoss",
    "SquaredError",
    "SumSquaredError",
    "get",
    "names",
    "register",
]
