"""The protocol tables of Приложение 3 (department council) and Приложение 4 (clinic commission).

Pure: scores and deprivations in, tables out, with the columns of the forms. Every scored person is
on both forms, in one section: the catalog's `category` of their position names it — doctors,
medical workers with secondary education (the seed's two sections), then «Младший медицинский
персонал» and «Прочий персонал» (the regulation scores them in Приложение 2, so the forms carry them,
with the columns of the doctors' sections). Each form ends with the deprivations of its people,
with the share withheld («Лишить, %»). So the coefficients of Приложение 4's sections add up to the
month's whole coefficient fund. When the month has a «Фонд», every staff section of both forms ends with
«Сумма, руб.»: the person's stimulus amount, as the payroll engine shared it (printed, never recomputed).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

import pandas as pd

from stomkpi.catalog import PositionCatalog
from stomkpi.summary import exact_sum
from stomkpi.text import grouped

DEPRIVED_PERCENT = "Лишить, %"
# Приложение 3: «Врачей», «Медсестёр», then the two added sections and «Лишить премии»
DEPT_DOCTORS = ["№", "Ф.И.О.", "Занимаем. должность", "Количество ставок по ОМС", "Количество ставок платно",
                "Оценка показателей в % от ставки"]
DEPT_NURSES = ["№", "Ф.И.О.", "Занимаем. должность", "Количество ставок по ОМС", "Количество ставок по платно",
               "Оценка показателей в %"]
DEPT_STAFF = ["№", "Ф.И.О.", "Занимаем. должность", "Количество ставок по ОМС", "Количество ставок платно",
              "Оценка показателей в %"]
DEPT_DEPRIVED = ["№", "Ф.И.О.", "Должность", "Причина", DEPRIVED_PERCENT]
# Приложение 4: «Врачи», «Медицинские работники со средним образованием», the two added sections and
# «Лишить денежных выплат»
CLINIC_DOCTORS = ["№ п/п", "Ф И О врача", "должность", "Факт. дни", "К-во ставок",
                  "Оценка деятельности в баллах: норма", "Оценка деятельности в баллах: факт",
                  "Процент выполнения показателей", "Коэффициент денежных выплат"]
CLINIC_NURSES = ["№ п/п", "Ф И О медсестры", "Факт. дни", "К-во ставок",
                 "Оценка деятельности в баллах: норма", "Оценка деятельности в баллах: факт",
                 "Процент выполнения показателей", "Коэффициент денежных выплат"]
CLINIC_STAFF = ["№ п/п", "Ф И О", *CLINIC_DOCTORS[2:]]
CLINIC_DEPRIVED = ["№ п/п", "Ф И О", "должность", "Причина", DEPRIVED_PERCENT]

AMOUNT = "Сумма, руб."
JUNIOR, OTHER = "Младший медицинский персонал", "Прочий персонал"
_DEPT_FIELDS = ["name", "title", "rates_oms", "rates_paid", "percent"]
_CLINIC_FIELDS = ["name", "title", "days_fact", "rates_oms", "norm_points", "total_points", "percent", "coefficient"]
_NURSE_FIELDS = [f for f in _CLINIC_FIELDS if f != "title"]  # the seed's nurses' section names no position
# category -> its section of Приложение 3 (title, columns) and of Приложение 4 (title, columns, score fields),
# in the forms' order
SECTIONS = {
    "doctors": (("Врачей", DEPT_DOCTORS), ("Врачи", CLINIC_DOCTORS, _CLINIC_FIELDS)),
    "secondary": (("Медсестёр", DEPT_NURSES),
                  ("Медицинские работники со средним образованием", CLINIC_NURSES, _NURSE_FIELDS)),
    "junior": ((JUNIOR, DEPT_STAFF), (JUNIOR, CLINIC_STAFF, _CLINIC_FIELDS)),
    "other": ((OTHER, DEPT_STAFF), (OTHER, CLINIC_STAFF, _CLINIC_FIELDS)),
}


def _category(table: pd.DataFrame, catalog: PositionCatalog) -> pd.Series:
    return table["position"].map({p.code: p.category for p in catalog.positions})


def _numbered(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame.insert(0, columns[0], range(1, len(frame) + 1))
    frame.columns = columns
    return frame


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values(["name", "staff_id"], kind="stable")


def _deprived(table: pd.DataFrame, deprivations: pd.DataFrame) -> pd.DataFrame:
    merged = deprivations.merge(table[["staff_id", "name", "title", "department"]], on="staff_id", how="inner")
    return merged.sort_values(["name", "staff_id"], kind="stable")[["name", "title", "reason", "percent"]]


def _sections(people: pd.DataFrame, catalog: PositionCatalog, clinic: bool,
              amounts: Mapping[str, Decimal] | None = None) -> dict[str, pd.DataFrame]:
    """Every staff section of a form, in order, with its people (as `people` are sorted) in the section's columns;
    with `amounts` (staff_id -> roubles), «Сумма, руб.» last."""
    category = _category(people, catalog)
    out = {}
    for code, (department_form, clinic_form) in SECTIONS.items():
        own = people[category == code]
        if clinic:
            title, columns, fields = clinic_form
        else:
            (title, columns), fields = department_form, _DEPT_FIELDS
        out[title] = _numbered(own[fields], columns)
        if amounts is not None:
            out[title][AMOUNT] = [amount_text(amounts.get(str(sid))) for sid in own["staff_id"]]
    return out


def amount_text(amount: Decimal | None) -> str:
    """An amount as the forms print it: 12 345,67 (none: 0,00 — the person is in no group, with coefficient 0)."""
    value = Decimal("0.00") if amount is None else Decimal(amount).quantize(Decimal("0.01"))
    whole, _, kopecks = f"{value:.2f}".partition(".")
    return f"{grouped(int(whole))},{kopecks}"


def department_protocol(table: pd.DataFrame, deprivations: pd.DataFrame, catalog: PositionCatalog,
                        department: str, amounts: Mapping[str, Decimal] | None = None) -> dict[str, pd.DataFrame]:
    """Приложение 3 for one department (every department with a scored person has one): a section per staff group
    and the deprivations of its people; with `amounts` (staff_id -> roubles), each person's «Сумма, руб.»."""
    own = _ordered(table[table["department"] == department])
    return {**_sections(own, catalog, clinic=False, amounts=amounts),
            "Лишить премии": _numbered(_deprived(own, deprivations), DEPT_DEPRIVED)}


def clinic_protocol(table: pd.DataFrame, deprivations: pd.DataFrame, catalog: PositionCatalog,
                    amounts: Mapping[str, Decimal] | None = None) -> dict[str, pd.DataFrame]:
    """Приложение 4 for the clinic: a section per staff group and the deprivations of the month; with `amounts`,
    each person's «Сумма, руб.»."""
    ordered = _ordered(table)
    return {**_sections(ordered, catalog, clinic=True, amounts=amounts),
            "Лишить денежных выплат": _numbered(_deprived(ordered, deprivations), CLINIC_DEPRIVED)}


def fund(protocol: dict[str, pd.DataFrame]) -> Decimal:
    """The sum of the coefficients over the staff sections of Приложение 4 (`clinic_protocol`), exactly as printed:
    the coefficient fund the commission signs."""
    column = CLINIC_DOCTORS[-1]
    return exact_sum(v for t in protocol.values() if column in t.columns for v in t[column])
