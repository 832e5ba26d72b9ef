"""Checking an executed report a year later: are its files, inputs and rules still the recorded
ones, and does a fresh run of the packaged notebook give the same report, byte for byte?

Nothing in the report's folder is trusted: whoever can write there can edit the notebook, its
manifest and its approval alike, checksums included. What the folder records is read as data and
checked first (`recorded`: the parameters are the packaged notebook's own names, each value of its
kind, passed as literals; anything else is refused before a kernel starts). The evidence is the
fresh run itself: the packaged notebook of that name (never a path the report names) runs in a
temporary folder of verify's own, outside the clinic (the recorded `out_dir` is never used), and
every file it makes — the executed notebook, its HTML and PDF, each data file, rendered as the run
rendered them and stamped as the approval stamped them — must have the folder's bytes, so that a
checksum in manifest.json or approval.json is never the only evidence.

The story of `verify`: read the executed notebook and its parameters → check the parameters →
every file of the report folder must have the checksum the manifest records (and no file may be
added) — for an approved folder, the checksum its approval records → every input and every rule
catalog must still have its recorded checksum (an input corrected since, for a later revision, is
taken from the copy the report kept in inputs/ when that copy has it, and this is said) → re-run →
every cell (Markdown text and every output of every kind) and every file must equal the report's.
Each difference is named in words. Libraries installed now at other versions than the report records are
named first, as a warning: a difference of versions is not by itself a failure, the bytes decide.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import nbformat

from stomkpi.catalog import load_catalogs
from stomkpi.config import clinic_root, load_params
from stomkpi.errors import StomkpiError
from stomkpi.provenance import sha256_file, version_changes
from stomkpi.report import words
from stomkpi.revisions import approval, checked
from stomkpi.revisions.diff import file_changes
from stomkpi.revisions.kept import changed_copy, has_copies, kept_params, params_label, place_copies
from stomkpi.run import approve, recorded
from stomkpi.run.notebook import MANIFEST_ONLY, NOTEBOOKS, ReportError, ReportJob, execute, finish
from stomkpi.run.speed.runtime import Runtime
from stomkpi.safe import clean
from stomkpi.text import plural

MANIFEST = approval.MANIFEST


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    messages: list[str]


def verify(executed: Path | str) -> VerifyResult:
    """Check a report folder and re-run its notebook; `messages` say what matches or what differs."""
    executed = Path(executed).absolute()
    nb, meta, recorded_parameters = recorded.read_report(executed)
    folder = executed.parent
    name = recorded.packaged_notebook(meta)
    parameters = recorded.checked_parameters(name, recorded_parameters, meta, folder)  # before anything runs
    manifest, record = recorded.read_manifest(folder), recorded.read_approval(folder)
    messages = _check_files(folder, meta, manifest, record)
    copies = has_copies(meta)  # the report re-runs from the copies it kept, whatever the inputs are today
    substitutes, notes = _current_inputs(folder, meta, parameters) if copies else _kept_substitutes(folder, meta, parameters)
    notes = [made_by(meta), *version_warning(manifest or meta), *notes]
    if copies:
        messages += _copy_problems(folder, meta, parameters) + _check_catalogs(folder, meta, parameters)
    else:
        messages += [m for m in _check_inputs(folder, meta, parameters) if not any(f"«{k}»" in m for k in substitutes)]
    if any(m.startswith(STOPS) for m in messages):
        return VerifyResult(False, notes + messages)  # a re-run from changed inputs could only differ
    fresh, written = _rerun(name, parameters, executed, nb, substitutes, record, copies)
    messages += _compare_cells(nb, fresh) + _compare_files(folder, written)
    if record is not None:
        said = approval.approval_words(record)
        notes.append(f"{said[0].upper()}{said[1:]}" + ("" if messages else ": каждый файл папки — как утверждён"))
    if messages:
        return VerifyResult(False, notes + messages)
    cells = plural(len(nb.cells), "ячейка", "ячейки", "ячеек")
    files = plural(len(written), "файл", "файла", "файлов")
    return VerifyResult(True, [*notes, f"совпадают все файлы по манифесту, входные файлы, каталоги правил, {cells} "
                               f"и {files} повторного расчёта байт в байт"])


def version_warning(record: dict) -> list[str]:
    """One warning line naming each library (Python and stomkpi too) whose installed version is not the one the report
    records (package: recorded → installed); none when all are. A difference is not by itself a failure: the
    comparison of the fresh run's bytes decides."""
    changes = version_changes(record.get("versions"))
    if not changes:
        return []
    listed = "; ".join(f"{recorded.shown(name)}: {recorded.shown(made)} → {now}" for name, made, now in changes)
    return [f"внимание: установлены не те версии, с которыми сделан отчёт (решает побайтное сравнение ниже) — {listed}"]


