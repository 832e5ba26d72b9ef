"""The month's payroll as files: `payroll-YYYY-MM.csv` for payroll software and `payroll-YYYY-MM.xlsx` to sign.

The CSV follows 1С's «Данные для расчета зарплаты»: long form, one row per person and indicator —
`period` (the month's first day), `staff_id` (as typed, zeros kept), `snils` (11 digits), `full_name`,
`department`, `indicator` (`stimulus_coefficient` to 4 decimals, `stimulus_amount` to 2), `value` with a
decimal point; UTF-8 with a BOM, no cell starting a formula (`safe.write_csv`). Amounts are written from
their `Decimal`s as text, never through a float. The workbook prints like the protocols (`printable`):
per group its fund, the sum of weights, the value of one unit and a row per person; the group's total
equal to its fund less what is unspent; lines to sign for the главный бухгалтер and the главный врач.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path

import pandas as pd

from stomkpi.payroll import MonthPayroll, snils_digits
from stomkpi.report.printable import PrintedSheet, new_book
from stomkpi.report.protocols_xlsx import column_widths, spans
from stomkpi.safe import write_csv
from stomkpi.sheets import save_deterministic
from stomkpi.text import decimals, month_words, rub, shown

COLUMNS = ["period", "staff_id", "snils", "full_name", "department", "indicator", "value"]
PERSON_COLUMNS = ["№", "Ф.И.О.", "Таб. №", "СНИЛС", "Должность", "Вес", "Сумма, руб."]
WEIGHT_HEADERS = {"coefficient": "Коэффициент", "points": "Баллы × ставки × дни / план × (1 − лишение)"}
# the quantities (`text.PLACES`) of a person's weight and of a group's sum of weights, by the method
WEIGHT_QUANTITIES = {"coefficient": ("coefficient", "fund"), "points": ("weighted_points", "weighted_points")}
METHOD_WORDS = {"coefficient": ("Сумма коэффициентов", "Стоимость единицы коэффициента, руб."),
                "points": ("Сумма баллов (с учётом ставок, дней и лишения)", "Стоимость балла, руб.")}


def payroll_rows(payroll: MonthPayroll, period: str, staff: pd.DataFrame) -> pd.DataFrame:
    """The CSV's long rows: a coefficient and an amount per person in a group; `staff` has staff_id, snils and
    coefficient (the signed one)."""
    first_day = f"{period}-01"
    info = staff.set_index(staff["staff_id"].astype(str))
    rows = []
    for p in payroll.people[payroll.people["group"].notna()].itertuples(index=False):
        snils = info.at[p.staff_id, "snils"] if "snils" in info else None
        snils = snils_digits(snils) if isinstance(snils, str) and snils.strip() else ""
        common = [first_day, p.staff_id, snils, p.name, p.department]
        rows.append([*common, "stimulus_coefficient", decimals(Decimal(str(info.at[p.staff_id, "coefficient"])), 4)])
        rows.append([*common, "stimulus_amount", decimals(p.amount, 2)])
    return pd.DataFrame(rows, columns=COLUMNS, dtype=object)


def write_payroll_csv(payroll: MonthPayroll, period: str, staff: pd.DataFrame, path: Path | str) -> dict:
    """Write the CSV; return its control totals for the manifest (rows, per group and in all, SHA-256)."""
    path = Path(path)
    write_csv(payroll_rows(payroll, period, staff), path)
    groups = {g.group: decimals(g.paid, 2) for g in payroll.groups.itertuples(index=False)}
    total = sum(payroll.groups["paid"], Decimal("0.00"))
    return {"file": path.name, "rows": int((payroll.people["group"].notna()).sum()) * 2, "groups": groups,
            "total": decimals(total, 2), "sha256": hashlib.sha256(path.read_bytes()).hexdigest()}


def write_payroll_xlsx(payroll: MonthPayroll, period: str, clinic: str, staff: pd.DataFrame, method: str,
                       path: Path | str) -> Path:
    """The workbook to sign: a section per group and the signature lines."""
    info = staff.set_index(staff["staff_id"].astype(str))
    columns = [*PERSON_COLUMNS[:5], WEIGHT_HEADERS[method], PERSON_COLUMNS[6]]
    tables = {}
    for g in payroll.groups.itertuples(index=False):
        members = payroll.people[payroll.people["group"] == g.group]
        rows = [[i, p.name, p.staff_id, _snils(info, p.staff_id), info.at[p.staff_id, "title"],
                 shown(p.weight, WEIGHT_QUANTITIES[method][0]), rub(p.amount)]
                for i, p in enumerate(members.itertuples(index=False), start=1)]
        tables[g] = pd.DataFrame(rows, columns=columns, dtype=object)
    widest = max(tables.values(), key=len) if tables else pd.DataFrame(columns=columns)
    book = new_book()
    sheet = PrintedSheet(book, "Фонд", column_widths(widest))
    sheet.line("Распределение фонда стимулирующих выплат", bold=True)
    sheet.line(clinic)
    sheet.line(f"за {month_words(period)}")
    weights_word, unit_word = METHOD_WORDS[method]
    for g, table in tables.items():
        sheet.blank()
        unit = rub(Decimal(decimals(g.unit_value, 2))) if g.unit_value is not None else "—"
        sheet.line(f"{g.group}: фонд {rub(g.fund)} руб.; {weights_word.lower()} {shown(g.weights, WEIGHT_QUANTITIES[method][1])};"
                   f" {unit_word.lower()} {unit}", align="left")
        sheet.table(None, columns, table.to_numpy(dtype=object).tolist(),
                    spans=spans(columns, len(sheet.widths)), empty="нет")
        unspent = f"; не распределено {rub(g.unspent)} руб." if g.unspent else ""
        sheet.line(f"Итого по группе: {rub(g.paid)} руб.{unspent}", align="left")
    sheet.blank()
    sheet.block(["Главный бухгалтер ____________________ (ФИО)          Подпись ____________",
                 "Главный врач ____________________ (ФИО)          Подпись ____________"])
    save_deterministic(book, path)
    return Path(path)


def _snils(info: pd.DataFrame, staff_id: str) -> str:
    value = info.at[staff_id, "snils"] if "snils" in info else None
    return value if isinstance(value, str) else ""


CORRECTION_HEADERS = {"staff_id": "Таб. №", "snils": "СНИЛС", "full_name": "ФИО", "department": "Отделение",
                      "approved_amount": "Утверждено, руб.", "new_amount": "По новой редакции, руб.",
                      "difference": "Доплатить, руб. (удержать — со знаком «−»)"}


def write_corrections(corrections: pd.DataFrame, folder: Path, stem: str) -> list[Path]:
    """A revision's payroll corrections: `stem.csv` for payroll software (amounts with a decimal point, the difference
    signed) and `stem.xlsx` for the accountant (Russian headers, amounts as people read them)."""
    from stomkpi.report.files import write_xlsx

    money = ["approved_amount", "new_amount", "difference"]
    csv, xlsx = folder / f"{stem}.csv", folder / f"{stem}.xlsx"
    # the amounts stay Decimals (two places): a number, never text, so a negative difference is not taken for a formula
    write_csv(corrections.astype(object), csv)
    people = corrections.astype(object).copy()
    for column in money:
        people[column] = [rub(v).replace("-", "−") for v in corrections[column]]  # «−»: never read as a formula
    write_xlsx(people.rename(columns=CORRECTION_HEADERS), xlsx, sheet="Перерасчёт")
    return [csv, xlsx]
