"""gl.save / gl.load: exact round trips, the file layout, and every hostile or corrupt file."""

import json
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import gradlab as gl
from gradlab.io import ModelFileError


def safetensors_bytes(entries, metadata=None, data=b"", header_extra=None):
    """A safetensors file built by hand: u64 little-endian header length, JSON header, data."""
    header = dict(entries)
    if metadata is not None:
        header["__metadata__"] = metadata
    header.update(header_extra or {})
    text = json.dumps(header).encode()
    return len(text).to_bytes(8, "little") + text + data


def gradlab_metadata(architecture, user=None):
    document = {"format": "gradlab", "version": 1, "architecture": architecture}
    return {"gradlab": json.dumps(document), "metadata": json.dumps(user or {})}


LINEAR_2x1 = {
    "type": "Linear",
    "config": {"in_features": 2, "out_features": 1, "bias": True, "dtype": "float64"},
}


def linear_file(weight_entry=None, bias_entry=None, data=None, architecture=LINEAR_2x1):
    w = np.array([[1.5], [-2.0]]).tobytes()
    b = np.array([0.25]).tobytes()
    entries = {
        "weight": weight_entry or {"dtype": "F64", "shape": [2, 1], "data_offsets": [0, 16]},
        "bias": bias_entry or {"dtype": "F64", "shape": [1], "data_offsets": [16, 24]},
    }
    data = w + b if data is None else data
    return safetensors_bytes(entries, gradlab_metadata(architecture), data)


def write(tmp_path, payload, name="model.safetensors"):
    path = tmp_path / name
    path.write_bytes(payload)
    return path


# ----------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_round_trip_is_exact_for_values_and_dtypes(tmp_path, dtype):
    model = gl.nn.MLP(3, [4, 2], 2, activation=gl.nn.LeakyReLU(0.2), rng=0, dtype=dtype)
    for p in model.parameters():  # values that a decimal text format would round
        p.data[...] = np.random.default_rng(1).standard_normal(p.shape) / 3
    path = tmp_path / "m.safetensors"
    gl.save(model, path, metadata={"epochs": 5, "classes": ["a", "b"]})
    loaded, metadata = gl.io.load_with_metadata(path)
    assert metadata == {"epochs": 5, "classes": ["a", "b"]}
    assert type(loaded) is gl.nn.MLP and repr(loaded) == repr(model)
    original, restored = dict(model.named_parameters()), dict(loaded.named_parameters())
    assert list(original) == list(restored)
    for name, p in original.items():
        assert restored[name].dtype == dtype
        np.testing.assert_array_equal(restored[name].data, p.data)
        assert restored[name].data.flags.writeable
    x = np.random.default_rng(2).standard_normal((5, 3)).astype(dtype)
    np.testing.assert_array_equal(loaded(x).data, model(x).data)


def test_round_trip_nested_sequential_without_bias_and_plain_load(tmp_path):
    model = gl.nn.Sequential(
        gl.nn.Linear(2, 3, bias=False, rng=0),
        gl.nn.Sequential(gl.nn.Softmax(axis=0), gl.nn.Linear(3, 1, rng=1)),
        gl.nn.Step(),
    )
    gl.save(model, str(tmp_path / "m.safetensors"))
    loaded = gl.load(str(tmp_path / "m.safetensors"))
    assert repr(loaded) == repr(model)
    assert [n for n, _ in loaded.named_parameters()] == ["0.weight", "1.1.weight", "1.1.bias"]
    assert gl.io.load_with_metadata(tmp_path / "m.safetensors")[1] == {}


