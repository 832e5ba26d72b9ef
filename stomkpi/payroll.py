"""Payroll: a month's stimulus fund shared among its people to the kopeck (SPEC §11). Pure: no I/O.

The rule of this module: money never touches a float. A fund arrives as a `Decimal` of roubles with at
most two decimals and is turned into whole kopecks at once; a person's weight (the signed coefficient,
or «стоимость балла» points) is an exact `Fraction`; the group's weights are scaled to integers over their
common denominator, so that every share below is integer arithmetic:

    exact amount_i = fund × w_i / Σ w            (kopecks, a fraction)
    cap:    a person whose exact amount exceeds their cap (whole kopecks) gets the cap; the rest of the
            fund is shared again among the others by the same weights, until nobody exceeds; what nobody
            can take (everyone capped) is unspent
    kopecks: each person gets the floor of their exact amount; the kopecks left go one each to the
            largest remainders, ties by табельный номер ascending (largest remainder / Hamilton)

so each group's amounts add up to its fund exactly (less what is unspent), no amount is negative, and a
larger weight never gets less than a smaller one (caps aside). A weight of 0 (coefficient 0, deprived
100 %) gets 0 and the others share the money; a group whose weights are all 0 leaves its fund unspent.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd

KOPECKS = 100  # in a rouble


@dataclass(frozen=True)
class Share:
    """One person of a group: табельный номер, weight (≥ 0) and the cap on their amount (roubles, None: none)."""

    staff_id: str
    weight: Fraction
    cap: Decimal | None = None


@dataclass(frozen=True)
class GroupShares:
    """A group's fund shared: kopecks per person (in the order given), what stays unspent, the unit value."""

    fund: Decimal
    amounts: dict[str, Decimal]  # roubles, exactly two decimals
    unspent: Decimal
    weights: Fraction  # Σ w of the group
    capped: tuple[str, ...]  # who got their cap

    @property
    def unit_value(self) -> Fraction | None:
        """Roubles per unit of weight (стоимость балла / коэффициента); None when the weights are all 0."""
        return Fraction(self.fund) / self.weights if self.weights else None


def to_kopecks(roubles: Decimal) -> int:
    """Whole kopecks of an amount with at most two decimals (a ValueError otherwise: money is never rounded here)."""
    kopecks = Decimal(roubles) * KOPECKS
    if kopecks != kopecks.to_integral_value():
        raise ValueError(f"{roubles} — больше двух знаков после запятой")
    return int(kopecks)


def roubles(kopecks: int) -> Decimal:
    """Kopecks as roubles with exactly two decimals."""
    return (Decimal(kopecks) / KOPECKS).quantize(Decimal("0.01"))


def id_order(staff_id: str) -> tuple:
    """Табельные номера in ascending order as people read them: 9 before 10, then «0102» before «102»."""
    digits = staff_id.strip()
    return (0, int(digits), staff_id) if digits.isdigit() else (1, 0, staff_id)


def _integer_weights(weights: Sequence[Fraction]) -> list[int]:
    """The weights times their common denominator: the same proportions, in integers."""
    common = math.lcm(*(w.denominator for w in weights)) if weights else 1
    return [int(w * common) for w in weights]


def _capped_shares(fund: int, weights: list[int], caps: list[int | None]) -> tuple[list[Fraction], list[bool]]:
    """Exact amounts in kopecks: shared by weight, a cap fixes a person at it and the rest is shared again."""
    amounts: list[Fraction] = [Fraction(0)] * len(weights)
    capped = [False] * len(weights)
    active = [i for i, w in enumerate(weights) if w > 0]
    left = fund
    while active:
        total = sum(weights[i] for i in active)
        over = [i for i in active if caps[i] is not None and left * weights[i] > caps[i] * total]
        if not over:
            for i in active:
                amounts[i] = Fraction(left * weights[i], total)
            break
        for i in over:  # everyone over the cap at this round's shares gets the cap; the others share again
            amounts[i], capped[i] = Fraction(caps[i]), True
            left -= caps[i]
        active = [i for i in active if not capped[i]]
    return amounts, capped


