"""One writer per model folder, an atomic replacement, and recovery after a kill.

While ``gradlab train --out DIR`` runs, these live next to ``DIR``:

- ``.DIR.lock``: locked (``flock``) by the one run writing ``DIR``, removed when it ends;
- ``.DIR.<random>.tmp``: the folder being built; after an exchange, the old folder on its way out;
- ``.DIR.previous``: the old folder during a replacement by two renames, used only where the
  system cannot exchange two paths in one step.

A run killed at any point leaves ``DIR`` complete (old or new), or, in the two-rename fallback
only, ``.DIR.previous``; the next ``gradlab train``, ``predict`` or ``info`` on ``DIR`` puts
that back and removes the leftovers, unless a live run holds the lock.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from gradlab.cli.main import UsageError
from gradlab.io.atomic import exchange, fsync_folder, temporary_name, temporary_pattern

try:
    import fcntl
except ImportError:  # Windows: no advisory locks; one run at a time is then the user's care
    fcntl = None  # type: ignore[assignment]


def lock_path(destination: Path) -> Path:
    """The lock file of ``destination``: ``.NAME.lock`` next to it."""
    return destination.parent / f".{destination.name}.lock"


def previous_path(destination: Path) -> Path:
    """Where the old folder waits during a two-rename replacement: ``.NAME.previous``."""
    return destination.parent / f".{destination.name}.previous"


@contextlib.contextmanager
def writing(destination: Path) -> Iterator[None]:
    """Hold ``destination``'s lock for the block, after recovering what a killed run left.

    Raises
    ------
    UsageError
        Another live run holds the lock, or the lock file cannot be created.
    """
    destination = destination.absolute()
    try:
        fd = _try_lock(lock_path(destination))
    except OSError as error:
        raise UsageError(
            f"cannot write the output folder {destination}: {error.strerror or error}"
        ) from error
    if fd is None:
        raise UsageError(
            f"--out {destination} is being written by another gradlab train (it holds "
            f"{lock_path(destination).name}); wait for it to end, or choose another --out"
        )
    try:
        try:
            recover(destination)
        except OSError as error:
            raise UsageError(
                f"cannot clean up what an earlier run left next to {destination}: "
                f"{error.strerror or error}"
            ) from error
        yield
    finally:
        _unlock(lock_path(destination), fd)


def recover_if_idle(destination: Path) -> None:
    """Recover ``destination`` if a killed run left something and no live run holds its lock."""
    destination = destination.absolute()
    if not _leftovers(destination) and not previous_path(destination).exists():
        return
    try:
        fd = _try_lock(lock_path(destination))
    except OSError:  # a read-only folder: nothing can be recovered, reading goes on
        return
    if fd is None:
        return
    try:
        recover(destination)
    except OSError:
        pass
    finally:
        _unlock(lock_path(destination), fd)


def recover(destination: Path) -> None:
    """Put back the old folder of a replacement killed between its renames; remove leftovers.

    Call it only while holding ``destination``'s lock.
    """
    previous = previous_path(destination)
    if previous.is_dir() and not previous.is_symlink():
        if os.path.lexists(destination):
            shutil.rmtree(previous)  # the new folder was in place; only the old one's removal
        else:
            os.rename(previous, destination)
        fsync_folder(destination.parent)
    for leftover in _leftovers(destination):
        _remove(leftover)


def new_staging(destination: Path) -> Path:
    """Create the private folder ``.NAME.<random>.tmp`` next to ``destination``."""
    while True:
        staging = destination.parent / temporary_name(destination.name)
        try:
            staging.mkdir(mode=0o700)
        except FileExistsError:
            continue
        return staging


def replace(staging: Path, destination: Path) -> None:
    """Move the complete folder ``staging`` to ``destination``, replacing what is there.

    An existing ``destination`` is exchanged with ``staging`` in one step where the system
    can (`gradlab.io.atomic.exchange`), then the old folder is removed; elsewhere it is renamed
    to ``.NAME.previous`` first, which `recover` puts back if the run dies before the second
    rename.
    """
    if not os.path.lexists(destination):
        os.rename(staging, destination)
    elif exchange(staging, destination):
        _remove(staging)
    else:
        previous = previous_path(destination)
        os.rename(destination, previous)
        try:
            os.rename(staging, destination)
        except BaseException:
            os.rename(previous, destination)
            raise
        shutil.rmtree(previous, ignore_errors=True)
    fsync_folder(destination.parent)


def _remove(path: Path) -> None:
    # A symlinked --out is exchanged as the link itself: remove the link, not what it points to.
    if path.is_symlink():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path, ignore_errors=True)


def _leftovers(destination: Path) -> list[Path]:
    pattern = temporary_pattern(destination.name)
    prefix = f".{destination.name}."
    try:
        with os.scandir(destination.parent) as entries:
            names = [e.name for e in entries if e.name.startswith(prefix)]
    except OSError:
        return []
    return [destination.parent / name for name in names if pattern.fullmatch(name)]


def _try_lock(path: Path) -> int | None:
    """An open, locked descriptor of ``path`` (created if need be); None if another holds it."""
    flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    while True:
        fd = os.open(path, flags, 0o600)
        if fcntl is None:
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return None
        # The holder before us removes the file before it unlocks: lock the file now there.
        try:
            if os.lstat(path).st_ino == os.fstat(fd).st_ino:
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)


def _unlock(path: Path, fd: int) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
    os.close(fd)
