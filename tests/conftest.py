"""Shared test helpers: build a monthly workbook from rows written the way an analyst writes them; the demo
clinic and its reports, rendered once per session (the report, layout and printing tests share them)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stomkpi.catalog import load_positions
from stomkpi.month import DEPRIVATIONS, EVENTS, FUNDS, REVIEWS, STAFF, STATS, VALUES
from stomkpi.sheets import write_workbook

PERIOD = "2025-12"
REPORT_PERIOD = PERIOD  # the name some test modules import


def _clinic(root: Path, params_text: str, *demo_args: str) -> Path:
    from .test_cli import run

    (root / "params").mkdir()
    (root / "params" / "demo.yaml").write_text(params_text, encoding="utf-8")
    result = run("demo", "--params", str(root / "params" / "demo.yaml"), *demo_args)
    assert result.returncode == 0, result.stderr
    return root


def _report(root: Path, *args: str) -> None:
    from .test_cli import run

    result = run(*args, "--params", str(root / "params" / "demo.yaml"), "--quiet")
    assert result.returncode == 0, result.stderr


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """A clinic folder of its own: params/demo.yaml, the demo data and outputs/."""
    from .test_cli import ROOT

    return _clinic(tmp_path_factory.mktemp("clinic"), (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def monthly(project) -> Path:
    """The demo's monthly report folder, rendered once per session."""
    _report(project, "monthly", "--month", PERIOD)
    return project / "outputs" / PERIOD


@pytest.fixture(scope="session")
def annual(project) -> Path:
    """The demo's annual report folder, rendered once per session."""
    _report(project, "annual", "--year", "2025")
    return project / "outputs" / "2025"


@pytest.fixture(scope="session")
def catalog():
    return load_positions()


def person(staff_id: str, position: str, *, name: str = "Тестова Анна Ивановна", department: str = "Терапевтическое отделение",
           rates: float = 1.0, days_plan: int = 22, days_fact: int | None = None) -> dict:
    return {"staff_id": staff_id, "name": name, "position": position, "department": department,
            "rates_oms": rates, "rates_paid": 0.0, "days_plan": days_plan,
            "days_fact": days_plan if days_fact is None else days_fact}


def write_month(path: Path, staff: list[dict], values: list[tuple] = (), events: list[tuple] = (),
                deprivations: list[tuple] = (), stats: list[tuple] | None = None, reviews: list[tuple] | None = None,
                funds: list[tuple] | None = None) -> Path:
    """values: (staff_id, criterion, value[, norm]); events: (staff_id, criterion, count[, date]);
    deprivations: (staff_id, percent, reason); stats: (staff_id, field, value);
    reviews: (case, staff_id, coefficient[, reason, impact]); funds: (department, category, amount).
    Sheets given as None are left out."""
    vals = pd.DataFrame(
        [dict(zip(("staff_id", "criterion", "value", "norm"), v, strict=False)) for v in values],
        columns=["staff_id", "criterion", "value", "norm"],
    )
    evs = pd.DataFrame(
        [dict(zip(("staff_id", "criterion", "count", "date"), e, strict=False)) for e in events],
        columns=["staff_id", "criterion", "count", "date", "note"],
    )
    deps = pd.DataFrame(list(deprivations), columns=["staff_id", "percent", "reason"])
    sheets = [(STAFF, pd.DataFrame(staff)), (VALUES, vals), (EVENTS, evs), (DEPRIVATIONS, deps)]
    if stats is not None:
        sheets.append((STATS, pd.DataFrame(list(stats), columns=["staff_id", "field", "value"])))
    if reviews is not None:
        rows = [dict(zip(("case", "staff_id", "coefficient", "reason", "impact"), r, strict=False)) for r in reviews]
        sheets.append((REVIEWS, pd.DataFrame(rows, columns=["case", "staff_id", "coefficient", "reason", "impact"])))
    if funds is not None:
        sheets.append((FUNDS, pd.DataFrame(list(funds), columns=["department", "category", "amount"])))
    write_workbook(path, sheets)
    return path


def keep_department(folder: Path, department: str) -> None:
    """Cut every workbook of a demo clinic down to one department's staff (the one-department clinic)."""
    from openpyxl import load_workbook

    staff_ids: set[str] = set()
    for path in sorted(folder.glob("*.xlsx")):
        book = load_workbook(path)
        if "Отделение" in [c.value for c in book.worksheets[0][1]]:
            head = [c.value for c in book.worksheets[0][1]]
            dept, sid = head.index("Отделение"), head.index("Таб_номер")
            staff_ids |= {str(r[sid]) for r in book.worksheets[0].iter_rows(min_row=2, values_only=True)
                          if r[dept] == department}
        for ws in book.worksheets:
            head = [c.value for c in ws[1]]
            if ws.title == "Фонд":  # the funds of the other departments go with them
                dept = head.index("Отделение")
                kept = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[dept] == department]
                ws.delete_rows(2, ws.max_row)
                for r in kept:
                    ws.append(list(r))
                continue
            if "Таб_номер" not in head:
                continue
            sid = head.index("Таб_номер")
            kept = [r for r in ws.iter_rows(min_row=2, values_only=True) if str(r[sid]) in staff_ids]
            ws.delete_rows(2, ws.max_row)
            for r in kept:
                ws.append(list(r))
        book.save(path)


@pytest.fixture(scope="session")
def small_clinic(tmp_path_factory) -> Path:
    """A clinic of one department (the demo's orthodontics), its monthly and annual reports rendered once."""
    from .test_cli import ROOT

    text = (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8").replace(
        "Демонстрационная стоматологическая поликлиника", "Стоматологический кабинет «Улыбка»")
    root = _clinic(tmp_path_factory.mktemp("small"), text)
    keep_department(root / "demo", "Отделение ортодонтии")
    _report(root, "monthly", "--month", PERIOD)
    _report(root, "annual", "--year", "2025")
    return root / "outputs"


@pytest.fixture(scope="session")
def region(tmp_path_factory) -> Path:
    """A demo region of two clinics (`stomkpi demo --clinics 2`): params/clinic-0N.yaml, data/, outputs/."""
    from .test_cli import run

    root = tmp_path_factory.mktemp("region")
    result = run("demo", "--clinics", "2", str(root))
    assert result.returncode == 0, result.stderr
    return root
