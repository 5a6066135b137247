"""The model folder ``gradlab train`` writes and ``predict`` / ``info`` read.

The folder holds ``model.safetensors`` (weights, architecture and, in its JSON metadata, the
preprocessing and the training record), ``report.md`` and the PNG pictures. It is built in a
hidden temporary folder next to its destination and moved into place only when complete, so a
failure or an interruption never leaves a half-written folder; `claimed` makes one run at a time
write a destination (see `gradlab.cli.folder_guard`).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gradlab.cli import folder_guard
from gradlab.cli.main import UsageError
from gradlab.io.atomic import fsync_folder
from gradlab.io.safetensors_file import MAX_FILE_BYTES
from gradlab.tabular.files import EVALUATION_FILE, MODEL_FILE
from gradlab.tabular.folder import read_model_file
from gradlab.tabular.model import TabularModel
from gradlab.tabular.preprocessing import Preprocessing

FOLDER_FILES = frozenset(
    {
        MODEL_FILE,
        EVALUATION_FILE,
        "report.md",
        "loss.png",
        "confusion.png",
        "parity.png",
        "decision_boundary.png",
    }
)


@dataclass
class ModelFolder:
    """A model folder read back: the network, its preprocessing and its metadata.

    Parameters
    ----------
    path : pathlib.Path
    model : gradlab.nn.Module
    preprocessing : Preprocessing
    metadata : dict
        Everything stored at training (``"preprocessing"``, ``"training"``, ...).
    tabular : gradlab.tabular.TabularModel
        The same, as the library's model.
    """

    path: Path
    model: Any
    preprocessing: Preprocessing
    metadata: dict[str, Any]
    tabular: TabularModel


def is_model_folder(path: Path) -> bool:
    """Whether ``path`` is a folder holding only what ``gradlab train`` writes (and a model)."""
    names = {entry.name for entry in path.iterdir()}
    return MODEL_FILE in names and names <= FOLDER_FILES


def check_destination(path: Path, force: bool) -> None:
    """Refuse an output folder that is a file, or a non-empty folder not written by gradlab.

    Parameters
    ----------
    path : pathlib.Path
        The ``--out`` folder.
    force : bool
        Replace a non-empty folder anyway.
    """
    _check_not_current(path)
    if not path.exists():
        return
    if not path.is_dir():
        raise UsageError(f"--out {path} is a file; give a folder name")
    try:
        empty = not any(path.iterdir())
        ours = empty or is_model_folder(path)
    except OSError as error:
        raise UsageError(f"cannot read --out {path}: {error.strerror or error}") from error
    if not ours and not force:
        raise UsageError(
            f"--out {path} is not empty and is not a gradlab model folder; choose another "
            "folder, or pass --force to replace it and everything in it"
        )


def _check_not_current(path: Path) -> None:
    here = Path.cwd().resolve()
    if path.resolve() in (here, *here.parents):
        raise UsageError(
            f"--out {path} is the current folder or one above it; name a new folder, such as "
            "--out gradlab-model"
        )


@contextlib.contextmanager
def claimed(path: Path, force: bool) -> Iterator[None]:
    """Make ``path`` the output of this run alone, for the block, then check it.

    Creates the missing parent folders (removed again if the run leaves them empty), takes
    ``path``'s lock, puts back or removes what a killed run left (`folder_guard.writing`), and
    runs `check_destination`.

    Raises
    ------
    UsageError
        Another ``gradlab train`` is writing ``path``, or `check_destination` refuses it.
    """
    _check_not_current(path)
    parent = path.absolute().parent
    created = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _remove_empty(created)
        raise UsageError(
            f"cannot write the output folder {path}: {error.strerror or error}"
        ) from error
    try:
        with folder_guard.writing(path):
            check_destination(path, force)
            yield
    finally:
        _remove_empty(created)


@contextlib.contextmanager
def staged_folder(destination: Path) -> Iterator[Path]:
    """A temporary folder next to ``destination``, renamed to it when the block succeeds.

    On success an existing ``destination`` is replaced; on any exception (an interruption
    included) the temporary folder is removed and ``destination`` is left as it was.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "run"
    >>> with staged_folder(out) as staging:
    ...     _ = (staging / "report.md").write_text("# Report")
    >>> sorted(p.name for p in out.iterdir())
    ['report.md']
    """
    parent = destination.absolute().parent
    created = [folder for folder in (parent, *parent.parents) if not folder.exists()]
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = folder_guard.new_staging(parent / destination.name)
    except OSError as error:
        _remove_empty(created)
        raise UsageError(
            f"cannot write the output folder {destination}: {error.strerror or error}"
        ) from error
    try:
        yield staging
        _fsync_files(staging)
        folder_guard.replace(staging, parent / destination.name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        _remove_empty(created)
        raise


def _remove_empty(folders: list[Path]) -> None:
    # The parent folders this run created, deepest first, so a failure leaves no trace.
    for folder in folders:
        with contextlib.suppress(OSError):
            folder.rmdir()


def _fsync_files(folder: Path) -> None:
    # mkdtemp and mkstemp create private modes; give the folder the user's usual permissions.
    umask = os.umask(0)
    os.umask(umask)
    for entry in folder.iterdir():
        os.chmod(entry, 0o666 & ~umask)
        with open(entry, "rb") as handle:
            os.fsync(handle.fileno())
    os.chmod(folder, 0o777 & ~umask)
    fsync_folder(folder)


def load_model_folder(path: str | Path) -> ModelFolder:
    """Read a folder written by ``gradlab train``, or raise one clear `UsageError`.

    Parameters
    ----------
    path : str or pathlib.Path
        The model folder (the ``--out`` of ``gradlab train``).

    Returns
    -------
    ModelFolder
    """
    path = Path(path)
    folder_guard.recover_if_idle(path)
    if not path.exists():
        raise UsageError(f"no such model folder: {path}")
    if not path.is_dir():
        raise UsageError(f"{path} is a file; give the model folder written by gradlab train")
    file = path / MODEL_FILE
    _check_readable(path, file)
    model = read_model_file(file)
    return ModelFolder(path, model.network, model.preprocessing, model.metadata, model)


def _check_readable(path: Path, file: Path) -> None:
    """Refuse a model file that is missing, not a regular file, or beyond `MAX_FILE_BYTES`."""
    try:
        info = file.stat()
    except OSError:
        info = None
    if info is None:
        raise UsageError(
            f"{path} is not a gradlab model folder (it has no {MODEL_FILE}); train one with "
            f"gradlab train DATA.csv --target COLUMN --out {path}"
        )
    if stat.S_ISDIR(info.st_mode):
        raise UsageError(
            f"{file} is a folder, not the file gradlab train writes; the model folder is damaged, "
            "train it again"
        )
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(
            f"{file} is not a regular file (a device, a pipe or a socket); a model folder holds "
            "the model.safetensors that gradlab train wrote"
        )
    if info.st_size > MAX_FILE_BYTES:
        raise UsageError(
            f"{file} is {info.st_size:,} bytes, more than the {MAX_FILE_BYTES:,} a gradlab "
            "model folder may hold; it is not a model gradlab train wrote"
        )
