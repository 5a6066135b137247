"""A replayed step's backward as a flat program: every gradient written into an array of its own.

The dynamic backward (`gradlab.engine.tensor`) walks the graph and decides, for each gradient,
whether it is a first one or adds to another, whether broadcasting must be undone and whether
a leaf needs a copy. For a captured step (`gradlab.engine.capture`) those decisions are the
same every step, so they are taken once: each recorded tensor and each parameter gets a
gradient array made at the capture, and backward becomes a list of kernels, one per node, in
the order the dynamic walk visits them. A node's kernel computes its inputs' gradients with
the op's own backward, either through a builder the op registers beside its forward (which
writes into the arrays with ``out=``, the same operations) or by calling its recorded backward
and conforming the result as the dynamic walk does. The first gradient an input receives is
written, later ones are added in the walk's order, so every gradient is bit for bit the
dynamic one.

The program runs only when every parameter's ``grad`` is None (``zero_grad`` before each
step); it then sets each ``grad`` to its array. Otherwise, or when a backward sends no
gradient where the capture saw one, the dynamic walk runs instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine.activation_op import SlopeBackward, recorded_activation
from gradlab.engine.kernels import BACKWARD_KERNELS, Kernel, inline, owned
from gradlab.engine.loss_op import LossBackward
from gradlab.engine.packing import sibling
from gradlab.engine.tensor import Array, Tensor, _conform, _ones


class _NoGradient(Exception):
    """A recorded backward sent None where the capture expected a gradient."""


def _recorded_backward(t: Tensor, routes: list[tuple[int, Tensor, Array, bool]]) -> None:
    """Any op: its recorded backward, each gradient conformed to its input and then written
    into (or, after the first, added to) the input's array."""
    g = t.grad
    grads = t._backward(g)  # type: ignore[misc,arg-type]
    for i, parent, out, first in routes:
        pg = grads[i]
        if pg is None:
            raise _NoGradient
        pg = _conform(pg, parent.data)
        if first:
            np.copyto(out, pg)
        else:
            np.add(out, pg, out=out)