def _largest_remainder(amounts: list[Fraction], order: list[tuple]) -> list[int]:
    """Whole kopecks: floors, then one more to each of the largest remainders until the exact sum is reached."""
    floors = [a.numerator // a.denominator for a in amounts]
    left = int(sum(amounts)) - sum(floors)  # the exact sum is whole: fund less whole-kopeck caps and unspent
    if left:
        ranked = sorted(range(len(amounts)), key=lambda i: (-(amounts[i] - floors[i]), order[i]))
        for i in ranked[:left]:
            floors[i] += 1
    return floors


def share_fund(fund: Decimal, people: Iterable[Share]) -> GroupShares:
    """Share one group's fund (roubles, ≥ 0, at most 2 decimals) among its people to the kopeck."""
    people = list(people)
    if fund < 0:
        raise ValueError(f"фонд {fund} меньше нуля")
    if any(p.weight < 0 for p in people):
        raise ValueError("вес сотрудника меньше нуля")
    total = to_kopecks(fund)
    weights = _integer_weights([Fraction(p.weight) for p in people])
    # a cap is what the person may get at most: whole kopecks, never rounded up past it
    caps = [None if p.cap is None else int(Decimal(p.cap) * KOPECKS) for p in people]
    exact, capped = _capped_shares(total, weights, caps)
    kopecks = _largest_remainder(exact, [id_order(p.staff_id) for p in people])
    return GroupShares(
        fund=Decimal(fund),
        amounts={p.staff_id: roubles(k) for p, k in zip(people, kopecks, strict=True)},
        unspent=roubles(total - sum(kopecks)),
        weights=sum((Fraction(p.weight) for p in people), Fraction(0)),
        capped=tuple(p.staff_id for p, c in zip(people, capped, strict=True) if c),
    )


# --- СНИЛС ---------------------------------------------------------------------------------------------------

_SNILS_SEPARATORS = re.compile(r"[\s\-]")
# Numbers up to 001-001-998 were issued before the control number was introduced: they are not checked.
_SNILS_UNCHECKED = 1001998


def snils_problem(text: str) -> str | None:
    """Why a СНИЛС is not valid (Russian words), or None when it is.

    The control number (the last two digits) by the Пенсионный фонд rule: the first nine digits times
    9, 8, …, 1, summed; a sum below 100 is the control number itself, 100 and 101 give 00, a larger sum is
    taken modulo 101 first (and 100 is 00 again)."""
    digits = _SNILS_SEPARATORS.sub("", str(text))
    if not re.fullmatch(r"\d{11}", digits):
        return "СНИЛС — 11 цифр (например 112-233-445 95)"
    number, control = digits[:9], int(digits[9:])
    if int(number) <= _SNILS_UNCHECKED:
        return None
    total = sum(int(d) * weight for d, weight in zip(number, range(9, 0, -1), strict=True))
    expected = total % 101 if total > 101 else total
    expected = 0 if expected == 100 or expected == 101 else expected
    if control != expected:
        return f"контрольное число СНИЛС {control:02d} не сходится с номером (должно быть {expected:02d}): проверьте цифры"
    return None


def snils_digits(text: str) -> str:
    """A СНИЛС as 11 digits, without separators (for the payroll file)."""
    return _SNILS_SEPARATORS.sub("", str(text))


# --- the month: people into the «Фонд» sheet's groups ----------------------------------------------------------

ALL_DEPARTMENTS = "Все"


@dataclass(frozen=True)
class Fund:
    """One row of the «Фонд» sheet: a department (or «Все»), optionally one category of positions, the sum."""

    row: int  # the spreadsheet row, for messages
    department: str
    category: str | None
    amount: Decimal

    def label(self) -> str:
        """«Терапевтическое отделение, врачи» / «Все отделения»."""
        where = "Все отделения" if self.department == ALL_DEPARTMENTS else self.department
        return f"{where}, {self.category}" if self.category else where


def assign_groups(departments: Sequence[str], categories: Sequence[str], funds: Sequence[Fund]) -> list[list[int]]:
    """For each person (department, category), the indexes of the fund rows whose group they fall in."""

    departments, categories = np.asarray(departments, dtype=object), np.asarray(categories, dtype=object)
    found: list[list[int]] = [[] for _ in range(len(departments))]
    for f, fund in enumerate(funds):
        inside = np.ones(len(departments), dtype=bool)
        if fund.department != ALL_DEPARTMENTS:
            inside &= departments == fund.department
        if fund.category is not None:
            inside &= categories == fund.category
        for i in np.flatnonzero(inside):
            found[i].append(f)
    return found


def group_problems(names: Sequence[str], paid: Sequence[bool], groups: list[list[int]], funds: Sequence[Fund]) -> list[str]:
    """Who with a coefficient above 0 falls in no group or in several (Russian, naming the «Фонд» rows)."""
    problems = []
    for name, pays, found in zip(names, paid, groups, strict=True):
        if pays and not found:
            problems.append(f"{name}: не входит ни в одну группу листа «Фонд» — добавьте строку его отделения "
                            "или «Все»")
        elif len(found) > 1:
            rows = ", ".join(f"строка {funds[f].row} ({funds[f].label()})" for f in found)
            problems.append(f"{name}: входит в несколько групп листа «Фонд» ({rows}) — группы не должны пересекаться")
    return problems


# --- a scored month's payroll --------------------------------------------------------------------------------

METHODS = ("coefficient", "points")


def exact(value: object) -> Fraction:
    """A figure of the scores table as the analyst typed or the protocol prints it (0.75, not 0.75000000000000001)."""
    return Fraction(Decimal(str(value)))


def weights(table: pd.DataFrame, method: str) -> list[Fraction]:
    """Each person's weight: the signed coefficient (2 decimals), or «стоимость балла»'s points × ставки ОМС ×
    дни/план × (1 − лишение), with a negative total counted as 0 (as the coefficient does)."""
    if method == "coefficient":
        return [exact(c) for c in table["coefficient"]]
    if method != "points":
        raise ValueError(f"способ распределения «{method}» неизвестен: {' или '.join(METHODS)}")
    rows = zip(table["total_points"], table["rates_oms"], table["days_fact"], table["days_plan"],
               table["deprived_percent"], strict=True)
    return [max(Fraction(0), exact(p)) * exact(r) * exact(f) / exact(d) * (1 - exact(x) / 100)
            for p, r, f, d, x in rows]


@dataclass(frozen=True)
class MonthPayroll:
    """The month's fund shared: a row per person and a row per group (the «Фонд» sheet's rows)."""

    people: pd.DataFrame  # staff_id, name, department, category, group, weight, amount (Decimal), capped
    groups: pd.DataFrame  # row, group, fund, weights, unit_value, paid, unspent, people


def month_payroll(table: pd.DataFrame, categories: Sequence[str], funds: Sequence[Fund], method: str = "coefficient",
                  caps: Sequence[Decimal | None] | None = None) -> MonthPayroll:
    """Share every fund of the «Фонд» sheet among its group; `categories` and `caps` (roubles) are per row of
    `table`. A ValueError lists who is in no group or in several."""
    w = weights(table, method)
    names = table["name"].astype(str).tolist()
    groups = assign_groups(table["department"].astype(str).tolist(), list(categories), funds)
    problems = group_problems(names, [x > 0 for x in w], groups, funds)
    if problems:
        raise ValueError("\n".join(problems))
    caps = list(caps) if caps is not None else [None] * len(table)
    ids = table["staff_id"].astype(str).tolist()
    members: list[list[Share]] = [[] for _ in funds]
    for i, found in enumerate(groups):
        if found:
            members[found[0]].append(Share(ids[i], w[i], caps[i]))
    shared = [share_fund(f.amount, people) for f, people in zip(funds, members, strict=True)]
    amount = {sid: a for result in shared for sid, a in result.amounts.items()}
    capped = {sid for result in shared for sid in result.capped}
    people = pd.DataFrame({
        "staff_id": ids, "name": names, "department": table["department"].astype(str).tolist(),
        "category": list(categories),
        "group": [funds[g[0]].label() if g else None for g in groups],
        "weight": w,
        "amount": [amount.get(sid, Decimal("0.00")) for sid in ids],
        "capped": [sid in capped for sid in ids],
    })
    summary = pd.DataFrame({
        "row": [f.row for f in funds], "group": [f.label() for f in funds], "fund": [f.amount for f in funds],
        "weights": [r.weights for r in shared], "unit_value": [r.unit_value for r in shared],
        "paid": [sum(r.amounts.values(), Decimal("0.00")) for r in shared], "unspent": [r.unspent for r in shared],
        "people": [len(m) for m in members],
    })
    return MonthPayroll(people, summary)
