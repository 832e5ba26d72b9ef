"""The year's money (`report.annual_payroll`): two months of a small clinic shared by hand, the tables' totals to the
kopeck, why money stayed unspent, the files, and the sentence of a year without a «Фонд» sheet."""

from __future__ import annotations

import csv
from decimal import Decimal

import pandas as pd
from openpyxl import load_workbook

from stomkpi.payroll import Fund, month_payroll
from stomkpi.report.annual_payroll import YearPayroll

THER, SURG, ORTHO = "Терапевтическое отделение", "Хирургическое отделение", "Ортопедическое отделение"
D = Decimal


def month(people: list[tuple], funds: list[tuple], caps: dict[str, str] | None = None):
    """people: (staff_id, name, department, coefficient); funds: (department, amount)."""
    table = pd.DataFrame(people, columns=["staff_id", "name", "department", "coefficient"])
    rows = [Fund(row, department, None, D(amount)) for row, (department, amount) in enumerate(funds, start=2)]
    cap = [D(caps[sid]) if caps and sid in caps else None for sid in table["staff_id"]]
    return month_payroll(table, ["врачи"] * len(table), rows, "coefficient", cap)


# January: three doctors of the therapy department share 100,00 equally: 33,33⅓ each, floors 33,33 × 3 = 99,99,
# the kopeck left goes to the smallest табельный номер of the equal remainders (1): 33,34 + 33,33 + 33,33.
# The surgery fund of 50,00 has nobody in its group: all 50,00 unspent («в группе никого»).
JANUARY = month([("1", "Первая Анна", THER, 1.0), ("2", "Вторая Вера", THER, 1.0), ("3", "Третья Галина", THER, 1.0)],
                [(THER, "100.00"), (SURG, "50.00")])
# February: therapy 10,00 by coefficients 1,00 / 0,50 / 0 (no. 3 deprived in full): 1 000 kopecks × 1/1,5 = 666⅔ and
# × 0,5/1,5 = 333⅓; floors 666 + 333 = 999, the last kopeck to the larger remainder (⅔, no. 1): 6,67 + 3,33 + 0,00.
# Surgery 20,00: its only person (4) has coefficient 0, so all 20,00 unspent («все лишены премии»).
# Orthopaedics 30,00: its only person (5) is capped at 12,00 (a % of the salary): 12,00 paid, 18,00 unspent («предел»).
FEBRUARY = month([("1", "Первая Анна", THER, 1.0), ("2", "Вторая Вера", THER, 0.5), ("3", "Третья Галина", THER, 0.0),
                  ("4", "Четвёртая Дарья", SURG, 0.0), ("5", "Пятая Елена", ORTHO, 1.0)],
                 [(THER, "10.00"), (SURG, "20.00"), (ORTHO, "30.00")], caps={"5": "12.00"})


def year() -> YearPayroll:
    return YearPayroll(2025, {"2025-01": JANUARY, "2025-02": FEBRUARY},
                       {"2025-01": "янв", "2025-02": "фев (не утверждён)"},
                       {"2025-01": "редакция 1, утверждена 05.02.2025", "2025-02": "не утверждён"})


def values(frame: pd.DataFrame) -> list[list]:
    return frame.to_numpy(dtype=object).tolist()


def test_each_persons_amounts_by_month_and_for_the_year_add_up_to_the_kopeck():
    table = year().people_table()
    assert list(table.columns) == ["Отделение", "ФИО", "Таб. №", "янв", "фев (не утверждён)", "Год"]
    assert values(table) == [
        [ORTHO, "Пятая Елена", "5", D("0.00"), D("12.00"), D("12.00")],
        [THER, "Первая Анна", "1", D("33.34"), D("6.67"), D("40.01")],
        [THER, "Вторая Вера", "2", D("33.33"), D("3.33"), D("36.66")],
        [THER, "Третья Галина", "3", D("33.33"), D("0.00"), D("33.33")],
        [SURG, "Четвёртая Дарья", "4", D("0.00"), D("0.00"), D("0.00")],
        ["Итого", "", "", D("100.00"), D("22.00"), D("122.00")]]
    money = table[["янв", "фев (не утверждён)"]].iloc[:-1]
    # row sums = the «Год» column, column sums = the «Итого» row, and both reach the same grand total
    assert [sum(r, D(0)) for r in money.to_numpy().tolist()] == table["Год"].iloc[:-1].tolist()
    assert [sum(money[c], D(0)) for c in money] == table.iloc[-1, 3:5].tolist()
    assert sum(table["Год"].iloc[:-1], D(0)) == table.iloc[-1]["Год"] == D("122.00")
    assert all(isinstance(v, Decimal) for v in table.iloc[:, 3:].to_numpy().ravel())


