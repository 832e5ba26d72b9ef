"""The year's money comes from the signed editions: a clinic of two months with a fund (the dentist and the nurse of
tests/revisions/test_approval.py), December approved by coefficients, then the parameters switched to points and the book
corrected. The annual report's December amounts are exactly the approved folder's `payroll-2025-12.csv` (its kept
parameters share the fund, not today's); November, never approved, is shared by today's parameters and marked «не
утверждён»; the annual report still verifies; a year without a «Фонд» sheet says so in one sentence."""

from __future__ import annotations

import csv
import json
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from ..conftest import person, write_month
from .test_approval import BY, PERIOD, pdf_text
from .test_signed_record import Clinic, verify

NOVEMBER = "2025-11"
PARAMS = """clinic: Тестовая поликлиника
data_dir: data
workbook: "data/{month}.xlsx"
outputs: outputs
"""
POINTS = PARAMS + "payroll:\n  method: points\n"
FUND = "10000.00"


def write_fund_month(path: Path, funds: list[tuple] | None = (("Терапевтическое отделение", None, FUND),)) -> Path:
    """The dentist (таб. № 1, 22 days planned, 20 worked) and the nurse (таб. № 2, 0,5 ставки, deprived 50 %) sharing
    one department's fund: by coefficient and by points they get different amounts."""
    return write_month(
        path,
        [person("1", "Врач-стоматолог-терапевт", name="Сидорова Анна Петровна", days_plan=22, days_fact=20),
         person("2", "Медицинская сестра", name="Кравцова Ольга Ивановна", rates=0.5, days_plan=18)],
        values=[("1", "Процент выполнения плана", 112), ("1", "УКВ", 1), ("2", "Процент выполнения плана", 95)],
        events=[("1", "Благодарность", 1), ("1", "Благодарность", 1), ("2", "Ассистирование врачу", 3)],
        deprivations=[("2", 50, "Дисциплинарное взыскание")],
        funds=None if funds is None else list(funds))


def amounts(path: Path, period: str) -> dict[str, Decimal]:
    """staff_id -> amount of one month in a payroll CSV (the month's or the year's)."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    if "indicator" in rows[0]:  # the month's file: long by indicator
        return {r["staff_id"]: Decimal(r["value"]) for r in rows if r["indicator"] == "stimulus_amount"}
    return {r["staff_id"]: Decimal(r["amount"]) for r in rows if r["period"] == period}


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Clinic:
    root = tmp_path_factory.mktemp("signed-pay")
    (root / "params").mkdir()
    (root / "data").mkdir()
    c = Clinic(root)
    c.params.write_text(PARAMS, encoding="utf-8")
    for period in (NOVEMBER, PERIOD):
        write_fund_month(root / "data" / f"{period}.xlsx")
    c("monthly", "--month", PERIOD, "--quiet")
    c("approve", "--month", PERIOD, "--by", BY)
    # after approval: the fund shared by points from now on, and December's book corrected in place
    c.params.write_text(POINTS, encoding="utf-8")
    book = load_workbook(root / "data" / f"{PERIOD}.xlsx")
    book["События"]["C3"] = 3
    book.save(root / "data" / f"{PERIOD}.xlsx")
    c("annual", "--year", "2025", "--quiet")
    write_fund_month(root / "data" / "2024-12.xlsx", funds=None)
    c("annual", "--year", "2024", "--quiet")
    return c


def test_the_approved_months_amounts_are_its_payroll_files(clinic):
    approved = amounts(clinic.approved / f"payroll-{PERIOD}.csv", PERIOD)
    year = amounts(clinic.annual / "payroll-2025.csv", PERIOD)
    assert year == approved
    assert sum(year.values()) == Decimal(FUND)
    record = json.loads((clinic.approved / "approval.json").read_text(encoding="utf-8"))
    assert record["payroll"]["total"] == "10000.00"
    manifest = json.loads((clinic.annual / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["months"][PERIOD]["params"] == f"params {PERIOD}"
    assert manifest["inputs"][f"params {PERIOD}"]["path"] == f"outputs/{PERIOD}/inputs/clinic.yaml"


def test_the_month_never_approved_is_shared_by_todays_parameters_and_marked(clinic):
    november = amounts(clinic.annual / "payroll-2025.csv", NOVEMBER)
    december = amounts(clinic.annual / "payroll-2025.csv", PERIOD)
    # the same book in both months: by points (today) the split differs from the approved split by coefficients
    assert sum(november.values()) == Decimal(FUND) and november != december
    with (clinic.annual / "payroll-2025.csv").open(encoding="utf-8-sig", newline="") as f:
        editions = {r["period"]: r["edition"] for r in csv.DictReader(f)}
    assert editions[NOVEMBER] == "не утверждён"
    assert editions[PERIOD].startswith("редакция 1, утверждена ")
    sheet = load_workbook(clinic.annual / "payroll-2025.xlsx")["Сотрудники"]
    assert [c.value for c in sheet[1]] == ["Отделение", "ФИО", "Таб. №", "ноя (не утверждён)", "дек", "Год"]
    assert sheet.cell(sheet.max_row, 6).value == 20000
    text = pdf_text(clinic.annual / "2025.pdf")
    assert "Стимулирующие выплаты за 2025 год" in text
    assert "Фонд за год 20 000,00 руб., начислено 20 000,00 руб." in text


def test_the_annual_report_with_a_months_kept_parameters_verifies(clinic):
    result = verify(clinic.annual / "2025.ipynb")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_year_without_a_fund_says_so_in_one_sentence(clinic):
    folder = clinic.outputs / "2024"
    assert not (folder / "payroll-2024.csv").exists()
    text = pdf_text(folder / "2024.pdf")
    assert ("Стимулирующие выплаты за 2024 год Ни в одной книге месяца 2024 года нет листа «Фонд»: суммы "
            "стимулирующих выплат за год не посчитаны") in text
    assert "Фонд по месяцам" not in text
