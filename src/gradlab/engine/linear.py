"""The fused affine op ``linear(x, W, b) = x @ W + b`` behind `gradlab.nn.Linear`.

`gradlab.nn.functional` re-exports it, as PyTorch users look for it there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.engine.kernels import (
    Kernel,
    owned,
    register_backward_kernel,
    register_kernel,
    with_steps,
)
from gradlab.engine.tensor import ZERO, Array, Tensor, node


def linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """z = x @ W + b as one recorded op named ``"linear"``.

    ``x`` has shape (..., in_features) (a single sample (in_features,), a batch
    (n, in_features), or more batch axes), ``W`` shape (in_features, out_features), ``b``
    shape (out_features,). For an upstream gradient G = dL/dz, with x and G flattened to
    (rows, features):

        dL/dW = x^T G,    dL/db = sum over rows of G,    dL/dx = G W^T.

    Each gradient is computed only for inputs that require one.

    Parameters
    ----------
    x, weight : Tensor
    bias : Tensor, optional

    Returns
    -------
    Tensor
        Of shape (..., out_features).

    Examples
    --------
    >>> import gradlab as gl
    >>> from gradlab.engine.linear import linear
    >>> x = gl.Tensor([[1.0, 0.0]])
    >>> W = gl.Tensor([[1.0, 0.5], [1.0, -0.5]], requires_grad=True)
    >>> z = linear(x, W, gl.Tensor([0.5, 0.0]))
    >>> z.data
    array([[1.5, 0.5]])
    >>> z.sum().backward()
    >>> W.grad
    array([[1., 1.],
           [0., 0.]])
    """
    xd, wd = x.data, weight.data
    try:
        # ndarray.dot is @ for matrices, at half the call overhead of the matmul gufunc.
        out = xd.dot(wd) if xd.ndim == 2 else xd @ wd
    except ValueError:
        raise ValueError(
            f"linear expected input with last dimension in_features={wd.shape[0]}, got an "
            f"input of shape {xd.shape}; pass rows of {wd.shape[0]} features."
        ) from None
    if bias is None:
        parents: tuple[Tensor, ...] = (x, weight)
    else:
        out += bias.data
        parents = (x, weight, bias)

    def backward(g: Array) -> tuple[Array | None, ...]:
        need = (x.requires_grad, weight.requires_grad, bias is not None and bias.requires_grad)
        return linear_grads(xd, wd, g, need, (None, None, None))[: len(parents)]

    return node(out, parents, backward, "linear")


def _flat_batch(xd: Array, g: Array) -> tuple[Array, Array]:
    """x and G as matrices of rows: (rows, in_features) and (rows, out_features)."""
    if xd.ndim == 2:
        return xd, g
    if xd.ndim == 1:
        return xd[None, :], g[None, :]
    return xd.reshape(-1, xd.shape[-1]), g.reshape(-1, g.shape[-1])


def linear_grad_steps(
    xd: Array,
    wd: Array,
    g: Array,
    need: tuple[bool, bool, bool],
    outs: tuple[Array | None, Array | None, Array | None],
) -> list[Kernel]:
    """The NumPy calls of `linear_grads` writing into ``outs``, one per input in ``need``
    (dL/dx, dL/dW, dL/db), with W^T and x^T taken once: the steps of a replayed backward."""
    x2, g2 = _flat_batch(xd, g)
    steps: list[Kernel] = []
    if need[0]:
        steps.append((np.dot, (g, wd.T, outs[0])))
    if need[1]:
        steps.append((np.dot, (x2.T, g2, outs[1])))
    if need[2]:
        steps.append(_bias_grad_step(g2, outs[2]))
    return steps


def _bias_grad_step(g2: Array, out: Array | None) -> Kernel:
    """dL/db = the sum of G's rows; of a single row (one sample), that row plus 0, at half
    the cost of a reduction (and as NumPy's reduction gives it: -0.0 becomes 0.0)."""
    if len(g2) == 1:
        return (np.add, (g2[0], ZERO[g2.dtype], out))
    return (np.add.reduce, (g2, 0, None, out))


@with_steps(linear_grad_steps)
def linear_grads(
    xd: Array,
    wd: Array,
    g: Array,
    need: tuple[bool, bool, bool],
    outs: tuple[Array | None, Array | None, Array | None],
) -> tuple[Array | None, Array | None, Array | None]:
    """dL/dx = G W^T, dL/dW = x^T G, dL/db = sum over rows of G, for the inputs in ``need``
    (None for the others), written into ``outs`` where they are arrays.

    Examples
    --------
    >>> import numpy as np
    >>> x, w, g = np.ones((2, 3)), np.ones((3, 1)), np.ones((2, 1))
    >>> gx, gw, gb = linear_grads(x, w, g, (False, True, True), (None, None, None))
    >>> gx is None, gw.ravel().tolist(), gb.tolist()
    (True, [2.0, 2.0, 2.0], [2.0])
    """
    # `linear_grad_steps`' calls, without building their list on the dynamic engine's path.
    x2, g2 = _flat_batch(xd, g)
    gx = np.dot(g, wd.T, out=outs[0]) if need[0] else None
    gw = np.dot(x2.T, g2, out=outs[1]) if need[1] else None
    gb = None
    if need[2]:
        function, arguments = _bias_grad_step(g2, outs[2])
        gb = function(*arguments)
    return gx, gw, gb


def _backward_kernels(t: Tensor, upstream: Array, outs: dict[int, Array]) -> list[Kernel] | None:
    """`linear_grads` into the flat backward's arrays (a matrix batch only)."""
    x = t._parents[0].data
    if x.ndim != 2:
        return None
    need = (0 in outs, 1 in outs, 2 in outs)
    arrays = (outs.get(0), outs.get(1), outs.get(2))
    return [(linear_grads, (x, t._parents[1].data, upstream, need, arrays))]


def _replay_kernels(t: Tensor) -> list[Kernel] | None:
    """The forward above into ``t.data``: the same product (a matrix batch only), then the
    bias added in place."""
    x, weight = t._parents[0].data, t._parents[1].data
    out = t.data
    if x.ndim != 2 or not owned(out):
        return None
    kernels: list[Kernel] = [(np.dot, (x, weight, out))]
    if len(t._parents) == 3:
        kernels.append((np.add, (out, t._parents[2].data, out)))
    return kernels


register_kernel("linear", _replay_kernels)
register_backward_kernel("linear", _backward_kernels)


def as_input(x: Any, dtype: np.dtype[Any]) -> Tensor:
    """``x`` itself if it is a Tensor, else a constant Tensor of ``dtype`` sharing its memory
    when it already is a NumPy array of that dtype (no copy on the hot path)."""
    if isinstance(x, Tensor):
        return x
    if type(x) is np.ndarray and x.dtype == dtype:
        t = Tensor.__new__(Tensor)
        t.data, t.grad, t.requires_grad, t.name, t.op = x, None, False, None, "leaf"
        t.attrs, t._parents, t._backward = None, (), None
        return t
    return Tensor(x, dtype=dtype)
