"""`loads`: JSON as a model file may hold it, refusing what `json.loads` lets through.

Python's parser keeps the last of duplicate keys (so two readers of one file can see two
different models), reads ``NaN`` and ``Infinity`` and turns ``1e999`` into infinity; a model
file holds none of these, since `gradlab.save` writes none.
"""

from __future__ import annotations

import json
import math
from typing import Any

#: JSON objects one text may hold. A model file's header holds one per tensor, two per layer
#: and the few of its metadata; the bound keeps parsing (object by object, to find duplicate
#: keys) well under a second.
MAX_OBJECTS = 100_000


class TooManyObjects(ValueError):
    """A JSON text holds more than `MAX_OBJECTS` objects."""


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"the key {key!r:.100} appears twice in one object")
            seen.add(key)
    return result


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"the number {text:.100} is too large for a float")
    return value


def _constant(text: str) -> Any:
    raise ValueError(f"{text} is not a number JSON allows")


def loads(text: str) -> Any:
    """Parse ``text``; ValueError for invalid JSON, duplicate keys, NaN, infinities,
    numbers beyond float64 or Python's limit on integer digits, and more than `MAX_OBJECTS`
    objects; RecursionError for deep nesting.

    Examples
    --------
    >>> loads('{"a": 1, "a": 2}')
    Traceback (most recent call last):
    ...
    ValueError: the key 'a' appears twice in one object
    """
    # Every object opens with a brace, so counting them (at C speed) bounds the objects.
    if text.count("{") > MAX_OBJECTS:
        raise TooManyObjects(
            f"it holds more than {MAX_OBJECTS:,} JSON objects (gradlab.io.strict_json."
            "MAX_OBJECTS), more than a model file has"
        )
    return json.loads(text, object_pairs_hook=_object, parse_float=_float, parse_constant=_constant)
