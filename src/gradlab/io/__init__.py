"""Saving and loading models as safetensors files (`save`, `load`, `load_with_metadata`).

The `safetensors` package is imported only when a file is written or read
(``pip install "gradlab[io]"``).
"""

from gradlab.io.errors import ModelFileError
from gradlab.io.model_file import load, load_with_metadata, save

__all__ = ["ModelFileError", "load", "load_with_metadata", "save"]
