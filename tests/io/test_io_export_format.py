"""gl.save writes the "format": "pt" tag that Hugging Face loaders and safetensors.torch expect,
and gl.load still reads files written before the tag existed."""

import json

import numpy as np
import pytest
from safetensors import safe_open
from safetensors.torch import load_file

import gradlab as gl


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_saved_header_carries_format_pt_next_to_gradlab_entries(tmp_path, dtype):
    model = gl.nn.MLP(3, [4], 2, activation="relu", rng=0, dtype=dtype)
    path = tmp_path / "m.safetensors"
    gl.save(model, path, metadata={"note": "x"})
    with safe_open(str(path), framework="pt") as handle:
        header = handle.metadata()
    assert header["format"] == "pt"
    assert json.loads(header["gradlab"])["format"] == "gradlab"
    assert json.loads(header["metadata"]) == {"note": "x"}
    tensors = load_file(str(path))  # safetensors' own PyTorch loader
    assert sorted(tensors) == ["0.bias", "0.weight", "2.bias", "2.weight"]
    for name, parameter in model.named_parameters():
        assert str(tensors[name].dtype) == f"torch.{np.dtype(dtype).name}"
        np.testing.assert_array_equal(tensors[name].numpy(), parameter.data)


def test_file_written_without_format_tag_still_loads(tmp_path):
    """A file as gradlab wrote it before the tag: its header rewritten without "format"."""
    path = tmp_path / "old.safetensors"
    gl.save(gl.nn.Linear.from_values([[1.5], [-2.0]], bias=[0.25]), path)
    raw = path.read_bytes()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    del header["__metadata__"]["format"]
    text = json.dumps(header).encode()
    path.write_bytes(len(text).to_bytes(8, "little") + text + raw[8 + n :])
    model = gl.load(path)
    np.testing.assert_array_equal(model.weight.data, [[1.5], [-2.0]])
    np.testing.assert_array_equal(model.bias.data, [0.25])
