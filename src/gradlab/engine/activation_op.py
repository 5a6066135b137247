"""`ActivationOp`: everything gradlab knows about an activation, declared in one place.

An activation is described once, by its forward and derivative in NumPy, its name and aliases,
its written forms and its SymPy form. Every other part of gradlab reads these descriptions: the
engine function (``gl.relu``), the layer class (``gl.nn.ReLU``), the names ``MLP``, the
estimators and the command line accept, the glass box's formulas, the symbolic view and the model
file. `register_activation` adds a user's own; the contract test checks every facet of each.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np

from gradlab.engine.registry import Registry
from gradlab.engine.special import NUMPY
from gradlab.engine.tensor import Array, Tensor, node


@dataclass(frozen=True, eq=False)
class ActivationOp:
    """The description of an activation a = f(z).

    Parameters
    ----------
    name : str
        The canonical name ("relu"), also the recorded op's name; lower case.
    class_name : str
        The name of its layer class in `gradlab.nn` ("ReLU") and in model files.
    forward : callable
        ``forward(z, **params) -> a`` on NumPy arrays, numerically stable, keeping z's dtype.
    derivative : callable or None
        ``derivative(f, z, a, **params) -> da/dz`` for an elementwise activation, written with
        operators and the functions of the namespace ``f`` (``f.sigmoid``, ``f.Phi``, ... see
        `gradlab.engine.special.SPECIALS`). With ``f`` = NumPy it is the engine's backward;
        the glass box calls it with symbols to write the formula, unless ``written=False``.
    sympy : callable
        ``sympy(sp, z, **params)``: a as a SymPy expression of one entry z (``sp`` is the sympy
        module); for a vector activation (``elementwise=False``), of an object array z.
    text, latex : str
        The function's name as the glass box writes it (``"σ"``, ``r"\\sigma"``).
    formula, derivative_formula : str
        The formula of f(z) and of f'(z) in plain text, for docstrings and help.
    params : mapping
        Keyword parameters and their defaults (``{"negative_slope": 0.01}``); floats must be
        finite, ints are ints.
    aliases : tuple of str
        Other accepted names ("logistic" for "sigmoid").
    elementwise : bool
        True when a_j depends on z_j alone, so that da_j/dz_j is one number.
    written : bool
        False when the derivative is piecewise: the trace then writes ``f′(z)`` and evaluates it
        with ``derivative``.
    vjp : callable or None
        For a vector activation: ``vjp(g, z, a, **params) -> g · ∂a/∂z``.
    hidden : bool
        Whether it is offered as a hidden-layer activation (its gradient carries information).
    writes_out : bool
        True when ``forward(z, buffer, **params)`` (``out`` second, by position) writes a into
        ``buffer`` with the same operations as ``forward(z)`` (a replayed training step then
        allocates nothing for it).
    fused : callable or None
        ``fused(z, out=None, slope=None, **params) -> (a, da/dz)``: the forward and the
        derivative computed together from shared intermediate values, written into ``out`` and
        ``slope`` (given by position) when they are arrays. When given, the engine uses it
        wherever a gradient will be needed (the backward is then one product); its ``a`` must
        be ``forward``'s bit for bit, and ``derivative`` stays the form that writes the slope
        (the contract test holds the two slopes to the same values).

    Examples
    --------
    >>> import numpy as np
    >>> import gradlab as gl
    >>> cube = gl.ActivationOp(
    ...     name="cube", class_name="Cube",
    ...     forward=lambda z: z**3, derivative=lambda f, z, a: 3 * z**2,
    ...     sympy=lambda sp, z: z**3, text="cube", latex=r"\\operatorname{cube}",
    ...     formula="z^3", derivative_formula="3 z^2",
    ... )
    >>> cube(gl.Tensor([2.0])).data
    array([8.])

    ``gl.register_activation(cube)`` then makes it known by name everywhere.
    """

    name: str
    class_name: str
    forward: Callable[..., Array]
    derivative: Callable[..., Any] | None
    sympy: Callable[..., Any]
    text: str
    latex: str
    formula: str
    derivative_formula: str
    params: Mapping[str, float | int] = field(default_factory=dict)
    aliases: tuple[str, ...] = ()
    elementwise: bool = True
    written: bool = True
    vjp: Callable[..., Array] | None = None
    hidden: bool = True
    writes_out: bool = False
    fused: Callable[..., tuple[Array, Array]] | None = None

    def __post_init__(self) -> None:
        if self.derivative is None and self.vjp is None:
            raise ValueError(f"activation {self.name!r} needs a derivative or a vjp.")
        object.__setattr__(self, "params", MappingProxyType(dict(self.params)))

    def __repr__(self) -> str:
        return f"ActivationOp({self.name!r})"

    def slope(self, z: Array, a: Array, **params: Any) -> Array:
        """da/dz entry by entry, in NumPy, as the engine's backward uses it."""
        assert self.derivative is not None, f"{self.name} is not elementwise"
        if self.fused is not None:
            return self.fused(np.asarray(z), **params)[1]
        return np.asarray(self.derivative(NUMPY, z, a, **params))

    def __call__(self, x: Tensor, **params: Any) -> Tensor:
        """Apply the activation to a tensor, recording the op for backward."""
        xd = x.data
        attrs = params or None
        if self.fused is not None and x.requires_grad:
            out, computed = self.fused(xd, **params)
            return node(out, (x,), SlopeBackward(computed), self.name, attrs)
        out = self.forward(xd, **params)
        if self.vjp is not None:
            vjp = self.vjp
            return node(out, (x,), lambda g: (vjp(g, xd, out, **params),), self.name, attrs)
        slope = self.through
        return node(out, (x,), lambda g: (slope(g, xd, out, None, params),), self.name, attrs)

    def through(
        self, g: Array, z: Array, a: Array, out: Array | None, params: Mapping[str, Any]
    ) -> Array:
        """dL/dz = dL/da * f'(z) for an elementwise activation, written into ``out`` when it
        is an array: the engine's backward, and the flat backward of a replayed step."""
        assert self.derivative is not None, f"{self.name} is not elementwise"
        return np.multiply(g, self.derivative(NUMPY, z, a, **params), out=out)


