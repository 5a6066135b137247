"""Rosenblatt's perceptron learning rule, one pass over the samples (the ``MyPerceptron``
of the Perceptron and generic MLP worked example).

The rule is not gradient descent: the step activation's derivative is 0 everywhere (and
undefined at 0), so backpropagation through ``gl.step`` would never move a weight. Instead,
after each sample the weights move by the classification error itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
from numpy.typing import NDArray


def rosenblatt_epoch(
    weight: NDArray[Any],
    bias: NDArray[Any] | None,
    X: NDArray[Any],
    targets: NDArray[Any],
    order: Iterable[int],
    eta: float,
) -> float:
    r"""Apply the perceptron rule to each sample in ``order``, updating the arrays in place.

    For a sample :math:`x` with 0/1 targets :math:`t` (one column per output, one-vs-all)
    and :math:`z = x W + b`, the prediction is :math:`\hat y = \mathrm{step}(z)`
    (1 where :math:`z > 0`, else 0) and the update is

    .. math::

        W \leftarrow W + \eta\, x^\top (t - \hat y), \qquad b \leftarrow b + \eta\,(t - \hat y)

    which changes nothing for a correctly classified sample.

    Parameters
    ----------
    weight : ndarray of shape (n_features, n_outputs)
        Updated in place (a Linear layer's ``weight.data``).
    bias : ndarray of shape (n_outputs,) or None
        Updated in place; None for a layer without intercept.
    X : ndarray of shape (n_samples, n_features)
    targets : ndarray of shape (n_samples, n_outputs)
        0/1 targets in the dtype of ``weight``.
    order : iterable of int
        The sample indices, in the order to visit them.
    eta : float
        The learning rate (``eta0``).

    Returns
    -------
    float
        The perceptron criterion summed over the pass: :math:`\sum |z|` over the outputs
        that were misclassified when their sample was visited (0 when every sample was right).

    Examples
    --------
    >>> import numpy as np
    >>> w, b = np.array([[-1.0]]), np.zeros(1)
    >>> X, t = np.array([[2.0], [-1.0]]), np.array([[1.0], [0.0]])
    >>> rosenblatt_epoch(w, b, X, t, order=[0, 1], eta=1.0)  # sample 0 was wrong, z = -2
    2.0
    >>> w, b
    (array([[1.]]), array([1.]))
    """
    criterion = 0.0
    for i in order:
        x = X[i]
        z = x @ weight
        if bias is not None:
            z += bias
        error = targets[i] - (z > 0)
        wrong = error != 0
        if wrong.any():
            criterion += float(np.abs(z[wrong]).sum())
            step = eta * error
            weight += np.outer(x, step)
            if bias is not None:
                bias += step
    return criterion
