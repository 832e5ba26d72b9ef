"""The reports end to end: monthly and annual notebooks, HTML, PDF, protocols, manifest, failures,
reproducibility, `verify` and nbval over the executed notebooks."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_notebook
from openpyxl import load_workbook

from stomkpi.catalog import load_positions
from stomkpi.run import ReportError, run_report

from .test_cli import ROOT, run

PERIOD = "2025-12"


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    """A clinic folder of its own: params/demo.yaml, the demo data and outputs/."""
    root = tmp_path_factory.mktemp("clinic")
    (root / "params").mkdir()
    text = (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")
    (root / "params" / "demo.yaml").write_text(text, encoding="utf-8")
    result = run("demo", "--params", str(root / "params" / "demo.yaml"))
    assert result.returncode == 0, result.stderr
    return root


def params(project: Path) -> str:
    return str(project / "params" / "demo.yaml")


@pytest.fixture(scope="module")
def monthly(project) -> Path:
    result = run("monthly", "--month", PERIOD, "--params", params(project), "--quiet")
    assert result.returncode == 0, result.stderr
    return project / "outputs" / PERIOD


@pytest.fixture(scope="module")
def annual(project) -> Path:
    result = run("annual", "--year", "2025", "--params", params(project), "--quiet")
    assert result.returncode == 0, result.stderr
    return project / "outputs" / "2025"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def snapshot(folder: Path) -> dict[str, str]:
    return {p.name: sha(p) for p in sorted(folder.iterdir())}


def test_monthly_outputs_and_manifest(monthly):
    names = {p.name for p in monthly.iterdir()}
    assert names == {f"{PERIOD}.ipynb", f"{PERIOD}.html", f"{PERIOD}.pdf", f"protocols-{PERIOD}.xlsx",
                     f"scores-{PERIOD}.csv", "manifest.json"}
    manifest = json.loads((monthly / "manifest.json").read_text(encoding="utf-8"))
    workbook = Path(manifest["inputs"]["workbook"]["path"])
    assert manifest["inputs"]["workbook"]["sha256"] == sha(workbook)
    assert manifest["outputs"][f"{PERIOD}.pdf"] == sha(monthly / f"{PERIOD}.pdf")
    assert manifest["parameters"]["period"] == PERIOD
    assert set(manifest["catalogs"]) == {"positions.yaml", "indicators.yaml", "nmo.yaml"}
    assert "pandas" in manifest["versions"] and "nbconvert" in manifest["versions"]


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
    education = {p.code: p.education for p in load_positions().positions}
    doctors = scores[scores["position"].map(education) == "higher"]["name"]
    nurses = scores[scores["position"].map(education) == "secondary"]["name"]
    assert set(doctors) <= cells and set(nurses) <= cells
    others = scores[scores["position"].map(education) == "none"]["name"]
    assert not (set(others) & cells)


def test_two_runs_give_identical_notebook_html_and_pdf(project, monthly, tmp_path):
    first = {name: (monthly / name).read_bytes() for name in (f"{PERIOD}.ipynb", f"{PERIOD}.html", f"{PERIOD}.pdf")}
    result = run("monthly", "--month", PERIOD, "--params", params(project), "--quiet")
    assert result.returncode == 0, result.stderr
    for name, content in first.items():
        assert (monthly / name).read_bytes() == content, name


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
        run_report(bad, {"x": 2}, out, title="t", date="d", inputs={}, progress=False)
    assert [p.name for p in out.iterdir()] == ["old.txt"]
    assert (out / "old.txt").read_text(encoding="utf-8") == "прежний отчёт"
    kept = nbformat.read(tmp_path / "outputs" / "2025-12.failed.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells for o in c.get("outputs", []))
    assert not [p for p in (tmp_path / "outputs").iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_verify_matches_then_detects_a_changed_input(project, monthly):
    executed = monthly / f"{PERIOD}.ipynb"
    result = run("verify", str(executed))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Совпадает" in result.stdout
    workbook = project / "demo" / f"{PERIOD}.xlsx"
    saved = workbook.read_bytes()
    try:
        book = load_workbook(workbook)
        book["Показатели"]["C2"] = 55
        book.save(workbook)
        result = run("verify", str(executed))
        assert result.returncode == 1
        assert "изменён" in result.stdout and "Не совпадает" in result.stderr
    finally:
        workbook.write_bytes(saved)


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


def test_explore_notebook_runs(project, tmp_path):
    from stomkpi.run import NOTEBOOKS, execute

    nb = execute(NOTEBOOKS / "explore.ipynb", {"workbook": str(project / "demo" / f"{PERIOD}.xlsx")},
                 tmp_path / "explore.ipynb")
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    pivot = next(o for c in nb.cells if "pivot_table" in c.source for o in c.outputs)
    assert "Терапевтическое отделение" in pivot["data"]["text/plain"]
