"""The `Tensor`: a NumPy array that remembers how it was computed, and reverse-mode backward.

Every operation builds its result with :func:`node`, handing over the forward value, the
input tensors and a ``backward`` closure that maps the output's gradient to one gradient per
input. This module does the rest for every op alike: it undoes broadcasting, keeps each
gradient in its input's dtype, accumulates gradients of inputs used more than once, and walks
the graph latest-result-first with a heap (no recursion, so depth is limited only by memory).

Gradients are never modified in place by gradlab (accumulation builds a new array), which lets
a backward closure hand its upstream gradient itself to several inputs without copying; an
array it makes goes to one input only. A leaf's grad is always an array of its own, since the
user may change it in place.
"""

from __future__ import annotations

import functools
import itertools
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from heapq import heappop, heappush
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from gradlab.engine.grad_mode import grad_enabled

Array = NDArray[Any]
Backward = Callable[[Array], Sequence["Array | None"]]

FLOAT_DTYPES = (np.dtype(np.float16), np.dtype(np.float32), np.dtype(np.float64))


def as_float_array(data: Any, dtype: DTypeLike | None = None) -> Array:
    """Convert ``data`` to a floating NumPy array, keeping float16/32/64 and defaulting to float64.

    Raises a TypeError naming the problem for complex, string, object and other non-real data.
    """
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype not in FLOAT_DTYPES:
            raise TypeError(f"gradlab tensors are float16, float32 or float64; got dtype={dtype}.")
    try:
        array = np.asarray(data)
    except (ValueError, TypeError) as error:
        raise TypeError(
            f"cannot make a tensor from {type(data).__name__}: {error}. "
            "Pass a number, a nested list of numbers or a NumPy array of one shape."
        ) from None
    kind = array.dtype.kind
    if kind == "c":
        raise TypeError(
            f"gradlab tensors hold real numbers; got complex data ({array.dtype}). "
            "Take .real or np.abs(...) first."
        )
    if kind not in "biuf":
        raise TypeError(
            f"gradlab tensors hold numbers; got data of dtype {array.dtype!s} ({kind!r} kind). "
            "Convert strings or objects to floats first, e.g. np.asarray(x, dtype=float)."
        )
    if dtype is None:
        dtype = array.dtype if array.dtype in FLOAT_DTYPES else np.dtype(np.float64)
    return array.astype(dtype, copy=False)


