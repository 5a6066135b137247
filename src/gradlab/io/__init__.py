"""Saving and loading models as safetensors files (`save`, `load`, `load_with_metadata`), and
exporting them to PyTorch (`to_torch`) and ONNX (`export_onnx`).

The `safetensors` package is imported only when a file is written or read
(``pip install "gradlab[io]"``), PyTorch only by `to_torch` and `onnx` only by `export_onnx`
(``pip install "gradlab[onnx]"``).
"""

from gradlab.io.errors import ModelFileError
from gradlab.io.model_file import load, load_with_metadata, save
from gradlab.io.onnx_export import export_onnx
from gradlab.io.torch_export import to_torch

__all__ = ["ModelFileError", "export_onnx", "load", "load_with_metadata", "save", "to_torch"]
