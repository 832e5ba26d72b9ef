"""Locks on open files (`stomkpi.filelock`): the flock path of this machine, and the Windows path with a stand-in
`msvcrt` that keeps locks as Windows does (a byte range per file, refused to a second handle)."""

from __future__ import annotations

import os
import types

from stomkpi import filelock


def test_a_second_open_file_does_not_get_the_lock_until_the_first_is_closed(tmp_path):
    path = tmp_path / ".2025-12.lock"
    first = os.open(path, os.O_RDWR | os.O_CREAT)
    second = os.open(path, os.O_RDWR)
    try:
        assert filelock.lock(first, wait=False) is True
        assert filelock.lock(second, wait=False) is False  # held by the first open file
        os.close(first)
        first = None
        assert filelock.lock(second, wait=False) is True  # closing released it
    finally:
        for fd in (first, second):
            if fd is not None:
                os.close(fd)


def test_the_lock_file_says_who_holds_it(tmp_path):
    fd = os.open(tmp_path / "x.lock", os.O_RDWR | os.O_CREAT)
    try:
        filelock.write_whole(fd, "процесс 12 на сервере".encode())
        filelock.write_whole(fd, b"short")  # a shorter stamp leaves nothing of the longer one
        assert filelock.read_head(fd, 300) == b"short"
    finally:
        os.close(fd)


def _windows(monkeypatch):
    """fcntl gone and msvcrt standing in: a lock is (file, offset) held by one handle."""
    held: dict[tuple[int, int], int] = {}

    def locking(fd, mode, size):
        key = (os.fstat(fd).st_ino, os.lseek(fd, 0, os.SEEK_CUR))
        assert size == 1 and mode == 1
        if held.get(key, fd) != fd:
            raise OSError(36, "Resource deadlock avoided")
        held[key] = fd

    fake = types.SimpleNamespace(LK_NBLCK=1, locking=locking)
    monkeypatch.setattr(filelock, "fcntl", None)
    monkeypatch.setattr(filelock, "_msvcrt", lambda: fake)
    return held


def test_on_windows_the_first_byte_is_locked_and_a_second_handle_is_refused(tmp_path, monkeypatch):
    held = _windows(monkeypatch)
    path = tmp_path / ".2025-12.lock"
    first = os.open(path, os.O_RDWR | os.O_CREAT)
    second = os.open(path, os.O_RDWR)
    try:
        os.lseek(first, 5, os.SEEK_SET)
        assert filelock.lock(first, wait=False) is True
        assert os.lseek(first, 0, os.SEEK_CUR) == 5  # the file's position is left where it was
        assert list(held) == [(os.fstat(first).st_ino, 0)]  # byte 0, whatever the position
        assert filelock.lock(second, wait=False) is False
    finally:
        os.close(first)
        os.close(second)


def test_a_run_takes_the_period_lock_through_the_windows_path(tmp_path, monkeypatch):
    from stomkpi.run import outputs

    _windows(monkeypatch)
    with outputs.period_lock(tmp_path / "2025-12"):
        stamp = (tmp_path / ".2025-12.lock").read_text(encoding="utf-8")
    assert stamp.startswith(f"процесс {os.getpid()} на ")


def test_the_commands_import_where_there_is_no_fcntl_or_resource():
    # Windows has neither module: importing them at the top of a module stopped every command there
    import subprocess
    import sys

    code = ("import sys\nsys.modules['fcntl'] = None\nsys.modules['resource'] = None\n"
            "import stomkpi.cli, stomkpi.run.outputs, stomkpi.revisions.register, stomkpi.run.batch\n"
            "import stomkpi.run.commands, stomkpi.run.approve, stomkpi.run.verify\nprint('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "ok", done.stderr[-800:]
