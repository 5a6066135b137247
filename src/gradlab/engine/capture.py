"""Capture and replay: a training step's graph recorded once, then recomputed in place.

`compile_step` wraps a function that builds a loss from Tensor operations (a model's forward
pass and a fused loss). Its first call with given input shapes and dtypes runs the function
with the dynamic engine while a tape records every node and every leaf it makes: the
*capture*. When each recorded op has a replay kernel, later calls with the same signature
*replay* it: the inputs are copied into the captured leaves' arrays, and a flat list of NumPy
kernels recomputes every node's value into its own array (``out=``), in recording order.

Each kernel is the op's own forward (the same ufuncs, or the op description's ``forward``
with ``out=``), so the replayed values are bit for bit those of a dynamic call. A kernel
function that declares its steps (`gradlab.engine.kernels.with_steps`: the stable sigmoid's
five ufuncs, a linear layer's two products) is replaced by them, so that a replay calls NumPy
directly, without that function's Python. The graph's
backward closures read exactly those arrays, and ``loss.backward()`` runs them as a flat
program of its own (`gradlab.engine.backward_program`: each gradient written into an array
made at the capture, in the dynamic walk's order): a replayed step is the dynamic step, minus
the Python that builds nodes, closures and module calls and walks the graph
(`CompiledStep.with_backward` runs both in one loop; `CompiledStep.repeat_with_backward`
runs it again without the checks, when the caller knows that only an in-place update ran
since). A fused loss is
recomputed by calling its engine function again (its backward keeps per-call arrays); where
later nodes read it (a scaled loss), its value is copied into the array their kernels hold.

A call falls back to the dynamic engine, transparently, when anything could make the replay
differ: another shape or dtype (each signature gets its own capture), a parameter whose array
was replaced or whose ``requires_grad`` changed, a module assigned or removed anywhere
(`structure_changed`) or switched between train and eval mode, gradients off (``no_grad``),
an op without a kernel, a tensor made inside the function (a constant or a random mask would
be frozen), or a result that is not a tensor.

A capture records only its own thread's tensors (the tape is a context variable). The
counters of module changes are shared by all threads: a module built or switched in any
thread makes every capture stale, and the next call captures again (the same result).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine.activation_op import SlopeBackward, recorded_activation
from gradlab.engine.backward_program import BackwardProgram, _NoGradient
from gradlab.engine.grad_mode import grad_enabled
from gradlab.engine.kernels import KERNELS, Kernel, _modes, _structure, inline, owned
from gradlab.engine.loss_op import recorded_loss
from gradlab.engine.tensor import Array, Tensor, _ones, _tape, backward_order, recording


class _Tape:
    __slots__ = ("leaves", "nodes")

    def __init__(self) -> None:
        self.nodes: list[Tensor] = []
        self.leaves: list[Tensor] = []


def _assign(out: Array, forward: Callable[..., Array], z: Array, params: dict[str, Any]) -> None:
    np.copyto(out, forward(z, **params))


def _activation_kernels(t: Tensor) -> list[Kernel] | None:
    op = recorded_activation(t.op)
    if op is None:
        return None
    z, out, params = t._parents[0].data, t.data, t.attrs or {}
    if out is z:  # the identity: the node is its input's array
        return []
    if not owned(out):
        return None
    if type(t._backward) is SlopeBackward:
        slope = t._backward.slope
        if not owned(slope):
            return None
        assert op.fused is not None
        return [(_bound(op.fused, params), (z, out, slope))]
    if op.writes_out:
        return [(_bound(op.forward, params), (z, out))]
    return [(_assign, (out, op.forward, z, params))]


def _bound(function: Callable[..., Any], params: dict[str, Any]) -> Callable[..., Any]:
    # Arrays go in by position: a partial's keywords cost a dictionary merge on every call.
    return functools.partial(function, **params) if params else function


def _replay_loss(
    t: Tensor, function: Callable[..., Tensor], target: Any, kwargs: dict[str, Any]
) -> None:
    fresh = function(t._parents[0], target, **kwargs)
    t.data, t._backward, t.attrs = fresh.data, fresh._backward, fresh.attrs


def _replay_loss_in_place(
    t: Tensor, function: Callable[..., Tensor], target: Any, kwargs: dict[str, Any]
) -> None:
    """As `_replay_loss` for a loss that later nodes read: its value goes into the array
    their kernels and backward closures hold."""
    fresh = function(t._parents[0], target, **kwargs)
    np.copyto(t.data, fresh.data)
    t._backward, t.attrs = fresh._backward, fresh.attrs


def _loss_kernels(t: Tensor, inputs: list[Any], consumed: bool) -> list[Kernel] | None:
    """The fused loss called again: its backward keeps arrays of its own call."""
    op = recorded_loss(t.op)
    if op is None or op.function is None or len(t._parents) != 1 or not t.attrs:
        return None
    if consumed and not owned(t.data):
        return None
    target = t.attrs.get("target")
    for leaf in inputs:
        array = leaf.data if isinstance(leaf, Tensor) else leaf
        if target is array:
            target = leaf  # the input itself: the loss reads a Tensor's array without a copy
            break
        if getattr(target, "base", None) is array:
            break
    else:
        return None  # a target made inside the step would be frozen
    if op.replay is not None:
        in_place = op.replay(t, target)
        if in_place is not None:
            return in_place
    kwargs = {k: v for k, v in t.attrs.items() if k != "target"}
    return [(_replay_loss_in_place if consumed else _replay_loss, (t, op.function, target, kwargs))]


class _Program:
    """One captured signature: input buffers, guarded leaves, kernels, results, and the flat
    backward of its loss (None when the first result is not a recorded tensor)."""

    __slots__ = (
        "backward", "buffers", "kernels", "labels", "leaves", "mode", "repeatable", "result",
        "root", "seed", "signature", "sources", "trained", "version",
    )  # fmt: skip

    def __init__(
        self,
        signature: Any,
        buffers: list[Array],
        built: tuple[list[Kernel], list[tuple[Tensor, Array, bool]], list[str]],
        result: Any,
    ) -> None:
        self.signature, self.buffers, self.result = signature, buffers, result
        self.sources: list[Any] = [None] * len(buffers)  # the arrays last copied in
        self.repeatable = False
        self.kernels, self.leaves, self.labels = built
        self.version = _structure[0]
        self.mode = _modes[0]
        self.root = root = _flat(result)[0]
        self.backward: BackwardProgram | None = None
        self.trained = self.kernels
        if isinstance(root, Tensor) and root._backward is not None:
            root._plan = backward_order(root)
            root._flat = self.backward = BackwardProgram(root, root._plan)
            self.labels.extend(self.backward.labels)
            self.trained = self.kernels + self.backward.kernels
            self.seed = _ones(root.data.shape, root.data.dtype)

    def fits(self, watch_mode: bool) -> bool:
        if self.version != _structure[0] or (watch_mode and self.mode != _modes[0]):
            return False
        for leaf, data, grad in self.leaves:
            if leaf.data is not data or leaf.requires_grad is not grad:
                return False
        return True

    def run(self, inputs: tuple[Any, ...]) -> Any:
        self._copy_in(inputs)
        for function, arguments in self.kernels:
            function(*arguments)
        return self.result

    def run_with_backward(self, inputs: tuple[Any, ...]) -> Any:
        """`run`, then the loss's backward: forward and backward kernels in one loop when the
        flat backward applies, else `run` and the loss's own ``backward()``."""
        backward, root = self.backward, self.root
        self.repeatable = False
        if backward is None or root.data.size != 1 or not backward.begin(self.seed):
            self.run(inputs)
            _backpropagate(root)
            return self.result
        self._copy_in(inputs)
        self._trained(backward)
        self.repeatable = backward.usable
        return self.result

    def rerun_with_backward(self, inputs: tuple[Any, ...]) -> Any:
        """`run_with_backward` again, right after its flat backward ran, when nothing but
        in-place updates of the parameters' values happened since: the recorded tensors still
        hold the gradient arrays `begin` gave them, which the kernels write again, and each
        parameter gets its own back (as after ``zero_grad`` and `run_with_backward`). An input
        that is the very array copied in last time, unwritten since, is not copied again (nor
        its shape and dtype checked). None, having run nothing, when an input does not fit
        this program's signature."""
        backward = self.backward
        assert backward is not None
        sources, signature = self.sources, self.signature
        if len(inputs) != len(signature):
            return None
        for i, x in enumerate(inputs):
            if type(x) is np.ndarray:
                array, tensor = x, False
            elif isinstance(x, Tensor) and not x.requires_grad:
                array, tensor = x.data, True
            else:
                return None
            if array is not sources[i]:
                kind, shape, dtype = signature[i]
                if array.shape != shape or tensor is not kind or array.dtype != dtype:
                    return None
                self.buffers[i][...] = sources[i] = array
        self._trained(backward)
        self.repeatable = backward.usable
        return self.result

    def _copy_in(self, inputs: tuple[Any, ...]) -> None:
        for i, (buffer, x) in enumerate(zip(self.buffers, inputs, strict=True)):
            buffer[...] = self.sources[i] = x if type(x) is np.ndarray else x.data

    def _trained(self, backward: BackwardProgram) -> None:
        """The forward and flat backward kernels; when a backward sends no gradient where the
        capture saw one, the dynamic walk from then on."""
        try:
            for function, arguments in self.trained:
                function(*arguments)
        except _NoGradient:
            backward.abandon()
            for leaf in backward.leaves:  # no gradient of an earlier step is kept
                leaf.grad = None
            self.root.backward()  # the walk, over the values the forward kernels wrote
        else:
            for leaf, array in backward.leaf_grads:  # `BackwardProgram.finish`, inline
                leaf.grad = array


