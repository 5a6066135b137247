"""A tiny expression language for the right-hand sides the trace writes out.

An expression is rendered twice: once with names (``x1·w1 + bias1``) and once with the numbers
it was computed from (``1·1 + 0.5``), in plain text, ASCII or LaTeX. It can also evaluate the
numbers it shows, which is how a trace checks that what it writes reproduces what the engine
computed. The values inside come from the engine; nothing here computes a gradient.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from gradlab.graph.labels import Label, Style, superscript, to_ascii

__all__ = ["Label", "Style", "superscript", "to_ascii"]  # re-exported for the renderers

Formatter = Callable[[float], str]


def partial(of: Label, by: Label) -> Label:
    """The label of the partial derivative ``∂of/∂by``."""
    return Label(f"∂{of.text}/∂{by.text}", rf"\frac{{\partial {of.latex}}}{{\partial {by.latex}}}")


def format_number(value: float, decimals: int | None = None) -> str:
    """A number as the trace shows it.

    ``decimals=None`` gives up to 6 significant digits (``0.985``, ``0.649864``); an integer
    rounds to that many decimals and drops trailing zeros (``2.87`` rather than ``2.8700``).
    Display only: the trace keeps the full values.
    """
    if not math.isfinite(value):
        return str(value)
    if decimals is None:
        text = f"{value:.6g}"
    else:
        text = f"{value:.{decimals}f}"
        if "." in text:
            text = text.rstrip("0").rstrip(".")
    if text in ("-0", "-0.0"):
        return "0"
    return text


def latex_number(text: str) -> str:
    """Write scientific notation of a formatted number in LaTeX (``1e-08`` -> ``10^{-8}``)."""
    if "e" not in text:
        return text
    mantissa, exponent = text.split("e")
    power = f"10^{{{int(exponent)}}}"
    return power if mantissa in ("1", "1.0") else rf"{mantissa} \times {power}"


# Binding strength of each node kind; a child binding less strongly than its position needs
# is put in parentheses.
_SUM, _PRODUCT, _UNARY, _POWER, _ATOM = 1, 2, 3, 4, 9


class Expr:
    """An expression node: ``render`` writes it, ``evaluate`` computes the numbers it shows."""

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        raise NotImplementedError

    def precedence(self, numeric: bool) -> int:
        raise NotImplementedError

    def evaluate(self) -> float | None:
        """The value of the written-out numbers, or None where the formula is only descriptive."""
        raise NotImplementedError

    def wrapped(self, style: Style, numeric: bool, fmt: Formatter, needed: int) -> str:
        text = self.render(style, numeric, fmt)
        if self.precedence(numeric) < needed:
            return r"\left(" + text + r"\right)" if style == "latex" else "(" + text + ")"
        return text

    # Operators build expressions, so an op's description can write its formulas in Python
    # (``a * f.sigmoid(-z)``) and the same line computes, writes and builds them in SymPy.
    def __add__(self, other: Operand) -> Expr:
        return Add((self, _expr(other)))

    def __radd__(self, other: Operand) -> Expr:
        return Add((_expr(other), self))

    def __sub__(self, other: Operand) -> Expr:
        return Sub(self, _expr(other))

    def __rsub__(self, other: Operand) -> Expr:
        return Sub(_expr(other), self)

    def __mul__(self, other: Operand) -> Expr:
        return Mul((*_factors(self), *_factors(_expr(other))))

    def __rmul__(self, other: Operand) -> Expr:
        return Mul((*_factors(_expr(other)), *_factors(self)))

    def __truediv__(self, other: Operand) -> Expr:
        return Div(self, _expr(other))

    def __rtruediv__(self, other: Operand) -> Expr:
        return Div(_expr(other), self)

    def __pow__(self, exponent: float) -> Expr:
        return Pow(self, exponent)

    def __neg__(self) -> Expr:
        return Neg(self)


Operand = Expr | float | int


def _expr(value: Operand) -> Expr:
    return value if isinstance(value, Expr) else Num(value)


def _factors(expr: Expr) -> tuple[Expr, ...]:
    return expr.factors if isinstance(expr, Mul) else (expr,)


def _number_text(value: float, style: Style, fmt: Formatter) -> str:
    text = fmt(value)
    return latex_number(text) if style == "latex" else text


@dataclass(frozen=True)
class Sym(Expr):
    """A named quantity: its name when written symbolically, its value when written with numbers."""

    label: Label
    value: float

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        return _number_text(self.value, style, fmt) if numeric else self.label.render(style)

    def precedence(self, numeric: bool) -> int:
        return _SUM if numeric and self.value < 0 else _ATOM

    def evaluate(self) -> float | None:
        return self.value


@dataclass(frozen=True)
class Num(Expr):
    """A literal constant, written as a number in both views (the 2 of 2·(a − y))."""

    value: float

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        return _number_text(self.value, style, format_number)

    def precedence(self, numeric: bool) -> int:
        return _SUM if self.value < 0 else _ATOM

    def evaluate(self) -> float | None:
        return self.value


@dataclass(frozen=True)
class Add(Expr):
    """t1 + t2 + ... (a sum over paths, over samples, over inputs)."""

    terms: tuple[Expr, ...]

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        # A negative number after the first term is bracketed: a + (-0.5), not a + -0.5.
        parts = [
            term.wrapped(
                style, numeric, fmt, _SUM + 1 if k and isinstance(term, Sym | Num) else _SUM
            )
            for k, term in enumerate(self.terms)
        ]
        return " + ".join(parts)

    def precedence(self, numeric: bool) -> int:
        return _SUM if len(self.terms) > 1 else self.terms[0].precedence(numeric)

    def evaluate(self) -> float | None:
        values = [t.evaluate() for t in self.terms]
        return None if any(v is None for v in values) else math.fsum(values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Sub(Expr):
    """left − right."""

    left: Expr
    right: Expr

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        left = self.left.wrapped(style, numeric, fmt, _SUM)
        return f"{left} - {self.right.wrapped(style, numeric, fmt, _SUM + 1)}"

    def precedence(self, numeric: bool) -> int:
        return _SUM

    def evaluate(self) -> float | None:
        a, b = self.left.evaluate(), self.right.evaluate()
        return None if a is None or b is None else a - b


@dataclass(frozen=True)
class Mul(Expr):
    """f1 · f2 · ... (a chain-rule product, a weight times an input)."""

    factors: tuple[Expr, ...]

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        sign = {"text": "·", "ascii": "*", "latex": r" \cdot "}[style]
        parts = [
            f.wrapped(style, numeric, fmt, _PRODUCT if k else _SUM + 1)
            for k, f in enumerate(self.factors)
        ]
        # Short factors read best tight (x1·w1); chains of fractions need air around the dots.
        tight = style == "latex" or not any(" " in p or "/" in p for p in parts)
        return sign.join(parts) if tight else f" {sign} ".join(parts)

    def precedence(self, numeric: bool) -> int:
        return _PRODUCT

    def evaluate(self) -> float | None:
        result = 1.0
        for factor in self.factors:
            value = factor.evaluate()
            if value is None:
                return None
            result *= value
        return result


@dataclass(frozen=True)
class Div(Expr):
    """numerator / denominator."""

    numerator: Expr
    denominator: Expr

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        if style == "latex":
            top = self.numerator.render(style, numeric, fmt)
            return rf"\frac{{{top}}}{{{self.denominator.render(style, numeric, fmt)}}}"
        top = self.numerator.wrapped(style, numeric, fmt, _PRODUCT)
        return f"{top}/{self.denominator.wrapped(style, numeric, fmt, _PRODUCT + 1)}"

    def precedence(self, numeric: bool) -> int:
        return _PRODUCT

    def evaluate(self) -> float | None:
        a, b = self.numerator.evaluate(), self.denominator.evaluate()
        return None if a is None or b is None or b == 0 else a / b


@dataclass(frozen=True)
class Neg(Expr):
    """−arg."""

    arg: Expr

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        # With numbers, -z at z = -0.4 is written 0.4, as one would by hand, not -(-0.4).
        if numeric and isinstance(self.arg, Sym):
            return _number_text(-self.arg.value, style, fmt)
        return "-" + self.arg.wrapped(style, numeric, fmt, _UNARY + 1)

    def precedence(self, numeric: bool) -> int:
        if numeric and isinstance(self.arg, Sym):
            return _SUM if self.arg.value > 0 else _ATOM
        return _UNARY

    def evaluate(self) -> float | None:
        value = self.arg.evaluate()
        return None if value is None else -value


@dataclass(frozen=True)
class Pow(Expr):
    """base ** exponent; the square is written ``²`` in text."""

    base: Expr
    exponent: float

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        base = self.base.wrapped(style, numeric, fmt, _ATOM)
        if not numeric and isinstance(self.base, Sym) and ("/" in base or r"\frac" in base):
            base = r"\left(" + base + r"\right)" if style == "latex" else f"({base})"  # ∂L/∂w
        power = format_number(self.exponent)
        if style == "latex":
            return f"{base}^{{{power}}}"
        if style == "text" and power == "2":
            return base + "²"
        return f"{base}^{power}"

    def precedence(self, numeric: bool) -> int:
        return _POWER

    def evaluate(self) -> float | None:
        value = self.base.evaluate()
        if value is None or (value < 0 and not float(self.exponent).is_integer()):
            return None
        return float(value**self.exponent)


@dataclass(frozen=True)
class Sqrt(Expr):
    """√arg (an optimizer's root of its running squares)."""

    arg: Expr

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        if style == "latex":
            return rf"\sqrt{{{self.arg.render(style, numeric, fmt)}}}"
        inner = self.arg.wrapped(style, numeric, fmt, _ATOM)
        root = "√" if style == "text" else "sqrt"
        return root + (inner if inner.startswith("(") else f"({inner})")

    def precedence(self, numeric: bool) -> int:
        return _ATOM

    def evaluate(self) -> float | None:
        value = self.arg.evaluate()
        return None if value is None or value < 0 else math.sqrt(value)


@dataclass(frozen=True)
class Call(Expr):
    """A named function of its arguments: ``relu(z1)``, ``σ(z3)``, ``relu′(1.5)``.

    ``function`` evaluates it for the self-check; it should call the engine (the same code
    that produced the value), or be None for a descriptive formula that is not re-evaluated.
    """

    name: Label
    args: tuple[Expr, ...]
    function: Callable[..., float] | None = None
    suffix: Label | None = None

    def render(self, style: Style, numeric: bool, fmt: Formatter) -> str:
        inner = ", ".join(a.render(style, numeric, fmt) for a in self.args)
        name = self.name.render(style)
        text = rf"{name}\left({inner}\right)" if style == "latex" else f"{name}({inner})"
        return text + (self.suffix.render(style) if self.suffix else "")

    def precedence(self, numeric: bool) -> int:
        return _ATOM

    def evaluate(self) -> float | None:
        if self.function is None:
            return None
        values = [a.evaluate() for a in self.args]
        if any(v is None for v in values):
            return None
        return float(self.function(*values))


def total(terms: Sequence[Expr]) -> Expr:
    """The sum of ``terms`` (the single term itself when there is one)."""
    return terms[0] if len(terms) == 1 else Add(tuple(terms))
