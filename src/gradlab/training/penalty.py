r"""`L2Penalty`: an L2 term on some parameters, added to each batch's loss by the loop.

For a batch of total sample weight :math:`S` (its size, without sample weights) the loop
minimises :math:`L_B + \frac{\alpha}{2S}\sum_W \lVert W\rVert^2`, scikit-learn's ``alpha``
of its MLP estimators. The term is applied outside the graph: its value is added to the
batch's recorded loss, and its gradient :math:`\frac{\alpha}{S} W` to each gradient after
the backward pass, which costs two array operations per parameter rather than graph nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np


class L2Penalty:
    r"""The L2 penalty :math:`\frac{\alpha}{2S}\sum_W \lVert W\rVert^2` on ``parameters``.

    Parameters
    ----------
    parameters : iterable of Tensor
        The penalised parameters (e.g. the weight matrices, not the biases).
    alpha : float
        The strength, >= 0.

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

    def __init__(self, parameters: Iterable[Any], alpha: float) -> None:
        self.parameters, self.alpha = list(parameters), float(alpha)

    def value(self, total: float) -> float:
        """The penalty for a batch of total sample weight ``total``."""
        squares = sum(float(np.dot(p.data.ravel(), p.data.ravel())) for p in self.parameters)
        return 0.5 * self.alpha * squares / total

    def add_gradient(self, total: float) -> None:
        """Add the penalty's gradient, ``alpha / total * W``, to each parameter's gradient."""
        scale = self.alpha / total
        for p in self.parameters:
            if p.grad is None:
                p.grad = scale * p.data
            else:  # a leaf's gradient owns its memory (the engine's rule): add in place
                p.grad += scale * p.data