def _backpropagate(root: Any) -> None:
    if not isinstance(root, Tensor):
        raise TypeError(
            "with_backward needs a step whose result is its loss, or a tuple whose first item "
            f"is the loss; got {type(root).__name__}."
        )
    root.backward()


def _name(function: Any) -> str:
    inner = getattr(function, "func", function)  # a functools.partial
    return str(getattr(inner, "__name__", type(inner).__name__)).lstrip("_")


def _signature(x: Any) -> tuple[Any, ...] | None:
    if type(x) is np.ndarray:
        return (False, x.shape, x.dtype)
    if isinstance(x, Tensor) and not x.requires_grad:
        return (True, x.data.shape, x.data.dtype)
    return None


def _private(x: Any) -> tuple[Any, Array]:
    """A copy of input ``x`` that only the capture writes into: its leaf and its array."""
    if type(x) is np.ndarray:
        array = np.array(x, order="C")
        return array, array
    t = Tensor.__new__(Tensor)
    t.data, t.grad, t.requires_grad, t.name, t.op = (
        np.array(x.data, order="C"),
        None,
        False,
        x.name,
        "leaf",
    )
    t.attrs, t._parents, t._backward = None, (), None
    return t, t.data


def _flat(result: Any) -> list[Any]:
    return list(result) if isinstance(result, tuple) else [result]


