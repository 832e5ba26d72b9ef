"""Summaries of a scored month for reports and exploration: by department, who lost points and why, and
what the commission should know before signing.

Pure: a scores table in, a table out, already headed in Russian as the reports print it. A report picks the
columns it shows from these tables and never recomputes a figure that is here.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

import numpy as np
import pandas as pd

from stomkpi.catalog import MAIN_BELOW_NORM, PositionCatalog
from stomkpi.compare import above, below
from stomkpi.records import Month


def exact_sum(values: Iterable) -> Decimal:
    """The sum of coefficients exactly as they are printed (each to 2 decimals): the fund a form adds up, no float
    rounding between the rows and the total."""
    return sum((Decimal(str(v)) for v in values), Decimal(0))


def by_department(table: pd.DataFrame, total: str | None = None) -> pd.DataFrame:
    """Per department: head count, mean / min / max percent, how many below 100 %, how many deprived of the bonus in
    part or whole, the sum of coefficients. With `total`, a last row of that name for the whole clinic: its mean is
    over the people, not over the departments' means."""
    g = table.groupby("department", sort=True)
    out = pd.DataFrame({
        "Сотрудников": g.size(),
        "Средний %": g["percent"].mean().round(1),
        "Минимум %": g["percent"].min(),
        "Максимум %": g["percent"].max(),
        "Ниже 100 %": g["percent"].apply(_below_norm),
        "Лишены премии": g["deprived_percent"].apply(_deprived),
        "Сумма коэффициентов": g["coefficient"].apply(exact_sum),
    })
    if total is not None:
        percent = table["percent"]
        out.loc[total] = [len(table), round(percent.mean(), 1), percent.min(), percent.max(), _below_norm(percent),
                          _deprived(table["deprived_percent"]), exact_sum(table["coefficient"])]
    out.index.name = "Отделение"
    return out


def _below_norm(percent: pd.Series) -> int:
    return int(below(percent, 100).sum())


def _deprived(deprived_percent: pd.Series) -> int:
    return int((deprived_percent > 0).sum())


def lost_points(details: pd.DataFrame, table: pd.DataFrame, catalog: PositionCatalog) -> pd.DataFrame:
    """Every criterion row where a person got less than the criterion's full points: main criteria
    below their maximum, additional criteria below zero. Sorted by points lost, largest first."""
    names = {(p.code, c.code): c.name for p in catalog.positions for c in p.criteria}
    full = {(p.code, c.code): c.max_points for p in catalog.positions for c in p.criteria}
    people = table.set_index("staff_id")
    d = details.assign(staff_id=details["staff_id"].astype(str), criterion=details["criterion"].astype(str))
    position = people.loc[d["staff_id"], "position"].to_numpy()
    keys = list(zip(position, d["criterion"], strict=True))
    ceiling = np.array([full[k] for k in keys])
    lost = ceiling - d["points"].to_numpy()
    mask = above(lost, 0)
    out = pd.DataFrame({
        "Таб_номер": d["staff_id"].to_numpy()[mask],
        "ФИО": people.loc[d["staff_id"].to_numpy()[mask], "name"].to_numpy(),
        "Отделение": people.loc[d["staff_id"].to_numpy()[mask], "department"].to_numpy(),
        "Критерий": [names[k] for k, m in zip(keys, mask, strict=True) if m],
        "Значение": np.where(d["kind"].astype(str).to_numpy() == "per_event", d["count"], d["value"])[mask],
        "Баллы": d["points"].to_numpy()[mask],
        "Потеряно баллов": np.round(lost[mask], 2),
    })
    return out.sort_values(["Потеряно баллов", "ФИО"], ascending=[False, True], kind="stable").reset_index(drop=True)


def lost_by_criterion(lost: pd.DataFrame) -> pd.DataFrame:
    """Points lost over the clinic per criterion wording, with the number of people affected."""
    g = lost.groupby("Критерий")
    out = pd.DataFrame({"Потеряно баллов": g["Потеряно баллов"].sum().round(2),
                        "Сотрудников": g["Таб_номер"].nunique()})
    return out.sort_values("Потеряно баллов", ascending=False)


def input_warnings(month: Month, table: pd.DataFrame, catalog: PositionCatalog) -> list[str]:
    """Things that are not errors but that the commission should know before signing."""
    out = []
    absent = table[table["days_fact"] == 0]
    for name in absent["name"]:
        out.append(f"{name}: в месяце нет отработанных дней — коэффициент 0.")
    over = table[table["days_fact"] > table["days_plan"]]
    for name, fact, plan in over[["name", "days_fact", "days_plan"]].itertuples(index=False):
        out.append(f"{name}: отработано дней ({fact:g}) больше, чем по плану ({plan:g}).")
    if not month.deprivations.empty:
        total = month.deprivations.groupby("staff_id")["percent"].sum()
        names = table.set_index("staff_id")["name"]
        for sid, pct in total[total > 100].items():
            out.append(f"{names[sid]}: лишения в сумме {pct:g} % — учтено 100 %.")
    short = {f.position for f in catalog.lint if f.code == MAIN_BELOW_NORM}
    for p in catalog.positions:
        if p.name in short and (table["position"] == p.code).any():
            n = int((table["position"] == p.code).sum())
            out.append(f"Должность «{p.name}» ({n} чел.): сумма основных критериев меньше нормы баллов — "
                       "процент выполнения ниже 100 % даже без замечаний (см. приложение).")
    return out