def made_by(meta: dict) -> str:
    """Which code made the report and which checks it now (when it was made is not compared)."""
    from stomkpi.provenance import code
    from stomkpi.report.words import code_words

    return f"отчёт сделан: {code_words(meta.get('code'))}; проверяет: {code_words(code())}"


# --- the folder against its records ----------------------------------------------------------------------------


def _payroll_controls(folder: Path) -> dict:
    """The payroll's control totals the folder's `payroll-YYYY-MM.json` holds, read as untrusted data (as run.controls
    reads the run's own)."""
    found = sorted(p for p in folder.glob("payroll-*.json") if not p.name.startswith("."))
    return {"payroll": checked.json_file(found[0], "итоги выплат")} if found else {}


def _check_files(folder: Path, meta: dict, manifest: dict | None, record: dict | None) -> list[str]:
    if manifest is None:
        return [f"в папке отчёта нет {MANIFEST}: контрольные суммы файлов не проверить"]
    outputs = manifest["outputs"]
    messages = []
    if {k: v for k, v in manifest.items() if k not in MANIFEST_ONLY} != meta:  # the time is not compared
        messages.append(f"{MANIFEST} и сведения о запуске в блокноте различаются")
    written = _payroll_controls(folder)
    if {k: v for k, v in manifest.items() if k in written} != written:
        messages.append(f"контрольные итоги выплат в {MANIFEST} не совпадают с файлом payroll-ГГГГ-ММ.json")
    rev = approval.Revision("", 0, folder)
    if record is not None or rev.registered():  # approved: its approval (and the clinic's register) records every byte
        return messages + approval.approved_problems(rev)
    kept = {rec["kept"]: rec["sha256"] for rec in meta["inputs"].values() if "kept" in rec}
    if not has_copies(meta):  # else `_copy_problems` names each copy and what changed in it
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


STOPS = ("изменён входной", "не найден входной", "изменён каталог", "изменена копия", "нет копии", "каталоги правил")
SHOWN_CHANGES = 5  # changed cells of one input a message lists


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
    return messages + _check_catalogs(folder, meta, parameters)


def _check_catalogs(folder: Path, meta: dict, parameters: dict) -> list[str]:
    """The rule catalogs the kept parameters lead to must be the ones recorded."""
    params_file = folder / _params_files(parameters)[0]
    label = params_label(meta["inputs"], _params_files(parameters)[0])
    kept = meta["inputs"][label].get("kept") if label else None
    try:
        if kept and has_copies(meta) and (folder / kept).is_file():
            settings = load_params(folder / kept, root=clinic_root(params_file))
        else:
            settings = load_params(params_file)
        current = load_catalogs(settings.catalog_dir).hashes
    except StomkpiError as exc:
        return [f"каталоги правил не загрузить: {exc}"]
    return [f"изменён каталог {name}: правила сейчас не те, что при построении отчёта"
            for name, digest in sorted(meta.get("catalogs", {}).items()) if current.get(name) != digest]


def _copy_problems(folder: Path, meta: dict, parameters: dict) -> list[str]:
    """Each kept copy that is missing or not the file the report read, named by its input and with what changed in it
    (cell old → new) when the file the report read is still where it was."""
    root = clinic_root(folder / _params_files(parameters)[0])
    messages = []
    for label, rec in sorted(meta["inputs"].items()):
        copy = folder / rec["kept"]
        what = f"входного файла «{label}» ({rec['kept']})"
        if not copy.is_file():
            messages.append(f"нет копии {what}")
        elif sha256_file(copy) != rec["sha256"]:
            changes = changed_copy(folder, rec, root)
            detail = f": {_listed(changes)}" if changes else ": контрольная сумма не совпадает с записанной"
            messages.append(f"изменена копия {what} — не тот файл, по которому построен отчёт{detail}")
    return messages


def _listed(changes: list[str]) -> str:
    more = f" и ещё {len(changes) - SHOWN_CHANGES}" if len(changes) > SHOWN_CHANGES else ""
    return "; ".join(changes[:SHOWN_CHANGES]) + more


def _current_inputs(folder: Path, meta: dict, parameters: dict) -> tuple[dict[str, Path], list[str]]:
    """What of the report's inputs is no longer where it was, or changed since, in words (cell old → new): notes, for
    the report re-runs from its copies."""
    root = clinic_root(folder / _params_files(parameters)[0])
    notes = []
    for label, rec in sorted(meta["inputs"].items()):
        path, copy = root / rec["path"], folder / rec["kept"]
        if path.is_file() and sha256_file(path) == rec["sha256"]:
            continue
        state = "не найден" if not path.exists() else "изменён после отчёта"
        note = f"входной файл «{label}» ({rec['path']}) {state}; проверено по его копии {rec['kept']}"
        if path.is_file() and copy.is_file() and sha256_file(copy) == rec["sha256"]:
            try:
                changes = [str(c) for c in file_changes(rec["kept"], copy, path, rec["sha256"], sha256_file(path))]
            except (StomkpiError, OSError, ValueError):
                changes = []
            note += f" (сейчас в нём: {_listed(changes)})" if changes else ""
        notes.append(note)
    return {}, notes


def _kept_substitutes(folder: Path, meta: dict, parameters: dict) -> tuple[dict[str, Path], list[str]]:
    """Inputs changed or gone since the report whose kept copy still has the recorded checksum: re-run from the copy."""
    if isinstance(parameters["params"], list):  # a regional report made before it kept its inputs
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
           record: dict | None, copies: bool = False) -> tuple[nbformat.NotebookNode, dict[str, bytes]]:
    """Run the packaged notebook in a temporary folder of verify's own and make its documents as the run made them
    (and stamp them as the approval did): the executed notebook and every file it made, by name."""
    work = Path(tempfile.mkdtemp(prefix="stomkpi-verify-"))
    try:
        if copies:
            cwd = _kept_work_folder(work, executed.parent, parameters)
        else:
            cwd = _work_folder(work, executed.parent, parameters, substitutes)
        stem = executed.stem
        runtime = Runtime()  # a fresh report kernel, as a single report's run had
        nb = execute(NOTEBOOKS / name, parameters, cwd / f"{stem}.ipynb", cwd, runtime=runtime)
        _recorded_parameters_cell(nb, report, parameters)
        title, date = _heading(name, parameters, cwd)
        # a report made where TeX was missing has no PDF: the fresh run makes none either
        job = ReportJob(name, parameters, cwd, parameters["provenance"], title, date, stem=stem)
        finish(nb, cwd, job, pdf=(executed.parent / f"{stem}.pdf").is_file(), runtime=runtime)
        if record is not None:
            approve.stamp(cwd, record, json.loads((cwd / MANIFEST).read_text(encoding="utf-8")))
        return nb, {p.name: p.read_bytes() for p in cwd.iterdir() if p.is_file() and p.name != MANIFEST}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _kept_work_folder(work: Path, folder: Path, parameters: dict) -> Path:
    """The fresh run's working folder inside `work`, as deep as the recorded parameters file's path climbs: the kept
    parameters file where its recorded path leads (every path in it absolute, no data folder) and the kept inputs in
    `inputs/`, which the notebook reads (`kept.provenance_files`). Nothing the report did not keep is read."""
    texts = _params_files(parameters)
    depth = max(len([p for p in text.split("/") if p == ".."]) for text in texts)
    cwd = work.joinpath("run", *folder.parts[len(folder.parts) - depth:])
    cwd.mkdir(parents=True)
    (work / "empty").mkdir()
    meta = parameters["provenance"]
    for text in texts:  # the regional report: each clinic's kept parameters file
        label = params_label(meta["inputs"], text)
        if label is None:
            raise ReportError(f"в сведениях о запуске нет копии файла параметров {recorded.shown(text)}: отчёт не "
                              "перестроить из его копий")
        target = Path(os.path.normpath(cwd / text))
        kept_params(folder / meta["inputs"][label]["kept"], clinic_root(folder / text), target, work / "empty")
    place_copies(folder, meta, cwd, clinic_root(Path(os.path.normpath(cwd / texts[0]))))
    return cwd


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
            messages.append(f"ячейка {i} ({recorded.shown(a.get('id', ''))}): результаты различаются"
                            + _first_difference(_text(a), _text(b)))
    return messages