def _check_leaves(
    t: Tensor, recorded: set[int], inputs: list[Array], made: set[int], leaves: dict[int, Any]
) -> str | None:
    for p in t._parents:
        if id(p) in recorded or id(p) in leaves:
            continue
        if not p.requires_grad and any(p.data is a for a in inputs):
            continue
        if id(p) in made:
            return "a tensor made inside the step (a constant or a random mask) would be frozen"
        leaves[id(p)] = (p, p.data, p.requires_grad)
    return None


def _build(
    tape: _Tape, inputs: list[Array], leaves_in: list[Any], result: Any
) -> tuple[list[Kernel], list[Any], list[str]] | str:
    """The kernels, guarded leaves and kernel labels of a captured step, or why it cannot be
    replayed."""
    recorded = {id(t) for t in tape.nodes}
    made = {id(t) for t in tape.leaves}
    consumed = {id(p) for t in tape.nodes for p in t._parents}
    leaves: dict[int, Any] = {}
    kernels: list[Kernel] = []
    labels: list[str] = []
    for t in tape.nodes:
        if t._backward is None:
            return f"op {t.op!r} was computed without a recorded input"
        reason = _check_leaves(t, recorded, inputs, made, leaves)
        if reason is not None:
            return reason
        builder = KERNELS.get(t.op)
        if builder is not None:
            built = builder(t)
        elif recorded_loss(t.op) is not None:
            built = _loss_kernels(t, leaves_in, id(t) in consumed)
        else:
            built = _activation_kernels(t)
        if built is None:
            return f"op {t.op!r} has no replay kernel for this node"
        built = inline(built)
        labels.extend(f"{t.op}: {_name(function)}" for function, _ in built)
        kernels.extend(built)
    for r in _flat(result):
        if not isinstance(r, Tensor) or not (id(r) in recorded or any(r.data is a for a in inputs)):
            return "the step returns something other than tensors it computed"
    return kernels, list(leaves.values()), labels


