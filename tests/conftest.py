"""Shared test helpers: build a monthly workbook from rows written the way an analyst writes them."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from stomkpi.catalog import load_positions
from stomkpi.month import DEPRIVATIONS, EVENTS, REVIEWS, STAFF, STATS, VALUES
from stomkpi.sheets import write_workbook


@pytest.fixture(scope="session")
def catalog():
    return load_positions()


def person(staff_id: str, position: str, *, name: str = "Тестова Анна Ивановна", department: str = "Терапевтическое отделение",
           rates: float = 1.0, days_plan: int = 22, days_fact: int | None = None) -> dict:
    return {"staff_id": staff_id, "name": name, "position": position, "department": department,
            "rates_oms": rates, "rates_paid": 0.0, "days_plan": days_plan,
            "days_fact": days_plan if days_fact is None else days_fact}


def write_month(path: Path, staff: list[dict], values: list[tuple] = (), events: list[tuple] = (),
                deprivations: list[tuple] = (), stats: list[tuple] | None = None, reviews: list[tuple] | None = None) -> Path:
    """values: (staff_id, criterion, value[, norm]); events: (staff_id, criterion, count[, date]);
    deprivations: (staff_id, percent, reason); stats: (staff_id, field, value);
    reviews: (case, staff_id, coefficient[, reason, impact]). Sheets given as None are left out."""
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
    write_workbook(path, sheets)
    return path


# --- the demo clinic's reports, rendered once per session and checked by many tests ----------------

REPORT_PERIOD = "2025-12"


@pytest.fixture(scope="session")
def project(tmp_path_factory) -> Path:
    """A clinic folder of its own: params/demo.yaml, the demo data and outputs/."""
    from .test_cli import ROOT, run

    root = tmp_path_factory.mktemp("clinic")
    (root / "params").mkdir()
    text = (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8")
    (root / "params" / "demo.yaml").write_text(text, encoding="utf-8")
    result = run("demo", "--params", str(root / "params" / "demo.yaml"))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture(scope="session")
def monthly(project) -> Path:
    from .test_cli import run

    result = run("monthly", "--month", REPORT_PERIOD, "--params", str(project / "params" / "demo.yaml"), "--quiet")
    assert result.returncode == 0, result.stderr
    return project / "outputs" / REPORT_PERIOD


@pytest.fixture(scope="session")
def annual(project) -> Path:
    from .test_cli import run

    result = run("annual", "--year", "2025", "--params", str(project / "params" / "demo.yaml"), "--quiet")
    assert result.returncode == 0, result.stderr
    return project / "outputs" / "2025"


@pytest.fixture(scope="session")
def region(tmp_path_factory) -> Path:
    """A demo region of two clinics (`stomkpi demo --clinics 2`): params/clinic-0N.yaml, data/, outputs/."""
    from .test_cli import run

    root = tmp_path_factory.mktemp("region")
    result = run("demo", "--clinics", "2", str(root))
    assert result.returncode == 0, result.stderr
    return root
