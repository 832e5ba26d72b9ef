"""The month's fund in the book, the report and on the command line (SPEC §11): who is outside the groups, the
demo's December with its fund section, protocol column, card amounts and payroll files, and `stomkpi payroll`."""

from __future__ import annotations

import csv
import hashlib
import json
from decimal import Decimal
from html import unescape

import pytest
from openpyxl import load_workbook

from stomkpi.catalog import load_catalogs
from stomkpi.config import PayrollParams
from stomkpi.errors import InputError
from stomkpi.month_payroll import scored_payroll
from stomkpi.pipeline import score_workbook

from .conftest import PERIOD, person, write_month
from .test_cli import run

DOCTOR = person("1", "Врач-стоматолог", name="Врачова Анна Ивановна")
NURSE = person("2", "Медицинская сестра", name="Сестрова Ольга Ивановна")
PLAN = [("1", "plan", 100), ("2", "plan", 100)]


def shared(tmp_path, staff, funds, deprivations=(), settings=None):
    path = write_month(tmp_path / "2025-03.xlsx", staff, PLAN, deprivations=deprivations, funds=funds)
    scored = score_workbook(path, catalogs=load_catalogs())
    return scored_payroll(scored.scores.table, scored.month, scored.catalog, settings or PayrollParams())


def test_a_person_in_no_group_is_named_with_the_row(tmp_path):
    # the only fund is the doctors' of the department: the nurse (coefficient above 0) falls in no group
    with pytest.raises(InputError) as info:
        shared(tmp_path, [DOCTOR, NURSE], [("Терапевтическое отделение", "врачи", 1000)])
    assert [str(p) for p in info.value.problems] == [
        "лист «Фонд»: Сестрова Ольга Ивановна (таб. № 2, лист «Сотрудники», строка 3): не входит ни в одну группу "
        "листа «Фонд» — добавьте строку его отделения или «Все»"]


def test_a_person_in_two_groups_names_both_rows(tmp_path):
    with pytest.raises(InputError) as info:
        shared(tmp_path, [DOCTOR, NURSE], [("Все", None, 1000), ("Терапевтическое отделение", "средний", 500)])
    [problem] = [str(p) for p in info.value.problems]
    assert "Сестрова Ольга Ивановна" in problem and "строка 2 (Все отделения)" in problem
    assert "строка 3 (Терапевтическое отделение, средний)" in problem


def test_deprived_in_full_may_be_in_no_group(tmp_path):
    # the nurse is deprived 100 %: coefficient 0, so she needs no group; the doctor takes the whole 1 000,00
    result = shared(tmp_path, [DOCTOR, NURSE], [("Терапевтическое отделение", "врачи", 1000)],
                    deprivations=[("2", 100, "прогул")])
    assert dict(zip(result.people["staff_id"], result.people["amount"], strict=True)) == {
        "1": Decimal("1000.00"), "2": Decimal("0.00")}


def test_whole_department_fund_and_a_cap_by_salary(tmp_path):
    # both at 100 % with one rate and all days: coefficients 1,00 and 1,00 (Σ 2): 1 000 ₽ → 500 + 500. With a cap of
    # 10 % of the nurse's Оклад 3 000 ₽ = 300 ₽ she gets 300, the doctor the 700 left (no Оклад: no cap)
    staff = [DOCTOR, dict(NURSE, salary=3000)]
    result = shared(tmp_path, staff, [("Терапевтическое отделение", None, 1000)],
                    settings=PayrollParams(cap_percent_of_salary=Decimal(10)))
    assert list(result.people["amount"]) == [Decimal("700.00"), Decimal("300.00")]
    assert list(result.people["capped"]) == [False, True]


# --- the demo's December, as the report wrote it ---

def _fund_sheet(project) -> Decimal:
    book = load_workbook(project / "demo" / f"{PERIOD}.xlsx", read_only=True)
    rows = list(book["Фонд"].iter_rows(min_row=2, values_only=True))
    return sum((Decimal(str(r[2])) for r in rows), Decimal(0)), len(rows)