class CompiledStep:
    """A function of tensors whose graph is captured once per signature and then replayed.

    Made by `compile_step`; call it as the function it wraps. ``replays`` counts the calls
    that replayed, ``captures`` those that ran the dynamic engine to record, and ``reasons``
    says, per signature, why a capture could not be replayed; `programs` lists the kernels
    each replay runs (what the glass box can show of a replayed step).
    """

    def __init__(
        self, fn: Callable[..., Any], enabled: bool = True, watch_mode: bool = True
    ) -> None:
        self.fn = fn
        self.enabled = enabled
        self.watch_mode = watch_mode
        self.replays = 0
        self.captures = 0
        self.reasons: dict[Any, str] = {}
        self._programs: dict[Any, _Program | tuple[int, str]] = {}
        self._last: _Program | None = None
        functools.update_wrapper(self, fn)

    def programs(self) -> dict[Any, list[str] | str]:
        """Per captured signature (the inputs' shapes and dtypes), the kernels a replay runs,
        as ``"op: function"`` in order, then those of its flat backward
        (`gradlab.engine.backward_program`; ``recorded_backward`` calls the op's recorded
        backward), or why that capture is not replayed. A kernel function that declares its
        NumPy calls (`gradlab.engine.kernels.with_steps`) is listed, and run, as those calls.

        Examples
        --------
        >>> import gradlab as gl
        >>> w = gl.Tensor([[1.0]], requires_grad=True)
        >>> step = gl.compile_step(lambda x: (x @ w).relu().sum())
        >>> _ = step(gl.Tensor([[2.0]]))
        >>> for label in next(iter(step.programs().values())):
        ...     print(label)
        matmul: dot
        relu: <lambda>
        sum: sum
        sum backward: recorded_backward
        relu backward: through
        matmul backward: dot
        """
        return {
            key: program.labels if type(program) is _Program else program[1]  # type: ignore[index]
            for key, program in self._programs.items()
        }

    @property
    def repeatable(self) -> bool:
        """Whether the latest call was a `with_backward` that ran the flat backward, so that
        `repeat_with_backward` may follow it."""
        return self._last is not None

    def __call__(self, *inputs: Any) -> Any:
        self._last = None
        program, result = self._resolve(inputs)
        return result if program is None else program.run(inputs)

    def with_backward(self, *inputs: Any) -> Any:
        """Call the step and backpropagate its loss: ``result = step(*inputs)``, then
        ``loss.backward()`` with ``loss`` the result or its first item.

        A replay runs its forward and its flat backward as one list of kernels when every
        parameter's ``grad`` is None (call ``optimizer.zero_grad()`` first), without the
        Python of a separate ``backward()`` call; the gradients are those ``backward()``
        gives, bit for bit. Anything else is that call.

        Examples
        --------
        >>> import gradlab as gl
        >>> w = gl.Tensor([[1.0]], requires_grad=True)
        >>> step = gl.compile_step(lambda x: (x @ w).relu().sum())
        >>> for _ in range(2):
        ...     w.grad = None
        ...     loss = step.with_backward(gl.Tensor([[2.0]]))
        >>> loss.item(), w.grad.tolist(), step.replays
        (2.0, [[2.0]], 1)
        """
        self._last = None
        program, result = self._resolve(inputs)
        if program is None:
            _backpropagate(_flat(result)[0])
            return result
        result = program.run_with_backward(inputs)
        if program.repeatable:
            self._last = program
        return result

    def repeat_with_backward(self, *inputs: Any) -> Any:
        """`with_backward` for a call that follows one which ran the flat backward (see
        `repeatable`), when only in-place updates of the parameters' values happened since:
        the kernels run again without the checks of that call (modules, parameters' arrays,
        gradient mode); the gradients are those of ``zero_grad()`` and `with_backward`,
        written into the arrays the parameters held after that call. An input given as the
        same array as at the previous call is taken to hold the same values (it is not copied
        again: a full batch costs nothing to pass). Returns None, having done nothing, when
        the inputs' shapes or dtypes are not that call's, or no such call came just before.

        `gradlab.fit` uses it between two batches, where no other code runs.

        Examples
        --------
        >>> import gradlab as gl
        >>> w = gl.Tensor([[1.0]], requires_grad=True)
        >>> step = gl.compile_step(lambda x: (x @ w).tanh().sum())
        >>> x = gl.Tensor([[0.5]])
        >>> _ = step.with_backward(x)  # the capture
        >>> w.grad = None
        >>> _ = step.with_backward(x)  # a replay, its backward flat
        >>> w.data *= 0.5  # an update in place
        >>> loss = step.repeat_with_backward(x)
        >>> round(loss.item(), 6), step.replays
        (0.244919, 2)
        """
        program = self._last
        if program is None:
            return None
        result = program.rerun_with_backward(inputs)
        if result is None:
            return None
        self.replays += 1
        if not program.repeatable:
            self._last = None
        return result

    def _resolve(self, inputs: tuple[Any, ...]) -> tuple[_Program | None, Any]:
        """The program to replay for ``inputs`` (not yet run) and None, or None and the result
        of calling the function dynamically (a capture when it may replay later)."""
        if not (self.enabled and grad_enabled()) or _tape.get() is not None:
            return None, self.fn(*inputs)
        key = tuple([_signature(x) for x in inputs])
        if None in key:
            return None, self.fn(*inputs)
        program = self._programs.get(key)
        if type(program) is _Program:
            if program.fits(self.watch_mode):
                self.replays += 1
                return program, None
        elif program is not None and program[0] == _structure[0]:  # type: ignore[index]
            return None, self.fn(*inputs)  # known not to replay, and nothing changed since
        return None, self._capture(key, inputs)

    def _capture(self, key: Any, inputs: tuple[Any, ...]) -> Any:
        self.captures += 1
        private = [_private(x) for x in inputs]
        tape = _Tape()
        version = _structure[0]
        with recording(tape):
            result = self.fn(*(leaf for leaf, _ in private))
        buffers = [array for _, array in private]
        built = _build(tape, buffers, [leaf for leaf, _ in private], result)
        if isinstance(built, str):
            self.reasons[key] = built
            self._programs[key] = (version, built)
        else:
            self.reasons.pop(key, None)
            self._programs[key] = _Program(key, buffers, built, result)
        return result


