"""Small files that ask for huge architectures, wrong types and dtypes: refused before building.

Each hostile file is refused by `gl.load` with a `ModelFileError` before a single module is
built (``build_layer`` is replaced by a function that fails the test), so its cost is that of
reading the JSON, whatever the architecture asks for.
"""

import json

import numpy as np
import pytest
from test_io_model_file import LINEAR_2x1, gradlab_metadata, linear_file, safetensors_bytes, write

import gradlab as gl
from gradlab.io import ModelFileError
from gradlab.nn import layer_plan


@pytest.fixture
def nothing_is_built(monkeypatch):
    def refuse(spec):
        raise AssertionError("a module was built for a file that should have been refused")

    monkeypatch.setattr("gradlab.io.model_file.build_layer", refuse)


def architecture_file(tmp_path, architecture):
    return write(tmp_path, safetensors_bytes({}, gradlab_metadata(architecture)))


def nested_mlp(depth, width):
    spec = "relu"
    for _ in range(depth):
        config = {"n_inputs": width, "hidden_sizes": [width] * width, "n_outputs": width}
        spec = {"type": "MLP", "config": {**config, "activation": spec}}
    return spec


def test_nested_mlp_templates_are_counted_per_copy(tmp_path, nothing_is_built):
    path = architecture_file(tmp_path, nested_mlp(depth=6, width=10))
    assert path.stat().st_size < 2_000
    with pytest.raises(ModelFileError, match=r"modules, more than the 10,000 .*MAX_MODULES"):
        gl.load(path)


def test_a_million_hidden_layers_and_a_million_relus(tmp_path, nothing_is_built):
    mlp = {"type": "MLP", "config": {"n_inputs": 1, "hidden_sizes": [1] * 10**6, "n_outputs": 1}}
    with pytest.raises(ModelFileError, match=r"2,000,003 modules.*MAX_MODULES"):
        gl.load(architecture_file(tmp_path, mlp))
    relus = {"type": "Sequential", "config": {"layers": [{"type": "ReLU"}] * 10**6}}
    with pytest.raises(ModelFileError, match=r"too large .* 100,000 JSON objects .*MAX_OBJECTS"):
        gl.load(architecture_file(tmp_path, relus))
    relus["config"]["layers"] = relus["config"]["layers"][:10_001]
    with pytest.raises(ModelFileError, match=r"10,001 modules.*MAX_MODULES"):
        gl.load(architecture_file(tmp_path, relus))


def test_depth_and_elements_bounds(tmp_path, nothing_is_built):
    deep = {"type": "ReLU"}
    for _ in range(layer_plan.MAX_DEPTH):
        deep = {"type": "Sequential", "config": {"layers": [deep]}}
    with pytest.raises(ModelFileError, match=r"nested too deeply .*MAX_DEPTH"):
        gl.load(architecture_file(tmp_path, deep))
    huge = {"type": "Linear", "config": {"in_features": 10**6, "out_features": 10**6}}
    with pytest.raises(ModelFileError, match=r"1,000,001,000,000 parameter elements.*MAX_ELEMENTS"):
        gl.load(architecture_file(tmp_path, huge))
    wide = {"type": "Linear", "config": {"in_features": 10**4000, "out_features": 1}}
    with pytest.raises(ModelFileError, match=r"about 10\^4000 parameter elements"):
        gl.load(architecture_file(tmp_path, wide))


def test_an_architecture_larger_than_its_tensors_is_refused_before_building(
    tmp_path, nothing_is_built
):
    big = {"type": "Linear", "config": {"in_features": 30_000, "out_features": 30_000}}
    with pytest.raises(
        ModelFileError, match=r"'weight' has shape \(2, 1\) but .* \(30000, 30000\)"
    ):
        gl.load(write(tmp_path, linear_file(architecture=big)))
    two = {"type": "Sequential", "config": {"layers": [LINEAR_2x1, LINEAR_2x1]}}
    with pytest.raises(ModelFileError, match=r"missing \['0.weight', '0.bias', '1.weight'"):
        gl.load(write(tmp_path, linear_file(architecture=two)))


def test_the_largest_real_models_fit_the_bounds(tmp_path):
    model = gl.nn.Sequential(gl.nn.MLP(2, [3] * 2_000, 1), gl.nn.Linear(1, 1))
    path = tmp_path / "m.safetensors"
    gl.save(model, path)
    assert len(list(gl.load(path).named_parameters())) == 2 * 2_001 + 2


