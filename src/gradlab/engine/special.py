"""Named functions that op descriptions use in their formulas, each in three forms.

An activation's derivative is written once, as a Python function of ``(f, z, a)`` where ``f``
is a namespace of these functions: called with `NUMPY` it computes the derivative, called with
the glass box's namespace it writes the formula (``Φ(z) + z·φ(z)``), called with the symbolic
view's namespace it builds the SymPy expression. Each function here therefore has a NumPy
implementation, a name in text and LaTeX, and a SymPy form.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from gradlab.engine.kernels import Kernel, run, with_steps
from gradlab.engine.tensor import ZERO

Array = np.ndarray

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def sigmoid_steps(x: Array, out: Array) -> list[Kernel]:
    """The NumPy calls of σ(x) = e^(x - ln(1 + e^x)) into ``out`` (see `sigmoid_array`)."""
    return [
        (np.logaddexp, (x, ZERO[x.dtype], out)),
        (np.subtract, (x, out, out)),
        (np.exp, (out, out)),
    ]


@with_steps(sigmoid_steps)
def sigmoid_array(x: Array, out: Array | None = None) -> Array:
    """1 / (1 + e^-x) computed as e^(x - ln(1 + e^x)); finite for any x, no overflow.

    ``out``, an array of x's shape and dtype that is not x, receives the result (no
    temporary): the form a replayed training step uses, as its three steps.

    Examples
    --------
    >>> import numpy as np
    >>> sigmoid_array(np.array([0.0, -1e4])).tolist()
    [0.5, 0.0]
    """
    if out is None:  # the same operations, allocating (the dynamic engine's hot path)
        return np.exp(x - np.logaddexp(x, ZERO[x.dtype]))
    run(sigmoid_steps(x, out))
    return out


def sigmoid_and_slope_steps(x: Array, out: Array, slope: Array) -> list[Kernel]:
    """The NumPy calls of σ(x) into ``out`` and σ′(x) into ``slope`` (see
    `sigmoid_and_slope`)."""
    return [
        (np.logaddexp, (x, ZERO[x.dtype], slope)),
        (np.subtract, (x, slope, out)),
        (np.subtract, (out, slope, slope)),
        (np.exp, (out, out)),
        (np.exp, (slope, slope)),
    ]


@with_steps(sigmoid_and_slope_steps)
def sigmoid_and_slope(
    x: Array, out: Array | None = None, slope: Array | None = None
) -> tuple[Array, Array]:
    """σ(x) and its derivative σ(x)·σ(-x) together, from one ln(1 + e^x).

    With l = ln(1 + e^x): ln σ(x) = x - l and ln σ(-x) = -l, so

        σ(x) = e^(x - l),    σ′(x) = σ(x)·σ(-x) = e^((x - l) - l).

    Five operations and no overflow at any x; the slope keeps its relative accuracy in both
    tails (an error of a few ulps of x in its exponent), where a·(1 - a) loses every digit
    once a rounds to 1. ``out`` and ``slope``, distinct arrays of x's shape and dtype, receive
    the two results (no temporary): the form a replayed step uses, as its five steps.

    Examples
    --------
    >>> import numpy as np
    >>> a, s = sigmoid_and_slope(np.array([0.0, 40.0]))
    >>> a.tolist(), s.tolist()
    ([0.5, 1.0], [0.25, 4.248354255291589e-18])
    """
    if out is None or slope is None:  # the same operations, allocating (the dynamic engine's)
        log_one_plus = np.logaddexp(x, ZERO[x.dtype])
        log_a = x - log_one_plus
        return np.exp(log_a), np.exp(log_a - log_one_plus)
    run(sigmoid_and_slope_steps(x, out, slope))
    return out, slope


_math_erfc = np.frompyfunc(math.erfc, 1, 1)


def stdlib_erfc(x: Array) -> Array:
    """erfc(x) = 1 - erf(x) entry by entry through the standard library's ``math.erfc``
    (used without SciPy)."""
    x = np.asarray(x)
    return np.asarray(_math_erfc(x), dtype=x.dtype)


def _fastest_erfc() -> Callable[[Array], Array]:
    try:
        from scipy.special import erfc  # optional: vectorised, same accuracy

        return erfc  # type: ignore[no-any-return,unused-ignore]
    except ImportError:
        return stdlib_erfc


_erfc = _fastest_erfc()


def erfc_array(x: Array) -> Array:
    """The complementary error function entry by entry, in the dtype of ``x`` (SciPy's when
    installed, else the standard library's, both accurate to rounding in relative terms)."""
    x = np.asarray(x)
    return np.asarray(_erfc(x), dtype=x.dtype)


def normal_cdf(x: Array) -> Array:
    """Φ(x) = erfc(-x / √2) / 2, the standard normal distribution function.

    Written with erfc rather than (1 + erf(x / √2)) / 2 so that the lower tail keeps its
    relative accuracy: Φ(-30) = 4.9e-198, where 1 + erf rounds to 0.
    """
    return 0.5 * erfc_array(-x * _SQRT_HALF)


def sech_array(x: Array) -> Array:
    """sech(x) = 1 / cosh(x) computed as 2·e^-|x| / (1 + e^-2|x|): no overflow at any x, and
    accurate in relative terms where 1 - tanh(x)² would round to 0."""
    t = np.exp(-np.abs(x))
    return 2 * t / (1 + t * t)


def normal_pdf(x: Array) -> Array:
    """φ(x) = e^(-x²/2) / √(2π), the standard normal density."""
    return np.exp(-0.5 * x * x) * _INV_SQRT_2PI


@dataclass(frozen=True)
class Special:
    """One named function: NumPy implementation, text and LaTeX name, SymPy form."""

    text: str
    latex: str
    numpy: Callable[..., Array]
    sympy: Callable[..., Any]


#: Name -> function; the names a formula may call as ``f.<name>(...)``.
SPECIALS: dict[str, Special] = {
    "sigmoid": Special("σ", r"\sigma", sigmoid_array, lambda sp, x: 1 / (1 + sp.exp(-x))),
    "exp": Special("exp", r"\exp", np.exp, lambda sp, x: sp.exp(x)),
    "log": Special("log", r"\log", np.log, lambda sp, x: sp.log(x)),
    "abs": Special("abs", r"\operatorname{abs}", np.abs, lambda sp, x: sp.Abs(x)),
    "sign": Special("sign", r"\operatorname{sign}", np.sign, lambda sp, x: sp.sign(x)),
    "max": Special("max", r"\max", np.maximum, lambda sp, x, y: sp.Max(x, y)),
    "softplus": Special(
        "softplus",
        r"\operatorname{softplus}",
        lambda x: np.logaddexp(x, np.zeros((), np.asarray(x).dtype)),
        lambda sp, x: sp.log(1 + sp.exp(x)),
    ),
    "tanh": Special("tanh", r"\tanh", np.tanh, lambda sp, x: sp.tanh(x)),
    "sech": Special("sech", r"\operatorname{sech}", sech_array, lambda sp, x: sp.sech(x)),
    "Phi": Special("Φ", r"\Phi", normal_cdf, lambda sp, x: (1 + sp.erf(x / sp.sqrt(2))) / 2),
    "phi": Special(
        "φ", r"\varphi", normal_pdf, lambda sp, x: sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)
    ),
}


