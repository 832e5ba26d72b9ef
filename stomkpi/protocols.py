"""The protocol tables of Приложение 3 (department council) and Приложение 4 (clinic commission).

Pure: scores and deprivations in, tables out, with exactly the columns of the forms. Who goes
into which table follows the catalog's `education` of the position: doctors (higher), medical
workers with secondary education (secondary); positions without medical education are not in
these forms and are listed separately by `other_staff`.
"""

from __future__ import annotations

import pandas as pd

from .catalog import PositionCatalog

# Приложение 3: «Врачей», «Медсестёр», «Лишить премии»
DEPT_DOCTORS = ["№", "Ф.И.О.", "Занимаем. должность", "Количество ставок по ОМС", "Количество ставок платно",
                "Оценка показателей в % от ставки"]
DEPT_NURSES = ["№", "Ф.И.О.", "Занимаем. должность", "Количество ставок по ОМС", "Количество ставок по платно",
               "Оценка показателей в %"]
DEPT_DEPRIVED = ["№", "Ф.И.О.", "Должность", "Причина", "Лишить %"]
# Приложение 4: «Врачи», «Медицинские работники со средним образованием», «Лишить денежных выплат»
CLINIC_DOCTORS = ["№ п/п", "Ф И О врача", "должность", "Факт. дни", "К-во ставок",
                  "Оценка деятельности в баллах: норма", "Оценка деятельности в баллах: факт",
                  "Процент выполнения показателей", "Коэффициент денежных выплат"]
CLINIC_NURSES = ["№ п/п", "Ф И О медсестры", "Факт. дни", "К-во ставок",
                 "Оценка деятельности в баллах: норма", "Оценка деятельности в баллах: факт",
                 "Процент выполнения показателей", "Коэффициент денежных выплат"]
CLINIC_DEPRIVED = ["№ п/п", "Ф И О", "должность", "Причина"]


def _education(table: pd.DataFrame, catalog: PositionCatalog) -> pd.Series:
    return table["position"].map({p.code: p.education for p in catalog.positions})


def _numbered(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    frame = frame.reset_index(drop=True)
    frame.insert(0, columns[0], range(1, len(frame) + 1))
    frame.columns = columns
    return frame


def _ordered(table: pd.DataFrame) -> pd.DataFrame:
    return table.sort_values(["name", "staff_id"], kind="stable")


def _deprived(table: pd.DataFrame, deprivations: pd.DataFrame) -> pd.DataFrame:
    merged = deprivations.merge(table[["staff_id", "name", "title", "department"]], on="staff_id", how="inner")
    return merged.sort_values(["name", "staff_id"], kind="stable")


def _covered(table: pd.DataFrame, catalog: PositionCatalog) -> pd.DataFrame:
    """The staff the forms cover: doctors and staff with secondary medical education."""
    return table[_education(table, catalog).isin(["higher", "secondary"])]


def protocol_departments(table: pd.DataFrame, catalog: PositionCatalog) -> list[str]:
    """The departments that have someone a form of Приложение 3 covers, in alphabetical order."""
    return sorted(_covered(table, catalog)["department"].unique())


def department_protocol(table: pd.DataFrame, deprivations: pd.DataFrame, catalog: PositionCatalog,
                        department: str) -> dict[str, pd.DataFrame]:
    """Приложение 3 for one department: doctors, nurses and the deprivations of those two (the form covers no one else)."""
    own = _ordered(table[table["department"] == department])
    education = _education(own, catalog)
    doctors = own[education == "higher"]
    nurses = own[education == "secondary"]
    deprived = _deprived(_covered(own, catalog), deprivations)
    return {
        "Врачей": _numbered(doctors[["name", "title", "rates_oms", "rates_paid", "percent"]], DEPT_DOCTORS),
        "Медсестёр": _numbered(nurses[["name", "title", "rates_oms", "rates_paid", "percent"]], DEPT_NURSES),
        "Лишить премии": _numbered(deprived[["name", "title", "reason", "percent"]], DEPT_DEPRIVED),
    }


def clinic_protocol(table: pd.DataFrame, deprivations: pd.DataFrame,
                    catalog: PositionCatalog) -> dict[str, pd.DataFrame]:
    """Приложение 4 for the clinic: doctors, secondary medical staff and the deprivations of those two."""
    ordered = _ordered(table)
    education = _education(ordered, catalog)
    doctors = ordered[education == "higher"]
    nurses = ordered[education == "secondary"]
    deprived = _deprived(_covered(ordered, catalog), deprivations)
    cols = ["days_fact", "rates_oms", "norm_points", "total_points", "percent", "coefficient"]
    return {
        "Врачи": _numbered(doctors[["name", "title", *cols]], CLINIC_DOCTORS),
        "Медицинские работники со средним образованием": _numbered(nurses[["name", *cols]], CLINIC_NURSES),
        "Лишить денежных выплат": _numbered(deprived[["name", "title", "reason"]], CLINIC_DEPRIVED),
    }


def other_staff(table: pd.DataFrame, catalog: PositionCatalog) -> pd.DataFrame:
    """Scored staff outside the forms of Приложений 3–4 (positions without medical education)."""
    ordered = _ordered(table)
    rest = ordered[_education(ordered, catalog) == "none"]
    return rest[["name", "title", "department", "days_fact", "rates_oms", "norm_points", "total_points",
                 "percent", "coefficient"]].reset_index(drop=True)
