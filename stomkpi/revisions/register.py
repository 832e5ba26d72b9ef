"""The clinic's register of approvals: `<outputs>/approvals.jsonl` beside the period folders, one JSON object a
line, append-only, each line chained to the one before it.

A line records one approval: `period`, `revision`, `folder`, `approved_by`, `approved_at`, `supersedes`,
`manifest_sha256` (the approved run's manifest), `edition` (the SHA-256 of those facts, `edition_of` —
its first 12 hex digits are printed on the approved documents as «Код редакции»), `approval_sha256` (the
folder's approval.json as written), `files_sha256` (its list of files and checksums, `files_digest`) and
`previous`: the SHA-256 of the previous line's bytes (64 zeros for the first line).

Rule for editing: lines are only ever appended, one `write` each, under an exclusive lock on the file, after
the chain read so far has been checked. A reader checks every line — its fields, its own `edition` and its
link to the line before — and names the first line that does not hold. The chain shows a line edited,
inserted or removed; a line cut off the end is shown by the approved folder that no longer matches a
line (or by the code on the signed paper), not by the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

from stomkpi import filelock
from stomkpi.bounded import read_bytes
from stomkpi.errors import StomkpiError

REGISTER = "approvals.jsonl"
GENESIS = "0" * 64
MAX_BYTES = 64 * 1024 * 1024  # some hundred thousand approvals: more is not a register stomkpi wrote
EDITION = ("period", "revision", "folder", "approved_by", "approved_at", "manifest_sha256", "supersedes")
_HEX = re.compile(r"[0-9a-f]{64}")


class RegisterError(StomkpiError):
    """The register of approvals cannot be read or does not hold together."""


@dataclass(frozen=True)
class Entry:
    """One line of the register: its number (from 1), what it records, and the SHA-256 of its bytes."""

    line: int
    record: dict
    sha256: str


def canonical(value: object) -> bytes:
    """The one byte form of a JSON value that the register's checksums are taken of."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def edition_of(record: dict) -> str:
    """The approved edition's checksum: SHA-256 of who approved what and when (known before the stamp is printed)."""
    return hashlib.sha256(canonical({k: record.get(k) for k in EDITION})).hexdigest()


def files_digest(files: dict[str, str]) -> str:
    """SHA-256 of an approved folder's list of files and their checksums."""
    return hashlib.sha256(canonical(files)).hexdigest()


def path_of(outputs: Path) -> Path:
    return Path(outputs) / REGISTER


def _hex(v: object) -> bool:
    return isinstance(v, str) and _HEX.fullmatch(v) is not None


def _folder(v: object) -> bool:
    return isinstance(v, str) and v not in ("", ".", "..") and "/" not in v and "\\" not in v


def _iso(v: object) -> bool:
    try:
        dt.datetime.fromisoformat(v)
    except (TypeError, ValueError):
        return False
    return True


_FIELDS = {
    "period": lambda v: isinstance(v, str), "revision": lambda v: type(v) is int and v >= 1, "folder": _folder,
    "approved_by": lambda v: v is None or isinstance(v, str), "approved_at": _iso, "manifest_sha256": _hex,
    "supersedes": lambda v: v is None or _folder(v), "edition": _hex, "approval_sha256": _hex,
    "files_sha256": _hex, "previous": _hex,
}


def _problem(record: object, previous: str) -> str | None:
    if not isinstance(record, dict):
        return "не объект JSON"
    for key, good in _FIELDS.items():
        if key not in record:
            return f"нет поля «{key}»"
        if not good(record[key]):
            return f"поле «{key}» не того вида"
    if record["previous"] != previous:
        return "не продолжает предыдущую строку (строка до неё изменена, вставлена или удалена)"
    if record["edition"] != edition_of(record):
        return "код редакции не сходится с самой записью (запись изменена)"
    return None


def read(outputs: Path) -> list[Entry]:
    """Every line of the clinic's register, each checked (none when there is no register yet)."""
    path = path_of(outputs)
    if not os.path.lexists(path):
        return []
    if path.is_symlink():  # the register is a file of its own, never a link to one elsewhere
        raise RegisterError(f"журнал утверждений {path} — ссылка, а не обычный файл")
    data = read_bytes(path, "журнал утверждений", MAX_BYTES)
    lines = data.split(b"\n")
    if lines[-1]:
        raise RegisterError(f"журнал утверждений {path} повреждён: строка {len(lines)} не дописана")
    out, previous = [], GENESIS
    for number, raw in enumerate(lines[:-1], start=1):
        try:
            record = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            record = None
        problem = "не запись JSON" if record is None else _problem(record, previous)
        if problem:
            raise RegisterError(f"журнал утверждений {path} повреждён: строка {number} — {problem}")
        previous = hashlib.sha256(raw).hexdigest()
        out.append(Entry(number, record, previous))
    return out


def append(outputs: Path, facts: dict) -> Entry:
    """Append one approval (the fields of a line but `edition` and `previous`) to the register, chained to its last line."""
    path = path_of(outputs)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o644)  # no \r on Windows
    try:
        filelock.lock(fd, wait=True)  # two approvals of different months append one after the other
        entries = read(outputs)
        record = {**{k: v for k, v in facts.items() if k not in ("edition", "previous")},
                  "previous": entries[-1].sha256 if entries else GENESIS}
        record["edition"] = edition_of(record)
        problem = _problem(record, record["previous"])
        if problem:
            raise RegisterError(f"запись в журнал утверждений {path} не сделана: {problem}")
        raw = canonical(record)
        os.write(fd, raw + b"\n")
        os.fsync(fd)
    finally:
        os.close(fd)
    return Entry(len(entries) + 1, record, hashlib.sha256(raw).hexdigest())


def entries_of(outputs: Path, folder: str) -> list[Entry]:
    """The register's lines that approve the folder `folder` (a name in `outputs`)."""
    return [e for e in read(outputs) if e.record["folder"] == folder]
