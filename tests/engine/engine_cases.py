"""The table of engine ops under test: each gradlab op beside the same op written in PyTorch.

Each case draws its inputs twice: ``draw`` hits ties and kinks often (where gradlab must follow
PyTorch's conventions), ``draw_smooth`` keeps a distance from them (where finite differences
apply). Shapes are small and mutually broadcastable.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from engine_oracles import Drawn, half_grid, reals, with_ties
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import gradlab as gl

Elements = st.SearchStrategy[float]

SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3)

CLIP_LOW, CLIP_HIGH = -0.5, 0.75


@dataclasses.dataclass(frozen=True)
class OpCase:
    name: str
    gradlab: Callable[..., gl.Tensor]
    torch: Callable[..., torch.Tensor]
    draw: st.SearchStrategy[Drawn]
    draw_smooth: st.SearchStrategy[Drawn] | None

    def __repr__(self) -> str:
        return self.name


def _array(
    draw: st.DrawFn, shape: tuple[int, ...], elements: Elements, unique: bool = False
) -> np.ndarray:
    return draw(hnp.arrays(np.float64, shape, elements=elements, unique=unique))


def _no_ties(drawn: Drawn) -> bool:
    a, b = np.broadcast_arrays(*drawn.arrays)
    return not np.any(a == b)


@st.composite
def broadcasting(draw: st.DrawFn, *elements: Elements) -> Drawn:
    """One array per element strategy, of mutually broadcastable shapes."""
    shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=len(elements), max_dims=3, max_side=3)
    ).input_shapes
    return Drawn(tuple(_array(draw, s, e) for s, e in zip(shapes, elements, strict=True)))


def unary(elements: Elements, **kwargs: st.SearchStrategy[Any]) -> st.SearchStrategy[Drawn]:
    return st.builds(
        lambda x, kw: Drawn((x,), kw),
        hnp.arrays(np.float64, SHAPES, elements=elements),
        st.fixed_dictionaries(kwargs),
    )


@st.composite
def where_operands(draw: st.DrawFn, elements: Elements) -> Drawn:
    cond_shape, a_shape, b_shape = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=3, max_dims=3, max_side=3)
    ).input_shapes
    cond = draw(hnp.arrays(np.bool_, cond_shape))
    return Drawn((_array(draw, a_shape, elements), _array(draw, b_shape, elements)), {"cond": cond})


# Exponent -> elements of the base for which the real power is defined and differentiable.
POWER_BASES: dict[float, tuple[float, float]] = {
    0: (-3.0, 3.0),
    1: (-3.0, 3.0),
    2: (-3.0, 3.0),
    3: (-3.0, 3.0),
    -1: (0.5, 3.0),
    -2: (0.5, 3.0),
    0.5: (0.2, 3.0),
    1.5: (0.2, 3.0),
    -0.5: (0.2, 3.0),
    2.5: (0.2, 3.0),
}


@st.composite
def power_operand(draw: st.DrawFn, smooth: bool) -> Drawn:
    exponent = draw(st.sampled_from(list(POWER_BASES)))
    low, high = POWER_BASES[exponent]
    if smooth:
        elements = half_grid(low, high)
    else:
        elements = with_ties(low, high, *((low, 0.0, 1.0) if low < 0 else (low, 1.0)))
    if exponent in (-1, -2):  # any base away from 0
        elements = st.one_of(elements, elements.map(lambda v: -v))
    return Drawn((_array(draw, draw(SHAPES), elements),), {"exponent": exponent})


MATMUL_KINDS = (
    "vector @ vector",
    "vector @ matrix",
    "matrix @ vector",
    "matrix @ matrix",
    "batched @ batched",
    "batched @ matrix",
    "matrix @ batched",
    "vector @ batched",
    "batched @ vector",
)


@st.composite
def matmul_operands(draw: st.DrawFn, elements: Elements) -> Drawn:
    kind = draw(st.sampled_from(MATMUL_KINDS))
    m, k, n = (draw(st.integers(1, 3)) for _ in range(3))
    batch_a, batch_b = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=1, max_dims=2, max_side=3)
    ).input_shapes
    left = {"vector": (k,), "matrix": (m, k), "batched": (*batch_a, m, k)}[kind.split()[0]]
    right = {"vector": (k,), "matrix": (k, n), "batched": (*batch_b, k, n)}[kind.split()[2]]
    return Drawn((_array(draw, left, elements), _array(draw, right, elements)))


def _axes_strategy(ndim: int) -> st.SearchStrategy[Any]:
    if ndim == 0:
        return st.none()
    return st.one_of(
        st.none(), st.integers(-ndim, ndim - 1), hnp.valid_tuple_axes(ndim, min_size=1)
    )


@st.composite
def reduction_operand(draw: st.DrawFn, elements: Elements, unique: bool = False) -> Drawn:
    shape = draw(SHAPES)
    x = _array(draw, shape, elements, unique=unique)
    return Drawn((x,), {"axis": draw(_axes_strategy(len(shape))), "keepdims": draw(st.booleans())})


def _torch_reduction(fn: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    def reduce(x: torch.Tensor, axis: Any, keepdims: bool) -> torch.Tensor:
        dims = tuple(range(x.ndim)) if axis is None else axis
        return fn(x, dim=dims, keepdim=keepdims)

    return reduce


@st.composite
def axis_operand(draw: st.DrawFn, elements: Elements) -> Drawn:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    return Drawn((_array(draw, shape, elements),), {"axis": axis})


@st.composite
def reshape_operand(draw: st.DrawFn, elements: Elements) -> Drawn:
    shape = draw(SHAPES)
    size = math.prod(shape)
    candidates = [(size,), (-1,), (1, size), (size, 1), tuple(reversed(shape)), (1, -1, 1)]
    if size == 1:
        candidates.append(())
    new_shape = draw(st.sampled_from(candidates))
    as_tuple = draw(st.booleans())
    return Drawn((_array(draw, shape, elements),), {"shape": new_shape, "as_tuple": as_tuple})


def _gl_reshape(x: gl.Tensor, shape: tuple[int, ...], as_tuple: bool) -> gl.Tensor:
    return x.reshape(shape) if as_tuple else x.reshape(*shape)


@st.composite
def transpose_operand(draw: st.DrawFn, elements: Elements) -> Drawn:
    shape = draw(SHAPES)
    ndim = len(shape)
    permutation = draw(st.permutations(range(ndim)))
    negative = draw(st.lists(st.booleans(), min_size=ndim, max_size=ndim))
    axes = tuple(a - ndim if neg else a for a, neg in zip(permutation, negative, strict=True))
    form = draw(st.sampled_from(["method", "tuple", "function", "T"]))
    return Drawn((_array(draw, shape, elements),), {"axes": axes, "form": form})


def _gl_transpose(x: gl.Tensor, axes: tuple[int, ...], form: str) -> gl.Tensor:
    if form == "method":
        return x.transpose(*axes)
    if form == "tuple":
        return x.transpose(axes)
    if form == "function":
        return gl.transpose(x, axes)
    return x.T


def _torch_transpose(x: torch.Tensor, axes: tuple[int, ...], form: str) -> torch.Tensor:
    if form == "T" or not axes:
        return x.permute(tuple(reversed(range(x.ndim))))
    return x.permute(axes)


@st.composite
def index_operand(draw: st.DrawFn, elements: Elements) -> Drawn:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    kind = draw(st.sampled_from(["basic", "integer arrays", "repeated rows", "mixed", "mask"]))
    if kind == "basic":
        index = draw(hnp.basic_indices(shape, allow_newaxis=True, allow_ellipsis=True))
    elif kind == "integer arrays":
        index = draw(
            hnp.integer_array_indices(
                shape, result_shape=hnp.array_shapes(min_dims=1, max_dims=2, max_side=4)
            )
        )
    elif kind == "repeated rows":
        rows = st.integers(-shape[0], shape[0] - 1)
        index = np.array(draw(st.lists(rows, min_size=1, max_size=5)), dtype=np.intp)
    elif kind == "mixed" and len(shape) >= 2:
        columns = st.integers(0, shape[1] - 1)
        index = (slice(None), np.array(draw(st.lists(columns, min_size=1, max_size=4))))
    else:
        index = draw(hnp.arrays(np.bool_, shape))
    return Drawn((_array(draw, shape, elements),), {"index": index})


def _torch_getitem(x: torch.Tensor, index: Any) -> torch.Tensor:
    # NumPy's indexing applied to the flat positions names the picked entries; PyTorch then
    # gathers them and, independently of gradlab, scatter-adds the gradient back.
    positions = np.asarray(np.arange(x.numel()).reshape(tuple(x.shape))[index], dtype=np.int64)
    flat = torch.from_numpy(positions.ravel().copy())  # copied: no negative strides for torch
    return x.reshape(-1)[flat.reshape(positions.shape)]


@st.composite
def concatenate_operands(draw: st.DrawFn, elements: Elements) -> Drawn:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, max_side=3))
    axis = draw(st.integers(-len(shape), len(shape) - 1))
    count = draw(st.integers(1, 3))
    a = axis % len(shape)
    shapes = [(*shape[:a], draw(st.integers(1, 3)), *shape[a + 1 :]) for _ in range(count)]
    return Drawn(tuple(_array(draw, s, elements) for s in shapes), {"axis": axis})


@st.composite
def stack_operands(draw: st.DrawFn, elements: Elements) -> Drawn:
    shape = draw(SHAPES)
    axis = draw(st.integers(-len(shape) - 1, len(shape)))
    count = draw(st.integers(1, 3))
    return Drawn(tuple(_array(draw, shape, elements) for _ in range(count)), {"axis": axis})


def _step_torch(x: torch.Tensor) -> torch.Tensor:
    # The value is PyTorch's heaviside with 0 at 0; the derivative is 0 by definition (PyTorch
    # implements none), which `0 * x` contributes.
    return torch.heaviside(x.detach(), torch.tensor(0.0, dtype=x.dtype)) + 0 * x


GENERAL = reals(-3.0, 3.0)
POSITIVE = reals(0.2, 3.0)
NONZERO = st.one_of(reals(0.5, 3.0), reals(-3.0, -0.5))
TIES = with_ties(-3.0, 3.0, -1.0, 0.0, 0.5, 1.0)
ACTIVATION = reals(-10.0, 10.0)

SMOOTH = half_grid(-3.0, 3.0)
SMOOTH_POSITIVE = half_grid(0.2, 3.0)
SMOOTH_NONZERO = st.one_of(half_grid(0.5, 3.0), half_grid(-3.0, -0.5))
SMOOTH_ACTIVATION = half_grid(-10.0, 10.0)

SLOPES = st.sampled_from([0.01, 0.2, 1.5])

CASES: list[OpCase] = [
    OpCase(
        "add",
        lambda a, b: a + b,
        lambda a, b: a + b,
        broadcasting(GENERAL, GENERAL),
        broadcasting(SMOOTH, SMOOTH),
    ),
    OpCase(
        "sub",
        lambda a, b: a - b,
        lambda a, b: a - b,
        broadcasting(GENERAL, GENERAL),
        broadcasting(SMOOTH, SMOOTH),
    ),
    OpCase(
        "mul",
        lambda a, b: a * b,
        lambda a, b: a * b,
        broadcasting(GENERAL, GENERAL),
        broadcasting(SMOOTH, SMOOTH),
    ),
    OpCase(
        "div",
        lambda a, b: a / b,
        lambda a, b: a / b,
        broadcasting(GENERAL, NONZERO),
        broadcasting(SMOOTH, SMOOTH_NONZERO),
    ),
    OpCase("neg", lambda a: -a, lambda a: -a, unary(GENERAL), unary(SMOOTH)),
    OpCase(
        "pow (number exponent)",
        lambda a, exponent: a**exponent,
        lambda a, exponent: a**exponent,
        power_operand(smooth=False),
        power_operand(smooth=True),
    ),
    OpCase(
        "pow (tensor exponent)",
        lambda a, b: a**b,
        torch.pow,
        broadcasting(POSITIVE, GENERAL),
        broadcasting(SMOOTH_POSITIVE, SMOOTH),
    ),
    OpCase(
        "matmul",
        lambda a, b: a @ b,
        torch.matmul,
        matmul_operands(GENERAL),
        matmul_operands(SMOOTH),
    ),
    OpCase("exp", gl.exp, torch.exp, unary(GENERAL), unary(SMOOTH)),
    OpCase("log", gl.log, torch.log, unary(POSITIVE), unary(SMOOTH_POSITIVE)),
    OpCase("sqrt", gl.sqrt, torch.sqrt, unary(POSITIVE), unary(SMOOTH_POSITIVE)),
    OpCase("abs", gl.abs, torch.abs, unary(TIES), unary(SMOOTH)),
    OpCase(
        "maximum",
        gl.maximum,
        torch.maximum,
        broadcasting(TIES, TIES),
        broadcasting(SMOOTH, SMOOTH).filter(_no_ties),
    ),
    OpCase(
        "minimum",
        gl.minimum,
        torch.minimum,
        broadcasting(TIES, TIES),
        broadcasting(SMOOTH, SMOOTH).filter(_no_ties),
    ),
    OpCase(
        "clip",
        lambda a: gl.clip(a, CLIP_LOW, CLIP_HIGH),
        lambda a: torch.clamp(a, CLIP_LOW, CLIP_HIGH),
        unary(with_ties(-3.0, 3.0, CLIP_LOW, CLIP_HIGH, 0.0)),
        unary(SMOOTH),
    ),
    OpCase(
        "clip (low only)",
        lambda a: a.clip(CLIP_LOW),
        lambda a: torch.clamp(a, min=CLIP_LOW),
        unary(with_ties(-3.0, 3.0, CLIP_LOW)),
        unary(SMOOTH),
    ),
    OpCase(
        "clip (high only)",
        lambda a: a.clip(None, CLIP_HIGH),
        lambda a: torch.clamp(a, max=CLIP_HIGH),
        unary(with_ties(-3.0, 3.0, CLIP_HIGH)),
        unary(SMOOTH),
    ),
    OpCase(
        "where",
        lambda a, b, cond: gl.where(cond, a, b),
        lambda a, b, cond: torch.where(torch.from_numpy(cond), a, b),
        where_operands(GENERAL),
        where_operands(SMOOTH),
    ),
    # The float32 round trip is piecewise constant at the 1e-7 scale, which central differences
    # with a step of 1e-6 cannot resolve; its gradient is checked against PyTorch only.
    OpCase(
        "astype",
        lambda a: gl.engine.astype(a, np.float32).astype(np.float64),
        lambda a: a.to(torch.float32).to(torch.float64),
        unary(GENERAL),
        None,
    ),
    OpCase(
        "sum",
        lambda a, axis, keepdims: a.sum(axis, keepdims),
        _torch_reduction(torch.sum),
        reduction_operand(GENERAL),
        reduction_operand(SMOOTH),
    ),
    OpCase(
        "mean",
        lambda a, axis, keepdims: gl.mean(a, axis=axis, keepdims=keepdims),
        _torch_reduction(torch.mean),
        reduction_operand(GENERAL),
        reduction_operand(SMOOTH),
    ),
    OpCase(
        "max",
        lambda a, axis, keepdims: a.max(axis=axis, keepdims=keepdims),
        _torch_reduction(torch.amax),
        reduction_operand(TIES),
        reduction_operand(SMOOTH, unique=True),
    ),
    OpCase(
        "min",
        lambda a, axis, keepdims: gl.min(a, axis, keepdims),
        _torch_reduction(torch.amin),
        reduction_operand(TIES),
        reduction_operand(SMOOTH, unique=True),
    ),
    OpCase(
        "reshape",
        _gl_reshape,
        lambda a, shape, as_tuple: a.reshape(shape),
        reshape_operand(GENERAL),
        reshape_operand(SMOOTH),
    ),
    OpCase(
        "transpose",
        _gl_transpose,
        _torch_transpose,
        transpose_operand(GENERAL),
        transpose_operand(SMOOTH),
    ),
    OpCase(
        "getitem",
        lambda a, index: a[index],
        _torch_getitem,
        index_operand(GENERAL),
        index_operand(SMOOTH),
    ),
    OpCase(
        "concatenate",
        lambda *arrays, axis: gl.concatenate(arrays, axis=axis),
        lambda *arrays, axis: torch.cat(arrays, dim=axis),
        concatenate_operands(GENERAL),
        concatenate_operands(SMOOTH),
    ),
    OpCase(
        "stack",
        lambda *arrays, axis: gl.stack(list(arrays), axis=axis),
        lambda *arrays, axis: torch.stack(arrays, dim=axis),
        stack_operands(GENERAL),
        stack_operands(SMOOTH),
    ),
    OpCase("step", gl.step, _step_torch, unary(TIES), unary(SMOOTH)),
    OpCase("relu", gl.relu, torch.relu, unary(TIES), unary(SMOOTH)),
    OpCase(
        "leaky_relu",
        lambda a, negative_slope: a.leaky_relu(negative_slope),
        lambda a, negative_slope: F.leaky_relu(a, negative_slope),
        unary(TIES, negative_slope=SLOPES),
        unary(SMOOTH, negative_slope=SLOPES),
    ),
    OpCase("sigmoid", gl.sigmoid, torch.sigmoid, unary(ACTIVATION), unary(SMOOTH_ACTIVATION)),
    OpCase("tanh", gl.tanh, torch.tanh, unary(ACTIVATION), unary(SMOOTH_ACTIVATION)),
    OpCase(
        "softplus",
        gl.softplus,
        # PyTorch's default threshold=20 returns x itself above 20, off by e^-x relative.
        lambda a: F.softplus(a, threshold=50.0),
        unary(ACTIVATION),
        unary(SMOOTH_ACTIVATION),
    ),
    OpCase(
        "softmax",
        lambda a, axis: gl.softmax(a, axis),
        lambda a, axis: torch.softmax(a, dim=axis),
        axis_operand(ACTIVATION),
        axis_operand(SMOOTH_ACTIVATION),
    ),
    OpCase(
        "log_softmax",
        lambda a, axis: a.log_softmax(axis),
        lambda a, axis: torch.log_softmax(a, dim=axis),
        axis_operand(ACTIVATION),
        axis_operand(SMOOTH_ACTIVATION),
    ),
]
