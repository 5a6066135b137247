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

from gradlab.engine.tensor import ZERO

Array = np.ndarray

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def sigmoid_array(x: Array) -> Array:
    """1 / (1 + e^-x) computed as e^(x - ln(1 + e^x)); finite for any x, no overflow."""
    return np.exp(x - np.logaddexp(x, ZERO[x.dtype]))


_math_erf = np.frompyfunc(math.erf, 1, 1)


def stdlib_erf(x: Array) -> Array:
    """erf entry by entry through the standard library's ``math.erf`` (used without SciPy)."""
    x = np.asarray(x)
    return np.asarray(_math_erf(x), dtype=x.dtype)


def _fastest_erf() -> Callable[[Array], Array]:
    try:
        from scipy.special import erf  # optional: vectorised, same accuracy

        return erf  # type: ignore[no-any-return,unused-ignore]
    except ImportError:
        return stdlib_erf


_erf = _fastest_erf()


def erf_array(x: Array) -> Array:
    """The error function entry by entry, in the dtype of ``x`` (SciPy's when installed,
    else the standard library's, both accurate to rounding)."""
    x = np.asarray(x)
    return np.asarray(_erf(x), dtype=x.dtype)


def normal_cdf(x: Array) -> Array:
    """Φ(x) = (1 + erf(x / √2)) / 2, the standard normal distribution function."""
    return 0.5 * (1.0 + erf_array(x * _SQRT_HALF))


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
    "Phi": Special("Φ", r"\Phi", normal_cdf, lambda sp, x: (1 + sp.erf(x / sp.sqrt(2))) / 2),
    "phi": Special(
        "φ", r"\varphi", normal_pdf, lambda sp, x: sp.exp(-(x**2) / 2) / sp.sqrt(2 * sp.pi)
    ),
}


class _NumpyMath:
    """The namespace in which a formula computes numbers."""

    def __getattr__(self, name: str) -> Callable[[Array], Array]:
        try:
            return SPECIALS[name].numpy
        except KeyError:
            raise AttributeError(f"no special function {name!r} (see SPECIALS)") from None


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
