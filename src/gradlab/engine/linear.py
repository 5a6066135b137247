"""The fused affine op ``linear(x, W, b) = x @ W + b`` behind `gradlab.nn.Linear`.

`gradlab.nn.functional` re-exports it, as PyTorch users look for it there.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from gradlab.engine.kernels import Kernel, owned, register_kernel
from gradlab.engine.tensor import Array, Tensor, node


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
        if xd.ndim == 2:
            x2, g2 = xd, g
        elif xd.ndim == 1:
            x2, g2 = xd[None, :], g[None, :]
        else:
            x2, g2 = xd.reshape(-1, xd.shape[-1]), g.reshape(-1, g.shape[-1])
        gx = g.dot(wd.T) if x.requires_grad else None
        gw = x2.T.dot(g2) if weight.requires_grad else None
        if bias is None:
            return gx, gw
        return gx, gw, (g2.sum(axis=0) if bias.requires_grad else None)

    return node(out, parents, backward, "linear")


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