class _NumpyMath:
    """The namespace in which a formula computes numbers."""

    def __getattr__(self, name: str) -> Callable[[Array], Array]:
        try:
            function = SPECIALS[name].numpy
        except KeyError:
            raise AttributeError(f"no special function {name!r} (see SPECIALS)") from None
        # Kept as an attribute: a backward looks it up every step, and __getattr__ is slow.
        setattr(self, name, function)
        return function


#: Pass as ``f`` to compute a formula with NumPy arrays.
NUMPY: Any = _NumpyMath()


class SympyMath:
    """The namespace in which a formula builds SymPy expressions (``sp`` is the sympy module).

    Besides `SPECIALS` it has what a loss written over a row of logits needs: ``total``,
    ``is_zero``, and ``softmax(z, k)`` / ``log_softmax(z, k)``, entry k of a sequence z.
    """

    def __init__(self, sp: Any) -> None:
        self._sp = sp

    def __getattr__(self, name: str) -> Callable[..., Any]:
        special = SPECIALS.get(name)
        if special is None:
            raise AttributeError(f"no special function {name!r} (see SPECIALS)")
        return lambda *args: special.sympy(self._sp, *args)

    def total(self, terms: Sequence[Any]) -> Any:
        return self._sp.Add(*terms)

    def is_zero(self, value: Any) -> bool:
        return bool(value == 0)

    def log_softmax(self, z: Sequence[Any], k: int) -> Any:
        return z[k] - self._sp.log(self._sp.Add(*[self._sp.exp(v) for v in z]))

    def softmax(self, z: Sequence[Any], k: int) -> Any:
        return self._sp.exp(z[k]) / self._sp.Add(*[self._sp.exp(v) for v in z])
