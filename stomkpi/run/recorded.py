"""What a report's folder records, read as data and checked, for `verify`: whoever can write into the folder can
edit all of it, so nothing it says is run or trusted unchecked.

The recorded parameters may be only the packaged notebook's own names (read from its `parameters` cell), each value
of its kind — a month, a year, a parameters file reached from the report's folder by `../…/name.yaml`, `out_dir` ".",
the provenance recorded beside them — and each must be written into the notebook by papermill as a literal that
reads back as the same value. Anything else, and a manifest.json or approval.json that is not one, is one Russian
line (`ReportError`), said before a kernel starts. The rule for editing: a parameter a packaged notebook gains needs
its kind in `_KINDS`, or every report of that notebook is refused.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import os
import re
from pathlib import Path

import nbformat

from stomkpi.revisions import approval
from stomkpi.run.notebook import NOTEBOOKS, ReportError
from stomkpi.safe import clean

MANIFEST = approval.MANIFEST
REFUSED = "проверка не выполняет чужой код"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def read_report(executed: Path) -> tuple[nbformat.NotebookNode, dict, dict]:
    """The executed notebook, its provenance (metadata.stomkpi, checked for what verify relies on) and the parameters
    papermill recorded (not yet checked: `checked_parameters`)."""
    if not executed.is_file():
        raise ReportError(f"файл {executed} не найден")
    if executed.suffix != ".ipynb":
        raise ReportError(f"{executed.name} — не блокнот отчёта: укажите файл .ipynb из папки отчёта "
                          "(например outputs/2025-12/2025-12.ipynb)")
    try:
        nb = nbformat.read(executed, as_version=4)
    except Exception:
        raise ReportError(f"{executed.name} не читается как блокнот Jupyter") from None
    meta = nb.metadata.get("stomkpi")
    parameters = nb.metadata.get("papermill", {}).get("parameters")
    if not isinstance(meta, dict) or not isinstance(parameters, dict) or not isinstance(meta.get("inputs"), dict):
        raise ReportError(f"в блокноте {executed.name} нет сведений о запуске (metadata.stomkpi): это не отчёт stomkpi")
    wrong = _wrong_provenance(meta)
    if wrong:
        raise ReportError(f"сведения о запуске в блокноте {executed.name} (metadata.stomkpi) повреждены: {wrong}")
    return nb, meta, parameters


def packaged_notebook(meta: dict) -> str:
    """The name of the packaged notebook the report was made with; never a path the report names."""
    name = Path(str(meta.get("notebook", ""))).name
    shipped = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    if name not in shipped or str(meta.get("notebook")) != name:
        raise ReportError(f"в отчёте записан блокнот «{shown(meta.get('notebook'))}», а не один из блокнотов stomkpi "
                          f"({', '.join(sorted(shipped))}): {REFUSED}")
    return name


def _wrong_provenance(meta: dict) -> str | None:
    """What in the provenance verify relies on is not of its kind (None: nothing)."""
    for label, rec in meta["inputs"].items():
        if not isinstance(rec, dict) or not isinstance(rec.get("path"), str) or not _is_sha256(rec.get("sha256")):
            return f"входной файл «{shown(label)}» записан без пути или контрольной суммы"
        kept = rec.get("kept")
        if "kept" in rec and not (isinstance(kept, str) and re.fullmatch(rf"{approval.INPUTS}/[^/\\]+", kept)
                                     and kept.split("/")[1] not in (".", "..")):
            return f"копия входного файла «{shown(label)}» записана не в папке {approval.INPUTS}/"
    catalogs = meta.get("catalogs", {})
    if not isinstance(catalogs, dict) or not all(isinstance(k, str) and _is_sha256(v) for k, v in catalogs.items()):
        return "каталоги правил записаны без контрольных сумм"
    revision = meta.get("revision")
    if revision is not None and not (isinstance(revision, dict) and type(revision.get("number")) is int):
        return "номер редакции записан не числом"
    return None


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(_SHA256.fullmatch(value))


def shown(text: object) -> str:
    """A name from the folder as a message may show it: one line, not too long."""
    text = " ".join(clean(text).split())
    return text if len(text) <= 60 else f"{text[:57]}…"


def read_manifest(folder: Path) -> dict | None:
    """The folder's manifest.json (None when there is none); one Russian line when it is not a manifest."""
    path = folder / MANIFEST
    if not path.is_file():
        return None
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise ReportError(f"{MANIFEST} в папке {folder} повреждён: не читается как JSON") from None
    outputs = manifest.get("outputs") if isinstance(manifest, dict) else None
    if not isinstance(outputs, dict) or not all(isinstance(k, str) and _is_sha256(v) for k, v in outputs.items()):
        raise ReportError(f"{MANIFEST} в папке {folder} повреждён: в нём нет списка файлов с контрольными суммами")
    return manifest


