"""A report notebook opened without parameters reports on the demo clinic: the notebook asks `stomkpi.demo` for
it, so the report models (`stomkpi/report/`) import nothing of the demo."""

from __future__ import annotations

import json
from pathlib import Path

from stomkpi.config import load_params
from stomkpi.demo.clinic import demo_params

from ..test_layers import graph

NOTEBOOKS = Path(__file__).resolve().parents[2] / "stomkpi" / "report" / "notebooks"


def test_the_report_models_import_nothing_of_the_demo():
    wrong = sorted(f"{a} -> {b}" for a, targets in graph().items() if a.startswith("stomkpi.report")
                   for b in targets if b.startswith("stomkpi.demo"))
    assert wrong == []


def test_demo_params_writes_the_demo_clinic_and_its_month(tmp_path):
    path = demo_params("2025-03", tmp_path)
    assert path == tmp_path / "stomkpi-demo" / "params" / "demo.yaml" and path.is_file()
    assert load_params(path).month_workbook("2025-03").is_file()


def _default_line(notebook: str) -> str:
    cells = json.loads((NOTEBOOKS / notebook).read_text(encoding="utf-8"))["cells"]
    lines = [line for c in cells for line in "".join(c["source"]).splitlines() if line.startswith("params = params or")]
    assert len(lines) == 1, notebook
    return lines[0]


def test_the_monthly_and_annual_notebooks_default_to_the_demo(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    given = {"params": "params/clinic.yaml", "period": "2025-03", "year": 2025, "demo_params": demo_params}
    for notebook, month in (("monthly.ipynb", "2025-03"), ("annual.ipynb", "2025-12")):
        kept = dict(given)
        exec(_default_line(notebook), kept)  # a clinic's parameters file is kept as given
        assert kept["params"] == "params/clinic.yaml"
        unset = dict(given, params=None)
        exec(_default_line(notebook), unset)
        assert Path(unset["params"]).resolve() == (tmp_path / "stomkpi-demo" / "params" / "demo.yaml").resolve()
        assert load_params(unset["params"]).month_workbook(month).is_file()


def test_every_month_of_the_demo_year_builds(project):
    """The demo's books serve every month of its year, not only December: a month's report reads today's НМО book
    as of that month's end, where later certificates are left out (a category or course of their specialty stays);
    every month has the demo's 120 employees."""
    from stomkpi.report.monthly import build_monthly

    for month in range(1, 13):
        report = build_monthly(f"2025-{month:02d}", project / "params" / "demo.yaml")
        assert len(report.scored.scores.table) == 120 and report.accreditation is not None, month
