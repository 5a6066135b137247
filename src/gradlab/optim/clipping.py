"""Gradient clipping by total norm and by value; each replaces ``p.grad`` with a new array."""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.tensor import Array


def _with_grads(parameters: Tensor | Iterable[Tensor], name: str) -> list[tuple[Tensor, Array]]:
    """The (parameter, gradient) pairs of the parameters that have a gradient."""
    items = [parameters] if isinstance(parameters, Tensor) else list(parameters)
    for p in items:
        if not isinstance(p, Tensor):
            raise TypeError(
                f"{name} expects Tensors (e.g. model.parameters()); got {type(p).__name__}."
            )
    return [(p, p.grad) for p in items if p.grad is not None]


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> float:
    r"""Scale all gradients together so that their total norm is at most ``max_norm``.

    The total norm is the ``norm_type``-norm of all gradient entries as one vector,
    :math:`N = \|(g_1, \ldots, g_k)\|_p`; every gradient becomes
    :math:`g_i \cdot \min(1, \text{max\_norm} / (N + 10^{-6}))`, as in
    ``torch.nn.utils.clip_grad_norm_``. Parameters without a gradient are skipped. Each
    clipped ``p.grad`` is a new array: gradients are never modified in place.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
    max_norm : float
        At least 0.
    norm_type : float, default 2.0
        The p of the p-norm, positive; ``math.inf`` for the largest absolute entry.
    error_if_nonfinite : bool, default False
        Raise a FloatingPointError when the total norm is NaN or infinite.

    Returns
    -------
    float
        The total norm before clipping.

    Examples
    --------
    >>> import numpy as np
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([0.0, 0.0])
    >>> w.grad = np.array([3.0, 4.0])
    >>> gl.optim.clip_grad_norm_([w], max_norm=1.0)
    5.0
    >>> w.grad.round(6)
    array([0.6, 0.8])
    """
    if not 0 <= max_norm < math.inf:
        raise ValueError(f"clip_grad_norm_ got max_norm={max_norm!r}; it must be finite and >= 0.")
    max_norm = float(max_norm)  # a NumPy float64 scalar would promote float32 gradients
    if not norm_type > 0:
        raise ValueError(f"clip_grad_norm_ got norm_type={norm_type!r}; it must be positive.")
    pairs = _with_grads(parameters, "clip_grad_norm_")
    p_norm = float(norm_type)
    norms = [float(np.linalg.norm(g.ravel(), ord=p_norm)) for _, g in pairs if g.size]
    if not norms:
        return 0.0
    total = float(np.linalg.norm(np.asarray(norms), ord=p_norm))
    if error_if_nonfinite and not math.isfinite(total):
        raise FloatingPointError(
            f"the total norm of the gradients is {total}; the loss or the model diverged. "
            "Lower the learning rate, or pass error_if_nonfinite=False."
        )
    coefficient = max_norm / (total + 1e-6)
    # A NaN norm makes every gradient NaN, as in PyTorch (min(NaN, 1) stays NaN there).
    if coefficient < 1.0 or math.isnan(coefficient):
        for p, g in pairs:
            p.grad = g * coefficient
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    r"""Clip every gradient entry to :math:`[-c, c]`, as ``torch.nn.utils.clip_grad_value_``.

    Parameters without a gradient are skipped; each ``p.grad`` becomes a new array.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
    clip_value : float
        c, at least 0.

    Examples
    --------
    >>> import numpy as np
    >>> import gradlab as gl
    >>> w = gl.nn.Parameter([0.0, 0.0])
    >>> w.grad = np.array([-3.0, 0.5])
    >>> gl.optim.clip_grad_value_([w], 1.0)
    >>> w.grad
    array([-1. ,  0.5])
    """
    if not 0 <= clip_value < math.inf:
        raise ValueError(
            f"clip_grad_value_ got clip_value={clip_value!r}; it must be finite and >= 0."
        )
    clip_value = float(clip_value)  # a NumPy float64 scalar would promote float32 gradients
    for p, g in _with_grads(parameters, "clip_grad_value_"):
        p.grad = np.clip(g, -clip_value, clip_value)