def test_tied_weights_are_stored_once_and_tied_again_on_load(tmp_path):
    encoder = gl.nn.Linear(3, 3, rng=0)
    decoder = gl.nn.Linear(3, 3, rng=1)
    decoder.weight = encoder.weight
    shared = gl.nn.Linear(3, 3, rng=2)  # one layer used twice: every parameter tied
    model = gl.nn.Sequential(encoder, gl.nn.Tanh(), decoder, shared, gl.nn.ReLU(), shared)
    path = tmp_path / "tied.safetensors"
    gl.save(model, path)
    header = json.loads(path.read_bytes()[8 : 8 + int.from_bytes(path.read_bytes()[:8], "little")])
    assert sorted(k for k in header if k != "__metadata__") == [
        "0.bias", "0.weight", "2.bias", "3.bias", "3.weight",
    ]  # fmt: skip
    assert json.loads(header["__metadata__"]["gradlab"])["tied"] == {
        "2.weight": "0.weight", "5.weight": "3.weight", "5.bias": "3.bias",
    }  # fmt: skip
    loaded = gl.load(path)
    assert loaded[2].weight is loaded[0].weight
    assert loaded[5].weight is loaded[3].weight and loaded[5].bias is loaded[3].bias
    assert loaded[2].bias is not loaded[0].bias
    x = gl.Tensor(np.random.default_rng(3).standard_normal((4, 3)))
    np.testing.assert_array_equal(loaded(x).data, model(x).data)
    # Training the loaded model moves both uses of a tied weight together.
    loaded(x).sum().backward()
    assert loaded[0].weight.grad is not None


def test_file_layout_is_safetensors_with_gradlab_header(tmp_path):
    model = gl.nn.Linear.from_values([[1.5], [-2.0]], bias=[0.25])
    path = tmp_path / "m.safetensors"
    gl.save(model, path, metadata={"note": "x"})
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    document = json.loads(header["__metadata__"]["gradlab"])
    assert document["format"] == "gradlab" and document["version"] == 1
    assert document["architecture"]["type"] == "Linear"
    assert document["architecture"]["config"]["in_features"] == 2
    assert json.loads(header["__metadata__"]["metadata"]) == {"note": "x"}
    assert header["weight"]["dtype"] == "F64" and header["weight"]["shape"] == [2, 1]
    begin, end = header["weight"]["data_offsets"]
    weight = np.frombuffer(raw[8 + n + begin : 8 + n + end], dtype="<f8")
    np.testing.assert_array_equal(weight, [1.5, -2.0])


def test_hand_written_file_loads(tmp_path):
    layer = gl.load(write(tmp_path, linear_file()))
    np.testing.assert_array_equal(layer.weight.data, [[1.5], [-2.0]])
    np.testing.assert_array_equal(layer.bias.data, [0.25])


def test_import_gradlab_does_not_import_safetensors():
    code = "import sys, gradlab; gradlab.io; print('safetensors' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------------------- save's checks
