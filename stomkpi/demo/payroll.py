"""The demo clinic's payroll inputs: a СНИЛС and an Оклад for everyone, and a «Фонд» for every month.

Drawn from nothing random: each is a function of the табельный номер, the position's staff group and the month,
so adding them changes none of the demo's scores (the seeded generator draws exactly what it drew before).
Each department × staff group present in the month has a fund of about a third of its salaries by the rates,
a little larger in the last month of a quarter, to the kopeck.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from stomkpi.catalog import PositionCatalog
from stomkpi.month import CATEGORY_WORDS

# Оклад by staff group, roubles, before a small step by табельный номер
SALARY = {"doctors": 48_000, "secondary": 31_000, "junior": 22_500, "other": 27_000}
FUND_SHARE = Decimal("0.35")  # of the group's salaries × rates
QUARTER_END = Decimal("1.15")


def snils(staff_id: str) -> str:
    """A СНИЛС that passes the control-number check, «XXX-XXX-XXX YY», drawn from the табельный номер."""
    number = f"{(int(staff_id) * 7_919_813 + 123_456_789) % 900_000_000 + 100_000_000:09d}"
    total = sum(int(d) * w for d, w in zip(number, range(9, 0, -1), strict=True))
    control = total % 101 if total > 101 else total
    control = 0 if control in (100, 101) else control
    return f"{number[:3]}-{number[3:6]}-{number[6:]} {control:02d}"


def salary(staff_id: str, category: str) -> Decimal:
    """A plausible Оклад: the group's, plus 0–3 000 ₽ by the табельный номер."""
    return Decimal(SALARY[category] + int(staff_id) % 7 * 500)


def funds(staff_rows: pd.DataFrame, categories: pd.Series, month: int) -> pd.DataFrame:
    """The «Фонд» sheet: a row per department × staff group present, sorted by department and the forms' order."""
    order = list(CATEGORY_WORDS)
    factor = QUARTER_END if month % 3 == 0 else Decimal(1)
    base = [s * Decimal(str(r)) for s, r in zip(staff_rows["salary"], staff_rows["rates_oms"], strict=True)]
    frame = pd.DataFrame({"department": staff_rows["department"], "category": categories, "base": base})
    rows = []
    for (department, category), group in frame.groupby(["department", "category"], sort=False):
        amount = (sum(group["base"], Decimal(0)) * FUND_SHARE * factor).quantize(Decimal("0.01"))
        rows.append({"department": department, "category": CATEGORY_WORDS[category], "amount": amount,
                     "_order": (department, order.index(category))})
    return pd.DataFrame(rows).sort_values("_order").drop(columns="_order").reset_index(drop=True)


def with_payroll(staff_rows: pd.DataFrame, codes: list[str], catalog: PositionCatalog) -> tuple[pd.DataFrame, pd.Series]:
    """The month's staff rows with СНИЛС and Оклад, and each person's staff group."""
    categories = pd.Series([catalog.by_code(c).category for c in codes], index=staff_rows.index)
    rows = staff_rows.assign(snils=staff_rows["staff_id"].map(snils),
                             salary=[salary(s, c) for s, c in zip(staff_rows["staff_id"], categories, strict=True)])
    return rows, categories
