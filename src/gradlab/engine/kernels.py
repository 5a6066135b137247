"""Replay kernels: how each op recomputes a recorded node in place (see `gradlab.engine.capture`).

Each op module registers, beside its forward, a builder that turns one recorded node into
kernels writing the node's value into its own array from its parents' arrays, with the same
ufuncs as the forward (so a replay is bit for bit the dynamic result).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np

Array = np.ndarray

#: A kernel: a function and its arguments, called as ``function(*arguments)``.
Kernel = tuple[Callable[..., Any], tuple[Any, ...]]
Steps = Callable[..., "list[Kernel]"]
KernelBuilder = Callable[[Any], "list[Kernel] | None"]

#: Op name -> the builder of its replay kernels (None where a recorded node cannot be replayed).
KERNELS: dict[str, KernelBuilder] = {}

#: ``builder(node, upstream, outs)`` -> kernels writing, from the node's gradient array
#: ``upstream``, the gradient of each input ``i`` in ``outs`` into ``outs[i]`` (None: the
#: flat backward calls the node's recorded backward instead).
BackwardBuilder = Callable[[Any, Any, dict[int, Any]], "list[Kernel] | None"]
BACKWARD_KERNELS: dict[str, BackwardBuilder] = {}

# Bumped whenever a module gains, loses or replaces a parameter or a submodule: every capture
# taken before is then stale. `_modes` is bumped when a module switches train/eval mode.
_structure = [0]
_modes = [0]


def register_kernel(op: str, builder: KernelBuilder) -> KernelBuilder:
    """Declare how a replay recomputes nodes of ``op``: ``builder(node)`` returns kernels that
    write the node's value into ``node.data`` from its parents' arrays, or None when this node
    cannot be replayed. Each op module registers its own, beside its forward."""
    KERNELS[op] = builder
    return builder


def register_backward_kernel(op: str, builder: BackwardBuilder) -> BackwardBuilder:
    """Declare how the flat backward of a replayed step (`gradlab.engine.backward_program`)
    computes the input gradients of ``op``'s nodes into given arrays, with the operations of
    the op's own backward. Ops without one are still replayed, through their recorded
    backward."""
    BACKWARD_KERNELS[op] = builder
    return builder


_F = TypeVar("_F", bound=Callable[..., Any])


def with_steps(steps: Steps) -> Callable[[_F], _F]:
    """Declare that a kernel function is the NumPy calls ``steps(*arguments)`` lists.

    ``function(*arguments)`` must then do exactly the work of running each ``(f, args)`` of
    ``steps(*arguments)`` as ``f(*args)`` (it is best written as that: `run` of its steps), so
    that a replayed program may run the steps in its place (`inline`), without the function's
    own Python frame, its argument handling or its attribute lookups on every step.

    Examples
    --------
    >>> import numpy as np
    >>> def double_steps(x, out):
    ...     return [(np.add, (x, x, out))]
    >>> @with_steps(double_steps)
    ... def double(x, out):
    ...     run(double_steps(x, out))
    >>> x, out = np.array([1.0, 2.0]), np.empty(2)
    >>> [f.__name__ for f, _ in inline([(double, (x, out))])]
    ['add']
    """

    def attach(function: _F) -> _F:
        function.steps = steps  # type: ignore[attr-defined]
        return function

    return attach


def run(kernels: list[Kernel]) -> None:
    """Call each kernel in order: ``function(*arguments)``."""
    for function, arguments in kernels:
        function(*arguments)


def inline(kernels: list[Kernel]) -> list[Kernel]:
    """``kernels`` with each one whose function declares its steps (`with_steps`) replaced by
    them, recursively: the same work, as direct NumPy calls."""
    flat: list[Kernel] = []
    for function, arguments in kernels:
        steps = getattr(function, "steps", None)
        if steps is None:
            flat.append((function, arguments))
        else:
            flat.extend(inline(steps(*arguments)))
    return flat


def structure_changed() -> None:
    """Make every capture stale (called by `gradlab.nn.Module` when its structure changes)."""
    _structure[0] += 1


def mode_changed() -> None:
    """Make captures that watch modules' train/eval mode stale (called by `Module.train`)."""
    _modes[0] += 1


def owned(array: Array) -> bool:
    """Whether a kernel may write into ``array``: writable, contiguous, no view of another."""
    return (
        type(array) is np.ndarray
        and array.base is None
        and array.flags.writeable
        and array.flags.c_contiguous
    )
