"""What the loop measures on held-out data after each epoch.

A validation is an object with ``names`` (the log names it fills) that, called with the
model, returns those logs. The loop calls it in eval mode, without recording gradients.
`HeldOut` is `gradlab.fit`'s (``val_loss`` and the ``val_`` metrics); `Score` wraps any
function, such as scikit-learn's validation score for ``early_stopping``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol

from gradlab.engine import Tensor
from gradlab.training.metrics import Metric


class Validation(Protocol):
    """The interface the loop expects of a validation."""

    names: list[str]

    def __call__(self, model: Any) -> dict[str, float]: ...


class HeldOut:
    """The loss and the metrics on held-out samples, logged as "val_loss" and "val_<metric>".

    Parameters
    ----------
    X : Tensor of shape (n, n_features)
    y : Tensor or ndarray
        Targets as the loss takes them (class indices stay an array).
    loss : callable
        ``loss(prediction, target) -> Tensor``.
    metrics : sequence of (name, metric)
    """

    def __init__(
        self,
        X: Tensor,
        y: Any,
        loss: Callable[..., Any],
        metrics: Sequence[tuple[str, Metric]] = (),
    ) -> None:
        self.X, self.y, self.loss, self.metrics = X, y, loss, list(metrics)
        self.names = ["val_loss", *(f"val_{name}" for name, _ in self.metrics)]

    def __call__(self, model: Any) -> dict[str, float]:
        output = model(self.X)
        logs = {"val_loss": float(self.loss(output, self.y).data)}
        target = self.y.data if isinstance(self.y, Tensor) else self.y
        for name, metric in self.metrics:
            logs[f"val_{name}"] = metric(output.data, target)
        return logs


class Score:
    """One value logged as ``name``, computed by ``score()`` after each epoch.

    Parameters
    ----------
    name : str
        The log name, e.g. "val_score".
    score : callable
        Takes no argument and returns a float (it evaluates the model it knows).

    Examples
    --------
    >>> validation = Score("val_score", lambda: 0.75)
    >>> validation.names, validation(model=None)
    (['val_score'], {'val_score': 0.75})
    """

    def __init__(self, name: str, score: Callable[[], float]) -> None:
        self.names, self.score = [name], score

    def __call__(self, model: Any) -> dict[str, float]:
        return {self.names[0]: float(self.score())}
