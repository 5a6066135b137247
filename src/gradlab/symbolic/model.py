"""`SymbolicModel`: a model's output and loss as SymPy formulas in named parameter symbols.

The formula is built by walking the graph the engine records for one evaluation, op by op
(`gradlab.symbolic.ops`), so it is the same computation, written symbolically. Its partial
derivatives come from SymPy and are checked against autograd.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.engine import Tensor
from gradlab.graph.objective import Objective, objective
from gradlab.graph.walk import topological
from gradlab.symbolic.ops import LossContext, apply, number


def _sympy() -> Any:
    try:
        import sympy
    except ImportError:
        raise ImportError(
            'gradlab.symbolic needs SymPy; install it with pip install "gradlab[sym]".'
        ) from None
    return sympy


@dataclass(frozen=True)
class SymbolicRow:
    """One parameter entry: its symbolic derivative evaluated, autograd's, the difference."""

    name: str
    symbolic: float
    autograd: float
    difference: float


class SymbolicModel:
    """The output and the loss of a model as SymPy expressions.

    Attributes
    ----------
    output : sympy.Expr or sympy.Matrix
        The model's output (a Matrix, samples in rows, when it has several entries).
    loss : sympy.Expr or None
        The loss, when y and a loss were given.
    symbols : dict of str to sympy.Symbol
        One symbol per parameter entry, named as in `gradlab.glassbox` (``w13``, ``W1[0,1]``).
    values : dict of sympy.Symbol to float
        The current parameter values.
    """

    def __init__(self, goal: Objective) -> None:
        sp = _sympy()
        self._sp = sp
        self._goal = goal
        self.symbols: dict[str, Any] = {}
        self.values: dict[Any, float] = {}
        self._latex: dict[Any, str] = {}
        for entry in goal.entries:
            symbol = sp.Symbol(entry.label.text, real=True)
            self.symbols[entry.label.text] = symbol
            self.values[symbol] = entry.value
            self._latex[symbol] = entry.label.latex
        root, prediction = goal.evaluate()
        context = LossContext(
            goal.target,
            getattr(goal.loss, "reduction", None),
        )
        expressions = self._walk(root, context)
        self.output = self._collapse(expressions[id(prediction)])
        self.loss = None if root is prediction else self._collapse(expressions[id(root)])

    def _walk(self, root: Tensor, context: LossContext) -> dict[int, np.ndarray]:
        sp = self._sp
        by_tensor: dict[int, dict[tuple[int, ...], Any]] = {}
        for entry in self._goal.entries:
            by_tensor.setdefault(id(entry.tensor), {})[entry.index] = self.symbols[entry.label.text]
        values: dict[int, np.ndarray] = {}
        for t in topological(root):
            if t.is_leaf:
                symbols = by_tensor.get(id(t), {})
                array = np.empty(t.shape, dtype=object)
                for index in np.ndindex(*t.shape):
                    array[index] = symbols.get(index, number(sp, float(t.data[index])))
                values[id(t)] = array
            else:
                values[id(t)] = apply(sp, t, [values[id(p)] for p in t.parents], context)
        return values

    def _collapse(self, array: np.ndarray) -> Any:
        if array.size == 1:
            return array.reshape(-1)[0]
        return self._sp.Matrix(np.atleast_2d(array).tolist())

    # ----------------------------------------------------------------------- display
    #: Beyond this many characters of LaTeX a notebook shows the one-line repr instead.
    LATEX_LIMIT = 4000

    def __repr__(self) -> str:
        what = "output" if self.loss is None else "loss"
        return f"<SymbolicModel: the {what} in {len(self.symbols)} parameter symbols>"

    def _repr_latex_(self) -> str | None:
        """The loss (or output) as a displayed formula, when it is short enough to read."""
        name, expression = ("L", self.loss) if self.loss is not None else ("\\hat{y}", self.output)
        text = self.latex(expression)
        return None if len(text) > self.LATEX_LIMIT else f"$$ {name} = {text} $$"

    # ----------------------------------------------------------------------- queries
    @property
    def objective(self) -> Any:
        """The expression differentiated: the loss, or the output when there is no loss."""
        return self.output if self.loss is None else self.loss

    def symbol(self, name: str) -> Any:
        if name not in self.symbols:
            raise KeyError(f"no parameter called {name!r}; known: {list(self.symbols)}.")
        return self.symbols[name]

    def gradient(self, name: str) -> Any:
        """∂(objective)/∂(parameter ``name``) as a SymPy expression."""
        return self._sp.diff(self.objective, self.symbol(name))

    def gradients(self) -> dict[str, Any]:
        """The symbolic partial derivative for every parameter entry, by name."""
        return {name: self.gradient(name) for name in self.symbols}

    def evaluate(self, expression: Any, values: Mapping[str, float] | None = None) -> float:
        """The float value of ``expression`` at the current (or the given) parameter values."""
        point = dict(self.values)
        for name, value in (values or {}).items():
            point[self.symbol(name)] = float(value)
        # Substituting binary64 Floats lets SymPy evaluate at double precision; unlike lambdify it
        # needs no printable Python names for symbols such as "W1[0,1]".
        numbers = {symbol: self._sp.Float(value) for symbol, value in point.items()}
        result = self._sp.sympify(expression).xreplace(numbers)
        try:
            return float(result)
        except TypeError:
            raise ValueError(f"the expression does not evaluate to a number: {result}") from None

    def gradient_value(self, name: str) -> float:
        """The symbolic derivative for ``name`` evaluated at the current values."""
        return self.evaluate(self.gradient(name))

    def latex(self, expression: Any) -> str:
        """LaTeX of an expression with gradlab's names for the symbols (``w^{(1)}_{0,1}``)."""
        return str(self._sp.latex(expression, symbol_names=self._latex))

    def check(self, rtol: float = 1e-9, atol: float = 1e-12) -> list[SymbolicRow]:
        """Every symbolic derivative against autograd at the current values.

        Raises
        ------
        AssertionError
            Naming the first parameter where |symbolic - autograd| > atol + rtol·|autograd|.
        """
        tensors = {id(e.tensor): e.tensor for e in self._goal.entries}
        for t in tensors.values():
            t.grad = None
        root, _ = self._goal.evaluate()
        root.backward()
        rows = []
        for entry in self._goal.entries:
            value = self.gradient_value(entry.label.text)
            rows.append(SymbolicRow(entry.label.text, value, entry.grad, abs(value - entry.grad)))
        for row in rows:
            if row.difference > atol + rtol * abs(row.autograd):
                raise AssertionError(
                    f"symbolic and autograd disagree for {row.name}: {row.symbolic!r} vs "
                    f"{row.autograd!r}."
                )
        return rows


