"""The files of a report folder read trusting nothing: approval.json and manifest.json each a regular file of
bounded size, valid JSON of the expected shape (every key of its type, every kept input's copy under `inputs/`),
and a file named by the folder never outside it.

Rule: whatever a report folder holds is input, possibly hostile. Its JSON is checked here before anything
uses a key of it, a path from it is resolved with `inside`, and a problem is one Russian line naming the
file — never a traceback, never a file read elsewhere.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path, PurePosixPath

from stomkpi.bounded import read_bytes
from stomkpi.errors import StomkpiError
from stomkpi.safe import clean

INPUTS = "inputs"
FOLDER = re.compile(r"^(?P<period>\d{4}-\d{2})(?:\.r(?P<number>[1-9]\d*))?$")
MAX_JSON_BYTES = 64 * 1024 * 1024  # an approval or a manifest of any report stomkpi writes is far smaller


class FolderFileError(StomkpiError):
    """A report folder's approval.json or manifest.json cannot be read as one."""


def shown(text: object) -> str:
    """Text from a folder, as one short line of a message."""
    line = " ".join(clean(str(text)).split())
    return line if len(line) <= 120 else line[:120] + "…"


def json_file(path: Path, what: str) -> object:
    """A JSON file of a report folder, read whole (a regular file of bounded size) — or one Russian line naming it."""
    if path.is_symlink():  # a report folder holds no links: a link could lead anywhere
        raise FolderFileError(f"{what} {path} — ссылка, а не обычный файл")
    data = read_bytes(path, what, MAX_JSON_BYTES)
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise FolderFileError(f"файл {path} повреждён: не текст UTF-8") from None
    except json.JSONDecodeError as exc:
        raise FolderFileError(f"файл {path} повреждён: не JSON (ошибка в строке {exc.lineno}, "
                              f"знак {exc.colno})") from None
    except (ValueError, RecursionError):
        raise FolderFileError(f"файл {path} повреждён: не JSON") from None


def _is_hex(v: object) -> bool:
    return isinstance(v, str) and re.fullmatch(r"[0-9a-f]{64}", v) is not None


def _is_names(v: object, value=lambda x: isinstance(x, str)) -> bool:
    return isinstance(v, dict) and all(isinstance(k, str) and value(x) for k, x in v.items())


def _is_when(v: object) -> bool:
    try:
        dt.datetime.fromisoformat(v)
    except (TypeError, ValueError):
        return False
    return True


_APPROVAL_KEYS = {  # key -> (required, check, what it must be)
    "period": (True, lambda v: isinstance(v, str), "текст"),
    "revision": (True, lambda v: type(v) is int and v >= 1, "номер редакции (целое от 1)"),
    "folder": (True, lambda v: isinstance(v, str), "текст"),
    "approved_by": (True, lambda v: v is None or isinstance(v, str), "текст или null"),
    "approved_at": (True, _is_when, "дата и время ISO 8601"),
    "manifest_sha256": (True, _is_hex, "SHA-256 (64 шестнадцатеричные цифры)"),
    "files": (True, lambda v: _is_names(v, _is_hex), "словарь «файл: SHA-256»"),
    "stamped": (True, lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v), "список файлов"),
    "computed": (False, _is_names, "словарь «файл: SHA-256»"),
    "account": (False, lambda v: isinstance(v, str), "текст"),
    "supersedes": (False, lambda v: v is None or isinstance(v, str), "текст или null"),
    "edition": (False, _is_hex, "SHA-256 (64 шестнадцатеричные цифры)"),
    "supersedes_number": (False, lambda v: type(v) is int and v >= 1, "номер редакции (целое от 1)"),
    "supersedes_approved_at": (False, _is_when, "дата и время ISO 8601"),
    "payroll": (False, lambda v: isinstance(v, dict) and _is_hex(v.get("sha256")),
                "контрольные итоги выплат с SHA-256 файла"),
}


def approval_problem(record: object) -> str | None:
    """What is wrong with an approval.json's shape (None: every key of an approval there and of its kind)."""
    if not isinstance(record, dict):
        return "не объект JSON с ключами утверждения"
    for key, (required, good, what) in _APPROVAL_KEYS.items():
        if key not in record:
            if required:
                return f"нет ключа «{key}»"
        elif not good(record[key]):
            return f"ключ «{key}» должен быть: {what}"
    return None


def kept_problem(kept: object) -> str | None:
    """What is wrong with a manifest's path of a kept input: it must name a file under `inputs/`, with no «..»."""
    if not isinstance(kept, str):
        return "путь копии входного файла — не текст"
    parts = PurePosixPath(kept).parts
    if kept.startswith("/") or "\\" in kept or len(parts) < 2 or parts[0] != INPUTS or ".." in parts:
        return f"путь копии входного файла «{shown(kept)}» ведёт за пределы папки {INPUTS}/ отчёта"
    return None


def manifest_problem(manifest: object) -> str | None:
    """What is wrong with a manifest's shape (None: the keys stomkpi reads are there and of their kind)."""
    if not isinstance(manifest, dict):
        return "не объект JSON"
    if not _is_names(manifest.get("outputs")):
        return "«outputs» должен быть словарём «файл: SHA-256»"
    inputs = manifest.get("inputs", {})
    if not isinstance(inputs, dict):
        return "«inputs» должен быть словарём"
    for label, rec in inputs.items():
        if not isinstance(rec, dict) or not isinstance(rec.get("path"), str) or not isinstance(rec.get("sha256"), str):
            return f"входной файл «{shown(label)}»: нужны «path» и «sha256»"
        problem = kept_problem(rec["kept"]) if "kept" in rec else None
        if problem:
            return problem
    block = manifest.get("revision")
    if block is not None and not (isinstance(block, dict) and type(block.get("number")) is int
                                  and isinstance(block.get("reason"), str) and type(block.get("supersedes_number")) is int
                                  and isinstance(block.get("supersedes"), str) and FOLDER.match(block["supersedes"])):
        return "«revision» не того вида"
    return None


def inside(folder: Path, name: str) -> Path:
    """The file `name` (relative, with /) of a report folder — refused when it would lead outside the folder:
    an absolute path, «..», or a symbolic link on the way."""
    parts = PurePosixPath(name).parts
    path = Path(folder)
    if not parts or name.startswith("/") or ".." in parts:
        raise StomkpiError(f"путь «{shown(name)}» в папке {folder} ведёт за её пределы: stomkpi читает только "
                           "файлы самой папки отчёта")
    for part in parts:
        path = path / part
        if path.is_symlink():
            raise StomkpiError(f"файл {shown(name)} в папке {folder} — символическая ссылка: stomkpi читает только "
                               "файлы самой папки отчёта")
    return path


def links(folder: Path) -> list[str]:
    """The symbolic links in a report folder: stomkpi writes none, and follows none."""
    return [f"файл {p.relative_to(folder).as_posix()} — символическая ссылка" for p in sorted(Path(folder).rglob("*"))
            if p.is_symlink()]
