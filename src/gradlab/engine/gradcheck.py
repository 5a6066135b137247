"""`gradcheck`: autograd against central finite differences, in float64."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradlab.engine.grad_mode import no_grad
from gradlab.engine.tensor import Array, Tensor


class GradcheckError(AssertionError):
    """Autograd and finite differences disagree; the message names the worst entry."""


def gradcheck(
    fn: Callable[..., Tensor],
    *inputs: Tensor,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Compare autograd's gradient of ``fn`` with central finite differences, in float64.

    For an output y = fn(x_1, ..., x_k) the function checks v^T dy/dx_i for a random
    direction v (drawn from ``seed``), entry by entry, against

        (v . fn(x + eps e_j) - v . fn(x - eps e_j)) / (2 eps),

    accepting |autograd - numeric| <= atol + rtol |numeric|.

    Parameters
    ----------
    fn : callable
        Takes the tensors and returns a Tensor of any shape.
    *inputs : Tensor
        The points to check at; copies in float64 are used, the inputs are left untouched.
    eps, atol, rtol : float
        Step and tolerances, PyTorch's defaults.
    seed : int
        Seed of the random direction v.
    raise_exception : bool, default True
        Raise GradcheckError on failure (else return False).

    Returns
    -------
    bool
        True when every entry agrees.

    Examples
    --------
    >>> import gradlab as gl
    >>> x = gl.Tensor([0.5, -1.0, 2.0])
    >>> gl.gradcheck(lambda t: (t * t).sigmoid(), x)
    True
    """
    points = [Tensor(np.array(t.data, dtype=np.float64), requires_grad=True) for t in inputs]
    out = fn(*points)
    direction = np.random.default_rng(seed).standard_normal(out.shape)
    out.backward(direction)

    def projected(*args: Tensor) -> float:
        with no_grad():
            return float(np.sum(direction * fn(*args).data))

    for k, point in enumerate(points):
        analytic = point.grad if point.grad is not None else np.zeros_like(point.data)
        numeric = np.zeros_like(point.data)
        flat = point.data.reshape(-1)  # a view: edits below move the point itself
        for j in range(flat.size):
            original = flat[j]
            flat[j] = original + eps
            upper = projected(*points)
            flat[j] = original - eps
            lower = projected(*points)
            flat[j] = original
            numeric.reshape(-1)[j] = (upper - lower) / (2 * eps)
        message = _disagreement(analytic, numeric, atol, rtol, k, inputs[k].name)
        if message:
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _disagreement(
    analytic: Array, numeric: Array, atol: float, rtol: float, k: int, name: str | None
) -> str | None:
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    if np.all(excess <= 0):  # False for NaN: a non-finite side cannot be confirmed
        return None
    worst = np.unravel_index(
        int(np.nanargmax(np.where(np.isfinite(excess), excess, np.inf))), excess.shape
    )
    label = f"input {k}" + (f" ({name!r})" if name else "")
    return (
        f"gradcheck failed for {label} at index {tuple(int(i) for i in worst)}: "
        f"autograd {analytic[worst]:.10g} vs finite differences {numeric[worst]:.10g} "
        f"(|difference| {abs(analytic[worst] - numeric[worst]):.3g} > "
        f"atol + rtol*|numeric| = {atol + rtol * abs(numeric[worst]):.3g})."
    )
