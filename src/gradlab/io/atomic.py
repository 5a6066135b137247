"""Writing files so that nothing is ever half-written: temporary file, fsync, rename.

Every file gradlab writes (model files, predictions, pictures) goes through `atomic_path`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

PathLike = str | os.PathLike[str]


@contextlib.contextmanager
def atomic_path(path: PathLike) -> Iterator[str]:
    """Yield a temporary path next to ``path``; when the block succeeds, move it onto ``path``.

    The temporary file is fsynced, given the permissions a new file gets under the user's
    umask, and renamed with ``os.replace`` (atomic on POSIX and Windows), then the folder is
    fsynced. If the block raises (or is interrupted), the temporary file is removed and
    ``path`` is left as it was.

    Raises
    ------
    FileNotFoundError
        The folder does not exist.
    IsADirectoryError
        ``path`` is a folder.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.txt")
    >>> with atomic_path(path) as temporary:
    ...     with open(temporary, "w") as f:
    ...         _ = f.write("abc")
    >>> open(path).read()
    'abc'
    """
    target = os.path.abspath(os.fspath(path))
    folder = os.path.dirname(target)
    if not os.path.isdir(folder):
        raise FileNotFoundError(
            f"cannot write {os.fspath(path)!r}: the folder {folder!r} does not exist; create it "
            "first."
        )
    if os.path.isdir(target):
        raise IsADirectoryError(
            f"cannot write {os.fspath(path)!r}: it is a folder; give a file name."
        )
    fd, temporary = tempfile.mkstemp(
        dir=folder, prefix="." + os.path.basename(target) + ".", suffix=".tmp"
    )
    os.close(fd)
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # mkstemp makes the file private; give it the mode an ordinary new file would get.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    fsync_folder(folder)


def write_atomic(path: PathLike, payload: bytes) -> None:
    """Write ``payload`` to ``path`` with `atomic_path`.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "x.bin")
    >>> write_atomic(path, b"abc")
    >>> open(path, "rb").read()
    b'abc'
    """
    with atomic_path(path) as temporary, open(temporary, "wb") as f:
        f.write(payload)


def fsync_folder(folder: PathLike) -> None:
    """Make a rename inside ``folder`` durable (a no-op where folders cannot be opened)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask
