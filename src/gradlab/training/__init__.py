"""Training: `fit` in one call, `predict`, `History`, callbacks, metrics, `DivergenceError`.

`rich` (the progress bar) is imported only when a bar is shown.
"""

from gradlab.training import metrics
from gradlab.training.callbacks import (
    Callback,
    CallbackList,
    EarlyStopping,
    LearningRateSchedule,
    ModelCheckpoint,
)
from gradlab.training.checkpoint import CheckpointMismatch
from gradlab.training.errors import DivergenceError
from gradlab.training.fit import fit
from gradlab.training.history import History
from gradlab.training.loop import Trainer
from gradlab.training.metrics import (
    METRICS,
    accuracy,
    mean_absolute_error,
    mean_squared_error,
)
from gradlab.training.predict import predict

__all__ = [
    "METRICS",
    "Callback",
    "CallbackList",
    "CheckpointMismatch",
    "DivergenceError",
    "EarlyStopping",
    "History",
    "LearningRateSchedule",
    "ModelCheckpoint",
    "Trainer",
    "accuracy",
    "fit",
    "mean_absolute_error",
    "mean_squared_error",
    "metrics",
    "predict",
]