def test_demo_december_payroll_csv_adds_up_to_the_fund_sheet(project, monthly):
    fund, groups = _fund_sheet(project)
    with (monthly / f"payroll-{PERIOD}.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    amounts = [Decimal(r["value"]) for r in rows if r["indicator"] == "stimulus_amount"]
    assert sum(amounts) == fund and all(a >= 0 and a == a.quantize(Decimal("0.01")) for a in amounts)
    assert {r["period"] for r in rows} == {f"{PERIOD}-01"}
    assert all(len(r["snils"]) == 11 and r["staff_id"].startswith("0") for r in rows)  # zeros kept
    manifest = json.loads((monthly / "manifest.json").read_text(encoding="utf-8"))
    control = manifest["payroll"]
    assert control["rows"] == len(rows) and Decimal(control["total"]) == fund and len(control["groups"]) == groups
    assert control["sha256"] == hashlib.sha256((monthly / f"payroll-{PERIOD}.csv").read_bytes()).hexdigest()
    assert manifest["outputs"][f"payroll-{PERIOD}.xlsx"]


def test_demo_december_documents_show_the_fund(monthly):
    html = unescape((monthly / f"{PERIOD}.html").read_text(encoding="utf-8"))
    assert "Фонд стимулирующих выплат" in html and "Фонд по группам листа «Фонд»" in html
    assert "Начислено по отделениям" in html
    book = load_workbook(monthly / f"protocols-{PERIOD}.xlsx", read_only=True)
    cells = {str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c}
    assert "Сумма, руб." in cells
    cards = load_workbook(next(monthly.glob(f"cards-{PERIOD}-*.xlsx")), read_only=True)
    texts = [str(c) for ws in cards.worksheets for row in ws.iter_rows(values_only=True) for c in row if c]
    assert any(t.startswith("Стимулирующая выплата: фонд группы") and " × доля " in t for t in texts)


def test_payroll_command_prints_totals_and_refuses_to_overwrite(project, tmp_path):
    out = tmp_path / "1c.csv"
    params = str(project / "params" / "demo.yaml")
    result = run("payroll", "--month", PERIOD, "--params", params, "--out", str(out))
    assert result.returncode == 0, result.stderr
    fund, groups = _fund_sheet(project)
    total = f"{fund:,.2f}".replace(",", "\u00a0").replace(".", ",")
    assert f"Итого начислено: {total} руб." in result.stdout
    assert result.stdout.count("фонд ") == groups
    with out.open(encoding="utf-8-sig", newline="") as fh:
        assert sum(Decimal(r["value"]) for r in csv.DictReader(fh) if r["indicator"] == "stimulus_amount") == fund
    again = run("payroll", "--month", PERIOD, "--params", params, "--out", str(out))
    assert again.returncode == 2 and "уже есть" in again.stderr and "Traceback" not in again.stderr


def test_monthly_names_who_is_in_no_group_in_one_list_before_anything_is_written(tmp_path):
    # the same book as above, through the command: the notebook stops on it, and the command's own check lists the
    # problem (exit 2) instead of «ошибка в ячейке …» of a failed notebook
    (tmp_path / "data").mkdir()
    (tmp_path / "params").mkdir()
    write_month(tmp_path / "data" / "2025-03.xlsx", [DOCTOR, NURSE], PLAN,
                funds=[("Терапевтическое отделение", "врачи", 1000)])
    (tmp_path / "params" / "clinic.yaml").write_text("clinic: Поликлиника\n", encoding="utf-8")
    result = run("monthly", "--month", "2025-03", "--params", str(tmp_path / "params" / "clinic.yaml"), "--quiet")
    assert result.returncode == 2, result.stderr
    assert "Сестрова Ольга Ивановна (таб. № 2, лист «Сотрудники», строка 3): не входит ни в одну группу" in result.stderr
    assert "ошибка в ячейке" not in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "outputs" / "2025-03").exists()
    assert not list((tmp_path / "outputs").glob("*.failed.ipynb"))


THIRD = person("3", "Медицинская сестра", name="Третьякова Вера Павловна")


