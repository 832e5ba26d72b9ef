"""Locks on open files, the same on every system: `fcntl.flock` where there is one (Linux, macOS), `msvcrt.locking`
on Windows. A lock belongs to the open file and ends when the file is closed (or its process ends), so a killed run
never leaves one behind. On Windows the first byte of the file is locked; the lock file's content is read and
written through the file's position, never with `os.pread`/`os.pwrite`, which Windows lacks."""

from __future__ import annotations

import os
import time

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None


def _msvcrt():
    import msvcrt

    return msvcrt


def lock(fd: int, *, wait: bool) -> bool:
    """Take the exclusive lock of the open file `fd`: block until it is free (`wait`), or return False at once when
    another process holds it."""
    if fcntl is not None:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            return False
        return True
    msvcrt = _msvcrt()
    while True:
        position = os.lseek(fd, 0, os.SEEK_CUR)
        os.lseek(fd, 0, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            if not wait:
                return False
            time.sleep(0.1)  # LK_LOCK gives up after ten seconds: wait as flock does, without a limit
        finally:
            os.lseek(fd, position, os.SEEK_SET)


def read_head(fd: int, size: int) -> bytes:
    """The first `size` bytes of the open file."""
    os.lseek(fd, 0, os.SEEK_SET)
    return os.read(fd, size)


def write_whole(fd: int, data: bytes) -> None:
    """Replace the open file's content with `data`."""
    os.ftruncate(fd, 0)
    os.lseek(fd, 0, os.SEEK_SET)
    os.write(fd, data)
