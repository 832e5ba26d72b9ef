"""The reports end to end: monthly and annual notebooks, HTML, PDF, protocols, manifest, failures,
reproducibility (two runs, a re-run of the executed notebook, papermill run directly), numbers that
agree across the CSV, the protocols and the PDF, `verify` and nbval over the executed notebooks."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from openpyxl import load_workbook

import stomkpi
from stomkpi.report.cards import SIGNATURE, file_stem
from stomkpi.report.words import provenance_table
from stomkpi.run.notebook import NOTEBOOKS, ReportError, ReportJob, execute, finish, run_report
from stomkpi.run.verify import _outputs
from stomkpi.text import column_quantity, shown

from ..printed import outside, overlaps, read_pages
from ..test_cli import ROOT, run

PERIOD = "2025-12"


def params(project: Path) -> str:
    return str(project / "params" / "demo.yaml")


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    """The report's own files (the kept copies of its inputs, in inputs/, are not outputs of the notebook); the
    manifest's checksum without its one varying entry, the time it was written."""
    out = {p.name: sha(p) for p in sorted(folder.iterdir()) if p.is_file()}
    if (folder / "manifest.json").is_file():
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest.pop("generated_at", None)
        out["manifest.json"] = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()
    return out


def test_monthly_outputs_and_manifest(monthly):
    names = {p.name for p in monthly.iterdir()}
    cards = {n for n in names if n.startswith(f"cards-{PERIOD}-")}
    assert names - cards == {f"{PERIOD}.ipynb", f"{PERIOD}.html", f"{PERIOD}.pdf", f"protocols-{PERIOD}.xlsx",
                             f"scores-{PERIOD}.csv", f"scores-{PERIOD}.xlsx", "manifest.json", "inputs",
                             f"cards-{PERIOD}.json",  # the cards as data: approval draws their PDFs again from it
                             # the demo's book has a «Фонд»: the payroll files and their control totals
                             f"payroll-{PERIOD}.csv", f"payroll-{PERIOD}.xlsx", f"payroll-{PERIOD}.json"}
    departments = pd.read_csv(monthly / f"scores-{PERIOD}.csv")["department"].unique()
    assert cards == {f"cards-{PERIOD}-{file_stem(d)}.{ext}" for d in departments for ext in ("pdf", "xlsx")}
    manifest = json.loads((monthly / "manifest.json").read_text(encoding="utf-8"))
    workbook = monthly.parents[1] / manifest["inputs"]["workbook"]["path"]  # relative to the clinic's folder
    assert manifest["inputs"]["workbook"]["sha256"] == sha(workbook)
    assert manifest["outputs"][f"{PERIOD}.pdf"] == sha(monthly / f"{PERIOD}.pdf")
    assert manifest["parameters"]["period"] == PERIOD
    assert set(manifest["catalogs"]) == {"positions.yaml", "indicators.yaml", "nmo.yaml"}
    assert "pandas" in manifest["versions"] and "nbconvert" in manifest["versions"]
    assert set(manifest["outputs"]) == names - {"manifest.json", "inputs"}
    for rec in manifest["inputs"].values():  # a copy of every input as the run read it
        assert sha(monthly / rec["kept"]) == rec["sha256"]


def test_manifest_records_when_and_from_what(monthly):
    """The manifest says when the report was made and by which code; the PDF is dated the month's last day."""
    manifest = json.loads((monthly / "manifest.json").read_text(encoding="utf-8"))
    made = dt.datetime.fromisoformat(manifest["generated_at"])
    assert made.tzinfo is not None and abs((dt.datetime.now(dt.UTC) - made).total_seconds()) < 3600
    assert manifest["code"]["version"] == stomkpi.__version__
    if (ROOT / ".git").exists():  # run from a checkout: the commit, and whether it had uncommitted changes
        assert re.fullmatch(r"[0-9a-f]{40}", manifest["code"]["commit"]) and isinstance(manifest["code"]["dirty"], bool)
    info = subprocess.run(["pdfinfo", "-isodates", str(monthly / f"{PERIOD}.pdf")], capture_output=True, text=True, check=True).stdout
    assert re.search(r"CreationDate:\s+2025-12-31T00:00:00", info), info


