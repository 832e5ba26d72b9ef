"""Checking an executed report a year later: are its files, inputs and rules still the recorded
ones, and does a fresh run of the packaged notebook give the same report, byte for byte?

Nothing in the report's folder is trusted: whoever can write there can edit the notebook, its
manifest and its approval alike, checksums included. So the folder is read as data and checked —
the recorded parameters are the packaged notebook's own names only, each value of its kind (a month,
a year, a parameters file reached from the folder by `../…/name.yaml`, the provenance recorded
beside them, `out_dir` "."), passed as literals, and a report recorded with anything else is refused
before a kernel starts; a broken manifest.json or approval.json is one Russian line. The evidence is
the fresh run itself: the packaged notebook of that name (never a path the report names) runs in a
temporary folder of verify's own, outside the clinic (the recorded `out_dir` is never used), and
every file it makes — the executed notebook, its HTML and PDF, each data file, rendered as the run
rendered them and stamped as the approval stamped them — must have the folder's bytes.

The story of `verify`: read the executed notebook and its parameters → check the parameters →
every file of the report folder must have the checksum the manifest records (and no file may be
added) — for an approved folder, the checksum its approval records → every input and every rule
catalog must still have its recorded checksum (an input corrected since, for a later revision, is
taken from the copy the report kept in inputs/ when that copy has it, and this is said) → re-run →
every cell (Markdown text and every output of every kind) and every file must equal the report's.
Each difference is named in words.
"""

from __future__ import annotations

import ast
import datetime as dt
import json
import math
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..catalog import load_catalogs
from ..config import clinic_root, load_params
from ..errors import StomkpiError
from ..provenance import sha256_file
from ..safe import clean
from ..text import plural
from . import approval, words
from .run import NOTEBOOKS, ReportError, execute, finish

MANIFEST = approval.MANIFEST
REFUSED = "проверка не выполняет чужой код"
_SHA256 = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    messages: list[str]


def verify(executed: Path | str) -> VerifyResult:
    """Check a report folder and re-run its notebook; `messages` say what matches or what differs."""
    executed = Path(executed).absolute()
    nb, meta, recorded = _read_report(executed)
    folder = executed.parent
    name = _packaged_notebook(meta)
    parameters = checked_parameters(name, recorded, meta, folder)  # before anything runs
    manifest, record = _read_manifest(folder), _read_approval(folder)
    messages = _check_files(folder, meta, manifest, record)
    substitutes, notes = _kept_substitutes(folder, meta, parameters)
    notes = [made_by(meta), *notes]
    messages += [m for m in _check_inputs(folder, meta, parameters) if not any(f"«{k}»" in m for k in substitutes)]
    if any(m.startswith(("изменён входной", "не найден входной", "изменён каталог")) for m in messages):
        return VerifyResult(False, notes + messages)  # a re-run from changed inputs could only differ
    fresh, written = _rerun(name, parameters, executed, nb, substitutes, record)
    messages += _compare_cells(nb, fresh) + _compare_files(folder, written)
    if record is not None:
        said = approval.approval_words(record)
        notes.append(f"{said[0].upper()}{said[1:]}" + ("" if messages else ": каждый файл папки — как утверждён"))
    if messages:
        return VerifyResult(False, notes + messages + _versions(meta))
    cells = plural(len(nb.cells), "ячейка", "ячейки", "ячеек")
    files = plural(len(written), "файл", "файла", "файлов")
    return VerifyResult(True, [*notes, f"совпадают все файлы по манифесту, входные файлы, каталоги правил, {cells} "
                               f"и {files} повторного расчёта байт в байт"])


def _versions(meta: dict) -> list[str]:
    from .. import __version__

    made = meta.get("versions", {}).get("stomkpi")
    return [f"отчёт построен stomkpi {made}, проверка выполнена версией {__version__}"] if made and made != __version__ else []


def made_by(meta: dict) -> str:
    """Which code made the report and which checks it now (when it was made is not compared)."""
    from ..provenance import code
    from .words import code_words

    return f"отчёт сделан: {code_words(meta.get('code'))}; проверяет: {code_words(code())}"


# --- what the folder says, read as data -----------------------------------------------------------------------


