"""Checking an executed report a year later: are its files, inputs and rules still the recorded
ones, and does a fresh run of the packaged notebook give the same report?

The story of `verify`: read the executed notebook and the manifest beside it → every file of the
report folder must have the checksum the manifest records (and no file may be added) → every input
and every rule catalog must still have its recorded checksum → re-run the *packaged* notebook of
that name (never a path the report names: a tampered report must not run code of its choosing)
with the recorded parameters → every cell (Markdown text and every output of every kind) and every
data file must equal the report's. Each difference is named in words.
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
    messages += _check_inputs(folder, meta, parameters)
    if any(m.startswith(("изменён входной", "не найден входной", "изменён каталог")) for m in messages):
        return VerifyResult(False, messages)  # a re-run from changed inputs could only differ
    name = _packaged_notebook(meta)
    # a sibling of the report's folder, so that the recorded relative paths hold
    with tempfile.TemporaryDirectory(prefix=".verify.", dir=folder.parent) as tmp:
        fresh = execute(NOTEBOOKS / name, parameters, Path(tmp) / executed.name, Path(tmp))
        written = {p.name: p.read_bytes() for p in Path(tmp).iterdir() if p.is_file() and p.name != executed.name}
    messages += _compare_cells(nb, fresh)
    for file, content in sorted(written.items()):
        kept = folder / file
        if not kept.is_file() or kept.read_bytes() != content:
            messages.append(f"файл {file}: повторный расчёт дал другое содержимое")
    if messages:
        made = meta.get("versions", {}).get("stomkpi")
        from .. import __version__
        if made and made != __version__:
            messages.append(f"отчёт построен stomkpi {made}, проверка выполнена версией {__version__}")
        return VerifyResult(False, messages)
    cells = sum(1 for c in nb.cells)
    return VerifyResult(True, [f"совпадают все файлы по манифесту, входные файлы, каталоги правил, {cells} ячеек "
                               f"и {len(written)} файлов данных повторного расчёта"])


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
    if {k: v for k, v in manifest.items() if k != "outputs"} != meta:
        messages.append(f"{MANIFEST} и сведения о запуске в блокноте различаются")
    for name, digest in sorted(outputs.items()):
        file = folder / name
        if not file.is_file():
            messages.append(f"нет файла {name}, записанного в манифесте")
        elif sha256_file(file) != digest:
            messages.append(f"изменён файл {name}: контрольная сумма не совпадает с манифестом")
    extra = sorted(p.name for p in folder.iterdir() if p.name not in outputs and p.name != MANIFEST)
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