def test_save_refuses_unregistered_modules_and_non_json_metadata(tmp_path):
    class Mine(gl.nn.Module):
        pass

    with pytest.raises(TypeError, match="not a registered gradlab layer"):
        gl.save(Mine(), tmp_path / "m.safetensors")
    with pytest.raises(TypeError, match="takes a gradlab Module"):
        gl.save({"w": 1}, tmp_path / "m.safetensors")
    with pytest.raises(ValueError, match="metadata must be JSON-serialisable"):
        gl.save(gl.nn.ReLU(), tmp_path / "m.safetensors", metadata={"f": object()})
    with pytest.raises(ValueError, match="metadata must be JSON-serialisable"):
        gl.save(gl.nn.ReLU(), tmp_path / "m.safetensors", metadata={"x": float("nan")})
    with pytest.raises(TypeError, match="metadata must be a dict"):
        gl.save(gl.nn.ReLU(), tmp_path / "m.safetensors", metadata=[1])
    with pytest.raises(FileNotFoundError, match="does not exist; create it first"):
        gl.save(gl.nn.ReLU(), tmp_path / "missing" / "m.safetensors")
    with pytest.raises(IsADirectoryError, match="it is a folder"):
        gl.save(gl.nn.ReLU(), tmp_path)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path, monkeypatch, failing):
    path = tmp_path / "m.safetensors"
    gl.save(gl.nn.Linear(2, 1, rng=0), path)
    before = path.read_bytes()

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(os, failing, broken)
    with pytest.raises(OSError, match="disk full"):
        gl.save(gl.nn.Linear(5, 5, rng=1), path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["m.safetensors"]
    assert path.read_bytes() == before


def test_failed_first_write_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "replace", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        gl.save(gl.nn.Linear(2, 1, rng=0), tmp_path / "m.safetensors")
    monkeypatch.undo()
    assert os.listdir(tmp_path) == []


# ------------------------------------------------------------------ hostile/corrupt files
def load_error(path):
    with pytest.raises(ModelFileError) as info:
        gl.load(path)
    assert isinstance(info.value, ValueError)
    assert str(path) in str(info.value)
    return str(info.value)


def test_missing_file_and_folder(tmp_path):
    assert "no such file" in load_error(tmp_path / "nope.safetensors")
    assert "not a regular file" in load_error(tmp_path)


def test_pickle_payload_is_refused_without_unpickling(tmp_path):
    # Unpickling this would call os.system; gradlab must reject it from its first bytes.
    class Exploit:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    for protocol in (2, 4, 5):
        path = write(tmp_path, pickle.dumps(Exploit(), protocol=protocol))
        assert "it is a pickle" in load_error(path)
        assert "never unpickles" in load_error(path)


@pytest.mark.parametrize("length", [640, 896, 1152, 1408])
def test_header_length_that_opens_like_a_pickle_still_loads(tmp_path, length):
    """These lengths' first two bytes are 0x80 and 2-5, a pickle's PROTO opcode."""
    path = tmp_path / "m.safetensors"
    model = gl.nn.Linear.from_values([[1.5], [-2.0]], bias=[0.25])
    for size in range(length):
        gl.save(model, path, metadata={"pad": "x" * size})
        if int.from_bytes(path.read_bytes()[:8], "little") == length:
            break
    assert path.read_bytes()[:2] == bytes([0x80, length // 256])
    assert gl.io.load_with_metadata(path)[1] == {"pad": "x" * size}


def test_torch_save_zip_is_refused(tmp_path):
    torch = pytest.importorskip("torch")
    path = tmp_path / "model.pt"
    torch.save({"w": torch.zeros(2)}, path)
    assert "zip archive such as torch.save writes" in load_error(path)


def test_truncated_files(tmp_path):
    full = linear_file()
    assert "shorter than the 8-byte header length" in load_error(write(tmp_path, full[:5]))
    message = load_error(write(tmp_path, full[:40]))  # inside the header
    assert "only 32 bytes follow" in message and "truncated" in message
    message = load_error(write(tmp_path, full[:-3]))  # inside the data
    assert "need 24 bytes of data but the file holds 21" in message and "truncated" in message


def test_absurd_header_length(tmp_path):
    payload = (2**63).to_bytes(8, "little") + b"{}"
    assert "more than the 100,000,000 allowed" in load_error(write(tmp_path, payload))


def test_header_that_is_not_json(tmp_path):
    body = b"{this is not json"
    payload = len(body).to_bytes(8, "little") + body
    assert "header is not valid JSON" in load_error(write(tmp_path, payload))
    payload = (4).to_bytes(8, "little") + b"\xff\xfe\x00\x01"
    assert "header is not valid JSON" in load_error(write(tmp_path, payload))
    payload = (2).to_bytes(8, "little") + b"[]"
    assert "not an object" in load_error(write(tmp_path, payload))


def test_shape_times_dtype_disagrees_with_offsets(tmp_path):
    bad = {"dtype": "F64", "shape": [2, 2], "data_offsets": [0, 16]}
    message = load_error(write(tmp_path, linear_file(weight_entry=bad)))
    assert "shape (2, 2) and dtype F64 needs 32 bytes but its data_offsets span 16" in message
    bad = {"dtype": "F32", "shape": [2, 1], "data_offsets": [0, 16]}
    assert "needs 8 bytes" in load_error(write(tmp_path, linear_file(weight_entry=bad)))


def test_bad_offsets(tmp_path):
    overlap = {"dtype": "F64", "shape": [1], "data_offsets": [8, 16]}
    message = load_error(write(tmp_path, linear_file(bias_entry=overlap)))
    assert "overlaps the previous tensor" in message
    gap = {"dtype": "F64", "shape": [2, 1], "data_offsets": [8, 24]}
    bias = {"dtype": "F64", "shape": [1], "data_offsets": [24, 32]}
    data = bytes(32)
    assert "leaves a gap" in load_error(write(tmp_path, linear_file(gap, bias, data)))
    backwards = {"dtype": "F64", "shape": [2, 1], "data_offsets": [16, 0]}
    assert "not [begin, end]" in load_error(write(tmp_path, linear_file(weight_entry=backwards)))
    beyond = {"dtype": "F64", "shape": [1], "data_offsets": [16, 24]}
    message = load_error(write(tmp_path, linear_file(bias_entry=beyond, data=bytes(20))))
    assert "need 24 bytes of data but the file holds 20" in message


def test_trailing_bytes(tmp_path):
    message = load_error(write(tmp_path, linear_file() + b"\x00evil"))
    assert "5 trailing bytes follow the last tensor" in message


def test_bad_dtype_and_shape_entries(tmp_path):
    bad = {"dtype": "I32", "shape": [2, 1], "data_offsets": [0, 8]}
    assert "dtype 'I32'" in load_error(write(tmp_path, linear_file(weight_entry=bad)))
    bad = {"dtype": "F64", "shape": [2, -1], "data_offsets": [0, 16]}
    assert "not a list of sizes >= 0" in load_error(write(tmp_path, linear_file(weight_entry=bad)))


def test_non_json_metadata(tmp_path):
    entries = {"weight": {"dtype": "F64", "shape": [0], "data_offsets": [0, 0]}}
    metadata = {"gradlab": "{not json", "metadata": "{}"}
    path = write(tmp_path, safetensors_bytes(entries, metadata))
    assert "metadata is not valid JSON" in load_error(path)
    metadata = gradlab_metadata(LINEAR_2x1) | {"metadata": "[1, 2"}
    path = write(tmp_path, safetensors_bytes(entries, metadata))
    assert "metadata is not valid JSON" in load_error(path)
    path = write(tmp_path, safetensors_bytes(entries, {"gradlab": 3}))
    assert "__metadata__ is not a mapping of strings to strings" in load_error(path)


def test_plain_safetensors_file_without_architecture(tmp_path):
    from safetensors.numpy import save

    path = write(tmp_path, save({"w": np.zeros(2)}))
    assert "without gradlab's architecture header" in load_error(path)


def test_other_format_or_newer_version(tmp_path):
    other = {"gradlab": json.dumps({"format": "keras", "version": 1}), "metadata": "{}"}
    assert '"format": "gradlab"' in load_error(write(tmp_path, safetensors_bytes({}, other)))
    newer = {"gradlab": json.dumps({"format": "gradlab", "version": 2}), "metadata": "{}"}
    assert "Upgrade gradlab" in load_error(write(tmp_path, safetensors_bytes({}, newer)))


def test_unknown_layer_name(tmp_path):
    evil = {"type": "subprocess.Popen", "config": {"args": ["rm", "-rf", "/"]}}
    message = load_error(write(tmp_path, linear_file(architecture=evil)))
    assert "unknown layer 'subprocess.Popen'" in message and "register_layer" in message
    nested = {"type": "Sequential", "config": {"layers": [{"type": "Evil", "config": {}}]}}
    assert "unknown layer 'Evil'" in load_error(write(tmp_path, linear_file(architecture=nested)))
    bad_config = {"type": "Linear", "config": {"in_features": -2, "out_features": 1}}
    message = load_error(write(tmp_path, linear_file(architecture=bad_config)))
    assert "cannot build layer 'Linear'" in message


def test_tensor_names_or_shapes_that_do_not_fit_the_architecture(tmp_path):
    w = {"dtype": "F64", "shape": [2, 1], "data_offsets": [0, 16]}
    b = {"dtype": "F64", "shape": [1], "data_offsets": [16, 24]}
    payload = safetensors_bytes({"weight": w, "b": b}, gradlab_metadata(LINEAR_2x1), bytes(24))
    message = load_error(write(tmp_path, payload))
    assert "missing ['bias'], unexpected ['b']" in message
    three = {**LINEAR_2x1, "config": {**LINEAR_2x1["config"], "in_features": 1, "out_features": 2}}
    message = load_error(write(tmp_path, linear_file(architecture=three)))
    assert "tensor 'weight' has shape (2, 1) but the architecture needs (1, 2)" in message


def test_tied_names_that_do_not_fit_the_architecture(tmp_path):
    two = {"type": "Sequential", "config": {"layers": [LINEAR_2x1, LINEAR_2x1]}}
    w = {"dtype": "F64", "shape": [2, 1], "data_offsets": [0, 16]}
    b = {"dtype": "F64", "shape": [1], "data_offsets": [16, 24]}
    entries = {"0.weight": w, "0.bias": b, "1.bias": {**b, "data_offsets": [24, 32]}}

    def tied_file(tied):
        metadata = gradlab_metadata(two)
        document = json.loads(metadata["gradlab"])
        document["tied"] = tied
        metadata["gradlab"] = json.dumps(document)
        return write(tmp_path, safetensors_bytes(entries, metadata, bytes(32)))

    assert gl.load(tied_file({"1.weight": "0.weight"}))[1].weight.shape == (2, 1)
    for tied in [{"1.weight": "9.weight"}, {"7.weight": "0.weight"}, {"1.weight": "0.bias"}]:
        alias, stored = next(iter(tied.items()))
        message = load_error(tied_file(tied))
        assert f"tied parameter {alias!r} = {stored!r} does not fit" in message
    assert "not an object of parameter names" in load_error(tied_file(["1.weight"]))
    assert "not an object of parameter names" in load_error(tied_file({"1.weight": 3}))


def nested_sequential(depth):
    opening = '{"type": "Sequential", "config": {"layers": [' * depth
    return json.loads(opening + '{"type": "ReLU", "config": {}}' + "]}}" * depth)


def test_deeply_nested_json_is_refused(tmp_path):
    deep = b"[" * 100_000 + b"]" * 100_000
    payload = len(deep).to_bytes(8, "little") + deep
    assert "header is not valid JSON" in load_error(write(tmp_path, payload))
    opening = '{"type": "Sequential", "config": {"layers": [' * 5_000
    text = opening + '{"type": "ReLU", "config": {}}' + "]}}" * 5_000
    document = '{"format": "gradlab", "version": 1, "architecture": ' + text + "}"
    payload = safetensors_bytes({}, {"gradlab": document, "metadata": "{}"})
    assert "metadata is not valid JSON" in load_error(write(tmp_path, payload))
    payload = safetensors_bytes({}, gradlab_metadata(nested_sequential(300)))
    assert "nested too deeply" in load_error(write(tmp_path, payload))


def test_load_never_runs_initialisers(tmp_path, monkeypatch):
    # So a file that claims a huge layer costs only lazily allocated zeros, not random draws.
    def refuse(*args, **kwargs):
        raise AssertionError("an initialiser ran during load")

    path = tmp_path / "m.safetensors"
    gl.save(gl.nn.MLP(2, [3], 1, bias_init="uniform", rng=0), path)
    monkeypatch.setitem(gl.nn.init.INITIALIZERS, "glorot_uniform", refuse)
    monkeypatch.setitem(gl.nn.init.INITIALIZERS, "uniform", refuse)
    assert [n for n, _ in gl.load(path).named_parameters()][-1] == "2.bias"
    huge = {"type": "Linear", "config": {"in_features": 5_000, "out_features": 5_000}}
    message = load_error(write(tmp_path, linear_file(architecture=huge)))
    assert "architecture needs (5000, 5000)" in message


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_weights_are_refused(tmp_path, bad):
    model = gl.nn.MLP(2, [2], 1, rng=0)
    model[2].bias.data[0] = bad
    path = tmp_path / "m.safetensors"
    gl.save(model, path)
    with pytest.raises(gl.io.ModelFileError, match=r"tensor '2.bias' holds NaN or infinity"):
        gl.load(path)
