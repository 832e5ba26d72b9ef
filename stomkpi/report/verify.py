"""Checking an executed report a year later: are its files, inputs and rules still the recorded
ones, and does a fresh run of the packaged notebook give the same report?

The story of `verify`: read the executed notebook and the manifest beside it → every file of the
report folder must have the checksum the manifest records (and no file may be added) — for an approved
folder, the checksum its approval records → every input and every rule catalog must still have its
recorded checksum (an input corrected since, for a later revision, is taken from the copy the report
kept in inputs/ when that copy has it, and this is said) → re-run the *packaged* notebook of
that name (never a path the report names: a tampered report must not run code of its choosing)
with the recorded parameters → every cell (Markdown text and every output of every kind) and every
data file must equal the report's (a workbook of an approved folder: with the approval's stamp).
Each difference is named in words.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from ..catalog import load_catalogs
from ..config import clinic_root, load_params
from ..errors import StomkpiError
from ..provenance import sha256_file
from ..text import plural
from . import approval
from .run import NOTEBOOKS, ReportError, execute

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    messages: list[str]


def verify(executed: Path | str) -> VerifyResult:
    """Check a report folder and re-run its notebook; `messages` say what matches or what differs."""
    executed = Path(executed).absolute()
    nb, meta, parameters = _read_report(executed)
    folder = executed.parent
    messages = _check_files(folder, meta)
    substitutes, notes = _kept_substitutes(folder, meta, parameters)
    notes = [made_by(meta), *notes]
    messages += [m for m in _check_inputs(folder, meta, parameters) if not any(f"«{k}»" in m for k in substitutes)]
    if any(m.startswith(("изменён входной", "не найден входной", "изменён каталог")) for m in messages):
        return VerifyResult(False, notes + messages)  # a re-run from changed inputs could only differ
    name = _packaged_notebook(meta)
    # a sibling of the report's folder, so that the recorded relative paths hold
    with tempfile.TemporaryDirectory(prefix=".verify.", dir=folder.parent) as tmp, \
            tempfile.TemporaryDirectory(prefix="stomkpi-verify-") as aside:
        if substitutes:  # the inputs as the report read them: its kept copies
            parameters = {**parameters, "params": str(approval.params_with_inputs(
                folder / parameters["params"], substitutes, Path(aside)))}
        fresh = execute(NOTEBOOKS / name, parameters, Path(tmp) / executed.name, Path(tmp), report_kernel=True)
        written = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file() and p.name != executed.name}
    messages += _compare_cells(nb, fresh)
    for file, content in sorted(written.items()):
        kept = folder / file
        if not kept.is_file() or kept.read_bytes() != approval.stamped_file(folder, file, content):
            messages.append(f"файл {file}: повторный расчёт дал другое содержимое")
    record = approval.Revision("", 0, folder).approval()
    if record is not None:
        said = approval.approval_words(record)
        notes.append(f"{said[0].upper()}{said[1:]}: каждый файл папки — как утверждён")
    if messages:
        messages = notes + messages
    if messages:
        made = meta.get("versions", {}).get("stomkpi")
        from .. import __version__
        if made and made != __version__:
            messages.append(f"отчёт построен stomkpi {made}, проверка выполнена версией {__version__}")
        return VerifyResult(False, messages)
    cells = plural(len(nb.cells), "ячейка", "ячейки", "ячеек")
    files = plural(len(written), "файл", "файла", "файлов")
    return VerifyResult(True, [*notes, f"совпадают все файлы по манифесту, входные файлы, каталоги правил, {cells} "
                               f"и {files} данных повторного расчёта"])


def made_by(meta: dict) -> str:
    """Which code made the report and which checks it now (when it was made is not compared)."""
    from ..provenance import code
    from .words import code_words

    return f"отчёт сделан: {code_words(meta.get('code'))}; проверяет: {code_words(code())}"


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
    return nb, meta, parameters


def _packaged_notebook(meta: dict) -> str:
    name = Path(str(meta.get("notebook", ""))).name
    shipped = {p.name for p in NOTEBOOKS.glob("*.ipynb")}
    if name not in shipped or str(meta.get("notebook")) != name:
        raise ReportError(f"в отчёте записан блокнот «{meta.get('notebook')}», а не один из блокнотов stomkpi "
                          f"({', '.join(sorted(shipped))}): проверка не выполняет чужой код")
    return name


def _check_files(folder: Path, meta: dict) -> list[str]:
    path = folder / MANIFEST
    if not path.is_file():
        return [f"в папке отчёта нет {MANIFEST}: контрольные суммы файлов не проверить"]
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
        outputs = manifest["outputs"]
    except (ValueError, KeyError, TypeError):
        return [f"{MANIFEST} повреждён: не читается как манифест отчёта"]
    messages = []
    if {k: v for k, v in manifest.items() if k not in ("outputs", "generated_at")} != meta:  # the time is not compared
        messages.append(f"{MANIFEST} и сведения о запуске в блокноте различаются")
    rev = approval.Revision("", 0, folder)
    if rev.approved:  # the stamped documents differ from the manifest by design: the approval records every byte
        return messages + approval.approved_problems(rev)
    kept = {rec["kept"]: rec["sha256"] for rec in meta["inputs"].values() if isinstance(rec, dict) and "kept" in rec}
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


def _check_inputs(folder: Path, meta: dict, parameters: dict) -> list[str]:
    try:
        clinics = parameters["params"]  # one clinic's file, or the list of the regional report (the first names the root)
        params_file = folder / (clinics[0] if isinstance(clinics, list) else clinics)
        root = clinic_root(params_file)
    except (KeyError, TypeError):
        return ["в сведениях о запуске нет файла параметров"]
    messages = []
    for label, rec in sorted(meta["inputs"].items()):
        path = root / rec["path"]
        if not path.exists():
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
    try:
        root = clinic_root(folder / parameters["params"])
    except (KeyError, TypeError):
        return {}, []
    substitutes, notes = {}, []
    for label, rec in sorted(meta["inputs"].items()):
        if not isinstance(rec, dict) or "kept" not in rec:
            continue
        path, copy = root / rec["path"], folder / rec["kept"]
        if path.is_file() and sha256_file(path) == rec["sha256"]:
            continue
        if copy.is_file() and sha256_file(copy) == rec["sha256"]:
            substitutes[label] = copy
            state = "не найден" if not path.exists() else "изменён после отчёта"
            notes.append(f"входной файл «{label}» ({rec['path']}) {state}; проверено по его копии {rec['kept']}")
    return substitutes, notes


_SKIPPED = {"application/vnd.jupyter.widget-view+json"}


def _compare_cells(old: nbformat.NotebookNode, new: nbformat.NotebookNode) -> list[str]:
    if len(old.cells) != len(new.cells):
        return [f"число ячеек различается: в отчёте {len(old.cells)}, при повторном расчёте {len(new.cells)}"]
    messages = []
    for i, (a, b) in enumerate(zip(old.cells, new.cells, strict=True), start=1):
        if a.cell_type != b.cell_type or (a.cell_type == "markdown" and a.source != b.source):
            messages.append(f"ячейка {i}: текст изменён")
        elif a.cell_type == "code" and _outputs(a) != _outputs(b):
            messages.append(f"ячейка {i} ({a.get('id', '')}): результаты различаются")
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
