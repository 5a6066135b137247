r"""Weight penalties added to each batch's loss by the loop: `L2Penalty` and `L1Penalty`.

For a batch of total sample weight :math:`S` (its size, without sample weights) the loop
minimises :math:`L_B + \frac{\alpha}{S} R(W)`, summed over the penalised parameters, with
:math:`R(W) = \frac{1}{2}\lVert W\rVert^2` (L2, scikit-learn's ``alpha`` of its MLP estimators)
or :math:`R(W) = \lVert W\rVert_1 = \sum |w|` (L1). The term is applied outside the graph: its
value is added to the batch's recorded loss, and its gradient :math:`\frac{\alpha}{S} R'(W)` to
each gradient after the backward pass, which costs two array operations per parameter rather
than graph nodes. `PENALTIES` names them (``"l1"``, ``"l2"``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

import numpy as np


class Penalty:
    r"""A penalty :math:`\frac{\alpha}{S}\sum_W R(W)` on ``parameters``; subclasses give
    :math:`R` (`term`) and its derivative (`derivative`).

    Parameters
    ----------
    parameters : iterable of Tensor
        The penalised parameters (e.g. the weight matrices, not the biases).
    alpha : float
        The strength, >= 0.
    """

    #: The name `PENALTIES` knows it by.
    name: ClassVar[str] = ""

    def __init__(self, parameters: Iterable[Any], alpha: float) -> None:
        self.parameters, self.alpha = list(parameters), float(alpha)

    @staticmethod
    def term(w: np.ndarray) -> float:
        """:math:`R(W)` of one parameter's values."""
        raise NotImplementedError

    @staticmethod
    def derivative(w: np.ndarray) -> np.ndarray:
        """:math:`R'(W)`, elementwise."""
        raise NotImplementedError

    def value(self, total: float) -> float:
        """The penalty for a batch of total sample weight ``total``."""
        return self.alpha * sum(self.term(p.data) for p in self.parameters) / total

    def add_gradient(self, total: float) -> None:
        """Add the penalty's gradient, ``alpha / total * R'(W)``, to each parameter's gradient."""
        scale = self.alpha / total
        for p in self.parameters:
            if p.grad is None:
                p.grad = scale * self.derivative(p.data)
            else:  # a leaf's gradient owns its memory (the engine's rule): add in place
                p.grad += scale * self.derivative(p.data)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha!r}, parameters={len(self.parameters)})"


class L2Penalty(Penalty):
    r"""The L2 penalty :math:`\frac{\alpha}{2S}\sum_W \lVert W\rVert^2`, gradient
    :math:`\frac{\alpha}{S} W`.

    The parameters and ``alpha`` are those of `Penalty`.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([[3.0, 4.0]])
    >>> penalty = L2Penalty([w], alpha=2.0)
    >>> penalty.value(total=5.0)  # 2 / (2 * 5) * 25
    5.0
    >>> w.grad = None
    >>> penalty.add_gradient(total=5.0)
    >>> w.grad  # 2 / 5 * w
    array([[1.2, 1.6]])
    """

    name = "l2"

    @staticmethod
    def term(w: np.ndarray) -> float:
        return 0.5 * float(np.dot(w.ravel(), w.ravel()))

    @staticmethod
    def derivative(w: np.ndarray) -> np.ndarray:
        return w


class L1Penalty(Penalty):
    r"""The L1 penalty :math:`\frac{\alpha}{S}\sum_W \sum_{ij} |w_{ij}|`, gradient
    :math:`\frac{\alpha}{S}\operatorname{sign}(W)`.

    :math:`|w|` has no derivative at 0; the gradient there is 0 (``np.sign(0)``, the
    subgradient PyTorch's ``abs`` takes), so a weight at exactly 0 is left to the loss.

    The parameters and ``alpha`` are those of `Penalty`.

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([[3.0, -4.0, 0.0]])
    >>> penalty = L1Penalty([w], alpha=2.0)
    >>> penalty.value(total=5.0)  # 2 / 5 * (3 + 4 + 0)
    2.8
    >>> w.grad = None
    >>> penalty.add_gradient(total=5.0)
    >>> w.grad  # 2 / 5 * sign(w)
    array([[ 0.4, -0.4,  0. ]])
    """

    name = "l1"

    @staticmethod
    def term(w: np.ndarray) -> float:
        return float(np.abs(w).sum())

    @staticmethod
    def derivative(w: np.ndarray) -> np.ndarray:
        return np.sign(w)


#: The penalties by name.
PENALTIES: dict[str, type[Penalty]] = {p.name: p for p in (L1Penalty, L2Penalty)}