def _read_report(executed: Path) -> tuple[nbformat.NotebookNode, dict, dict]:
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


def _wrong_provenance(meta: dict) -> str | None:
    """What in the provenance verify relies on is not of its kind (None: nothing)."""
    for label, rec in meta["inputs"].items():
        if not isinstance(rec, dict) or not isinstance(rec.get("path"), str) or not _is_sha256(rec.get("sha256")):
            return f"входной файл «{_shown(label)}» записан без пути или контрольной суммы"
        kept = rec.get("kept")
        if "kept" in rec and not (isinstance(kept, str) and re.fullmatch(rf"{approval.INPUTS}/[^/\\]+", kept)
                                     and kept.split("/")[1] not in (".", "..")):
            return f"копия входного файла «{_shown(label)}» записана не в папке {approval.INPUTS}/"
    catalogs = meta.get("catalogs", {})
    if not isinstance(catalogs, dict) or not all(isinstance(k, str) and _is_sha256(v) for k, v in catalogs.items()):
        return "каталоги правил записаны без контрольных сумм"
    revision = meta.get("revision")
    if revision is not None and not (isinstance(revision, dict) and type(revision.get("number")) is int):
        return "номер редакции записан не числом"
    return None


def _is_sha256(value: object) -> bool:
    return isinstance(value, str) and bool(_SHA256.fullmatch(value))


def _shown(text: object) -> str:
    """A name from the folder as a message may show it: one line, not too long."""
    text = " ".join(clean(text).split())
    return text if len(text) <= 60 else f"{text[:57]}…"


def _packaged_notebook(meta: dict) -> str:
    name = Path(str(meta.get("notebook", ""))).name
    shipped = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    if name not in shipped or str(meta.get("notebook")) != name:
        raise ReportError(f"в отчёте записан блокнот «{_shown(meta.get('notebook'))}», а не один из блокнотов stomkpi "
                          f"({', '.join(sorted(shipped))}): {REFUSED}")
    return name


def _read_manifest(folder: Path) -> dict | None:
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


def _read_approval(folder: Path) -> dict | None:
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
    stamped = record.get("stamped", [])
    if (not isinstance(stamped, list) or not all(isinstance(n, str) for n in stamped)
            or not all(isinstance(record.get(k), (str, type(None))) for k in ("approved_by", "supersedes"))):
        raise ReportError(f"{where}: кто утвердил и какие файлы заверены, записано не текстом")
    return record


# --- parameters are data --------------------------------------------------------------------------------------


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
        raise ReportError(f"{where} записан параметр «{_shown(unknown[0])}», которого у блокнота {name} нет "
                          f"(есть: {', '.join(own)}): {REFUSED}")
    parameters = {}
    for key, default in own.items():
        if key not in recorded or key not in _KINDS:
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


# --- the folder against its records ----------------------------------------------------------------------------


def _check_files(folder: Path, meta: dict, manifest: dict | None, record: dict | None) -> list[str]:
    if manifest is None:
        return [f"в папке отчёта нет {MANIFEST}: контрольные суммы файлов не проверить"]
    outputs = manifest["outputs"]
    messages = []
    if {k: v for k, v in manifest.items() if k not in ("outputs", "generated_at")} != meta:  # the time is not compared
        messages.append(f"{MANIFEST} и сведения о запуске в блокноте различаются")
    if record is not None:  # the stamped documents differ from the manifest by design: the approval records every byte
        return messages + approval.approved_problems(approval.Revision("", 0, folder))
    kept = {rec["kept"]: rec["sha256"] for rec in meta["inputs"].values() if "kept" in rec}
    for name, digest in sorted(kept.items()):
        if not (folder / name).is_file():
            messages.append(f"нет копии входного файла {name}")
        elif sha256_file(folder / name) != digest:
            messages.append(f"изменена копия входного файла {name}: контрольная сумма не совпадает с манифестом")
    extra_kept = sorted(p.relative_to(folder).as_posix() for p in (folder / approval.INPUTS).rglob("*")
                        if p.is_file() and p.relative_to(folder).as_posix() not in kept) if kept else []
    messages += [f"лишний файл {name}: его нет в манифесте" for name in extra_kept]
    for name, digest in sorted(outputs.items()):
        file = folder / name
        if not file.is_file():
            messages.append(f"нет файла {name}, записанного в манифесте")
        elif sha256_file(file) != digest:
            messages.append(f"изменён файл {name}: контрольная сумма не совпадает с манифестом")
    extra = sorted(p.name for p in folder.iterdir() if p.name not in outputs and p.name != MANIFEST
                   and not (kept and p.name == approval.INPUTS and p.is_dir()))
    messages += [f"лишний файл {name}: его нет в манифесте" for name in extra]
    return messages


