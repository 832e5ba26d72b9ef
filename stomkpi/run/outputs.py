"""A period's output folder that is never lost: one run at a time, and a swap that leaves either the
old or the new complete folder at every instant.

Theory of operation: a run takes the period's lock (`.<period>.lock` beside the folder, an
exclusive `flock` that the kernel releases when the process dies, so a killed run never leaves a
stale lock). Holding it, the run first repairs what a killed predecessor may have left: a folder
renamed aside (`<period>.old`) while the new one was not yet in place is renamed back, and
temporary folders (`.<period>.tmp-*`, `.<period>.trash-*`) are removed — only the lock holder creates them. The swap renames
the old folder aside, the new one in, and only then removes the old one; a file that cannot be
removed from the old folder is left in a uniquely named `.<period>.trash-*` folder, never blocking
the next run.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stomkpi import filelock
from stomkpi.errors import StomkpiError


class BusyError(StomkpiError):
    """Another run holds the period's lock."""


def _old(out_dir: Path) -> Path:
    return out_dir.with_name(out_dir.name + ".old")


@contextmanager
def period_lock(out_dir: Path) -> Iterator[None]:
    """Hold the period's lock for the duration of a run; a second run is refused with who holds it."""
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    path = out_dir.parent / f".{out_dir.name}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)  # O_BINARY: Windows
    try:
        if not filelock.lock(fd, wait=False):
            holder = filelock.read_head(fd, 300).decode("utf-8", "replace").strip() or "другой процесс"
            raise BusyError(f"отчёт {out_dir.name} сейчас строится другим запуском ({holder}); "
                            "дождитесь его окончания и запустите снова") from None
        stamp = f"процесс {os.getpid()} на {socket.gethostname()}, начат {dt.datetime.now():%d.%m.%Y %H:%M:%S}"
        filelock.write_whole(fd, stamp.encode("utf-8"))
        recover(out_dir)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def recover(out_dir: Path) -> None:
    """Undo what a killed run may have left (call with the lock held)."""
    old = _old(out_dir)
    if old.is_dir() and not out_dir.exists():
        old.rename(out_dir)  # killed between the two renames: the old report comes back
    elif old.exists():
        _discard(old, out_dir)
    # this period's own leftovers only: `.2025-12.tmp-*` is not `.2025-12.r2.tmp-*`, a revision being built
    for pattern in (f".{out_dir.name}.tmp-*", f".{out_dir.name}.trash-*"):
        for stale in out_dir.parent.glob(pattern):
            if stale.is_dir():
                shutil.rmtree(stale, ignore_errors=True)


def new_work_folder(out_dir: Path) -> Path:
    """A fresh temporary folder beside `out_dir` (so relative paths hold in it too)."""
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.tmp-", dir=out_dir.parent))
    tmp.chmod(0o755)
    return tmp


def swap(tmp: Path, out_dir: Path) -> None:
    """Put the finished folder in place of the old one; at every instant one complete folder exists
    under `out_dir` or under `<out_dir>.old`."""
    old = _old(out_dir)
    if out_dir.exists():
        out_dir.rename(old)
    tmp.rename(out_dir)
    if old.exists():
        _discard(old, out_dir)


def _discard(folder: Path, out_dir: Path) -> None:
    """Remove a folder; what cannot be removed moves out of the way under a unique name."""
    shutil.rmtree(folder, ignore_errors=True)
    if folder.exists():
        folder.rename(tempfile.mkdtemp(prefix=f".{out_dir.name}.trash-", dir=out_dir.parent))
