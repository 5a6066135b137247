"""Validation of estimator hyper-parameters, in scikit-learn's wording.

scikit-learn checks ``__init__`` arguments at the start of ``fit`` and reports e.g.
``The 'alpha' parameter of MLPClassifier must be a float in the range [0.0, inf). Got -1
instead.`` These rules reproduce that behaviour with the public API only.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any

import numpy as np


class InvalidParameterError(ValueError, TypeError):
    """A hyper-parameter has a wrong type or value (a ValueError and a TypeError, as sklearn's)."""


class Rule:
    """One acceptable kind of value for a hyper-parameter."""

    def accepts(self, value: Any) -> bool:
        raise NotImplementedError

    def describe(self) -> str:
        raise NotImplementedError


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


@dataclass(frozen=True)
class Interval(Rule):
    """A real (``integer=False``) or integer number between ``low`` and ``high``.

    ``closed`` is "left", "right", "both" or "neither"; None for a bound means unbounded.
    """

    low: float | None
    high: float | None
    closed: str = "left"
    integer: bool = False

    def accepts(self, value: Any) -> bool:
        if _is_bool(value):
            return False
        if self.integer:
            if not isinstance(value, Integral):
                return False
        elif not isinstance(value, Real) or math.isnan(value):
            return False
        low_open = self.closed in ("right", "neither")
        high_open = self.closed in ("left", "neither")
        if self.low is not None and (value < self.low or (value == self.low and low_open)):
            return False
        return not (
            self.high is not None and (value > self.high or (value == self.high and high_open))
        )

    def describe(self) -> str:
        kind = "an int" if self.integer else "a float"
        low = "-inf" if self.low is None else (self.low if self.integer else float(self.low))
        high = "inf" if self.high is None else (self.high if self.integer else float(self.high))
        left = "[" if self.closed in ("left", "both") and self.low is not None else "("
        right = "]" if self.closed in ("right", "both") and self.high is not None else ")"
        return f"{kind} in the range {left}{low}, {high}{right}"


@dataclass(frozen=True)
class Options(Rule):
    """One of a fixed set of strings."""

    options: tuple[str, ...]

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.options

    def describe(self) -> str:
        return "a str among {" + ", ".join(repr(o) for o in sorted(self.options)) + "}"


class LiveOptions(Rule):
    """One of a set of strings read when checked (a registry's names, which users may extend)."""

    def __init__(self, names: Callable[[], list[str]]) -> None:
        self.names = names

    def accepts(self, value: Any) -> bool:
        return isinstance(value, str) and value in self.names()

    def describe(self) -> str:
        return Options(tuple(self.names())).describe()


class Boolean(Rule):
    """True or False (Python or NumPy bools)."""

    def accepts(self, value: Any) -> bool:
        return _is_bool(value)

    def describe(self) -> str:
        return "an instance of 'bool' or an instance of 'numpy.bool'"


class NoneValue(Rule):
    """The value None."""

    def accepts(self, value: Any) -> bool:
        return value is None

    def describe(self) -> str:
        return "None"


class Infinity(Rule):
    """The float inf (e.g. ``n_iter_no_change=np.inf``: never stop early)."""

    def accepts(self, value: Any) -> bool:
        return isinstance(value, Real) and not _is_bool(value) and value == math.inf

    def describe(self) -> str:
        return "a float among {inf}"


class RandomStateLike(Rule):
    """None, an int in [0, 2**32 - 1] or a numpy.random.RandomState (sklearn's random_state)."""

    def accepts(self, value: Any) -> bool:
        if value is None or isinstance(value, np.random.RandomState):
            return True
        return Interval(0, 2**32 - 1, "both", integer=True).accepts(value)

    def describe(self) -> str:
        return (
            "an int in the range [0, 4294967295], an instance of 'numpy.random.mtrand."
            "RandomState' or None"
        )


class IntSequence(Rule):
    """A sequence of ints >= 1, possibly empty (``hidden_layer_sizes``)."""

    def accepts(self, value: Any) -> bool:
        if isinstance(value, str) or not isinstance(value, Iterable):
            return False
        return all(Interval(1, None, integer=True).accepts(v) for v in value)

    def describe(self) -> str:
        return "an array-like of ints >= 1"


class FloatDtype(Rule):
    """float32 or float64, as a NumPy type, dtype or name."""

    def accepts(self, value: Any) -> bool:
        try:
            return np.dtype(value) in (np.dtype(np.float32), np.dtype(np.float64))
        except TypeError:
            return False

    def describe(self) -> str:
        return "a float dtype among {numpy.float32, numpy.float64}"


BOOLEAN = (Boolean(),)
VERBOSE = (Interval(0, None, integer=True), Boolean())


def validate_params(estimator: Any, rules: Mapping[str, tuple[Rule, ...]]) -> None:
    """Check every hyper-parameter named in ``rules`` against its rules.

    Parameters
    ----------
    estimator : estimator
        Its ``get_params(deep=False)`` are checked.
    rules : mapping of str to tuple of Rule
        A value is accepted when any one of its rules accepts it.

    Raises
    ------
    InvalidParameterError
        With scikit-learn's message, e.g. "The 'tol' parameter of Perceptron must be a float
        in the range [0.0, inf) or None. Got -1 instead."

    Examples
    --------
    >>> from gradlab.sklearn import Perceptron
    >>> validate_params(Perceptron(eta0=0.5), {"eta0": (Interval(0, None, "neither"),)})
    """
    params = estimator.get_params(deep=False)
    for name, alternatives in rules.items():
        value = params[name]
        if any(rule.accepts(value) for rule in alternatives):
            continue
        texts = [rule.describe() for rule in alternatives]
        allowed = texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " or " + texts[-1]
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be {allowed}. "
            f"Got {value!r} instead."
        )
