"""io/atomic.py: the exchange of two paths, and the leftovers of killed writers."""

from __future__ import annotations

import ctypes
import errno
import fcntl
import os
from pathlib import Path

import pytest

from gradlab.io import atomic


def _tree(path: Path, text: str) -> Path:
    path.mkdir()
    (path / "file.txt").write_text(text)
    return path


def test_exchange_swaps_two_folders_in_one_step(tmp_path: Path) -> None:
    first, second = _tree(tmp_path / "a", "A"), _tree(tmp_path / "b", "B")
    assert atomic.exchange(first, second) is True
    assert (first / "file.txt").read_text() == "B"
    assert (second / "file.txt").read_text() == "A"


def test_exchange_of_a_missing_path_raises(tmp_path: Path) -> None:
    _tree(tmp_path / "a", "A")
    with pytest.raises(FileNotFoundError):
        atomic.exchange(tmp_path / "a", tmp_path / "absent")


@pytest.mark.parametrize("code", [errno.EINVAL, errno.ENOSYS])
def test_exchange_reports_false_where_the_system_refuses_it(
    code: int, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refusing(*args: object) -> int:
        ctypes.set_errno(code)
        return -1

    monkeypatch.setattr(atomic, "_renameat2", lambda: refusing)
    first, second = _tree(tmp_path / "a", "A"), _tree(tmp_path / "b", "B")
    assert atomic.exchange(first, second) is False
    assert (first / "file.txt").read_text() == "A"  # nothing changed


def test_exchange_reports_false_off_linux(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(atomic, "_renameat2", lambda: None)
    assert atomic.exchange(tmp_path, tmp_path) is False


def test_a_killed_writers_temporary_file_is_removed_by_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "x.bin"
    dead = tmp_path / ".x.bin.0123456789abcdef.tmp"  # as atomic_path names them
    dead.write_bytes(b"half")
    legacy = tmp_path / ".x.bin.k3j_9x2q.tmp"  # tempfile.mkstemp's names, before locks
    legacy.write_bytes(b"half")
    other = tmp_path / ".x.bin.v2.0123456789abcdef.tmp"  # another file's temporary
    other.write_bytes(b"keep")
    atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "x.bin"]


def test_the_temporary_file_of_a_live_writer_is_kept(tmp_path: Path) -> None:
    live = tmp_path / ".x.bin.0123456789abcdef.tmp"
    live.write_bytes(b"being written")
    fd = os.open(live, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # as a writer in another process holds it
        atomic.write_atomic(tmp_path / "x.bin", b"new")
        assert live.read_bytes() == b"being written"
    finally:
        os.close(fd)
    assert atomic.remove_stale_temporaries(tmp_path / "x.bin") == [live.name]


def test_atomic_path_holds_its_temporary_file_locked(tmp_path: Path) -> None:
    with atomic.atomic_path(tmp_path / "x.bin") as temporary:
        Path(temporary).write_bytes(b"abc")
        assert atomic.remove_stale_temporaries(tmp_path / "x.bin") == []
        assert Path(temporary).exists()
    assert (tmp_path / "x.bin").read_bytes() == b"abc"
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]


def test_a_kill_while_writing_leaves_a_file_the_next_write_removes(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = (
        "import os, sys\n"
        "from gradlab.io.atomic import atomic_path\n"
        "with atomic_path(sys.argv[1]) as temporary:\n"
        "    open(temporary, 'wb').write(b'half')\n"
        "    os._exit(9)\n"
    )
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "x.bin")], check=False)
    assert result.returncode == 9
    (leftover,) = tmp_path.iterdir()
    assert atomic.temporary_pattern("x.bin").fullmatch(leftover.name)
    atomic.write_atomic(tmp_path / "x.bin", b"new")
    assert [p.name for p in tmp_path.iterdir()] == ["x.bin"]