def _params_files(parameters: dict) -> list[str]:
    """The recorded parameters files (checked: relative to the report's folder); the first names the clinic's root."""
    clinics = parameters["params"]
    return clinics if isinstance(clinics, list) else [clinics]


def _check_inputs(folder: Path, meta: dict, parameters: dict) -> list[str]:
    params_file = folder / _params_files(parameters)[0]
    root = clinic_root(params_file)
    messages = []
    for label, rec in sorted(meta["inputs"].items()):
        path = root / rec["path"]
        if not path.is_file():
            messages.append(f"не найден входной файл «{label}» ({rec['path']})")
        elif sha256_file(path) != rec["sha256"]:
            messages.append(f"изменён входной файл «{label}» ({rec['path']}): контрольная сумма не совпадает с записанной")
    try:
        current = load_catalogs(load_params(params_file).catalog_dir).hashes
    except StomkpiError as exc:
        return [*messages, f"каталоги правил не загрузить: {exc}"]
    for name, digest in sorted(meta.get("catalogs", {}).items()):
        if current.get(name) != digest:
            messages.append(f"изменён каталог {name}: правила сейчас не те, что при построении отчёта")
    return messages


def _kept_substitutes(folder: Path, meta: dict, parameters: dict) -> tuple[dict[str, Path], list[str]]:
    """Inputs changed or gone since the report whose kept copy still has the recorded checksum: re-run from the copy."""
    if isinstance(parameters["params"], list):  # the regional report keeps no inputs
        return {}, []
    root = clinic_root(folder / parameters["params"])
    substitutes, notes = {}, []
    for label, rec in sorted(meta["inputs"].items()):
        if "kept" not in rec:
            continue
        path, copy = root / rec["path"], folder / rec["kept"]
        if path.is_file() and sha256_file(path) == rec["sha256"]:
            continue
        if copy.is_file() and sha256_file(copy) == rec["sha256"]:
            substitutes[label] = copy
            state = "не найден" if not path.exists() else "изменён после отчёта"
            notes.append(f"входной файл «{label}» ({rec['path']}) {state}; проверено по его копии {rec['kept']}")
    return substitutes, notes


# --- the fresh run ---------------------------------------------------------------------------------------------


def _rerun(name: str, parameters: dict, executed: Path, report: nbformat.NotebookNode, substitutes: dict[str, Path],
           record: dict | None) -> tuple[nbformat.NotebookNode, dict[str, bytes]]:
    """Run the packaged notebook in a temporary folder of verify's own and make its documents as the run made them
    (and stamp them as the approval did): the executed notebook and every file it made, by name."""
    work = Path(tempfile.mkdtemp(prefix="stomkpi-verify-"))
    try:
        cwd = _work_folder(work, executed.parent, parameters, substitutes)
        stem = executed.stem
        nb = execute(NOTEBOOKS / name, parameters, cwd / f"{stem}.ipynb", cwd, report_kernel=True)
        _recorded_parameters_cell(nb, report, parameters)
        title, date = _heading(name, parameters, cwd)
        finish(nb, cwd, stem, parameters["provenance"], title=title, date=date)
        if record is not None:
            approval.stamp(cwd, record, json.loads((cwd / MANIFEST).read_text(encoding="utf-8")))
        return nb, {p.name: p.read_bytes() for p in cwd.iterdir() if p.is_file() and p.name != MANIFEST}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _work_folder(work: Path, folder: Path, parameters: dict, substitutes: dict[str, Path]) -> Path:
    """The fresh run's working folder inside `work`, as deep as the recorded parameters files' paths climb, with a
    copy of each of them (every path in it absolute; the kept inputs for changed ones) where its recorded path
    leads: the recorded parameters hold as they are, and nothing is written outside `work`."""
    files = _params_files(parameters)
    depth = max(len([p for p in text.split("/") if p == ".."]) for text in files)
    cwd = work.joinpath("run", *folder.parts[len(folder.parts) - depth:])
    cwd.mkdir(parents=True)
    for i, text in enumerate(files):
        aside = work / f"params-{i}"
        aside.mkdir()
        made = approval.params_with_inputs(folder / text, substitutes, aside)
        target = Path(os.path.normpath(cwd / text))
        target.parent.mkdir(parents=True, exist_ok=True)
        made.replace(target)
    return cwd