class Tensor:
    """An n-dimensional array of floats with reverse-mode automatic differentiation.

    Parameters
    ----------
    data : array_like
        Numbers; float32 and float16 arrays keep their dtype, anything else becomes float64.
    requires_grad : bool, default False
        Record operations on this tensor so that ``backward`` fills its ``grad``.
    dtype : dtype, optional
        float16, float32 or float64, overriding the rule above.
    name : str, optional
        A label shown in reprs, traces and graphs (``"w5"``, ``"z1"``).

    Attributes
    ----------
    data : numpy.ndarray
        The values.
    grad : numpy.ndarray or None
        dL/d(this tensor), of the same shape and dtype as ``data``, after ``backward``.
        Gradients accumulate over ``backward`` calls until set to None (``zero_grad``).

    Examples
    --------
    >>> import gradlab as gl
    >>> x = gl.Tensor(3.0, requires_grad=True)
    >>> y = x * x + x
    >>> y.backward()
    >>> x.grad  # dy/dx = 2x + 1
    array(7.)
    """

    __slots__ = (
        "__weakref__",
        "_backward",
        "_flat",
        "_parents",
        "_plan",
        "_seq",
        "attrs",
        "data",
        "grad",
        "name",
        "op",
        "requires_grad",
    )
    # NumPy defers to our reflected operators, so ``ndarray + Tensor`` is a Tensor.
    __array_ufunc__ = None

    data: Array
    grad: Array | None
    requires_grad: bool
    name: str | None
    op: str
    attrs: dict[str, Any] | None
    _parents: tuple[Tensor, ...]
    _backward: Backward | None
    _seq: int
    _plan: list[Tensor]
    _flat: Callable[[Array], bool]

    def __init__(
        self,
        data: ArrayLike | Tensor,
        requires_grad: bool = False,
        dtype: DTypeLike | None = None,
        name: str | None = None,
    ) -> None:
        self.data = as_float_array(data, dtype)
        if _capturing[0]:
            tape = _tape.get()
            if tape is not None:
                tape.leaves.append(self)
        if requires_grad and isinstance(data, np.ndarray | Tensor):
            # A trainable leaf owns its values: updates in place must not reach the caller's array.
            self.data = self.data.copy()
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.name = name
        self.op = "leaf"
        self.attrs = None
        self._parents = ()
        self._backward = None

    # ----------------------------------------------------------------- array-like properties
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def parents(self) -> tuple[Tensor, ...]:
        """The tensors this one was computed from (empty for a leaf)."""
        return self._parents

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than computed by a recorded operation."""
        return self._backward is None

    def __len__(self) -> int:
        return len(self.data)

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(
                f"item() needs a tensor with one element; this one has shape {self.shape}."
            )
        return float(self.data.reshape(()))

    def numpy(self) -> Array:
        """The underlying NumPy array (shared, not copied)."""
        return self.data

    def detach(self) -> Tensor:
        """A tensor with the same data that is cut from the graph."""
        return Tensor(self.data, name=self.name)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient (set ``grad`` to None)."""
        self.grad = None

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extras = []
        if self.data.dtype != np.float64:
            extras.append(f"dtype={self.data.dtype}")
        if self.name is not None:
            extras.append(f"name={self.name!r}")
        if self.requires_grad:
            extras.append("requires_grad=True")
        if self.grad is not None:
            extras.append("grad=" + np.array2string(self.grad, separator=", ", prefix="grad="))
        return "Tensor(" + ", ".join([body, *extras]) + ")"

    # ----------------------------------------------------------------------------- backward
    def backward(self, gradient: ArrayLike | None = None) -> None:
        """Backpropagate: add d(self)/d(t), weighted by ``gradient``, to ``t.grad`` of every leaf.

        Parameters
        ----------
        gradient : array_like, optional
            The upstream gradient dL/d(self), of this tensor's shape. It may be omitted for a
            one-element tensor, where it is 1.

        Notes
        -----
        Leaf gradients accumulate across calls until zeroed, as in PyTorch. Intermediate
        tensors keep the gradient of the latest call in their ``grad`` (the glass-box views
        read it).
        """
        if not self.requires_grad:
            raise RuntimeError(
                "this tensor does not require grad, so there is nothing to backpropagate; "
                "create its inputs with requires_grad=True (and not inside no_grad())."
            )
        data = self.data
        if gradient is None:
            if data.size != 1:
                raise RuntimeError(
                    f"backward() without a gradient needs a one-element tensor; this one has "
                    f"shape {self.shape}. Reduce it (e.g. .sum()) or pass gradient= of that shape."
                )
            seed = _ones(data.shape, data.dtype)
        else:
            # Copied: the caller's array must not become a leaf's grad that changes with it.
            seed = as_float_array(gradient, data.dtype).copy()
            if seed.shape != data.shape:
                raise ValueError(
                    f"gradient has shape {seed.shape} but the tensor has shape {self.shape}."
                )
        if self._backward is None:  # a leaf: the seed is its whole gradient
            _accumulate(self, seed)
            return
        plan = getattr(self, "_plan", None)
        if plan is not None:
            # A replayed step (engine.capture): its flat program when it applies, else the
            # walk below, in the order it would take.
            if self._flat(seed):
                return
            for t in plan:
                t.grad = None
            self.grad = seed
            _send(self, None, None)
            for t in plan:
                _send(t, None, None)
            return
        self.grad = seed
        # Recorded tensors are visited latest first, so each is visited after every tensor
        # that uses it (their sequence numbers are larger); a tensor's previous gradient is
        # forgotten when it is first reached, before anything is added to it. Leaves are
        # never pushed: they only accumulate.
        heap = [(-self._seq, self)]
        reached = {self}
        while heap:
            _send(heappop(heap)[1], heap, reached)

    # ------------------------------------------------------------------- operator overloads
    # The operations themselves live in the op modules, imported at the bottom of this file.
    def __add__(self, other: Operand) -> Tensor:
        return arithmetic.add(self, other)

    def __radd__(self, other: Operand) -> Tensor:
        return arithmetic.add(self, other)

    def __sub__(self, other: Operand) -> Tensor:
        return arithmetic.sub(self, other)

    def __rsub__(self, other: Operand) -> Tensor:
        return arithmetic.sub(other, self)

    def __mul__(self, other: Operand) -> Tensor:
        return arithmetic.mul(self, other)

    def __rmul__(self, other: Operand) -> Tensor:
        return arithmetic.mul(self, other)

    def __truediv__(self, other: Operand) -> Tensor:
        return arithmetic.div(self, other)

    def __rtruediv__(self, other: Operand) -> Tensor:
        return arithmetic.div(other, self)

    def __neg__(self) -> Tensor:
        return arithmetic.neg(self)

    def __pos__(self) -> Tensor:
        return self

    def __pow__(self, exponent: Operand) -> Tensor:
        return arithmetic.power(self, exponent)

    def __rpow__(self, base: Operand) -> Tensor:
        return arithmetic.power(base, self)

    def __matmul__(self, other: Operand) -> Tensor:
        return arithmetic.matmul(self, other)

    def __rmatmul__(self, other: Operand) -> Tensor:
        return arithmetic.matmul(other, self)

    def __abs__(self) -> Tensor:
        return elementwise.abs(self)

    def __getitem__(self, index: Any) -> Tensor:
        return shaping.getitem(self, index)

    # ------------------------------------------------------------------------------ methods
    def exp(self) -> Tensor:
        return elementwise.exp(self)

    def log(self) -> Tensor:
        return elementwise.log(self)

    def sqrt(self) -> Tensor:
        return elementwise.sqrt(self)

    def abs(self) -> Tensor:
        return elementwise.abs(self)

    def clip(self, low: float | None = None, high: float | None = None) -> Tensor:
        return elementwise.clip(self, low, high)

    def astype(self, dtype: DTypeLike) -> Tensor:
        return elementwise.astype(self, dtype)

    def sum(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reductions.sum(self, axis, keepdims)

    def mean(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reductions.mean(self, axis, keepdims)

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reductions.max(self, axis, keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        return reductions.min(self, axis, keepdims)

    def reshape(self, *shape: Any) -> Tensor:
        if len(shape) == 1 and isinstance(shape[0], tuple | list):
            shape = tuple(shape[0])
        return shaping.reshape(self, shape)

    def transpose(self, *axes: Any) -> Tensor:
        if len(axes) == 1 and isinstance(axes[0], tuple | list):
            axes = tuple(axes[0])
        return shaping.transpose(self, axes or None)

    @property
    def T(self) -> Tensor:
        return shaping.transpose(self, None)

    def step(self) -> Tensor:
        return activations.step(self)

    def relu(self) -> Tensor:
        return activations.relu(self)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        return activations.leaky_relu(self, negative_slope)

    def sigmoid(self) -> Tensor:
        return activations.sigmoid(self)

    def tanh(self) -> Tensor:
        return activations.tanh(self)

    def softplus(self) -> Tensor:
        return activations.softplus(self)

    def softmax(self, axis: int = -1) -> Tensor:
        return activations.softmax(self, axis)

    def log_softmax(self, axis: int = -1) -> Tensor:
        return activations.log_softmax(self, axis)


Operand = Tensor | float | int | np.ndarray
Axis = int | tuple[int, ...] | None


def node(
    data: Any,
    parents: tuple[Tensor, ...],
    backward: Backward,
    op: str,
    attrs: dict[str, Any] | None = None,
) -> Tensor:
    """Make the result of an operation, recording it when gradients are wanted.

    This is the one constructor every op uses; it is on the hot path, so it validates nothing.

    Parameters
    ----------
    data : numpy.ndarray
        The forward value.
    parents : tuple of Tensor
        The inputs, in the order of the gradients that ``backward`` returns.
    backward : callable
        Maps dL/d(output) to a sequence of dL/d(input), one per parent, each of the
        output's shape or the parent's (broadcasting is undone here), or None where unneeded.
    op : str
        The operation's name, shown by the glass-box views.
    attrs : dict, optional
        The op's arguments that are not tensors (a folded Python number ``constant``, reduction
        ``axes``, an ``axis``, an ``index``...), so that the views can write the op out.
    """
    out = Tensor.__new__(Tensor)
    out.data = data if type(data) is np.ndarray else np.asarray(data)
    out.grad = None
    out.name = None
    out.op = op
    out.attrs = attrs
    if grad_enabled():
        for parent in parents:
            if parent.requires_grad:
                out.requires_grad = True
                out._parents = parents
                out._backward = backward
                out._seq = next(_sequence)
                if _capturing[0]:
                    _taped(out)
                return out
    out.requires_grad = False
    out._parents = ()
    out._backward = None
    if _capturing[0]:
        _taped(out)
    return out


def _taped(out: Tensor) -> None:
    tape = _tape.get()
    if tape is not None:
        tape.nodes.append(out)


def _send(t: Tensor, heap: list[Any] | None, reached: set[Tensor] | None) -> None:
    """One step of backward: ``t``'s gradient through its op to its inputs. With a heap,
    each recorded input reached for the first time is pushed (its old gradient forgotten)."""
    g = t.grad
    parents = t._parents
    grads = t._backward(g) if g is not None else (None,) * len(parents)  # type: ignore[misc]
    # Indexing, because zip costs more than the rest of this loop for one parent.
    i = -1
    for parent in parents:
        i += 1
        pg = grads[i]
        if parent._backward is not None:
            if heap is not None and parent not in reached:  # type: ignore[operator]
                reached.add(parent)  # type: ignore[union-attr]
                parent.grad = None
                heappush(heap, (-parent._seq, parent))
        elif not parent.requires_grad:
            continue
        if pg is None:
            continue
        # The common case, inlined: a first gradient already in its input's shape and
        # dtype, for an intermediate or, for a leaf, as a fresh array of its own (not
        # the upstream gradient that an add passes through to every input).
        data = parent.data
        if (
            parent.grad is None
            and type(pg) is np.ndarray
            and pg.shape == data.shape
            and pg.dtype is data.dtype
            and (parent._backward is not None or (pg is not g and _owns_memory(pg)))
        ):
            parent.grad = pg
        else:
            _accumulate(parent, pg)


def backward_order(root: Tensor) -> list[Tensor]:
    """The recorded tensors that backward from ``root`` visits after it, in its order
    (latest first); a replayed step walks this list instead of a heap."""
    reached = {root}
    stack = [root]
    while stack:
        for parent in stack.pop()._parents:
            if parent._backward is not None and parent not in reached:
                reached.add(parent)
                stack.append(parent)
    reached.discard(root)
    return sorted(reached, key=lambda t: -t._seq)


def lift(value: Operand, like: Tensor) -> Tensor:
    """Turn a number or array into a constant tensor, in ``like``'s dtype when it is a float."""
    if isinstance(value, Tensor):
        return value
    array = np.asarray(value)
    if array.dtype.kind in "biuf":
        return Tensor(array, dtype=like.data.dtype)
    return Tensor(array)  # raises the clear TypeError for strings, objects and complex numbers


def unbroadcast(grad: Array, shape: tuple[int, ...]) -> Array:
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving ``shape``."""
    extra = grad.ndim - len(shape)
    if extra > 0:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad if grad.shape == shape else grad.reshape(shape)


def _frozen(array: Array) -> Array:
    array.flags.writeable = False
    return array


@functools.cache
def _ones(shape: tuple[int, ...], dtype: np.dtype[Any]) -> Array:
    """Ones of this shape and dtype, made once, read-only and shared (dL/dL for a loss)."""
    return _frozen(np.ones(shape, dtype))


# 0-d constants per dtype. As an operand a Python number costs NumPy a weak-scalar promotion
# on every call (about twice the cost of the operation on a small array); a 0-d array of the
# other operand's dtype costs nothing extra and keeps float32 float32.
ZERO = {dtype: _frozen(np.zeros((), dtype)) for dtype in FLOAT_DTYPES}
ONE = {dtype: _ones((), dtype) for dtype in FLOAT_DTYPES}


def _conform(grad: Array, data: Array) -> Array:
    """``grad`` as an array of ``data``'s shape (broadcasting undone) and dtype."""
    if type(grad) is not np.ndarray:  # NumPy scalars from 0-d arithmetic
        grad = np.asarray(grad)
    if grad.shape != data.shape:
        grad = unbroadcast(grad, data.shape) if grad.ndim else np.full(data.shape, grad)
    if grad.dtype != data.dtype:
        grad = grad.astype(data.dtype)
    return grad


def _owns_memory(array: Array) -> bool:
    """True for a writable array that is no view of another (safe to hand to the user)."""
    return array.base is None and array.flags.writeable


def _accumulate(t: Tensor, grad: Array) -> None:
    conformed = _conform(grad, t.data)
    if t.grad is not None:
        conformed = t.grad + conformed
    elif t._backward is None and (conformed is grad or not _owns_memory(conformed)):
        # A leaf's grad is the user's array: it gets writable memory that no other tensor's
        # grad shares, since a backward may hand one array to several inputs.
        conformed = conformed.copy()
    # Summing to 0-d (unbroadcast, accumulation) gives NumPy scalars; grad is always an array.
    t.grad = conformed if type(conformed) is np.ndarray else np.array(conformed)


def local_gradients(t: Tensor, upstream: Array) -> list[Array | None]:
    """What ``t``'s recorded backward sends to each of its inputs for dL/dt = ``upstream``.

    Each gradient comes in its input's shape and dtype, as backpropagation accumulates it;
    None where the op sends nothing (and an empty list for a leaf). The glass-box views use
    this to show one op's chain-rule factors without computing them a second way.
    """
    if t._backward is None:
        return []
    grads = list(t._backward(upstream))
    grads += [None] * (len(t._parents) - len(grads))
    return [
        None if g is None else _conform(g, parent.data)
        for parent, g in zip(t._parents, grads, strict=True)
    ]


# The capture in progress in this thread or task (`gradlab.engine.capture`): it sees every
# node and every leaf made while a training step is recorded. A context variable, as the grad
# mode: another thread's capture never records this thread's tensors. `_capturing` counts the
# captures in progress in all threads, so that while there is none (nearly always) the hot
# path reads one list item instead of the context.
_tape: ContextVar[Any] = ContextVar("gradlab_capture_tape", default=None)
_capturing = [0]
_capturing_lock = threading.Lock()


@contextmanager
def recording(tape: Any) -> Iterator[None]:
    """Append every node and leaf made in this thread to ``tape`` (its ``nodes`` and
    ``leaves`` lists) within the block."""
    with _capturing_lock:
        _capturing[0] += 1
    token = _tape.set(tape)
    try:
        yield
    finally:
        _tape.reset(token)
        with _capturing_lock:
            _capturing[0] -= 1


# Every recorded result gets a larger number than its inputs, so visiting the largest number
# first is a reverse topological order: backward needs no recursion and no separate sort.
# Shared by all threads: ``next`` on a count is atomic, and an input made in another thread
# was made earlier, so it still has the smaller number.
_sequence = itertools.count()


# Op modules import this one; importing them last lets Tensor's methods call them.
from gradlab.engine import activations, arithmetic, elementwise, reductions, shaping  # noqa: E402
