"""`gradcheck`: autograd's Jacobian against central finite differences, entry by entry."""

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
    fast_mode: bool = False,
) -> bool:
    """Compare autograd's Jacobian of ``fn`` with central finite differences, in float64.

    For y = fn(x_1, ..., x_k), every entry J[i, j] = dy_i/dx_j of every input is checked: the
    analytic one from a backward pass per output entry, the numeric one as

        (y_i(x + eps e_j) - y_i(x - eps e_j)) / (2 eps),

    accepting |analytic - numeric| <= atol + rtol |numeric| entry by entry, as
    ``torch.autograd.gradcheck`` does. ``fast_mode=True`` checks only v^T J for one random
    direction v (one backward pass), a quicker and weaker test.

    Parameters
    ----------
    fn : callable
        Takes the tensors and returns a Tensor of any shape.
    *inputs : Tensor
        The points to check at; copies in float64 are used, the inputs are left untouched.
    eps, atol, rtol : float
        Step and tolerances, PyTorch's defaults.
    seed : int
        Seed of the random direction of ``fast_mode``.
    raise_exception : bool, default True
        Raise GradcheckError naming the input, its index and the output index of the worst
        entry on failure (else return False).
    fast_mode : bool, default False
        Check one random projection of the Jacobian instead of every entry.

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
    with no_grad():
        shape = fn(*points).shape
    if fast_mode:
        seeds = np.random.default_rng(seed).standard_normal((1, *shape))
    else:
        seeds = np.eye(int(np.prod(shape))).reshape(-1, *shape)
    analytic = _analytic(fn, points, seeds)
    for k, point in enumerate(points):
        numeric = _numeric(fn, points, point, seeds, eps)
        message = _disagreement(analytic[k], numeric, atol, rtol, k, inputs[k].name, fast_mode)
        if message:
            if raise_exception:
                raise GradcheckError(message)
            return False
    return True


def _analytic(fn: Callable[..., Tensor], points: list[Tensor], seeds: Array) -> list[Array]:
    """Per input, the rows seed^T J (one backward pass per seed): shape (seeds, *input)."""
    rows: list[list[Array]] = [[] for _ in points]
    for seed in seeds:
        for point in points:
            point.grad = None
        fn(*points).backward(seed)
        for k, point in enumerate(points):
            rows[k].append(point.grad if point.grad is not None else np.zeros_like(point.data))
    return [np.array(r).reshape(len(seeds), *p.shape) for r, p in zip(rows, points, strict=True)]


def _numeric(
    fn: Callable[..., Tensor], points: list[Tensor], point: Tensor, seeds: Array, eps: float
) -> Array:
    """seed^T J by central differences in each entry of ``point``: shape (seeds, *point)."""
    numeric = np.zeros((len(seeds), point.data.size))
    flat = point.data.reshape(-1)  # a view: edits below move the point itself
    weights = seeds.reshape(len(seeds), -1)
    for j in range(flat.size):
        original = flat[j]
        with no_grad():
            flat[j] = original + eps
            upper = fn(*points).data.reshape(-1)
            flat[j] = original - eps
            lower = fn(*points).data.reshape(-1)
        flat[j] = original
        numeric[:, j] = weights @ ((upper - lower) / (2 * eps))
    return numeric.reshape(len(seeds), *point.shape)


def _disagreement(
    analytic: Array,
    numeric: Array,
    atol: float,
    rtol: float,
    k: int,
    name: str | None,
    projected: bool,
) -> str | None:
    excess = np.abs(analytic - numeric) - (atol + rtol * np.abs(numeric))
    if np.all(excess <= 0):  # False for NaN: a non-finite side cannot be confirmed
        return None
    worst = np.unravel_index(
        int(np.nanargmax(np.where(np.isfinite(excess), excess, np.inf))), excess.shape
    )
    output, index = worst[0], tuple(int(i) for i in worst[1:])
    label = f"input {k}" + (f" ({name!r})" if name else "")
    where = "in a random projection" if projected else f"for output entry {int(output)}"
    return (
        f"gradcheck failed for {label} at index {index} {where}: "
        f"autograd {analytic[worst]:.10g} vs finite differences {numeric[worst]:.10g} "
        f"(|difference| {abs(analytic[worst] - numeric[worst]):.3g} > "
        f"atol + rtol*|numeric| = {atol + rtol * abs(numeric[worst]):.3g})."
    )
