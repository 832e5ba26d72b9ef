"""Approving a report: its folder stamped and made read-only under the period's lock, and the approval appended to the
clinic's register (`revisions.approval` holds the record; this module renders the stamped documents).

Approval re-renders the same execution — the executed notebook to HTML and PDF with «Утверждено …» on the title
page, the workbooks and the cards' PDFs with the same line — and never recomputes anything.
`verify` stamps a fresh run the same way (`stamp`) before it compares the files.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import nbformat
from openpyxl import load_workbook
from openpyxl.styles import Font

from stomkpi.errors import StomkpiError
from stomkpi.provenance import sha256_file
from stomkpi.report.cards import stamp_pdfs
from stomkpi.revisions import approval, register
from stomkpi.run import outputs as folders
from stomkpi.run.notebook import render_html, render_pdf
from stomkpi.safe import clean, spreadsheet_cell
from stomkpi.sheets import save_deterministic
from stomkpi.text import month_words


def approve(outputs: Path, period: str, by: str | None, *, now: dt.datetime | None = None) -> tuple[approval.Revision, dict]:
    """Approve the period's newest revision: record who, when and the checksums, stamp the documents, make it read-only,
    and append the approval to the clinic's register."""
    rev = approval.revision(outputs, period)
    with folders.period_lock(rev.folder):  # no run replaces the folder while it is being approved
        approval.check_register(outputs, period)  # the register reads whole, and what it lists is intact
        if rev.approved:
            raise approval.ApprovedError(f"редакция {rev.number} отчёта за {month_words(period)} уже "
                                f"{approval.approval_words(rev.approval())}")
        problems = approval.computed_problems(rev)
        if problems:
            raise StomkpiError(f"утвердить нельзя: папка {rev.folder} не та, что записал расчёт "
                               f"({approval.listed(problems)}) — постройте отчёт заново")
        record = approval.approval_record(rev, by, now)
        tmp = folders.new_work_folder(rev.folder)
        try:
            shutil.copytree(rev.folder, tmp, dirs_exist_ok=True)
            record["stamped"] = stamp(tmp, record, rev.manifest())
            record["files"] = approval.file_hashes(tmp)
            (tmp / approval.APPROVAL).write_text(json.dumps(record, ensure_ascii=False, indent=2, sort_keys=True) + "\n",
                                        encoding="utf-8")
            written = sha256_file(tmp / approval.APPROVAL)
            approval.make_read_only(tmp)
            folders.swap(tmp, rev.folder)
        except BaseException:
            _remove(tmp)
            raise
        register.append(outputs, {**{k: record[k] for k in register.EDITION}, "account": record["account"],
                                  "approval_sha256": written, "files_sha256": register.files_digest(record["files"])})
    return rev, record


def stamp(folder: Path, record: dict, manifest: dict) -> list[str]:
    """Re-render the executed notebook with the approval on its title page; stamp every workbook. Returns what changed."""
    outputs = manifest["outputs"]
    notebooks = [name for name in outputs if name.endswith(".ipynb")]
    changed = []
    for name in notebooks:
        stem = name[: -len(".ipynb")]
        nb = approved_notebook(nbformat.read(folder / name, as_version=4), record)
        if f"{stem}.html" in outputs:
            (folder / f"{stem}.html").write_text(render_html(nb), encoding="utf-8")
            changed.append(f"{stem}.html")
        if f"{stem}.pdf" in outputs:
            (folder / f"{stem}.pdf").write_bytes(render_pdf(nb))
            changed.append(f"{stem}.pdf")
    for name in outputs:
        if name.endswith(".xlsx"):
            stamp_workbook(folder / name, approval.stamp_lines(record))
            changed.append(name)
    changed += stamp_pdfs(folder, record["period"], outputs, approval.stamp_lines(record)[0])
    return sorted(changed)


def approved_notebook(nb, record: dict):
    """The executed notebook as its approved documents show it: the approval's lines in its metadata, and its title and
    title page without «(проект)» (nothing else changes: the .ipynb itself is never rewritten)."""
    nb.metadata["stomkpi_approval"] = {"lines": approval.stamp_lines(record)}
    draft, final = f"Редакция {record['revision']}{approval.DRAFT}", f"Редакция {record['revision']}"
    nb.metadata["title"] = str(nb.metadata.get("title", "")).replace(draft, final)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "stomkpi-title" in str(data.get("text/html", "")) or "titlepage" in str(data.get("text/latex", "")):
                for kind in ("text/html", "text/latex", "text/plain"):
                    if isinstance(data.get(kind), str):
                        data[kind] = data[kind].replace(draft, final)
    return nb


def stamp_workbook(path: Path, lines: list[str]) -> None:
    """Every sheet gets the approval lines below its content and in its printed page header."""
    book = load_workbook(path)
    for ws in book.worksheets:
        ws.append([])
        for line in lines:
            ws.append([spreadsheet_cell(line)])
            ws.cell(ws.max_row, 1).font = Font(bold=line is lines[0])
        ws.oddHeader.right.text = clean(lines[0]).replace("&", "&&")
        ws.oddHeader.right.size = 8
    save_deterministic(book, path)


def _remove(folder: Path) -> None:
    """Remove a folder of ours even when it was already made read-only."""
    if not folder.exists():
        return
    for path in [folder, *folder.rglob("*")]:
        if path.is_dir():
            path.chmod(0o755)
    shutil.rmtree(folder, ignore_errors=True)