def test_notebook_shows_the_provenance_as_the_manifest_records_it(monthly):
    manifest = json.loads((monthly / "manifest.json").read_text(encoding="utf-8"))
    # beside the provenance, the manifest holds the files, when, and (the demo has a «Фонд») the payroll's totals
    assert manifest.pop("payroll") == json.loads((monthly / f"payroll-{PERIOD}.json").read_text(encoding="utf-8"))
    del manifest["outputs"], manifest["generated_at"]
    nb = nbformat.read(monthly / f"{PERIOD}.ipynb", as_version=4)
    assert nb.metadata["stomkpi"] == manifest
    shown = next(o for c in nb.cells if "provenance_table" in c.source for o in c.outputs)
    assert shown["data"]["text/plain"] == provenance_table(manifest).to_string(index=False)
    for label in ("workbook", "norms", "nmo"):
        assert manifest["inputs"][label]["sha256"] in shown["data"]["text/html"]


def test_pdf_has_russian_text_protocols_and_names(monthly):
    raw = subprocess.run(["pdftotext", str(monthly / f"{PERIOD}.pdf"), "-"], capture_output=True, text=True,
                         check=True).stdout
    text = " ".join(raw.split())
    assert "Приложение № 3" in text and "Приложение № 4" in text
    assert "Протокол заседания совета трудового коллектива" in text
    scores = pd.read_csv(monthly / f"scores-{PERIOD}.csv", dtype={"staff_id": str})
    doctor = scores.loc[scores["position"] == "dentist", "name"].iloc[0]
    surname = doctor.split()[0]
    assert surname in text  # a staff name, in Cyrillic
    pages = subprocess.run(["pdfimages", "-list", str(monthly / f"{PERIOD}.pdf")], capture_output=True, text=True,
                           check=True).stdout
    assert len(pages.strip().splitlines()) - 2 >= 3  # the three charts are embedded


def test_html_is_self_contained(monthly):
    html = (monthly / f"{PERIOD}.html").read_text(encoding="utf-8")
    external = re.findall(r"""(?:src|href)\s*=\s*["'](?:https?:)?//[^"']+|url\(\s*["']?(?:https?:)?//[^)]+|@import""", html)
    assert external == []
    assert "data:image/png;base64," in html
    assert "Протокол" in html
    assert "build_monthly(" not in html  # the code is hidden


def test_protocols_xlsx(monthly):
    book = load_workbook(monthly / f"protocols-{PERIOD}.xlsx", read_only=True)
    scores = pd.read_csv(monthly / f"scores-{PERIOD}.csv", dtype={"staff_id": str})
    departments = sorted(scores["department"].unique())
    assert book.sheetnames == [f"П3 {d}"[:31] for d in departments] + ["П4 Комиссия"]
    cells = {c for row in book["П4 Комиссия"].iter_rows(values_only=True) for c in row if c is not None}
    assert set(scores["name"]) <= cells  # every scored person is on the commission's form


def test_two_runs_give_identical_files(project, monthly, tmp_path):
    first = snapshot(monthly)
    result = run("monthly", "--month", PERIOD, "--params", params(project), "--quiet")
    assert result.returncode == 0, result.stderr
    assert snapshot(monthly) == first  # every file byte for byte, the manifest but for the time it was written


def test_rerunning_the_executed_notebook_reproduces_every_file(monthly):
    executed = monthly / f"{PERIOD}.ipynb"
    nb = nbformat.read(executed, as_version=4)
    again = monthly.parent / f"rerun-{PERIOD}"  # a sibling: the recorded relative paths hold there too
    again.mkdir()
    try:
        fresh = execute(executed, {}, again / executed.name, again)  # no parameters: the recorded ones run
        finish(fresh, again, ReportJob("monthly", {}, again, nb.metadata["stomkpi"], nb.metadata["title"],
                                       nb.metadata["date"], stem=PERIOD))
        assert snapshot(again) == snapshot(monthly)
    finally:
        shutil.rmtree(again)