def compile_step(
    fn: Callable[..., Any], *, enabled: bool = True, watch_mode: bool = True
) -> CompiledStep:
    """Wrap ``fn``, a function of tensors that builds a loss, to capture its graph once and
    replay it.

    The first call with given input shapes and dtypes runs ``fn`` with the dynamic engine and
    records its graph; later calls with the same signature recompute the recorded nodes in
    place with flat NumPy kernels and return the same tensors, with new values. Call
    ``loss.backward()`` and update the parameters as usual: backward runs the ops' own
    backward over the replayed values, as a flat program once the parameters' gradients are
    zeroed, so the result is bit for bit that of the dynamic engine (a parameter's ``grad``
    is then an array the next step's backward writes again).
    Anything that could change the step (another shape or dtype, a parameter replaced or
    frozen, a module changed, ``no_grad``, an op without a kernel, a tensor made inside
    ``fn``) runs ``fn`` dynamically instead. `gradlab.fit` uses it for every step.

    ``fn`` must compute the same graph whenever its inputs have the same shapes: no Python
    branch on values, no random draws (a tensor made inside ``fn`` prevents the replay). The
    returned tensors are reused by the next call, which overwrites their values.

    Parameters
    ----------
    fn : callable
        ``fn(*inputs)`` of Tensors (not requiring grad) or NumPy arrays, returning a Tensor or
        a tuple of Tensors (e.g. the loss and the model's output).
    enabled : bool, default True
        False always runs ``fn`` dynamically (to compare).
    watch_mode : bool, default True
        Capture again after any module switches between ``train()`` and ``eval()`` (for
        modules whose forward depends on it); False when none does.

    Returns
    -------
    CompiledStep

    Examples
    --------
    >>> import numpy as np
    >>> import gradlab as gl
    >>> w = gl.Tensor([[0.5], [-0.5]], requires_grad=True)
    >>> step = gl.compile_step(lambda x, y: gl.squared_error((x @ w).sigmoid(), y))
    >>> x, y = gl.Tensor([[1.0, 2.0]]), gl.Tensor([[1.0]])
    >>> for _ in range(3):
    ...     loss = step(x, y)
    ...     w.grad = None
    ...     loss.backward()
    ...     w.data -= 0.5 * w.grad
    >>> step.captures, step.replays
    (1, 2)
    """
    return CompiledStep(fn, enabled, watch_mode)