class BackwardProgram:
    """The flat backward of one captured graph (see the module's description).

    Parameters
    ----------
    root : Tensor
        The captured step's loss.
    order : list of Tensor
        The recorded tensors backward visits after ``root``, in its order
        (`gradlab.engine.tensor.backward_order`).
    """

    def __init__(self, root: Tensor, order: list[Tensor]) -> None:
        self.root, self.order = root, order
        self.leaves: list[Tensor] = []
        self.arrays: dict[int, Array] = {}
        self.kernels: list[Kernel] = []
        self.labels: list[str] = []
        self.usable = True
        self._buffers: dict[int, tuple[Array, Array]] = {}
        # The seed the kernels were built for, when they take dL/d(root) = 1 as a constant.
        self.unit: Array | None = None
        written: set[int] = set()
        nodes = [root, *order]
        if self._slope_is_gradient(root):  # the root then has nothing to compute
            written.add(id(root._parents[0]))
            nodes = order
        for t in nodes:
            routes = []
            for i, parent in enumerate(t._parents):
                if not parent.requires_grad:
                    continue
                array = self.arrays.get(id(parent))
                if array is None:
                    array = self.arrays[id(parent)] = self._gradient_array(parent)
                    if parent._backward is None:
                        self.leaves.append(parent)
                routes.append((i, parent, array, id(parent) not in written))
                written.add(id(parent))
            built: list[Kernel] | None = None
            if type(t._backward) is LossBackward and [r[0] for r in routes] == [0] and routes[0][3]:
                built = self._loss_kernels(t, routes[0][2])
            elif t is not root and all(first for *_, first in routes):
                outs = {i: array for i, _, array, _ in routes}
                built = _builder(t)(t, self.arrays[id(t)], outs)
            if built is None:
                built = [(_recorded_backward, (t, routes))]
            built = inline(built)
            self.kernels.extend(built)
            self.labels.extend(f"{t.op} backward: {_name(function)}" for function, _ in built)
        self._grads = [(t, self.arrays[id(t)]) for t in order]
        self.leaf_grads = [(leaf, self.arrays[id(leaf)]) for leaf in self.leaves]

    def _gradient_array(self, t: Tensor) -> Array:
        """An array for dL/dt: for a parameter whose values lie in a packed buffer
        (`gradlab.nn.pack_parameters`), the same place in one gradient buffer of its own, so
        that an optimizer may update all of them in one call (`gradlab.engine.packing`)."""
        if t._backward is None:
            packed = sibling(t.data, self._buffers)
            if packed is not None:
                return packed
        return np.empty_like(t.data, order="C")

    def _slope_is_gradient(self, root: Tensor) -> bool:
        """When dL/dp of the root loss is its slope times exactly 1 (a factor of 1 and the unit
        seed), make the slope array itself p's gradient, with no kernel. The root's one
        input p (not a leaf) reaches the root only through it, so p receives no other
        gradient to add: that array is written only by the loss's forward kernels, which
        refresh it in place."""
        backward = root._backward
        if type(backward) is not LossBackward or not backward.refreshed:
            return False
        if backward.factor != 1 or backward.reduction == "none" or len(root._parents) != 1:
            return False
        (p,) = root._parents
        slope = backward.slope
        if not p.requires_grad or p._backward is None or not owned(slope):
            return False
        if slope.shape != p.data.shape or slope.dtype != p.data.dtype:
            return False
        self.arrays[id(p)] = slope
        self.unit = _ones(root.data.shape, root.data.dtype)
        return True

    def _loss_kernels(self, t: Tensor, out: Array) -> list[Kernel]:
        """A fused loss's dL/dp. At the root, for a backward that a replay keeps (refreshing
        its slope in place), one product with the coefficient of the unit seed, which the
        program then requires (the shared read-only ones of `Tensor.backward`)."""
        backward = t._backward
        assert type(backward) is LossBackward
        if t is not self.root or not backward.refreshed:
            return [(_loss_kernel, (t, out))]
        self.unit = _ones(t.data.shape, t.data.dtype)
        return [(np.multiply, (backward.slope, backward.coefficient(self.unit), out))]

    def __call__(self, seed: Array) -> bool:
        """Run the program for dL/d(root) = ``seed``; False (nothing done) when it cannot."""
        if not self.begin(seed):
            return False
        try:
            for function, arguments in self.kernels:
                function(*arguments)
        except _NoGradient:
            self.abandon()
            return False
        self.finish()
        return True

    def begin(self, seed: Array) -> bool:
        """Whether the program applies now (every leaf's ``grad`` None); if so, give the root
        ``seed`` and each recorded tensor its gradient array, for `kernels` to write."""
        if not self.usable or (self.unit is not None and seed is not self.unit):
            return False
        for leaf in self.leaves:
            if leaf.grad is not None:
                return False
        self.root.grad = seed
        for t, array in self._grads:
            t.grad = array
        return True

    def finish(self) -> None:
        """After `kernels` ran: each leaf's ``grad`` is its array."""
        for leaf, array in self.leaf_grads:
            leaf.grad = array

    def abandon(self) -> None:
        """After `kernels` raised `_NoGradient`: this graph's gradients are not always there,
        so from now on backward walks it; no recorded tensor keeps a partial gradient."""
        self.usable = False
        for t in self.order:
            t.grad = None


def _loss_kernel(t: Tensor, out: Array) -> None:
    """A fused loss's dL/dp = factor · slope · dL/d(loss), for the root too: its gradient
    is the seed only when the program runs, and its backward may be a new call's (a loss
    replayed by calling its function again)."""
    t._backward.into(t.grad, out)  # type: ignore[union-attr]


def _activation_kernels(t: Tensor, upstream: Array, outs: dict[int, Array]) -> list[Kernel] | None:
    """An elementwise activation's dL/dz = dL/da f'(z) into the flat backward's array."""
    op = recorded_activation(t.op)
    if op is None or op.derivative is None or 0 not in outs:
        return None
    if type(t._backward) is SlopeBackward:  # the slope came with the value
        return [(np.multiply, (upstream, t._backward.slope, outs[0]))]
    z = t._parents[0].data
    return [(op.through, (upstream, z, t.data, outs[0], t.attrs or {}))]


def _none(t: Tensor, upstream: Array, outs: dict[int, Array]) -> None:
    return None


def _builder(t: Tensor) -> Callable[[Tensor, Array, dict[int, Array]], list[Kernel] | None]:
    builder = BACKWARD_KERNELS.get(t.op)
    if builder is not None:
        return builder
    return _activation_kernels if recorded_activation(t.op) is not None else _none


def _name(function: Any) -> str:
    inner = getattr(function, "func", function)
    return str(getattr(inner, "__name__", type(inner).__name__)).lstrip("_")
