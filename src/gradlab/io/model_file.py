"""`save` and `load`: a model as ONE safetensors file, tensors plus JSON architecture.

The header's ``__metadata__`` holds ``"format": "pt"`` (the tag Hugging Face loaders and
``safetensors.torch`` expect; gradlab does not need it, so files without it still load) and two
JSON strings: ``"gradlab"``, the document
``{"format": "gradlab", "version": 1, "architecture": {"type": ..., "config": {...}}}``, and
``"metadata"``, the caller's metadata. Tensors are named as in ``model.named_parameters()``.
A parameter shared by several layers is stored once; the document's optional ``"tied"`` maps
each of its other names to the stored one, e.g. ``{"2.weight": "0.weight"}``.
Models are rebuilt only from `gradlab.nn.LAYERS`; nothing is ever unpickled.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

import numpy as np

from gradlab.io import strict_json
from gradlab.io.atomic import write_atomic
from gradlab.io.errors import ModelFileError
from gradlab.io.safetensors_file import CheckedFile, read_checked
from gradlab.nn.init import skip_init
from gradlab.nn.layer_plan import Entry
from gradlab.nn.module import Module
from gradlab.nn.registry import build_layer, layer_spec, plan_layer

FORMAT = "gradlab"
VERSION = 1
#: The ``__metadata__["format"]`` tag of Hugging Face's safetensors files of PyTorch tensors.
SAFETENSORS_FORMAT = "pt"

PathLike = str | os.PathLike[str]


def _safetensors_numpy() -> Any:
    try:
        import safetensors.numpy
    except ImportError:
        raise ImportError(
            'saving and loading models needs the safetensors package: pip install "gradlab[io]"'
        ) from None
    return safetensors.numpy


def save(model: Module, path: PathLike, metadata: Mapping[str, Any] | None = None) -> None:
    """Write ``model`` to ``path`` as one safetensors file, atomically.

    The file holds every parameter (named as in ``named_parameters()``, dtypes kept exactly)
    and, in its JSON header, the architecture (``{"type": ..., "config": ...}`` from
    ``get_config()``), ``metadata`` and ``"format": "pt"``, so that ``safetensors.torch`` and
    Hugging Face loaders read it too (the weights keep gradlab's names and layout: see
    `gradlab.io.to_torch` for a PyTorch module). It is written to a temporary file in the same
    folder, flushed to disk and renamed over ``path``, so ``path`` holds either the old file or
    the complete new one, never a partial write.

    Parameters
    ----------
    model : Module
        Built from layers registered in `gradlab.nn.LAYERS`.
    path : str or os.PathLike
        Destination, conventionally ending in ".safetensors"; its folder must exist.
    metadata : mapping, optional
        JSON-serialisable information stored alongside (e.g. ``{"epochs": 100}``).

    Examples
    --------
    >>> import gradlab as gl, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> gl.save(gl.nn.MLP(2, [2], 1, rng=0), path, metadata={"note": "demo"})
    >>> model, meta = gl.io.load_with_metadata(path)
    >>> meta
    {'note': 'demo'}
    """
    if not isinstance(model, Module):
        raise TypeError(f"save() takes a gradlab Module; got {type(model).__name__}.")
    if metadata is not None and not isinstance(metadata, Mapping):
        raise TypeError(f"metadata must be a dict (or None); got {type(metadata).__name__}.")
    try:
        user = json.dumps(dict(metadata or {}), allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(
            f"metadata must be JSON-serialisable (str, int, float, bool, None, lists and dicts "
            f"of them; no NaN or inf): {error}."
        ) from None
    document: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": layer_spec(model),
    }
    tied = _tied_names(model)
    if tied:
        document["tied"] = tied
    header = {"format": SAFETENSORS_FORMAT, "gradlab": json.dumps(document), "metadata": user}
    tensors = {name: np.ascontiguousarray(p.data) for name, p in model.named_parameters()}
    payload = _safetensors_numpy().save(tensors, metadata=header)
    write_atomic(path, payload)


def load(path: PathLike) -> Module:
    """Rebuild the model saved at ``path`` by `save`.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    Module
        With the saved values and dtypes.

    Raises
    ------
    ModelFileError
        (a ValueError) naming the problem for a missing, truncated, corrupt or hostile file,
        a file that is not a gradlab model, an unknown layer, an architecture beyond the
        bounds of `gradlab.nn.layer_plan` (checked before anything is built), or tensors whose
        names, shapes or dtypes do not fit the architecture.

    Examples
    --------
    >>> import gradlab as gl, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> gl.save(gl.nn.Linear.from_values([[1.0], [2.0]], bias=[0.5]), path)
    >>> gl.load(path).weight.data
    array([[1.],
           [2.]])
    """
    return load_with_metadata(path)[0]


def load_with_metadata(path: PathLike) -> tuple[Module, dict[str, Any]]:
    """Like `load`, also returning the metadata dict given to `save` ({} if none).

    Examples
    --------
    >>> import gradlab as gl, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> gl.save(gl.nn.ReLU(), path, metadata={"epochs": 3})
    >>> gl.io.load_with_metadata(path)
    (ReLU(), {'epochs': 3})
    """
    checked = read_checked(path)
    architecture, tied, metadata = _read_header(path, checked)
    planned = _check_plan(path, architecture, tied, checked)
    try:
        with skip_init():
            model = build_layer(architecture)
    except ValueError as error:
        raise _fail(path, f"{error}") from None
    except RecursionError:
        raise _fail(path, "its architecture is nested too deeply to be a real model.") from None
    _tie(path, model, tied)
    arrays = _decode(path, checked)
    own = dict(model.named_parameters())
    _check_fit(
        path,
        architecture,
        {n: (p.shape, p.dtype) for n, p in own.items()},
        {n: (a.shape, a.dtype) for n, a in arrays.items()},
        dtypes=planned is not None,
    )
    for name, parameter in own.items():
        array = arrays[name]
        if array.dtype.kind == "f" and not np.all(np.isfinite(array)):
            raise _fail(
                path,
                f"tensor {name!r} holds NaN or infinity, so the model cannot predict; it was "
                "saved after training diverged, or altered.",
            )
        if parameter.data.shape == array.shape and parameter.data.dtype == array.dtype:
            parameter.data[...] = array  # in place: a packed model stays packed
        else:
            parameter.data = np.array(array, dtype=array.dtype, copy=True)
        parameter.grad = None
    return model, metadata


def _check_plan(
    path: PathLike, architecture: dict[str, Any], tied: dict[str, str], checked: CheckedFile
) -> dict[str, Entry] | None:
    """Plan the architecture from its config alone and compare the plan with the header's
    tensors, so that nothing is built for a file beyond the bounds or its tensors; return the
    planned parameters (None when a custom layer's are unknown)."""
    try:
        planned = plan_layer(architecture).parameters
    except ValueError as error:
        raise _fail(path, f"{error}") from None
    if planned is not None:
        for alias, target in tied.items():
            if alias not in planned or target not in planned or planned[alias] != planned[target]:
                raise _tie_error(path, alias, target, architecture["type"])
        stored = {n: (info.shape, info.dtype) for n, info in checked.tensors.items()}
        _check_fit(path, architecture, {n: p for n, p in planned.items() if n not in tied}, stored)
    return planned


def _check_fit(
    path: PathLike,
    architecture: dict[str, Any],
    needed: dict[str, Entry],
    stored: dict[str, Entry],
    dtypes: bool = True,
) -> None:
    """Refuse stored tensors whose names, shapes or (if ``dtypes``) dtypes differ from what
    the architecture needs; without ``dtypes``, refuse tensors of mixed dtypes."""
    missing = [name for name in needed if name not in stored]
    unexpected = [name for name in stored if name not in needed]
    if missing or unexpected:
        raise _fail(
            path,
            f"its tensors do not fit its architecture ({architecture['type']}): missing "
            f"{_names(missing)}, unexpected {_names(unexpected)}. The file was altered or "
            "written by another program.",
        )
    for name, (shape, dtype) in needed.items():
        if stored[name][0] != shape:
            raise _fail(
                path,
                f"tensor {name!r} has shape {stored[name][0]} but the architecture needs "
                f"{shape}; the file was altered or written by another program.",
            )
        if dtypes and stored[name][1] != dtype:
            raise _fail(
                path,
                f"tensor {name!r} has dtype {stored[name][1]} but the architecture says {dtype}; "
                "the file was altered or written by another program.",
            )
    kinds = {entry[1] for entry in stored.values()}
    if not dtypes and len(kinds) > 1:
        first = {dtype: name for name, (_, dtype) in reversed(stored.items())}
        listed = ", ".join(f"{first[d]!r}: {d}" for d in sorted(kinds, key=str))
        raise _fail(
            path,
            f"its tensors mix dtypes ({listed}), which a model of layers that do not record "
            "their dtype cannot hold; the file was altered or written by another program.",
        )


def _names(names: list[str], limit: int = 10) -> str:
    if len(names) <= limit:
        return repr(names)
    return repr(names[:limit])[:-1] + f", ... ({len(names) - limit:,} more)]"


def _tied_names(model: Module) -> dict[str, str]:
    """Every further name of a shared parameter, mapped to its first name."""
    first: dict[int, str] = {}
    tied = {}
    for name, parameter in model.named_parameters(remove_duplicate=False):
        stored = first.setdefault(id(parameter), name)
        if stored != name:
            tied[name] = stored
    return tied


def _tie(path: PathLike, model: Module, tied: dict[str, str]) -> None:
    """Make each tied name of the rebuilt ``model`` share its stored parameter again."""
    modules = dict(model.named_modules())
    parameters = dict(model.named_parameters(remove_duplicate=False))
    for alias, stored in tied.items():
        module_name, _, attribute = alias.rpartition(".")
        target = parameters.get(stored)
        if alias not in parameters or target is None or parameters[alias].shape != target.shape:
            raise _tie_error(path, alias, stored, model.__class__.__name__)
        setattr(modules[module_name], attribute, target)


def _tie_error(path: PathLike, alias: str, stored: str, architecture: str) -> ModelFileError:
    return _fail(
        path,
        f"its tied parameter {alias!r:.100} = {stored!r:.100} does not fit its architecture "
        f"({architecture}); the file was altered or written by another program.",
    )


def _fail(path: PathLike, problem: str) -> ModelFileError:
    return ModelFileError(f"cannot load model file {os.fspath(path)!r}: {problem}")


def _read_header(
    path: PathLike, checked: CheckedFile
) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]]:
    text = checked.metadata.get("gradlab")
    if text is None:
        raise _fail(
            path,
            "it is a safetensors file without gradlab's architecture header, so no model can "
            "be rebuilt from it; load its tensors with safetensors and build the model in code.",
        )
    try:
        document = strict_json.loads(text)
        metadata = strict_json.loads(checked.metadata.get("metadata", "{}"))
    except strict_json.TooManyObjects as error:
        raise _fail(path, f"its metadata is too large to be a model's: {error}.") from None
    except (ValueError, RecursionError) as error:
        raise _fail(path, f"its metadata is not valid JSON ({error!r:.200}).") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _fail(path, 'its "gradlab" header does not have "format": "gradlab".')
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise _fail(
            path,
            f"it has format version {version!r:.100}; this gradlab reads version {VERSION}. "
            "Upgrade gradlab to read newer files.",
        )
    architecture = document.get("architecture")
    if not isinstance(architecture, dict) or not isinstance(architecture.get("type"), str):
        raise _fail(path, 'its header has no "architecture" {"type": ..., "config": ...}.')
    tied = document.get("tied", {})
    if not isinstance(tied, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in tied.items()
    ):
        raise _fail(path, 'its "tied" entry is not an object of parameter names.')
    if not isinstance(metadata, dict):
        raise _fail(path, "its user metadata is JSON but not an object.")
    return architecture, tied, metadata


def _decode(path: PathLike, checked: CheckedFile) -> dict[str, np.ndarray]:
    try:
        arrays: dict[str, np.ndarray] = _safetensors_numpy().load(checked.data)
    except Exception as error:  # the layout was checked; this is a last line of defence
        raise _fail(path, f"safetensors could not decode it ({error}).") from None
    return arrays
