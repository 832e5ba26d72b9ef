"""Reading an input file: only a regular file, within the size limit of its kind, read in blocks.

The rule: every file the program reads or hashes is first looked at without opening it (`os.stat`):
a FIFO (opening it blocks until someone writes), a device (/dev/zero never ends), a folder, a socket
or a file larger than its kind's limit is refused with one Russian line naming the file and what it
is meant to be. It is then opened without blocking and checked again on the open descriptor, so a file
swapped for a FIFO in between is refused too; and reading stops past the limit, should the file grow.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from stomkpi.errors import StomkpiError

MIB = 1024 * 1024
BLOCK = MIB

# The limits are far above what a clinic's files reach and far below what would tire the machine: they are
# there so that a wrong file (a disk image, a video, a log) named by mistake is refused at once.
WORKBOOK_LIMIT = 50 * MIB  # a month's book of 500 people is under 1 MB; the reader's own bound (500 000 rows) is ~30 MB
NMO_WORKBOOK_LIMIT = 50 * MIB  # the НМО book: a row per certificate and course over years, under 5 MB for any clinic
CSV_SHEET_LIMIT = 50 * MIB  # one sheet of a book saved as CSV: as the book itself
YAML_LIMIT = 1 * MIB  # parameters, norms and region-best files are a few KB of hand-written text
ANY_FILE_LIMIT = 4 * 1024 * MIB  # any other file hashed (a report's outputs and kept inputs): tens of MB at most


class UnreadableFile(StomkpiError):
    """An input that is not a regular file, or is larger than its kind allows."""


_NOT_FILES = ((stat.S_ISDIR, "папка"), (stat.S_ISFIFO, "именованный канал (FIFO)"),
              (stat.S_ISCHR, "устройство"), (stat.S_ISBLK, "блочное устройство"), (stat.S_ISSOCK, "сокет"))


def _megabytes(size: int) -> str:
    return f"{size / MIB:.1f}".replace(".", ",").replace(",0", "") + " МБ"


def _refusal(path: Path, what: str, mode: int, size: int, limit: int) -> str | None:
    """Why a file of this mode and size cannot be read as `what`, or None."""
    for test, name in _NOT_FILES:
        if test(mode):
            return f"{what} {path} — это {name}, а нужен {'файл' if name == 'папка' else 'обычный файл'}"
    if not stat.S_ISREG(mode):
        return f"{what} {path} — не обычный файл"
    if size > limit:
        return (f"{what} {path} — {_megabytes(size)}, это больше допустимых {_megabytes(limit)}: "
                "проверьте, тот ли это файл")
    return None


def check_file(path: Path | str, what: str, limit: int) -> None:
    """Refuse, without opening it, a path that is missing, not a regular file, or larger than `limit` bytes."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise UnreadableFile(f"нет файла {path} ({what})") from None
    except NotADirectoryError:
        raise UnreadableFile(f"нет файла {path} ({what}): часть пути — файл, а не папка") from None
    except OSError as exc:
        raise UnreadableFile(f"{what} {path}: не удаётся прочитать ({exc.strerror})") from None
    problem = _refusal(path, what, info.st_mode, info.st_size, limit)
    if problem:
        raise UnreadableFile(problem)


def is_present(path: Path | str) -> bool:
    """Whether anything (a file, a folder, a FIFO, a broken link's target) is at the path, without opening it."""
    try:
        os.stat(path)
    except OSError:
        return False
    return True


def blocks(path: Path | str, what: str, limit: int) -> Iterator[bytes]:
    """The bytes of a regular file in blocks of 1 MiB; `UnreadableFile` as `check_file`, also when it grows past `limit`."""
    path = Path(path)
    check_file(path, what, limit)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise UnreadableFile(f"{what} {path}: не удаётся открыть ({exc.strerror})") from None
    with os.fdopen(fd, "rb", buffering=0) as fh:
        info = os.fstat(fh.fileno())
        problem = _refusal(path, what, info.st_mode, info.st_size, limit)
        if problem:
            raise UnreadableFile(problem)
        total = 0
        while block := fh.read(BLOCK):
            total += len(block)
            if total > limit:
                raise UnreadableFile(_refusal(path, what, stat.S_IFREG, total, limit))
            yield block


def read_bytes(path: Path | str, what: str, limit: int) -> bytes:
    """A regular file's bytes, at most `limit` of them (see `blocks`)."""
    return b"".join(blocks(path, what, limit))


def sha256(path: Path | str, what: str = "файл", limit: int = ANY_FILE_LIMIT) -> str:
    """SHA-256 of a regular file, read in blocks (see `blocks`)."""
    digest = hashlib.sha256()
    for block in blocks(path, what, limit):
        digest.update(block)
    return digest.hexdigest()
