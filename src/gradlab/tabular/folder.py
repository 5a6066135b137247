"""Saving a `TabularModel` to a folder and reading it back: safetensors and JSON, never pickle.

The folder holds ``model.safetensors`` (the network; the preprocessing and the training record in
its JSON metadata), ``evaluation.safetensors`` (a classifier's confusion matrix) and
``report.md``. ``gradlab train`` writes the same files, and pictures, through a staging folder.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from gradlab.tabular.errors import DataError
from gradlab.tabular.files import EVALUATION_FILE, FORMAT, FORMAT_VERSION, MODEL_FILE
from gradlab.tabular.model import TabularModel
from gradlab.tabular.preprocessing import CLASSIFICATION, Preprocessing
from gradlab.tabular.record import check_record


def save_model(
    model: TabularModel, folder: str | os.PathLike[str], pictures: tuple[str, ...] = ()
) -> list[str]:
    """Write ``model``'s files into ``folder`` (created if missing); return their names."""
    import gradlab as gl
    from gradlab.io.atomic import write_atomic
    from gradlab.tabular.evaluation import write_confusion
    from gradlab.tabular.report import markdown_report

    path = Path(folder)
    try:
        path.mkdir(parents=True, exist_ok=True)
        gl.save(model.network, path / MODEL_FILE, metadata=model.metadata)
        written = [MODEL_FILE]
        if model.confusion is not None:
            write_confusion(path / EVALUATION_FILE, model.confusion)
            written.append(EVALUATION_FILE)
        report = markdown_report(model.metadata, list(pictures))
        write_atomic(path / "report.md", report.encode("utf-8"))
    except OSError as error:
        message = f"cannot write the model folder {path}: {error.strerror or error}"
        raise DataError(message) from error
    return [*written, "report.md"]


def load(folder: str | os.PathLike[str]) -> TabularModel:
    """Read a folder written by `TabularModel.save` or ``gradlab train``.

    Parameters
    ----------
    folder : str or os.PathLike
        The model folder.

    Returns
    -------
    TabularModel

    Raises
    ------
    DataError
        The folder or its model file is missing, corrupt, or not a tabular model.
    """
    path = Path(folder)
    if not path.is_dir():
        raise DataError(f"no such model folder: {path}")
    return read_model_file(path / MODEL_FILE)


def read_model_file(file: Path) -> TabularModel:
    """The `TabularModel` of a ``model.safetensors`` file, or one clear `DataError`."""
    import gradlab as gl

    try:
        network, metadata = gl.io.load_with_metadata(file)
    except ImportError as error:
        raise DataError('reading models needs safetensors: pip install "gradlab[io]"') from error
    except gl.io.ModelFileError as error:
        raise DataError(f"{file} is corrupt or not a gradlab model: {error}") from error
    except OSError as error:
        raise DataError(f"cannot read {file}: {error.strerror or error}") from error
    if metadata.get("format") != FORMAT:
        raise DataError(
            f"{file} is a gradlab model but was not written by gradlab train (it has no "
            "preprocessing record); use gl.load in Python, or train with gradlab train"
        )
    if metadata.get("format_version") != FORMAT_VERSION:
        raise DataError(
            f"{file} has format version {metadata.get('format_version')!r}; this gradlab reads "
            f"version {FORMAT_VERSION}: retrain it with this gradlab"
        )
    try:
        preprocessing = Preprocessing.from_dict(metadata.get("preprocessing"))
        check_record(metadata, preprocessing.task == CLASSIFICATION)
    except ValueError as error:
        raise DataError(f"{file} is corrupt: {error}") from error
    _check_shapes(network, preprocessing, file)
    return TabularModel(network, preprocessing, metadata, _confusion(file.parent))


def _confusion(folder: Path) -> np.ndarray | None:
    from gradlab.tabular.evaluation import read_confusion

    path = folder / EVALUATION_FILE
    if not path.is_file():
        return None
    try:
        return read_confusion(path)
    except Exception:  # the matrix is for pictures only; a damaged one is not the model's fault
        return None


def _check_shapes(network: Any, preprocessing: Preprocessing, file: Path) -> None:
    import gradlab as gl

    n_inputs = len(preprocessing.input_names)
    dtype = network.dtype if network.dtype is not None else np.float64
    try:
        with gl.no_grad():
            output = network(gl.Tensor(np.zeros((1, n_inputs), dtype=dtype)))
        shape = tuple(output.shape)
    except Exception as error:
        raise DataError(
            f"{file} is corrupt: the network does not take the {n_inputs} inputs its "
            f"preprocessing describes ({error})"
        ) from error
    if shape != (1, preprocessing.n_outputs):
        raise DataError(
            f"{file} is corrupt: the network gives {shape[-1]} outputs where its preprocessing "
            f"describes {preprocessing.n_outputs}"
        )
