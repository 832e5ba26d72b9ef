"""A scored month's payroll (SPEC §11): the «Фонд» sheet's groups shared by the clinic's `payroll` parameters.

The rule of this module: it only joins what the reader checked (the funds, СНИЛС, Оклад) with what the scoring
computed (coefficients, points) and hands them to the exact engine (`payroll.month_payroll`). Who belongs to
which group can only be known once the month is scored (a person with a coefficient of 0 may be in none), so
the check of the groups is here, and its problems are an `InputError` of the «Фонд» sheet like the reader's:
each names the person, their «Сотрудники» row and the «Фонд» rows.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from stomkpi.catalog import PositionCatalog
from stomkpi.config import PayrollParams
from stomkpi.errors import InputError, Problem
from stomkpi.month import CATEGORY_WORDS, FUNDS, MONTH_SHEETS
from stomkpi.payroll import MonthPayroll, assign_groups, group_problems, month_payroll, weights
from stomkpi.records import Month
from stomkpi.sheets import ROW


def category_words(table: pd.DataFrame, catalog: PositionCatalog) -> list[str]:
    """Each scored person's staff group as the «Фонд» sheet names it (врачи / средний / младший / прочие)."""
    by_code = {p.code: CATEGORY_WORDS[p.category] for p in catalog.positions}
    return [by_code[code] for code in table["position"]]


def salary_caps(table: pd.DataFrame, month: Month, percent: Decimal | None) -> list[Decimal | None]:
    """Each person's cap in roubles: `percent` of their Оклад (None: no cap, or no Оклад given)."""
    if percent is None or "salary" not in month.staff:
        return [None] * len(table)
    salary = dict(zip(month.staff["staff_id"], month.staff["salary"], strict=True))
    return [salary[sid] * Decimal(percent) / 100 if isinstance(salary.get(sid), Decimal) else None
            for sid in table["staff_id"]]


def group_check(table: pd.DataFrame, month: Month, categories: list[str], method: str) -> list[Problem]:
    """Who with a coefficient above 0 is in no group of the «Фонд» sheet, and who is in two: one problem each."""
    rows = dict(zip(month.staff["staff_id"], month.staff[ROW], strict=True)) if ROW in month.staff else {}
    names = [f"{name} (таб. № {sid}, лист «Сотрудники», строка {rows.get(sid, '—')})"
             for sid, name in zip(table["staff_id"], table["name"], strict=True)]
    found = assign_groups(table["department"].astype(str).tolist(), categories, month.funds)
    paid = [w > 0 for w in weights(table, method)]
    return [Problem(FUNDS.name, None, None, message) for message in group_problems(names, paid, found, month.funds)]


def scored_payroll(table: pd.DataFrame, month: Month, catalog: PositionCatalog,
                   settings: PayrollParams) -> MonthPayroll | None:
    """The month's fund shared among its groups; None when the month has no «Фонд» sheet. An `InputError` lists
    everyone outside the groups or in two of them."""
    if month.funds is None:
        return None
    categories = category_words(table, catalog)
    problems = group_check(table, month, categories, settings.method)
    if problems:
        raise InputError(str(month.source), problems, tuple(s.name for s in MONTH_SHEETS))
    return month_payroll(table, categories, month.funds, settings.method,
                         salary_caps(table, month, settings.cap_percent_of_salary))


def staff_columns(table: pd.DataFrame, month: Month) -> pd.DataFrame:
    """What the payroll files print of each person beside the amounts: staff_id, snils, title, coefficient."""
    snils = dict(zip(month.staff["staff_id"], month.staff["snils"], strict=True)) if "snils" in month.staff else {}
    return pd.DataFrame({"staff_id": table["staff_id"].astype(str), "title": table["title"],
                         "coefficient": table["coefficient"], "snils": table["staff_id"].map(snils)})
