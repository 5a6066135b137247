"""Reading a recorded graph: its nodes in order, who consumes whom, each op's local derivative.

Everything here reads what the engine recorded. A local derivative is obtained by calling the
op's own backward closure (the code the engine ran), never by a second formula; constants
that an op folded into itself (the 2 of ``x * 2``) are recovered from the recorded values.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine import Tensor

#: Ops whose Python-number operand is folded into the node (only the tensor is a parent).
_FOLDING = frozenset({"add", "sub", "mul", "div", "pow"})


def topological(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` was computed from, leaves included, each after its inputs."""
    order: list[Tensor] = []
    seen: set[int] = set()
    stack: list[tuple[Tensor, bool]] = [(root, False)]
    while stack:
        t, expanded = stack.pop()
        if expanded:
            order.append(t)
            continue
        if id(t) in seen:
            continue
        seen.add(id(t))
        stack.append((t, True))
        for parent in reversed(t.parents):
            if id(parent) not in seen:
                stack.append((parent, False))
    return order


def consumers(order: list[Tensor]) -> dict[int, list[tuple[Tensor, int]]]:
    """For each tensor (by id), the nodes that use it and at which argument position."""
    used: dict[int, list[tuple[Tensor, int]]] = {id(t): [] for t in order}
    for t in order:
        for position, parent in enumerate(t.parents):
            used[id(parent)].append((t, position))
    return used


def folded_constant(node: Tensor) -> tuple[float, bool] | None:
    """The Python number an arithmetic op folded in, and whether it stood on the left.

    For ``x + c``, ``x - c``, ``c - x``, ``x * c``, ``x / c`` and ``x ** c`` the engine keeps
    only ``x`` as a parent and records ``c`` in the node's ``attrs``. Returns None when the node
    has all its operands as parents.
    """
    attrs = node.attrs
    if node.op not in _FOLDING or not attrs or "constant" not in attrs:
        return None
    return float(attrs["constant"]), bool(attrs.get("left", False))


def engine_value(function: Callable[..., Tensor], index: int = 0) -> Callable[..., float]:
    """Evaluate a tensor function at numbers through the engine: ``f(v1, v2, ...)`` takes entry
    ``index`` of ``function(Tensor([v1, v2, ...]))``."""

    def evaluate(*values: float) -> float:
        out = function(Tensor(np.array(values, dtype=np.float64)))
        return float(out.data.reshape(-1)[index])

    return evaluate


def engine_slope(function: Callable[[Tensor], Tensor]) -> Callable[[float], float]:
    """The derivative of an elementwise tensor function at a number, by the engine's backward."""

    def evaluate(value: float) -> float:
        t = Tensor(np.array([value], dtype=np.float64), requires_grad=True)
        out = function(t)
        out.backward(np.ones(out.shape))
        assert t.grad is not None
        return float(t.grad[0])

    return evaluate


def describe_array(values: Any) -> str:
    """A short description of a non-scalar value: ``shape (2, 3), ‖·‖ = 1.23``."""
    array = np.asarray(values, dtype=np.float64)
    return f"shape {array.shape}, ‖·‖ = {np.linalg.norm(array):.4g}"