def build(
    model: Any,
    x: Any = None,
    y: Any = None,
    *,
    loss: Any = "mse",
    names: Mapping[str, Any] | None = None,
    params: Any = None,
) -> SymbolicModel:
    """The symbolic view of ``model`` on (x, y): output, loss and their derivatives.

    Parameters
    ----------
    model : Module, callable or Tensor
        As for `gradlab.glassbox`.
    x, y, loss, names, params
        As for `gradlab.glassbox`; without y only the output is built.

    Returns
    -------
    SymbolicModel

    Examples
    --------
    >>> import gradlab as gl
    >>> w = gl.Tensor(0.5, requires_grad=True, name="w")
    >>> sym = gl.symbolic.build(lambda x: (x * w).sigmoid(), 2.0)
    >>> sym.output
    1/(1 + exp(-2*w))
    """
    return SymbolicModel(objective(model, x, y, loss, names, params))


def expression(model: Any, x: Any = None, **kwargs: Any) -> Any:
    """The output of ``model`` at ``x`` in parameter symbols (see `build`)."""
    return build(model, x, **kwargs).output


def loss_expression(model: Any, x: Any, y: Any, loss: Any = "mse", **kwargs: Any) -> Any:
    """The loss of ``model`` on (x, y) in parameter symbols (see `build`)."""
    return build(model, x, y, loss=loss, **kwargs).loss


def gradients(model: Any, x: Any, y: Any, loss: Any = "mse", **kwargs: Any) -> dict[str, Any]:
    """The symbolic ∂L/∂θ of every parameter entry, by name (see `build`)."""
    return build(model, x, y, loss=loss, **kwargs).gradients()


def check(
    model: Any, x: Any, y: Any, loss: Any = "mse", rtol: float = 1e-9, **kwargs: Any
) -> list[SymbolicRow]:
    """Check every symbolic derivative against autograd (see `SymbolicModel.check`)."""
    return build(model, x, y, loss=loss, **kwargs).check(rtol=rtol)


__all__ = [
    "SymbolicModel",
    "SymbolicRow",
    "build",
    "check",
    "expression",
    "gradients",
    "loss_expression",
]
