"""Fuzzing `gl.load` with mutated real model files and random bytes.

Whatever the bytes, `gl.load` returns a Module or raises `ModelFileError`: never another
exception, never a hang (Hypothesis' deadline), never more than a bounded amount of memory
(tracemalloc sees Python's and NumPy's allocations). The examples are derandomised, so every
run (and CI) tries the same files.
"""

import functools
import json
import os
import tempfile
import tracemalloc

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import gradlab as gl
from gradlab.io import ModelFileError

MEMORY_BOUND = 200 * 2**20


@functools.cache
def saved():
    """A real model file: an MLP with a parameterised activation, and metadata."""
    model = gl.nn.Sequential(
        gl.nn.MLP(3, [4, 2], 2, activation=gl.nn.LeakyReLU(0.2), rng=0),
        gl.nn.Linear(2, 2, dtype=np.float64, rng=1),
    )
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "model.safetensors")
        gl.save(model, path, metadata={"epochs": 3, "classes": ["a", "b"], "scores": [0.5, 0.25]})
        with open(path, "rb") as file:
            return file.read()


def split(payload):
    n = int.from_bytes(payload[:8], "little")
    return json.loads(payload[8 : 8 + n]), payload[8 + n :]


def join(header, data):
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


# Values of every JSON type, and the few that a model file's readers look for.
RETYPED = st.sampled_from([[], {}, "x", 1.5, True, None, -1, 10**30, [[1]], {"type": "ReLU"}])
VALUES = st.one_of(
    RETYPED,
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.sampled_from([0, 1, -1, 2, 10**6, 10**12, 2**63]),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=8),
        st.sampled_from(
            ["F16", "F32", "F64", "I32", "MLP", "Sequential", "ReLU", "float16", "relu"]
        ),
        st.lists(st.integers(-2, 5), max_size=6),
        st.dictionaries(st.sampled_from(["type", "config", "layers", "dtype"]), st.integers(0, 3)),
    ),
)


def paths(value, prefix=()):
    """Every (path) to a value inside nested dicts and lists."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(value, path, new):
    if not path:
        return new
    copy = dict(value) if isinstance(value, dict) else list(value)
    copy[path[0]] = replaced(value[path[0]], path[1:], new)
    return copy


@st.composite
def spliced(draw, payload):
    """The file with one JSON value replaced: in the header, the gradlab document or the
    user metadata (both JSON inside header strings)."""
    header, data = split(payload)
    part = draw(st.sampled_from(["header", "tensor", "gradlab", "metadata"]))
    if part in ("header", "tensor"):
        target = {k: v for k, v in header.items() if k != "__metadata__"}
    else:
        target = json.loads(header["__metadata__"][part])
    if part == "tensor":  # one field of one tensor's entry
        name = draw(st.sampled_from(sorted(target)))
        path = (name, draw(st.sampled_from(["dtype", "shape", "data_offsets"])))
    else:
        path = draw(st.sampled_from(paths(target)))
    mutated = replaced(target, path, draw(VALUES))
    if part in ("header", "tensor"):
        header = {"__metadata__": header["__metadata__"], **mutated} if path else mutated
    else:
        header["__metadata__"] = {**header["__metadata__"], part: json.dumps(mutated)}
    return join(header, data)


@st.composite
def flipped(draw, payload):
    data = bytearray(payload)
    for position in draw(st.lists(st.integers(0, len(data) * 8 - 1), min_size=1, max_size=4)):
        data[position // 8] ^= 1 << (position % 8)
    return bytes(data)


@st.composite
def truncated(draw, payload):
    return payload[: draw(st.integers(0, len(payload) - 1))]


@st.composite
def random_file(draw):
    body = draw(st.binary(max_size=512))
    if draw(st.booleans()):  # a plausible length field, so the bytes reach the JSON parser
        return len(body).to_bytes(8, "little") + body
    return body


def hostile(payload):
    # Splices first: Hypothesis draws the first strategies more often, and they reach deepest.
    return st.one_of(
        spliced(payload), spliced(payload), flipped(payload), truncated(payload), random_file()
    )


def check_load(path):
    tracemalloc.start()
    try:
        result = gl.load(path)
    except ModelFileError:
        result = None
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert result is None or isinstance(result, gl.nn.Module)
    assert peak < MEMORY_BOUND, f"loading took {peak / 2**20:.0f} MiB"


def test_the_unmutated_file_loads(tmp_path):
    path = tmp_path / "m.safetensors"
    path.write_bytes(saved())
    assert isinstance(gl.load(path), gl.nn.Sequential)


@settings(
    max_examples=200,
    derandomize=True,
    deadline=2_000,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_load_returns_a_module_or_raises_model_file_error(tmp_path, data):
    payload = data.draw(hostile(saved()))
    path = tmp_path / "fuzz.safetensors"
    path.write_bytes(payload)
    check_load(path)
