"""Op name -> SymPy: how each recorded engine op is written as a formula.

Values travel as NumPy object arrays of SymPy expressions, one per entry, so matrix products,
broadcasting and reductions work as they do on numbers. Arguments an op does not keep as parents
(the 2 of ``x * 2``, a reduction's axes, an index) are read from the recorded node.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.engine.activation_op import ActivationOp, recorded_activation
from gradlab.engine.loss_op import LossOp, recorded_loss
from gradlab.engine.special import SympyMath
from gradlab.graph.walk import folded_constant

ObjectArray = np.ndarray
Rule = Callable[[Any, Tensor, list[ObjectArray], "LossContext"], Any]


class LossContext:
    """What a fused loss node needs beyond its input: the targets and the reduction."""

    def __init__(self, target: Any, reduction: str | None) -> None:
        self.target = target
        self.reduction = reduction


def number(sp: Any, value: float) -> Any:
    """A SymPy number: an Integer for whole values (so 2·x, not 2.0·x), else a Float."""
    value = float(value)
    return sp.Integer(int(value)) if value.is_integer() and abs(value) < 2**53 else sp.Float(value)


def as_array(value: Any, shape: tuple[int, ...]) -> ObjectArray:
    """An object array of ``shape`` from an expression or an array of expressions."""
    if isinstance(value, np.ndarray):
        return value.astype(object).reshape(shape)
    array = np.empty((), dtype=object)
    array[()] = value
    return np.broadcast_to(array, shape).copy() if shape else array


def elementwise(function: Callable[[Any], Any], values: Any) -> ObjectArray:
    """``function`` applied to every entry (arithmetic on 0-d object arrays gives bare
    expressions, so those are accepted too)."""
    if not isinstance(values, np.ndarray):
        values = as_array(values, ())
    out = np.empty(values.shape, dtype=object)
    for index in np.ndindex(*values.shape):
        out[index] = function(values[index])
    return out


def _attr(node: Tensor, name: str) -> Any:
    """An argument the engine recorded with the op (its ``attrs``)."""
    attrs = node.attrs or {}
    if name not in attrs:
        raise NotImplementedError(
            f"the recorded {node.op!r} op does not carry its {name!r}; write this part of the "
            "model with other operations."
        )
    return attrs[name]


def _arith(sp: Any, node: Tensor, args: list[ObjectArray], _: LossContext) -> Any:
    folded = folded_constant(node)
    if folded is not None:
        constant, left = folded
        c = number(sp, constant)
        a = args[0]
        if node.op == "add":
            return a + c
        if node.op == "sub":
            return c - a if left else a - c
        if node.op == "mul":
            return c * a
        if node.op == "div":
            return a / c
        return elementwise(lambda e: e**c, a)
    a, b = args
    if node.op == "add":
        return a + b
    if node.op == "sub":
        return a - b
    if node.op == "mul":
        return a * b
    if node.op == "div":
        return a / b
    return a**b


def _reduce_axes(node: Tensor) -> tuple[int, ...]:
    return tuple(_attr(node, "axes"))


def _sum(sp: Any, node: Tensor, args: list[ObjectArray], _: LossContext) -> Any:
    axes = _reduce_axes(node)
    total = np.sum(args[0], axis=axes, keepdims=True)
    if node.op == "mean":
        count = int(np.prod([args[0].shape[a] for a in axes]))
        total = total / number(sp, count)
    return total


def _extreme(sp: Any, node: Tensor, args: list[ObjectArray], _: LossContext) -> Any:
    axes = _reduce_axes(node)
    pick = sp.Max if node.op == "max" else sp.Min
    moved = np.moveaxis(args[0], axes, tuple(range(len(axes))))
    flat = moved.reshape(-1, *moved.shape[len(axes) :])
    out = np.empty(flat.shape[1:], dtype=object)
    for index in np.ndindex(*out.shape):
        out[index] = pick(*[flat[(k, *index)] for k in range(flat.shape[0])])
    return out


def _getitem(sp: Any, node: Tensor, args: list[ObjectArray], _: LossContext) -> Any:
    return args[0][_attr(node, "index")]


def _join(sp: Any, node: Tensor, args: list[ObjectArray], _: LossContext) -> Any:
    axis = _attr(node, "axis")
    if node.op == "stack":
        return np.stack(args, axis=axis)
    return np.concatenate(args, axis=axis)


def _transpose(sp: Any, node: Tensor, args: list[ObjectArray], _: LossContext) -> Any:
    return np.transpose(args[0], _attr(node, "axes"))


def _linear(sp: Any, node: Tensor, args: list[ObjectArray], _: LossContext) -> Any:
    out = np.matmul(args[0], args[1])
    return out + args[2] if len(args) == 3 else out


def _loss(sp: Any, node: Tensor, args: list[ObjectArray], context: LossContext) -> Any:
    if context.target is None or context.reduction is None:
        raise NotImplementedError(
            f"the fused loss {node.op!r} needs its targets and reduction; build the symbolic view "
            "with y= and loss= instead of from a finished graph."
        )
    loss = recorded_loss(node.op)
    assert loss is not None
    values = _loss_entries(sp, loss, node, args[0], context)
    values = as_array(values, np.shape(values))
    if context.reduction == "mean":
        return np.sum(values) / number(sp, max(values.size, 1))
    if context.reduction == "sum":
        return np.sum(values)
    if context.reduction == "half_sum":
        return np.sum(values) / 2
    raise NotImplementedError("a loss with reduction 'none' is not one number.")


def _loss_entries(sp: Any, loss: LossOp, node: Tensor, p: ObjectArray, context: LossContext) -> Any:
    """Each entry's (or, for a rowwise loss, each row's) loss in SymPy, from its description."""
    f = SympyMath(sp)
    if loss.rowwise:
        target = np.asarray(context.target)
        if target.ndim == p.ndim - 1:
            onehot = np.zeros(p.shape)
            np.put_along_axis(onehot, np.expand_dims(target.astype(int), -1), 1, axis=-1)
            target = onehot
        rows = np.broadcast_to(target, p.shape).astype(float).reshape(-1, p.shape[-1])
        logits = p.reshape(-1, p.shape[-1])
        out = [
            loss.entry(f, list(z), [number(sp, v) for v in y])
            for z, y in zip(logits, rows, strict=True)
        ]
        return np.array(out, dtype=object).reshape(p.shape[:-1])
    targets = np.broadcast_to(np.asarray(context.target, dtype=np.float64), p.shape)
    recorded = node.attrs or {}
    params = {k: number(sp, recorded.get(k, default)) for k, default in loss.params.items()}
    sympy = loss.sympy
    if sympy is not None:
        return _per_entry(lambda e, y: sympy(sp, e, y, **params), p, targets, sp)
    return _per_entry(lambda e, y: loss.entry(f, e, y, **params), p, targets, sp)


def _per_entry(
    function: Callable[[Any, Any], Any], values: ObjectArray, targets: Any, sp: Any
) -> ObjectArray:
    """``function(entry, target)`` for every entry, the targets as SymPy numbers."""
    out = np.empty(values.shape, dtype=object)
    for index in np.ndindex(*values.shape):
        out[index] = function(values[index], number(sp, targets[index]))
    return out


def _unary(function: Callable[[Any, Any], Any]) -> Rule:
    def rule(sp: Any, node: Tensor, args: list[ObjectArray], _: LossContext) -> Any:
        return elementwise(lambda e: function(sp, e), args[0])

    return rule


RULES: dict[str, Rule] = {
    "add": _arith,
    "sub": _arith,
    "mul": _arith,
    "div": _arith,
    "pow": _arith,
    "neg": lambda sp, node, args, _: -args[0],
    "matmul": lambda sp, node, args, _: np.matmul(args[0], args[1]),
    "linear": _linear,
    "exp": _unary(lambda sp, e: sp.exp(e)),
    "log": _unary(lambda sp, e: sp.log(e)),
    "sqrt": _unary(lambda sp, e: sp.sqrt(e)),
    "abs": _unary(lambda sp, e: sp.Abs(e)),
    "astype": lambda sp, node, args, _: args[0],
    "maximum": lambda sp, node, args, _: np.vectorize(sp.Max, otypes=[object])(*args),
    "minimum": lambda sp, node, args, _: np.vectorize(sp.Min, otypes=[object])(*args),
    "sum": _sum,
    "mean": _sum,
    "max": _extreme,
    "min": _extreme,
    "reshape": lambda sp, node, args, _: args[0].reshape(node.shape),
    "transpose": _transpose,
    "getitem": _getitem,
    "concatenate": _join,
    "stack": _join,
}


def _activation(sp: Any, op: ActivationOp, node: Tensor, args: list[ObjectArray]) -> Any:
    """An activation node in SymPy, from its description's ``sympy`` form."""
    params = {k: number(sp, v) for k, v in (node.attrs or {}).items() if k != "axis"}
    if not op.elementwise:
        return op.sympy(sp, as_array(args[0], node.shape), **(node.attrs or {}))
    return elementwise(lambda e: op.sympy(sp, e, **params), args[0])


def apply(sp: Any, node: Tensor, args: list[ObjectArray], context: LossContext) -> ObjectArray:
    """The symbolic value of ``node`` from those of its parents."""
    op = recorded_activation(node.op)
    if op is not None:
        return as_array(_activation(sp, op, node, args), node.shape)
    if recorded_loss(node.op) is not None:
        return as_array(_loss(sp, node, args, context), node.shape)
    rule = RULES.get(node.op)
    if rule is None:
        raise NotImplementedError(f"no symbolic form for the op {node.op!r}.")
    return as_array(rule(sp, node, args, context), node.shape)