# ----------------------------------------------------------------------------- dtypes
def float16_linear(architecture_dtype, bias_dtype="F16"):
    config = {**LINEAR_2x1["config"], "dtype": architecture_dtype}
    w = np.array([[1.5], [-2.0]], np.float16).tobytes()
    entries = {
        "weight": {"dtype": "F16", "shape": [2, 1], "data_offsets": [0, 4]},
        "bias": {
            "dtype": bias_dtype,
            "shape": [1],
            "data_offsets": [4, 6 if bias_dtype == "F16" else 12],
        },
    }
    b = np.zeros(1, {"F16": np.float16, "F64": np.float64}[bias_dtype]).tobytes()
    return safetensors_bytes(entries, gradlab_metadata({**LINEAR_2x1, "config": config}), w + b)


def test_the_architecture_dtype_governs(tmp_path):
    assert gl.load(write(tmp_path, float16_linear("float16"))).weight.dtype == np.float16
    with pytest.raises(
        ModelFileError, match=r"tensor 'weight' has dtype float16 but the architecture says float32"
    ):
        gl.load(write(tmp_path, float16_linear("float32")))
    with pytest.raises(
        ModelFileError, match=r"tensor 'bias' has dtype float64 but the architecture says float16"
    ):
        gl.load(write(tmp_path, float16_linear("float16", bias_dtype="F64")))


def test_a_model_of_two_dtypes_round_trips(tmp_path):
    model = gl.nn.Sequential(gl.nn.Linear(2, 3, dtype=np.float32), gl.nn.Linear(3, 1))
    path = tmp_path / "m.safetensors"
    gl.save(model, path)
    loaded = gl.load(path)
    assert [p.dtype for p in loaded.parameters()] == [np.float32] * 2 + [np.float64] * 2


@gl.nn.register_layer
class Scale(gl.nn.Module):
    """A custom layer without plan_config, whose config does not record its dtype."""

    def __init__(self, n=2):
        super().__init__()
        self.scale = gl.nn.Parameter(np.ones(n))
        self.shift = gl.nn.Parameter(np.zeros(n))

    def forward(self, x):
        return x * self.scale + self.shift

    def get_config(self):
        return {"n": self.scale.shape[0]}


def test_a_custom_layer_keeps_its_file_dtype_but_not_mixed_dtypes(tmp_path):
    model = Scale()
    model.scale.data = model.scale.data.astype(np.float32)
    model.shift.data = model.shift.data.astype(np.float32)
    path = tmp_path / "m.safetensors"
    gl.save(model, path)
    assert gl.load(path).scale.dtype == np.float32
    model.shift.data = model.shift.data.astype(np.float64)
    gl.save(model, path)
    with pytest.raises(ModelFileError, match=r"mix dtypes \('scale': float32, 'shift': float64\)"):
        gl.load(path)


# ----------------------------------------------------------------------------- JSON and types
def test_duplicate_keys_anywhere_are_refused(tmp_path):
    header = json.dumps(
        {
            "__metadata__": gradlab_metadata(LINEAR_2x1),
            "weight": {"dtype": "F64", "shape": [2, 1], "data_offsets": [0, 16]},
            "bias": {"dtype": "F64", "shape": [1], "data_offsets": [16, 24]},
        }
    )
    twice = header[:-1] + ', "bias": {"dtype": "F64", "shape": [1], "data_offsets": [16, 24]}}'
    payload = len(twice).to_bytes(8, "little") + twice.encode() + bytes(24)
    with pytest.raises(ModelFileError, match=r"header is not valid JSON .*'bias' appears twice"):
        gl.load(write(tmp_path, payload))
    document = '{"format": "gradlab", "version": 1, "version": 1, "architecture": {"type": "ReLU"}}'
    payload = safetensors_bytes({}, {"gradlab": document, "metadata": "{}"})
    with pytest.raises(ModelFileError, match=r"'version' appears twice"):
        gl.load(write(tmp_path, payload))
    metadata = {**gradlab_metadata({"type": "ReLU"}), "metadata": '{"a": 1, "a": 2}'}
    with pytest.raises(ModelFileError, match=r"'a' appears twice"):
        gl.load(write(tmp_path, safetensors_bytes({}, metadata)))


@pytest.mark.parametrize("version", ["1", True, 1.0, None, [1]])
def test_a_version_of_another_type_is_refused(tmp_path, version):
    document = {"format": "gradlab", "version": version, "architecture": {"type": "ReLU"}}
    payload = safetensors_bytes({}, {"gradlab": json.dumps(document), "metadata": "{}"})
    with pytest.raises(ModelFileError, match="format version"):
        gl.load(write(tmp_path, payload))


MLP_CONFIG = {"n_inputs": 2, "hidden_sizes": [2], "n_outputs": 1}