def read_approval(folder: Path) -> dict | None:
    """The folder's approval.json (None when the folder is not approved); one Russian line when it is not an approval."""
    path = folder / approval.APPROVAL
    if not path.exists():
        return None
    where = f"{approval.APPROVAL} в папке {folder} повреждён"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, UnicodeDecodeError):
        raise ReportError(f"{where}: не читается как JSON") from None
    if not isinstance(record, dict):
        raise ReportError(f"{where}: это не запись об утверждении")
    files = record.get("files")
    if not isinstance(files, dict) or not all(isinstance(k, str) and _is_sha256(v) for k, v in files.items()):
        raise ReportError(f"{where}: в нём нет списка файлов с контрольными суммами")
    if not _is_sha256(record.get("manifest_sha256")) or type(record.get("revision")) is not int:
        raise ReportError(f"{where}: в нём нет контрольной суммы манифеста или номера редакции")
    try:
        dt.datetime.fromisoformat(record.get("approved_at"))
    except (TypeError, ValueError):
        raise ReportError(f"{where}: время утверждения записано не датой") from None
    if "supersedes_number" in record and (type(record["supersedes_number"]) is not int
                                          or not isinstance(record.get("supersedes_approved_at"), str)):
        raise ReportError(f"{where}: заменённая редакция записана не номером и датой")
    try:
        if "supersedes_number" in record:
            dt.datetime.fromisoformat(record["supersedes_approved_at"])
    except ValueError:
        raise ReportError(f"{where}: дата утверждения заменённой редакции записана не датой") from None
    stamped = record.get("stamped", [])
    if (not isinstance(stamped, list) or not all(isinstance(n, str) for n in stamped)
            or not all(isinstance(record.get(k), (str, type(None))) for k in ("approved_by", "supersedes"))):
        raise ReportError(f"{where}: кто утвердил и какие файлы заверены, записано не текстом")
    return record


def notebook_parameters(name: str) -> dict[str, object]:
    """The names the packaged notebook's `parameters` cell assigns, with their default values."""
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    cell = next(c for c in nb.cells if "parameters" in c.metadata.get("tags", []))
    return {target.id: ast.literal_eval(node.value) for node in ast.parse(cell.source).body
            if isinstance(node, ast.Assign) for target in node.targets if isinstance(target, ast.Name)}


def checked_parameters(name: str, recorded: dict, meta: dict, folder: Path) -> dict:
    """The parameters to re-run the packaged notebook with: its own names only, each value checked for its kind and
    passed as a literal; a report recorded with anything else is refused (before a kernel starts)."""
    own = notebook_parameters(name)
    where = f"в отчёте {folder.name}"
    unknown = sorted((str(k) for k in recorded if k not in own), key=len)
    if unknown:
        raise ReportError(f"{where} записан параметр «{shown(unknown[0])}», которого у блокнота {name} нет "
                          f"(есть: {', '.join(own)}): {REFUSED}")
    parameters = {}
    for key, default in own.items():
        if key not in _KINDS:  # a notebook that is not a report's (explore.ipynb)
            raise ReportError(f"параметр «{key}» блокнота {name} проверка не умеет проверять: {REFUSED}")
        if key not in recorded:
            raise ReportError(f"{where} не записан параметр «{key}» блокнота {name}: {REFUSED}")
        try:
            parameters[key] = _KINDS[key](recorded[key], default=default, folder=folder, meta=meta)
            _literal(parameters[key])
        except ValueError as exc:
            raise ReportError(f"{where} параметр «{key}» {exc}: {REFUSED}") from None
    return parameters


def _period(value: object, *, meta: dict, **_) -> str:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", value):
        raise ValueError("— не месяц ГГГГ-ММ")
    if meta.get("parameters", {}).get("period") != value:
        raise ValueError("не тот, что в сведениях о запуске")
    return value


def _year(value: object, *, meta: dict, **_) -> int:
    if type(value) is not int or not 2000 <= value <= 2100:
        raise ValueError("— не год от 2000 до 2100")
    if meta.get("parameters", {}).get("year") != value:
        raise ValueError("не тот, что в сведениях о запуске")
    return value


def _params(value: object, *, default: object, folder: Path, **_) -> str | list[str]:
    if isinstance(default, list):  # the regional report: one file per clinic
        if not isinstance(value, list) or not value:
            raise ValueError("— не список файлов параметров")
        return [_params_file(v, folder) for v in value]
    return _params_file(value, folder)


def _params_file(value: object, folder: Path) -> str:
    """A parameters file's path as the run records it, from the report's folder: `../…/name.yaml`, outside the folder."""
    parts = value.split("/") if isinstance(value, str) else []
    climb = len(parts) - len([p for p in parts if p != ".."])
    if (not parts or parts[:climb] != [".."] * climb or climb == 0 or climb >= len(folder.parts)
            or any(p in ("", ".") or "\\" in p or "\0" in p for p in parts[climb:])
            or not parts[-1].endswith((".yaml", ".yml"))):
        raise ValueError("— не путь к файлу параметров (.yaml) от папки отчёта вида ../../params/файл.yaml")
    if folder in Path(os.path.normpath(folder / value)).parents:
        raise ValueError("ведёт в саму папку отчёта")
    return value


def _out_dir(value: object, **_) -> str:
    if value != ".":  # a run writes its files into its own working folder, always
        raise ValueError("— не «.»")
    return value


def _provenance(value: object, *, meta: dict, **_) -> dict:
    if value != meta:
        raise ValueError("— не те сведения о запуске, что записаны в блокноте (metadata.stomkpi)")
    return meta


_KINDS = {"period": _period, "year": _year, "params": _params, "out_dir": _out_dir, "provenance": _provenance}


def _literal(value: object) -> None:
    """The value as papermill writes it into the notebook must read back as the same value, and as a literal."""
    from papermill.translators import PythonTranslator

    stack = [value]
    while stack:  # JSON data only, every number finite
        item = stack.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                raise ValueError("— не данные JSON")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif not (item is None or isinstance(item, (str, bool, int)) or (isinstance(item, float) and math.isfinite(item))):
            raise ValueError("— не данные JSON")
    try:
        same = ast.literal_eval(PythonTranslator.translate(value)) == value
    except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
        same = False
    if not same:
        raise ValueError("не записывается в блокнот как значение")