def _text(cell) -> list[str]:
    """A code cell's outputs as the lines a reader sees (plain text, or the page's text with its tags left out)."""
    import re

    lines = []
    for o in cell.get("outputs", []):
        if o.output_type == "stream":
            lines += str(o.text).splitlines()
        elif o.output_type in ("display_data", "execute_result"):
            data = o.get("data", {})
            text = str(data.get("text/html") or data.get("text/markdown") or data.get("text/plain") or "")
            lines += [" ".join(t.split()) for t in re.split(r"<[^>]*>|\n", text) if t.strip()]
        elif o.output_type == "error":
            lines.append(f"{o.ename}: {o.evalue}")
    return lines


def _first_difference(old: list[str], new: list[str]) -> str:
    """Where two outputs first differ, in words: «: в отчёте «…», при повторном расчёте «…»»."""
    for a, b in zip([*old, ""], [*new, ""], strict=False):
        if a != b:
            return (f": в отчёте «{recorded.shown(a) or 'ничего'}», при повторном расчёте «{recorded.shown(b) or 'ничего'}»")
    return ""


def _compare_files(folder: Path, written: dict[str, bytes]) -> list[str]:
    """Every file the fresh run made must have the folder's bytes; the folder holds no document the run does not make."""
    messages = []
    for name, content in sorted(written.items()):
        kept = folder / name
        if not kept.is_file() or kept.read_bytes() != content:
            messages.append(f"файл {name}: повторный расчёт дал другое содержимое" + _file_difference(kept, content))
    records = {MANIFEST, approval.APPROVAL}
    messages += [f"файл {p.name}: повторный расчёт такого файла не даёт" for p in sorted(folder.iterdir())
                 if p.is_file() and p.name not in written and p.name not in records]
    return messages


def _file_difference(kept: Path, content: bytes) -> str:
    """The first differences between a report's data file and the fresh run's, in words (cell or line old → new)."""
    if not kept.is_file() or kept.suffix not in (".xlsx", ".csv", ".json"):
        return ""
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / kept.name
        fresh.write_bytes(content)
        try:
            changes = [str(c) for c in file_changes(kept.name, kept, fresh, sha256_file(kept), sha256_file(fresh))]
        except Exception:  # noqa: BLE001 — a file that cannot be compared cell by cell is named as differing
            return ""
    return f" ({_listed(changes)})" if changes else ""


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