def test_each_departments_amounts_are_its_peoples():
    assert values(year().departments_table()) == [
        [ORTHO, D("0.00"), D("12.00"), D("12.00")],
        [THER, D("100.00"), D("10.00"), D("110.00")],
        [SURG, D("0.00"), D("0.00"), D("0.00")],
        ["Итого", D("100.00"), D("22.00"), D("122.00")]]


def test_the_fund_given_paid_and_unspent_with_why():
    # January 150,00 = 100,00 paid + 50,00 nobody's; February 60,00 = 22,00 + 20,00 deprived + 18,00 over the cap
    assert values(year().funds_table()) == [
        ["янв", D("150.00"), D("100.00"), D("50.00"), D("0.00"), D("0.00"), D("50.00")],
        ["фев (не утверждён)", D("60.00"), D("22.00"), D("38.00"), D("20.00"), D("18.00"), D("0.00")],
        ["Год", D("210.00"), D("122.00"), D("88.00"), D("20.00"), D("18.00"), D("50.00")]]
    assert values(year().unspent_table()) == [
        ["янв", "Хирургическое отделение", D("50.00"), D("50.00"), "в группе нет ни одного сотрудника"],
        ["фев (не утверждён)", "Хирургическое отделение", D("20.00"), D("20.00"),
         "все в группе лишены премии (коэффициент 0)"],
        ["фев (не утверждён)", "Ортопедическое отделение", D("30.00"), D("12.00") + D("6.00"),
         "все в группе достигли предела по окладу"]]


def test_the_printed_tables_show_roubles_and_split_a_long_year_in_two():
    shown = year().person_tables()
    assert list(shown) == [ORTHO, THER, SURG]
    assert values(shown[THER]) == [["Первая Анна", "1", "33,34", "6,67", "40,01"],
                                   ["Вторая Вера", "2", "33,33", "3,33", "36,66"],
                                   ["Третья Галина", "3", "33,33", "0,00", "33,33"],
                                   ["Итого по отделению", "", "100,00", "10,00", "110,00"]]
    long = YearPayroll(2025, {f"2025-{m:02d}": JANUARY for m in range(1, 8)},
                       {f"2025-{m:02d}": f"м{m}" for m in range(1, 8)}, {})
    halves = long.person_tables()
    assert list(halves) == [f"{THER}, янв–июн", f"{THER}, июл"]
    assert list(halves[f"{THER}, янв–июн"].columns) == ["ФИО", "Таб. №", "м1", "м2", "м3", "м4", "м5", "м6"]
    assert list(halves[f"{THER}, июл"].columns) == ["ФИО", "Таб. №", "м7", "Год"]
    # seven Januaries: 7 × 33,34 = 233,38 for no. 1; the department 7 × 100,00
    assert values(halves[f"{THER}, июл"])[0] == ["Первая Анна", "1", "33,34", "233,38"]
    assert values(halves[f"{THER}, июл"])[-1] == ["Итого по отделению", "", "100,00", "700,00"]


def test_the_files_hold_the_exact_amounts(tmp_path):
    csv_path, xlsx_path = year().write(tmp_path)
    assert (csv_path.name, xlsx_path.name) == ("payroll-2025.csv", "payroll-2025.xlsx")
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert rows[0] == {"period": "2025-01", "edition": "редакция 1, утверждена 05.02.2025", "staff_id": "1",
                       "full_name": "Первая Анна", "department": THER, "group": THER, "amount": "33.34"}
    assert len(rows) == 3 + 5  # everyone in a group, deprived ones too (0.00)
    assert sum(D(r["amount"]) for r in rows) == D("122.00")
    book = load_workbook(xlsx_path)
    assert book.sheetnames == ["Сотрудники", "Отделения", "Фонд", "Не распределено"]
    people = book["Сотрудники"]
    assert [c.value for c in people[1]] == ["Отделение", "ФИО", "Таб. №", "янв", "фев (не утверждён)", "Год"]
    assert [c.value for c in people[3]] == [THER, "Первая Анна", "1", 33.34, 6.67, 40.01]
    assert people["F7"].value == 122 and people["F7"].font.bold and people["A7"].value == "Итого"
    assert {people.cell(3, c).number_format for c in (4, 5, 6)} == {"[$-419]#,##0.00"}
    assert [c.value for c in book["Фонд"][1]][:4] == ["Месяц", "Фонд, руб.", "Начислено, руб.", "Не распределено, руб."]