@pytest.mark.parametrize(
    ("layer", "config", "problem"),
    [
        ("MLP", {**MLP_CONFIG, "hidden_sizes": "22"}, "hidden_sizes must be a list"),
        ("MLP", {**MLP_CONFIG, "hidden_sizes": {"a": 1}}, "hidden_sizes must be a list"),
        ("MLP", {**MLP_CONFIG, "hidden_sizes": [2.0]}, "out_features must be a positive integer"),
        ("MLP", {**MLP_CONFIG, "init": "nope"}, "unknown initialiser 'nope'"),
        ("MLP", {**MLP_CONFIG, "rng": -1}, "rng=-1 is negative"),
        ("MLP", {**MLP_CONFIG, "activation": 5}, "unknown activation 5"),
        ("MLP", {**MLP_CONFIG, "activation": [1]}, "unknown activation"),
        ("MLP", {**MLP_CONFIG, "activation": "nope"}, "nope"),
        ("MLP", {**MLP_CONFIG, "bias": "yes"}, "bias must be true or false"),
        ("MLP", {**MLP_CONFIG, "dtype": ["float64"]}, "dtype must be one of"),
        ("MLP", {**MLP_CONFIG, "rng": "seed"}, "rng="),
        ("MLP", {**MLP_CONFIG, "extra": 1}, "unexpected keyword argument 'extra'"),
        ("MLP", {"n_inputs": 2}, "missing a required argument"),
        ("Linear", {"in_features": 2.0, "out_features": 1}, "in_features must be a positive"),
        ("Linear", {"in_features": True, "out_features": 1}, "in_features must be a positive"),
        ("Linear", {"in_features": -2, "out_features": 1}, "in_features must be a positive"),
        ("Linear", {"in_features": 2, "out_features": 1, "dtype": "int32"}, "dtype must be"),
        ("Linear", {"in_features": 2, "out_features": 1, "dtype": {"a": 1}}, "dtype must be"),
        ("Linear", {"in_features": 2, "out_features": 1, "init": 3}, "unknown initialiser 3"),
        ("Sequential", {"layers": "ReLU"}, "layers must be a list"),
        ("Sequential", {"layers": [3]}, "a layer spec is a dict"),
        ("LeakyReLU", {"negative_slope": "nan"}, "negative_slope must be a number"),
        ("LeakyReLU", {"negative_slope": [0.1]}, "negative_slope must be a number"),
        ("ReLU", {"x": 1}, "unexpected or repeated parameter 'x'"),
    ],
)
def test_config_values_of_the_wrong_type(tmp_path, layer, config, problem):
    path = architecture_file(tmp_path, {"type": layer, "config": config})
    with pytest.raises(ModelFileError, match="cannot build layer") as error:
        gl.load(path)
    assert problem in str(error.value)


@pytest.mark.parametrize("number", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_in_the_json_are_refused(tmp_path, number):
    document = (
        '{"format": "gradlab", "version": 1, "architecture": {"type": "LeakyReLU", '
        f'"config": {{"negative_slope": {number}}}}}}}'
    )
    payload = safetensors_bytes({}, {"gradlab": document, "metadata": "{}"})
    with pytest.raises(ModelFileError, match="metadata is not valid JSON"):
        gl.load(write(tmp_path, payload))


@pytest.mark.parametrize("code", [["F64"], {"F64": 1}, 64, None])
def test_header_dtype_of_another_type(tmp_path, code):
    bad = {"dtype": code, "shape": [2, 1], "data_offsets": [0, 16]}
    with pytest.raises(ModelFileError, match="has dtype"):
        gl.load(write(tmp_path, linear_file(weight_entry=bad)))


def test_too_many_tensors_or_dimensions(tmp_path):
    entries = {
        f"t{i}": {"dtype": "F64", "shape": [0], "data_offsets": [0, 0]} for i in range(20_001)
    }
    with pytest.raises(ModelFileError, match=r"20,001 tensors, more than the 20,000"):
        gl.load(write(tmp_path, safetensors_bytes(entries, gradlab_metadata(LINEAR_2x1))))
    bad = {"dtype": "F64", "shape": [1] * 33, "data_offsets": [0, 8]}
    with pytest.raises(ModelFileError, match="at most 32 of them"):
        gl.load(write(tmp_path, linear_file(weight_entry=bad)))


def test_integers_beyond_python_digit_limit(tmp_path):
    document = (
        '{"format": "gradlab", "version": 1, "architecture": {"type": "Linear", "config": '
        '{"in_features": ' + "9" * 5000 + ', "out_features": 1}}}'
    )
    payload = safetensors_bytes({}, {"gradlab": document, "metadata": "{}"})
    with pytest.raises(ModelFileError, match="not valid JSON"):
        gl.load(write(tmp_path, payload))
