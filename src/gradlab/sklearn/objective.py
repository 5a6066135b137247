r"""The objective an MLP estimator minimises: scikit-learn's loss plus its L2 penalty.

For a batch of :math:`n` samples with weights :math:`s_i` (all 1 without ``sample_weight``),
:math:`S = \sum_i s_i`, per-sample losses :math:`\ell_i` and the weight matrices
:math:`W_l` (not the biases):

.. math:: L = \frac{1}{S} \sum_i s_i \ell_i + \frac{\alpha}{2S} \sum_l \lVert W_l \rVert^2

with :math:`\ell_i`, by output activation:

- ``"softmax"`` (multiclass): the softmax cross-entropy of the logits;
- ``"logistic"`` (binary, multilabel): the binary cross-entropy of sigmoid(logits), summed
  over the outputs;
- ``"identity"`` (regression): half the squared error, summed over the outputs;
- ``"exp"`` (Poisson regression): half the Poisson deviance of :math:`e^z`, summed over the
  outputs.

The first three are single fused engine ops with stable formulas; the Poisson loss is
composed of engine ops. In every case the gradient on the outputs :math:`z` is
:math:`s_i (\hat y_i - y_i) / S`, as in scikit-learn's MLP.

`mlp_objective` builds the data term as a tensor (`MLPObjective` hands it to the training
loop). The penalty, whose gradient is :math:`\alpha W_l / S`, is the loop's
`gradlab.training.penalty.L2Penalty`.
"""

from __future__ import annotations

from typing import Any

from numpy.typing import NDArray

import gradlab as gl


def _half_poisson(reduction: str) -> Any:
    r"""Half the Poisson deviance of :math:`\hat y = e^z`: :math:`e^z - y z + y \ln y - y`.

    Built from engine ops; its gradient on :math:`z` is :math:`e^z - y`.
    """
    from scipy.special import xlogy

    def loss(output: gl.Tensor, target: NDArray[Any]) -> gl.Tensor:
        values = gl.exp(output) - output * target
        constant = xlogy(target, target) - target
        if reduction == "none":
            return values + constant
        return values.sum() + float(constant.sum())

    return loss


_LOSSES = {
    "softmax": lambda reduction: gl.losses.CrossEntropy(reduction=reduction),
    "logistic": lambda reduction: gl.losses.BinaryCrossEntropy(
        from_logits=True, reduction=reduction
    ),
    "identity": lambda reduction: gl.losses.SquaredError(reduction=reduction),
    "exp": _half_poisson,
}
_BUILT: dict[tuple[str, str], Any] = {}


def _loss(out_activation: str, reduction: str) -> Any:
    """The loss object for an output kind and a reduction (built once, then reused)."""
    key = (out_activation, reduction)
    if key not in _BUILT:
        _BUILT[key] = _LOSSES[out_activation](reduction)
    return _BUILT[key]


def mlp_objective(
    output: gl.Tensor,
    target: NDArray[Any],
    out_activation: str,
    sample_weight: NDArray[Any] | None = None,
) -> tuple[gl.Tensor, float]:
    r"""The data term of :math:`L` for one batch, and the value scikit-learn reports for it.

    Parameters
    ----------
    output : Tensor of shape (n, n_outputs)
        The network's last linear layer (logits for classification).
    target : ndarray
        0/1 or real targets of shape (n, n_outputs), in the output's dtype (one-hot rows for
        "softmax", which also takes class indices of shape (n,)).
    out_activation : {"softmax", "logistic", "identity", "exp"}
    sample_weight : ndarray of shape (n,), optional
        Non-negative, not all zero.

    Returns
    -------
    loss : Tensor
        :math:`\frac{1}{S}\sum_i s_i \ell_i`, a scalar to call ``backward()`` on.
    reported : float
        Its value as scikit-learn records it in ``loss_curve_``: the same, except that for
        several regression outputs scikit-learn averages the half squared error over the
        outputs (while its gradient, there as here, is that of the sum).

    Examples
    --------
    >>> import numpy as np, gradlab as gl
    >>> z = gl.Tensor([[2.0], [0.0]], requires_grad=True)
    >>> loss, reported = mlp_objective(z, np.array([[1.0], [3.0]]), "identity")
    >>> loss.item(), reported  # ((2 - 1)^2 + (0 - 3)^2) / (2 * 2)
    (2.5, 2.5)
    """
    loss = _data_term(output, target, out_activation, sample_weight)
    return loss, reported_loss(float(loss.data), output, out_activation)


def _data_term(
    output: gl.Tensor,
    target: NDArray[Any],
    out_activation: str,
    sample_weight: NDArray[Any] | None = None,
) -> gl.Tensor:
    if sample_weight is None:
        if out_activation == "softmax" or (out_activation == "logistic" and _single(output)):
            return _loss(out_activation, "mean")(output, target)  # a mean over samples
        reduction = "half_sum" if out_activation == "identity" else "sum"
        return _loss(out_activation, reduction)(output, target) * (1.0 / len(target))
    scale = sample_weight * (0.5 / sample_weight.sum())
    if out_activation != "identity":
        scale = scale * 2
    per_entry = _loss(out_activation, "none")(output, target)
    return (per_entry * (scale if per_entry.ndim == 1 else scale[:, None])).sum()


def _single(output: gl.Tensor) -> bool:
    return output.ndim == 1 or output.shape[1] == 1


def reported_loss(value: float, output: gl.Tensor, out_activation: str) -> float:
    """The data term's ``value`` as scikit-learn records it: averaged over the outputs for
    several regression outputs, itself otherwise."""
    if out_activation == "identity" and not _single(output):
        return value / output.shape[1]
    return value


class MLPObjective:
    """The data term of one batch, as the training loop calls a loss (see `mlp_objective`).

    Called with the network's output, the batch's targets and, optionally, its sample
    weights, it returns the loss tensor and the value scikit-learn records for it. The L2
    term is the loop's `gradlab.training.penalty.L2Penalty`.

    Parameters
    ----------
    out_activation : {"softmax", "logistic", "identity", "exp"}

    Examples
    --------
    >>> import numpy as np, gradlab as gl
    >>> objective = MLPObjective("identity")
    >>> loss, reported = objective(gl.Tensor([[2.0], [0.0]]), np.array([[1.0], [3.0]]))
    >>> reported
    2.5
    """

    def __init__(self, out_activation: str) -> None:
        self.out_activation = out_activation

    def __call__(
        self, output: gl.Tensor, target: Any, sample_weight: NDArray[Any] | None = None
    ) -> tuple[gl.Tensor, float]:
        if isinstance(target, gl.Tensor):
            target = target.data
        return mlp_objective(output, target, self.out_activation, sample_weight)

    def objective(self, output: gl.Tensor, target: Any) -> gl.Tensor:
        """The data term alone, unweighted: what the training loop captures and replays."""
        if isinstance(target, gl.Tensor):
            target = target.data
        return _data_term(output, target, self.out_activation)

    def recorded(self, value: float, output: gl.Tensor) -> float:
        """The value to record for a data term of ``value`` (`reported_loss`)."""
        return reported_loss(value, output, self.out_activation)
