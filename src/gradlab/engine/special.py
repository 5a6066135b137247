"""Named functions that op descriptions use in their formulas, each in three forms.

An activation's derivative is written once, as a Python function of ``(f, z, a)`` where ``f``
is a namespace of these functions: called with `NUMPY` it computes the derivative, called with
the glass box's namespace it writes the formula (``Φ(z) + z·φ(z)``), called with the symbolic
view's namespace it builds the SymPy expression. Each function here therefore has a NumPy
implementation, a name in text and LaTeX, and a SymPy form.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

Array = np.ndarray

_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def sigmoid_array(x: Array) -> Array:
    """1 / (1 + e^-x) computed as e^(x - ln(1 + e^x)); finite for any x, no overflow."""
    return np.exp(x - np.logaddexp(x, np.zeros((), x.dtype)))


def _erf_scalar() -> Callable[[Array], Array]:
    try:
        from scipy.special import erf

        return erf  # type: ignore[no-any-return,unused-ignore]
    except ImportError:
        vectorised = np.frompyfunc(math.erf, 1, 1)
        return lambda x: np.asarray(vectorised(x), dtype=np.asarray(x).dtype)


_erf = _erf_scalar()


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
    numpy: Callable[[Array], Array]
    sympy: Callable[[Any, Any], Any]


#: Name -> function; the names a formula may call as ``f.<name>(...)``.
SPECIALS: dict[str, Special] = {
    "sigmoid": Special("σ", r"\sigma", sigmoid_array, lambda sp, x: 1 / (1 + sp.exp(-x))),
    "exp": Special("exp", r"\exp", np.exp, lambda sp, x: sp.exp(x)),
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
    """The namespace in which a formula builds SymPy expressions (``sp`` is the sympy module)."""

    def __init__(self, sp: Any) -> None:
        self._sp = sp

    def __getattr__(self, name: str) -> Callable[[Any], Any]:
        special = SPECIALS.get(name)
        if special is None:
            raise AttributeError(f"no special function {name!r} (see SPECIALS)")
        return lambda x: special.sympy(self._sp, x)
