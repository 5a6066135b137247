"""Optimizers, learning-rate schedules and gradient clipping, with PyTorch's semantics.

Every optimizer updates ``p.data`` in place from ``p.grad`` (which it never modifies), keeps
each parameter's dtype, and matches the ``torch.optim`` optimizer of the same name step for
step. `get` builds one from a name: "sgd" / "gd", "adam", "adamw", "rmsprop", "adagrad".
"""

from gradlab.optim.adagrad import Adagrad
from gradlab.optim.adam import Adam, AdamW
from gradlab.optim.clipping import clip_grad_norm_, clip_grad_value_
from gradlab.optim.optimizer import Optimizer
from gradlab.optim.registry import OPTIMIZERS, get, register
from gradlab.optim.rmsprop import RMSprop
from gradlab.optim.schedules import (
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    ReduceLROnPlateau,
    StepLR,
)
from gradlab.optim.sgd import GD, SGD

__all__ = [
    "GD",
    "OPTIMIZERS",
    "SGD",
    "Adagrad",
    "Adam",
    "AdamW",
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "Optimizer",
    "RMSprop",
    "ReduceLROnPlateau",
    "StepLR",
    "clip_grad_norm_",
    "clip_grad_value_",
    "get",
    "register",
]