def _recorded_parameters_cell(fresh: nbformat.NotebookNode, report: nbformat.NotebookNode, parameters: dict) -> None:
    """The fresh notebook's injected parameters cell written as in the report, when the report's assigns exactly the
    same values, as literals: the order of a dict's keys, which the notebook's metadata does not keep, may differ."""
    def injected(nb: nbformat.NotebookNode):
        return next((c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])), None)

    mine, theirs = injected(fresh), injected(report)
    if mine is None or theirs is None or theirs.cell_type != "code":
        return
    try:
        body = ast.parse(theirs.source).body
        if not all(isinstance(s, ast.Assign) and len(s.targets) == 1 and isinstance(s.targets[0], ast.Name) for s in body):
            return
        values = {s.targets[0].id: ast.literal_eval(s.value) for s in body}
    except (SyntaxError, ValueError, TypeError, MemoryError, RecursionError):
        return
    if values == parameters:
        mine.source = theirs.source


def _heading(name: str, parameters: dict, cwd: Path) -> tuple[str, str]:
    """The title and the date line the run gave the report's documents (as `commands` does), from the checked
    parameters and the clinic's parameters file."""
    if name == "regional.ipynb":
        year = parameters["year"]
        return words.regional_title(year), f"Поликлиник: {len(parameters['params'])}, {year} год"
    clinic = clean(load_params(cwd / parameters["params"]).clinic)
    if name == "annual.ipynb":
        return words.annual_title(parameters["year"]), f"{clinic}, {parameters['year']} год"
    period = parameters["period"]
    title = approval.revision_title(words.monthly_title(period), parameters["provenance"].get("revision"))
    return title, f"{clinic}, {words.month_words(period)}"


_SKIPPED = {"application/vnd.jupyter.widget-view+json"}


def _compare_cells(old: nbformat.NotebookNode, new: nbformat.NotebookNode) -> list[str]:
    if len(old.cells) != len(new.cells):
        return [f"число ячеек различается: в отчёте {len(old.cells)}, при повторном расчёте {len(new.cells)}"]
    messages = []
    for i, (a, b) in enumerate(zip(old.cells, new.cells, strict=True), start=1):
        if a.cell_type != b.cell_type or (a.cell_type == "markdown" and a.source != b.source):
            messages.append(f"ячейка {i}: текст изменён")
        elif a.cell_type == "code" and _outputs(a) != _outputs(b):
            messages.append(f"ячейка {i} ({_shown(a.get('id', ''))}): результаты различаются")
    return messages


def _compare_files(folder: Path, written: dict[str, bytes]) -> list[str]:
    """Every file the fresh run made must have the folder's bytes; the folder holds no document the run does not make."""
    messages = []
    for name, content in sorted(written.items()):
        kept = folder / name
        if not kept.is_file() or kept.read_bytes() != content:
            messages.append(f"файл {name}: повторный расчёт дал другое содержимое")
    records = {MANIFEST, approval.APPROVAL}
    messages += [f"файл {p.name}: повторный расчёт такого файла не даёт" for p in sorted(folder.iterdir())
                 if p.is_file() and p.name not in written and p.name not in records]
    return messages


def _outputs(cell) -> list:
    out = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            out.append(("stream", o.name, o.text))
        elif o.output_type in ("display_data", "execute_result"):
            out.append(("data", tuple(sorted((k, str(v)) for k, v in o.data.items() if k not in _SKIPPED))))
        elif o.output_type == "error":
            out.append(("error", o.ename, o.evalue))
    return out