class SlopeBackward:
    """The backward of an activation whose slope da/dz was computed with its value (an op's
    ``fused``): dL/dz = dL/da · slope. A replay rewrites ``slope`` in place."""

    __slots__ = ("slope",)

    def __init__(self, slope: Array) -> None:
        self.slope = slope

    def __call__(self, g: Array) -> tuple[Array]:
        return (g * self.slope,)


#: Every activation, by name and alias. Add your own with `register_activation`.
ACTIVATION_OPS: Registry[ActivationOp] = Registry("activation")


def register_activation(op: ActivationOp) -> ActivationOp:
    """Make ``op`` known to all of gradlab: ``gl.nn.<class_name>``, ``MLP(activation=name)``,
    the estimators and the command line, save/load, the glass box and the symbolic view.

    Examples
    --------
    >>> import gradlab as gl
    >>> gl.register_activation(gl.engine.activations.GELU).name
    'gelu'
    """
    by_class = {o.class_name: o for o in ACTIVATION_OPS.values()}
    if by_class.get(op.class_name, op) is not op:
        raise ValueError(f"another activation already has the class name {op.class_name!r}.")
    return ACTIVATION_OPS.register(op.name, op, op.aliases)


def recorded_activation(op_name: str) -> ActivationOp | None:
    """The activation that recorded a node named ``op_name`` (canonical names only: the
    identity's alias "linear" is also the fused matmul-plus-bias op)."""
    op = ACTIVATION_OPS.find(op_name)
    return op if op is not None and op.name == op_name else None
