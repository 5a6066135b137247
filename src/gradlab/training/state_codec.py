"""Nested training state <-> one safetensors file: arrays as tensors, the rest as JSON.

A training run's state (optimizer moments, a generator's 128-bit state, a callback's best
value of ``inf``, dicts keyed by parameter index, tuples such as Adam's betas) is not JSON.
`pack` turns it into a JSON document plus a dict of arrays, tagging what JSON would change:
arrays and NumPy scalars (``{"$array": key}``, ``{"$scalar": key}``, so float32 stays float32),
non-finite floats (``{"$float": "inf"}``), tuples and dicts with non-string keys. `unpack`
turns it back, equal in value and type, so a resumed run computes bit for bit what the
uninterrupted one would have.
"""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np

#: The header key that holds the JSON document.
DOCUMENT_KEY = "gradlab-checkpoint"


def pack(state: Any) -> tuple[Any, dict[str, np.ndarray]]:
    """``state`` as a JSON-able document and the arrays it refers to by key.

    Examples
    --------
    >>> document, arrays = pack({"best": float("inf"), 0: np.ones(2)})
    >>> document
    {'$dict': [['best', {'$float': 'inf'}], [0, {'$array': 'a0'}]]}
    >>> unpack(document, arrays)
    {'best': inf, 0: array([1., 1.])}
    >>> unpack(*pack({"betas": (0.9, 0.999), "lr": np.float32(0.1)}))
    {'betas': (0.9, 0.999), 'lr': np.float32(0.1)}
    """
    arrays: dict[str, np.ndarray] = {}
    return _pack(state, arrays), arrays


def _pack(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, np.ndarray | np.generic):
        key = f"a{len(arrays)}"
        if isinstance(value, np.generic):
            arrays[key] = np.asarray(value).reshape(1)
            return {"$scalar": key}
        arrays[key] = np.array(value, order="C", copy=True)
        return {"$array": key}
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"$float": str(value)}
    if isinstance(value, tuple):
        return {"$tuple": [_pack(v, arrays) for v in value]}
    if isinstance(value, list):
        return [_pack(v, arrays) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("$") for k in value):
            return {k: _pack(v, arrays) for k, v in value.items()}
        return {"$dict": [[_pack(k, arrays), _pack(v, arrays)] for k, v in value.items()]}
    raise TypeError(f"cannot checkpoint a {type(value).__name__} ({value!r:.80})")


def unpack(document: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The state `pack` was given, from its document and arrays."""
    if isinstance(document, list):
        return [unpack(v, arrays) for v in document]
    if not isinstance(document, dict):
        return document
    if len(document) == 1:
        ((tag, inner),) = document.items()
        if tag == "$array":
            return np.array(arrays[inner], copy=True)
        if tag == "$scalar":
            return arrays[inner][0]
        if tag == "$float":
            return float(inner)
        if tag == "$tuple":
            return tuple(unpack(v, arrays) for v in inner)
        if tag == "$dict":
            return {unpack(k, arrays): unpack(v, arrays) for k, v in inner}
    return {k: unpack(v, arrays) for k, v in document.items()}


def encode(state: Any) -> bytes:
    """``state`` as the bytes of one safetensors file (needs the safetensors package)."""
    from gradlab.io.model_file import _safetensors_numpy

    document, arrays = pack(state)
    header = {DOCUMENT_KEY: json.dumps(document, allow_nan=False)}
    payload: bytes = _safetensors_numpy().save(arrays, metadata=header)
    return payload


def decode(data: bytes) -> Any:
    """The state in bytes written by `encode`.

    Raises
    ------
    ValueError
        If the bytes are not such a file (truncated, corrupt, another program's).
    """
    from gradlab.io.model_file import _safetensors_numpy

    safetensors_numpy = _safetensors_numpy()
    try:
        arrays = safetensors_numpy.load(data)
        header_length = int.from_bytes(data[:8], "little")
        header = json.loads(data[8 : 8 + header_length])
        document = json.loads(header["__metadata__"][DOCUMENT_KEY])
        return unpack(document, arrays)
    except Exception as error:  # any defect of the bytes is one kind of failure here
        raise ValueError(f"not a gradlab training checkpoint ({error!r:.200})") from None