def test_a_revision_writes_the_corrections_of_exactly_whose_amount_moved(tmp_path):
    # three people share 1 000,00 ₽ («Все»); approved, then the doctor is deprived of 50 % in a revision: the doctor's
    # coefficient halves, so every share of the one group moves — the two nurses' equally — and the corrections list
    # each of them with approved − new differences that add up to 0 (the fund is the same)
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "clinic.yaml").write_text("clinic: Поликлиника\n", encoding="utf-8")
    book = tmp_path / "data" / "2025-03.xlsx"
    book.parent.mkdir()
    staff, plan = [DOCTOR, NURSE, THIRD], [*PLAN, ("3", "plan", 100)]
    write_month(book, staff, plan, funds=[("Все", None, 1000)])
    params = str(tmp_path / "params" / "clinic.yaml")
    assert run("monthly", "--month", "2025-03", "--params", params, "--quiet").returncode == 0
    assert run("approve", "--month", "2025-03", "--params", params, "--by", "Главный врач").returncode == 0
    approval = json.loads((tmp_path / "outputs" / "2025-03" / "approval.json").read_text(encoding="utf-8"))
    approved_csv = tmp_path / "outputs" / "2025-03" / "payroll-2025-03.csv"
    assert approval["payroll"]["sha256"] == hashlib.sha256(approved_csv.read_bytes()).hexdigest()  # signed with the rest

    write_month(book, staff, plan, deprivations=[("1", 50, "жалоба")], funds=[("Все", None, 1000)])
    result = run("monthly", "--month", "2025-03", "--params", params, "--quiet", "--revision", "жалоба на врача")
    assert result.returncode == 0, result.stderr
    revision = tmp_path / "outputs" / "2025-03.r2"

    def amounts(path):
        with path.open(encoding="utf-8-sig") as fh:
            return {r["staff_id"]: Decimal(r["value"]) for r in csv.DictReader(fh) if r["indicator"] == "stimulus_amount"}

    before, after = amounts(approved_csv), amounts(revision / "payroll-2025-03.csv")
    assert sum(after.values()) == Decimal("1000.00")  # the group still closes to the kopeck
    with (revision / "payroll-corrections-2025-03.r2.csv").open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    moved = {sid for sid in before if before[sid] != after[sid]}
    assert moved == {"1", "2", "3"} and {r["staff_id"] for r in rows} == moved
    for r in rows:
        assert Decimal(r["approved_amount"]) == before[r["staff_id"]] and Decimal(r["new_amount"]) == after[r["staff_id"]]
        assert Decimal(r["difference"]) == after[r["staff_id"]] - before[r["staff_id"]]
    assert sum(Decimal(r["difference"]) for r in rows) == 0
    # by hand: equal coefficients 1,00 each share 1 000,00 as 333,34 (lowest табельный номер) + 333,33 + 333,33; with
    # the doctor's 0,50 the weights are 0,50 : 1,00 : 1,00 of 2,50 — 200,00 / 400,00 / 400,00
    assert [r["difference"] for r in rows] == ["-133.34", "66.67", "66.67"]
    diff = run("diff", "--month", "2025-03", "--params", params)
    assert diff.returncode == 0 and "Изменились суммы стимулирующих выплат (3):" in diff.stdout


def test_amount_changes_by_hand():
    from stomkpi.revisions.diff import PaidAmount, amount_changes

    old = {"1": PaidAmount(Decimal("500.00"), "А", "Т", ""), "2": PaidAmount(Decimal("500.00"), "Б", "Т", "")}
    new = {"1": PaidAmount(Decimal("333.33"), "А", "Т", ""), "2": PaidAmount(Decimal("500.00"), "Б", "Т", ""),
           "3": PaidAmount(Decimal("166.67"), "В", "Т", "")}
    # «1» lost 166,67, «2» unchanged (not listed), «3» new in the month: 0 → 166,67
    changes = amount_changes(old, new)
    assert [(c.staff_id, c.difference) for c in changes] == [("1", Decimal("-166.67")), ("3", Decimal("166.67"))]
    assert str(changes[0]) == "А (таб. № 1, Т): 500,00 → 333,33 руб. (−166,67)"
