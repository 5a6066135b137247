"""Writing files so that nothing is ever half-written: temporary file, fsync, rename.

Every file gradlab writes (model files, predictions, pictures) goes through `atomic_path`. Its
temporary file ``.NAME.<random>.tmp`` is locked (``flock``) while it is written, so the next
write of ``NAME`` can tell the leftovers of a killed writer (unlocked: removed) from the file of
a writer still at work (locked: kept).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import re
import secrets
import stat
import sys
from collections.abc import Callable, Iterator
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so leftovers are never judged stale
    fcntl = None  # type: ignore[assignment]

PathLike = str | os.PathLike[str]

_AT_FDCWD = -100
_RENAME_EXCHANGE = 2
# The kernel or filesystem cannot exchange: callers fall back to two renames.
_NO_EXCHANGE = frozenset(
    {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, getattr(errno, "ENOTSUP", errno.EOPNOTSUPP)}
)


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
    remove_stale_temporaries(target)
    fd, temporary = _locked_temporary(folder, os.path.basename(target))
    try:
        yield temporary
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        # The temporary file is private; give it the mode an ordinary new file would get.
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    finally:
        os.close(fd)
    fsync_folder(folder)


def temporary_pattern(name: str) -> re.Pattern[str]:
    """The names of the temporary files and folders gradlab makes for ``name``.

    ``.NAME.<random>.tmp``, the random part 8 to 16 letters, digits or underscores (no dot, so
    the temporaries of ``model`` and of ``model.v2`` are never confused).

    Examples
    --------
    >>> bool(temporary_pattern("model").fullmatch(".model.0123456789abcdef.tmp"))
    True
    >>> bool(temporary_pattern("model").fullmatch(".model.v2.0123456789abcdef.tmp"))
    False
    """
    return re.compile(r"\." + re.escape(name) + r"\.[0-9a-z_]{8,16}\.tmp")


def temporary_name(name: str) -> str:
    """A fresh name matching `temporary_pattern`."""
    return f".{name}.{secrets.token_hex(8)}.tmp"


def _locked_temporary(folder: str, name: str) -> tuple[int, str]:
    while True:
        path = os.path.join(folder, temporary_name(name))
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | _CLOEXEC, 0o600)
        except FileExistsError:
            continue
        if fcntl is not None:
            fcntl.flock(fd, fcntl.LOCK_EX)
        # A cleaner may have judged the file stale before the lock was taken: start again.
        if os.fstat(fd).st_nlink > 0:
            return fd, path
        os.close(fd)


def remove_stale_temporaries(path: PathLike) -> list[str]:
    """Remove the temporary files that killed writers of ``path`` left behind.

    A temporary file of `atomic_path` is locked while its writer lives; an unlocked one is a
    leftover. Nothing is removed where locks are unavailable (Windows).

    Returns
    -------
    list of str
        The names removed.
    """
    target = os.path.abspath(os.fspath(path))
    folder, name = os.path.split(target)
    if fcntl is None:
        return []
    pattern = temporary_pattern(name)
    removed = []
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        candidates = [e.path for e in entries if pattern.fullmatch(e.name)]
    for candidate in candidates:
        if _remove_if_unlocked(candidate):
            removed.append(os.path.basename(candidate))
    return removed


def _remove_if_unlocked(path: str) -> bool:
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return False
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | _NOFOLLOW | _CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        # Still the same file under that name (its writer may have renamed it into place).
        if os.lstat(path).st_ino != os.fstat(fd).st_ino:
            return False
        os.unlink(path)
        return True
    except OSError:  # BlockingIOError: a live writer holds it
        return False
    finally:
        os.close(fd)


def exchange(first: PathLike, second: PathLike) -> bool:
    """Swap two existing paths in one atomic step, where the system can.

    On Linux this is ``renameat2(..., RENAME_EXCHANGE)`` (kernel 3.15, glibc 2.28): at every
    instant each path names one complete file or folder. Returns False, having changed
    nothing, where that call is unavailable (another system, an old kernel or C library, a
    filesystem that refuses it), so the caller can fall back.

    Raises
    ------
    OSError
        Any other failure (a missing path, no permission).
    """
    function = _renameat2()
    if function is None:
        return False
    if function(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE):
        code = ctypes.get_errno()
        if code in _NO_EXCHANGE:
            return False
        raise OSError(code, os.strerror(code), os.fspath(first), None, os.fspath(second))
    return True


@functools.cache
def _renameat2() -> Callable[..., Any] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        function = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    function.argtypes = [
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_int,
        ctypes.c_char_p,
        ctypes.c_uint,
    ]
    function.restype = ctypes.c_int
    return function


_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)


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
