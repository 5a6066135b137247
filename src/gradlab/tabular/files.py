"""The names of the files a saved `TabularModel` folder holds, and its format tag."""

from __future__ import annotations

MODEL_FILE = "model.safetensors"
EVALUATION_FILE = "evaluation.safetensors"
FORMAT = "gradlab-cli-model"
FORMAT_VERSION = 1