def test_papermill_run_directly_gives_the_same_notebook_and_files(project, monthly, tmp_path):
    out = tmp_path / "direct"
    out.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "papermill", str(NOTEBOOKS / "monthly.ipynb"), str(out / f"{PERIOD}.ipynb"), "-k", "python3",
         "-p", "period", PERIOD, "-p", "params", str(project / "params" / "demo.yaml"), "-p", "out_dir", str(out)],
        cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    for name in (f"protocols-{PERIOD}.xlsx", f"scores-{PERIOD}.csv"):
        assert sha(out / name) == sha(monthly / name), name
    direct = nbformat.read(out / f"{PERIOD}.ipynb", as_version=4).cells
    reported = nbformat.read(monthly / f"{PERIOD}.ipynb", as_version=4).cells
    injected = [c for c in reported if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and "provenance = {" in injected[0].source
    reported = [c for c in reported if c not in injected]
    direct = [c for c in direct if "injected-parameters" not in c.metadata.get("tags", [])]
    assert [c.source for c in direct] == [c.source for c in reported]
    assert [_outputs(c) for c in direct] == [_outputs(c) for c in reported]


_NUMBER = re.compile(r"(?<![\w,])-?\d+(?:,\d+)?(?![\w,])")
# protocol column -> the scores CSV column it shows
_SCORE_COLUMNS = {"Факт. дни": "days_fact", "К-во ставок": "rates_oms", "Количество ставок по ОМС": "rates_oms",
                  "Количество ставок платно": "rates_paid", "Количество ставок по платно": "rates_paid",
                  "Оценка показателей в % от ставки": "percent", "Оценка показателей в %": "percent",
                  "Оценка деятельности в баллах: норма": "norm_points",
                  "Оценка деятельности в баллах: факт": "total_points", "Процент выполнения показателей": "percent",
                  "Коэффициент денежных выплат": "coefficient"}


def _protocol_rows(path: Path) -> list[tuple[dict, list]]:
    """Every data row of every protocol table, in order: (header -> value, the row's cells)."""
    rows, header = [], None
    for ws in load_workbook(path, read_only=True):
        for row in ws.iter_rows(values_only=True):
            cells = [c for c in row if c is not None]
            if cells and str(cells[0]).startswith("№"):
                header = [str(c) for c in cells]
            elif header and cells and isinstance(cells[0], int):
                rows.append((dict(zip(header, cells, strict=True)), cells))
            elif not cells:
                header = None
    return rows


def _pdf_lines(pdf: Path) -> list[str]:
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [line.strip() for line in text.splitlines() if line.strip()]


def _find_in_order(lines: list[str], start: int, first: str, words: str, numbers: list[str]) -> int:
    """The index of the first line from `start` that begins with `first`, holds `words` and shows `numbers` in order."""
    for i in range(start, len(lines)):
        head, _, rest = lines[i].partition(" ")
        if head == first and words in rest:
            found = iter(_NUMBER.findall(rest))
            if all(n in found for n in numbers):
                return i
    raise AssertionError(f"нет в PDF строки {first} {words} {numbers} после строки {start}")


def test_every_number_agrees_across_scores_csv_protocols_and_pdf(monthly):
    scores = pd.read_csv(monthly / f"scores-{PERIOD}.csv", dtype={"staff_id": str})
    by_name = scores.set_index("name")
    assert by_name.index.is_unique
    rows = _protocol_rows(monthly / f"protocols-{PERIOD}.xlsx")
    checked = set()
    for named, _ in rows:
        person = by_name.loc[next(v for k, v in named.items() if "Ф" in k)]
        for header, column in _SCORE_COLUMNS.items():
            if header in named:
                assert named[header] == pytest.approx(person[column], abs=1e-9), (person.name, header)
                checked.add(person.name)
    assert checked == set(scores["name"])
    # the PDF shows the same rows with the same numbers, in the same order
    lines, at = _pdf_lines(monthly / f"{PERIOD}.pdf"), 0
    for named, cells in rows:  # each number as its column's quantity prints it: «83,0» a percent, «1,25» ставки
        numbers = [shown(float(v), column_quantity(h)) for h, v in list(named.items())[2:] if isinstance(v, int | float)]
        at = _find_in_order(lines, at, str(cells[0]), str(cells[1]).split()[0], numbers) + 1


def test_corrupt_input_fails_and_leaves_outputs(project, monthly):
    before = snapshot(monthly)
    workbook = project / "demo" / f"{PERIOD}.xlsx"
    saved = workbook.read_bytes()
    try:
        book = load_workbook(workbook)
        book["Сотрудники"]["G2"] = 0  # Дни_план
        book.save(workbook)
        result = run("monthly", "--month", PERIOD, "--params", params(project), "--quiet")
        assert result.returncode == 2
        assert "Traceback" not in result.stderr and "столбец «Дни_план»" in result.stderr
        assert snapshot(monthly) == before
    finally:
        workbook.write_bytes(saved)


def test_failure_inside_the_notebook_keeps_it_for_diagnosis(tmp_path):
    bad = tmp_path / "bad.ipynb"
    nb = new_notebook(cells=[new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
                             new_code_cell("raise ValueError('сломалось')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, bad)
    out = tmp_path / "outputs" / "2025-12"
    out.mkdir(parents=True)
    (out / "old.txt").write_text("прежний отчёт", encoding="utf-8")
    # cell 3 of the executed notebook: parameters, the injected parameters, then the failing cell
    with pytest.raises(ReportError, match="ошибка в ячейке 3 — ValueError: сломалось"):
        run_report(ReportJob(bad, {"x": 2}, out, provenance={}, title="t", date="d"), progress=False)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert (out / "old.txt").read_text(encoding="utf-8") == "прежний отчёт"
    kept = nbformat.read(tmp_path / "outputs" / "2025-12.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells for o in c.get("outputs", []))
    assert not [p for p in (tmp_path / "outputs").iterdir() if p.is_dir() and p.name.startswith(".")]  # no temporary folder


def test_verify_matches_then_detects_a_changed_input(project, monthly):
    executed = monthly / f"{PERIOD}.ipynb"
    result = run("verify", str(executed))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Совпадает" in result.stdout
    assert f"отчёт сделан: stomkpi {stomkpi.__version__}" in result.stdout
    workbook = project / "demo" / f"{PERIOD}.xlsx"
    kept = monthly / "inputs" / f"{PERIOD}.xlsx"
    saved = workbook.read_bytes()
    try:
        book = load_workbook(workbook)
        book["Показатели"]["C2"] = 55
        book.save(workbook)
        # the workbook changed since: the report still re-runs from the copy it kept, and says so
        result = run("verify", str(executed))
        assert result.returncode == 0, result.stdout + result.stderr
        assert f"изменён после отчёта; проверено по его копии inputs/{PERIOD}.xlsx" in result.stdout
        kept.write_bytes(workbook.read_bytes())  # … unless the copy changed too
        result = run("verify", str(executed))
        assert result.returncode == 1
        assert "изменён" in result.stdout and "Не совпадает" in result.stderr
    finally:
        workbook.write_bytes(saved)
        kept.write_bytes(saved)


def test_annual_outputs(annual):
    names = {p.name for p in annual.iterdir()}
    assert {"2025.ipynb", "2025.html", "2025.pdf", "manifest.json", "rating-2025.csv", "nmo-2025.csv"} <= names
    text = " ".join(subprocess.run(["pdftotext", str(annual / "2025.pdf"), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    assert "Рейтинг подразделений" in text and "Терапевтическое отделение" in text
    rating = pd.read_csv(annual / "rating-2025.csv")
    assert rating["rank"].min() == 1


@pytest.mark.parametrize("which", ["monthly", "annual"])
def test_nbval_over_the_executed_notebooks(which, monthly, annual):
    notebook = (monthly / f"{PERIOD}.ipynb") if which == "monthly" else (annual / "2025.ipynb")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval", str(notebook),
         "--nbval-current-env", "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))})
    assert result.returncode == 0, result.stdout[-3000:]
    assert re.search(r"\d+ passed", result.stdout)


def test_explore_notebook_runs_from_the_notebooks_folder(tmp_path):
    """As JupyterLab runs it: the working folder is notebooks/, no parameters; the demo is found (or written)."""
    nb = execute(NOTEBOOKS / "explore.ipynb", {}, tmp_path / "explore.ipynb", ROOT / "notebooks")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    pivot = next(o for c in nb.cells if "pivot_table" in c.source for o in c.outputs)
    assert "Терапевтическое отделение" in pivot["data"]["text/plain"]
    assert (ROOT / "demo" / f"{PERIOD}.xlsx").is_file()


def test_annual_status_words(annual):
    """НМО status: codes in the CSV, one Russian word per status in the .xlsx and in the report."""
    from stomkpi.report.words import STATUS_NAMES

    codes = set(pd.read_csv(annual / "nmo-2025.csv", dtype=str)["status"])
    assert codes <= set(STATUS_NAMES)
    rows = list(load_workbook(annual / "nmo-2025.xlsx", read_only=True).active.iter_rows(values_only=True))
    words = {r[rows[0].index("Состояние")] for r in rows[1:]}
    assert words == {STATUS_NAMES[c] for c in codes}
    html = (annual / "2025.html").read_text(encoding="utf-8")
    assert all(f"<td>{w}</td>" in html for w in words) and "on_track" not in html


def test_every_employee_has_a_card_in_pdf_and_xlsx(monthly):
    """A page per person in the department's PDF and a sheet per person in its workbook, with the person's
    total, percent and coefficient as the scores CSV has them, and the line to sign."""
    scores = pd.read_csv(monthly / f"scores-{PERIOD}.csv", dtype={"staff_id": str})
    for department, people in scores.groupby("department"):
        stem = monthly / f"cards-{PERIOD}-{file_stem(department)}"
        pages = read_pages(stem.with_suffix(".pdf"))
        assert len(pages) == len(people), department
        people = people.sort_values(["name", "staff_id"])
        for page, person in zip(pages, people.itertuples(index=False), strict=True):
            text = page.text
            assert f"{person.name}, таб. № {person.staff_id}" in text
            assert f"выполнение {person.percent:.1f} %".replace(".", ",") in text
            assert f"= {person.coefficient:.2f}.".replace(".", ",", 1) in text
            assert " ".join(SIGNATURE.split()[:3]) in text
            assert overlaps(page) == [] and outside(page, 40, 40, 40, 40) == [], (department, page.number)
        book = load_workbook(stem.with_suffix(".xlsx"), read_only=True)
        assert len(book.sheetnames) == len(people)
        first = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
        assert f"{people.iloc[0]['name']}, таб. № {people.iloc[0]['staff_id']}" in first


def test_demo_shares_stay_within_their_whole(annual):
    """The demo respects its own definitions: a share (per cent of its whole) is never above 100 %."""
    from stomkpi.catalog import load_indicators
    from stomkpi.demo.indicators import is_share

    shares = {i.code for i in load_indicators().indicators if is_share(i)}
    detail = pd.read_csv(annual / "rating-detail-2025.csv")
    values = detail[detail["indicator"].isin(shares)]
    assert len(values) and (values["value"].dropna() <= 100).all()
    assert (values[["target", "region_best"]] <= 100).all().all()
