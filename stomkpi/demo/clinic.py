"""The built-in demo clinic: a synthetic but plausible staff and twelve monthly workbooks for a year.

Everything is drawn from one seeded generator, so a fixed seed gives byte-identical files.
The staff table follows the departments of Приложение 1 and covers every position of
Приложение 2; the months have most people near 100 %, and a few with violations,
deprivations, gratitude, over- and under-fulfilment.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from stomkpi.catalog import IndicatorCatalog, PositionCatalog, load_indicators, load_positions
from stomkpi.demo.indicators import doctor_counts, reviews_for, write_norms
from stomkpi.demo.nmo import write_nmo_workbook
from stomkpi.demo.payroll import funds, with_payroll
from stomkpi.month import DEPRIVATIONS, EVENTS, FUNDS, REVIEWS, STAFF, STATS, VALUES
from stomkpi.sheets import write_workbook

DEMO_PARAMS = Path(__file__).parent / "params.yaml"  # the demo clinic's parameters, package data
YEAR = 2025

# (department, job title as in the staff list, position code, head count)
STAFFING: tuple[tuple[str, str, str, int], ...] = (
    ("Терапевтическое отделение", "Заведующий отделением", "department", 1),
    ("Терапевтическое отделение", "Врач-стоматолог-терапевт", "dentist", 16),
    ("Терапевтическое отделение", "Зубной врач", "dental_practitioner", 3),
    ("Терапевтическое отделение", "Медицинская сестра", "nurse", 16),
    ("Терапевтическое отделение", "Гигиенист стоматологический", "hygienist", 2),
    ("Детское отделение", "Заведующий отделением", "department", 1),
    ("Детское отделение", "Врач-стоматолог детский", "dentist", 9),
    ("Детское отделение", "Медицинская сестра", "nurse", 9),
    ("Детское отделение", "Гигиенист стоматологический", "hygienist", 1),
    ("Ортопедическое отделение", "Заведующий отделением", "department", 1),
    ("Ортопедическое отделение", "Врач-стоматолог-ортопед", "dentist", 6),
    ("Ортопедическое отделение", "Медицинская сестра", "nurse", 6),
    ("Ортопедическое отделение", "Зубной техник", "dental_technician", 10),
    ("Отделение ортодонтии", "Врач-ортодонт", "dentist", 4),
    ("Отделение ортодонтии", "Медицинская сестра", "nurse", 3),
    ("Отделение анестезиологии", "Врач-анестезиолог", "anesthesiologist", 2),
    ("Отделение анестезиологии", "Медсестра-анестезист", "anesthetist_nurse", 3),
    ("Общеполиклинический персонал", "Главная медицинская сестра", "head_nurse", 1),
    ("Общеполиклинический персонал", "Медицинский регистратор", "registrar", 7),
    ("Общеполиклинический персонал", "Рентгенолаборант", "xray_technician", 3),
    ("Общеполиклинический персонал", "Медсестра физиотерапевтического кабинета", "physio_nurse", 2),
    ("Общеполиклинический персонал", "Санитарка", "junior_staff", 14),
)

# Working days of each month of 2025 by the Russian production calendar (five-day week).
WORKING_DAYS_2025 = (17, 20, 21, 22, 18, 19, 23, 21, 22, 23, 19, 22)

# Plausible values of the indicators that `versus_norm` criteria compare (indicator -> (norm, spread)).
INDICATOR_NORMS = {
    "prevention_activity": (0.35, 0.06),
    "satisfaction": (95.0, 2.5),
    "uet_per_visit": (3.0, 0.35),
    "waiting_time": (2.0, 0.6),
}

_SURNAMES = (
    "Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов",
    "Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов",
    "Козлов", "Степанов", "Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев",
    "Соловьёв", "Борисов", "Яковлев", "Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин",
    "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев", "Киселёв", "Ильин", "Максимов", "Поляков",
    "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов", "Тарасов", "Жуков", "Баранов",
)
_MALE = ("Александр", "Сергей", "Дмитрий", "Андрей", "Алексей", "Максим", "Иван", "Михаил", "Артём", "Олег",
         "Николай", "Владимир", "Евгений", "Павел", "Роман", "Игорь", "Тимур", "Георгий")
_FEMALE = ("Елена", "Ольга", "Наталья", "Татьяна", "Ирина", "Светлана", "Анна", "Мария", "Юлия", "Екатерина",
           "Людмила", "Галина", "Марина", "Оксана", "Виктория", "Анастасия", "Надежда", "Дарья")
_FATHERS = ("Александр", "Серге", "Владимир", "Никола", "Иван", "Михаил", "Викторо", "Юрь", "Петр", "Андре")
_MALE_PATRONYMIC = ("Александрович", "Сергеевич", "Владимирович", "Николаевич", "Иванович", "Михайлович",
                    "Викторович", "Юрьевич", "Петрович", "Андреевич")
_FEMALE_PATRONYMIC = ("Александровна", "Сергеевна", "Владимировна", "Николаевна", "Ивановна", "Михайловна",
                      "Викторовна", "Юрьевна", "Петровна", "Андреевна")
# Share of women by position: nursing and registry staff are mostly women.
_FEMALE_SHARE = {"nurse": 0.97, "anesthetist_nurse": 0.95, "physio_nurse": 1.0, "head_nurse": 1.0,
                 "registrar": 0.95, "junior_staff": 0.95, "hygienist": 1.0}
_DEPRIVATION_REASONS = (
    "Неявка на работу без уважительной причины",
    "Обоснованная жалоба пациента",
    "Нарушение санитарно-эпидемиологического режима",
    "Дисциплинарное взыскание (выговор)",
)


def _female_name(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    return surname


def make_staff(rng: np.random.Generator, size: float = 1.0, strength: float = 0.0) -> pd.DataFrame:
    """The demo clinic's staff list: about 120 people over every position of Приложение 2 (× `size`;
    `strength` shifts everyone's skill)."""
    rows = []
    number = 1000
    used: set[str] = set()
    for department, title, code, count in STAFFING:
        for _ in range(count if count == 1 else max(1, round(count * size))):
            number += int(rng.integers(1, 4))
            female = rng.random() < _FEMALE_SHARE.get(code, 0.6)
            while True:
                surname = str(rng.choice(_SURNAMES))
                k = int(rng.integers(len(_MALE_PATRONYMIC)))
                if female:
                    name = f"{_female_name(surname)} {rng.choice(_FEMALE)} {_FEMALE_PATRONYMIC[k]}"
                else:
                    name = f"{surname} {rng.choice(_MALE)} {_MALE_PATRONYMIC[k]}"
                if name not in used:
                    used.add(name)
                    break
            rows.append(
                {
                    "staff_id": f"{number:05d}",
                    "name": name,
                    "position": title,
                    "position_code": code,
                    "department": department,
                    "rates_oms": float(rng.choice([1.0, 1.0, 1.0, 1.0, 0.75, 0.5, 1.25, 1.5])),
                    "rates_paid": float(rng.choice([0.0, 0.0, 0.25, 0.5])),
                    # A few people are chronically weaker or stronger: the year's dynamics differ.
                    "skill": float(rng.normal(strength, 1.0)),
                }
            )
    return pd.DataFrame(rows)


def make_month(staff: pd.DataFrame, catalog: PositionCatalog, year: int, month: int,
               rng: np.random.Generator, indicators: IndicatorCatalog | None = None,
               units: dict[str, float] | None = None) -> dict[str, pd.DataFrame]:
    """One month's seven sheets for the demo staff (`units`: each unit's performance factor, > 1 better)."""
    indicators = indicators or load_indicators()
    stats, reviews = [], []
    days_plan = WORKING_DAYS_2025[month - 1] if year == 2025 else _weekdays(year, month)
    last = calendar.monthrange(year, month)[1]
    staff_rows, values, events, deprivations = [], [], [], []
    for person in staff.itertuples(index=False):
        absent = int(rng.choice([0] * 14 + [1, 2, 3, 5, 10]))
        staff_rows.append({
            "staff_id": person.staff_id, "name": person.name, "position": person.position,
            "department": person.department, "rates_oms": person.rates_oms, "rates_paid": person.rates_paid,
            "days_plan": days_plan, "days_fact": max(0, days_plan - absent),
        })
        position = catalog.by_code(person.position_code)
        unit = indicators.unit_of(person.department)
        if unit is not None and any(c.derived_from for c in position.criteria):
            days = max(0, days_plan - absent)
            for field, value in doctor_counts(indicators, unit.code, person.skill, days, rng,
                                              (units or {}).get(unit.code, 1.0)).items():
                stats.append({"staff_id": person.staff_id, "field": indicators.fields[field], "value": value})
            if days:
                reviews += reviews_for(person.staff_id, person.skill, f"{year}-{month:02d}", rng, indicators,
                                       start=len(reviews) + 1)
        for crit in position.criteria:
            if crit.derived_from:
                continue  # УКВ and ОКЛ come from Статистика and Экспертиза
            row = _criterion_value(crit, person.skill, rng)
            if row is not None:
                values.append({"staff_id": person.staff_id, "criterion": crit.name, **row})
            if crit.kind == "per_event":
                for _ in range(_event_count(crit.weight, person.skill, rng)):
                    day = int(rng.integers(1, last + 1))
                    events.append({"staff_id": person.staff_id, "criterion": crit.name, "count": 1,
                                   "date": dt.date(year, month, day), "note": ""})
        if rng.random() < 0.012 - 0.004 * person.skill:
            deprivations.append({"staff_id": person.staff_id,
                                 "percent": float(rng.choice([25.0, 50.0, 50.0, 100.0])),
                                 "reason": str(rng.choice(_DEPRIVATION_REASONS))})
    staff_frame, categories = with_payroll(pd.DataFrame(staff_rows), list(staff["position_code"]), catalog)
    return {
        STAFF.name: staff_frame,
        FUNDS.name: funds(staff_frame, categories, month),
        VALUES.name: pd.DataFrame(values),
        EVENTS.name: pd.DataFrame(events, columns=[c.key for c in EVENTS.columns]),
        DEPRIVATIONS.name: pd.DataFrame(deprivations, columns=[c.key for c in DEPRIVATIONS.columns]),
        STATS.name: pd.DataFrame(stats, columns=[c.key for c in STATS.columns]),
        REVIEWS.name: pd.DataFrame(reviews, columns=[c.key for c in REVIEWS.columns]),
    }


def _criterion_value(crit, skill: float, rng: np.random.Generator) -> dict | None:
    """A plausible Показатели row for one criterion, or None when the row is left out."""
    if crit.kind == "plan":
        pct = float(np.clip(rng.normal(101.0 + 3.0 * skill, 7.0), 55.0, 145.0))
        return {"value": round(pct, 1), "norm": None}
    if crit.kind == "deduction":
        n = int(rng.poisson(max(0.02, 0.12 - 0.05 * skill)))
        return {"value": n, "norm": None} if n or rng.random() < 0.3 else None
    if crit.kind == "assigned":
        if rng.random() < 0.75:
            return None
        # Heads assign the low end of the range most of the time and its top rarely.
        share = float(rng.choice([0.0, 0.0, 0.1, 0.2, 0.3, 0.5, 1.0]))
        value = crit.low + share * (crit.high - crit.low)
        return {"value": round(value, 2), "norm": None}
    if crit.kind == "versus_norm":
        norm, spread = INDICATOR_NORMS[crit.indicator]
        sign = 1 if crit.direction == "higher" else -1
        value = rng.normal(norm + sign * 0.3 * spread * skill, spread)
        return {"value": round(float(max(value, 0.0)), 2), "norm": norm}
    if crit.kind == "info":
        return {"value": round(float(rng.uniform(60, 120)), 1), "norm": None}
    return None


def _event_count(weight: float, skill: float, rng: np.random.Generator) -> int:
    if weight > 0:
        return int(rng.poisson(max(0.05, 0.25 + 0.1 * skill)))
    return int(rng.poisson(max(0.003, 0.02 - 0.008 * skill)))


def _weekdays(year: int, month: int) -> int:
    days = calendar.monthrange(year, month)[1]
    return sum(dt.date(year, month, d).weekday() < 5 for d in range(1, days + 1))


def write_demo(
    directory: Path | str,
    *,
    seed: int = 2025,
    year: int = YEAR,
    catalog: PositionCatalog | None = None,
    progress: Callable[[str], None] | None = None,
    size: float = 1.0,
    strength: float = 0.0,
    units: dict[str, float] | None = None,
    region_best_file: str | None = None,
) -> list[Path]:
    """Write the demo clinic's twelve monthly workbooks (`YYYY-MM.xlsx`), its НМО workbook (`nmo.xlsx`,
    as of the year's last day) and the year's norms with three years of history (`norms-YYYY.yaml`).

    The defaults give the one demo clinic; a demo region varies `size` (head count), `strength` (the
    staff's skill), `units` (each unit's performance) and takes the region's best from `region_best_file`.
    """
    directory = Path(directory)
    catalog = catalog or load_positions()
    indicators = load_indicators()
    rng = np.random.default_rng(seed)
    staff = make_staff(rng, size, strength)
    directory.mkdir(parents=True, exist_ok=True)
    written = [write_norms(directory / f"norms-{year}.yaml", indicators, year, np.random.default_rng(seed + 2),
                           region_best_file)]
    for month in range(1, 13):
        sheets = make_month(staff, catalog, year, month, rng, indicators, units)
        path = directory / f"{year}-{month:02d}.xlsx"
        write_workbook(path, [(spec, sheets[spec.name]) for spec in (STAFF, VALUES, EVENTS, DEPRIVATIONS, STATS, REVIEWS,
                                                                      FUNDS)])
        written.append(path)
        if progress:
            progress(path.name)
    nmo_staff = staff.assign(position=staff["position_code"])[["staff_id", "name", "position", "department"]]
    written.append(write_nmo_workbook(directory / "nmo.xlsx", nmo_staff, seed=seed + 1, on=dt.date(year, 12, 31)))
    if progress:
        progress("nmo.xlsx")
    return written


def find_project(start: Path | str | None = None) -> Path | None:
    """The project folder (the one holding params/demo.yaml), looked for from `start` (default: the
    working folder, e.g. notebooks/ when JupyterLab opens a notebook there) upwards."""
    here = Path(start or Path.cwd()).resolve()
    return next((d for d in (here, *here.parents) if (d / "params" / "demo.yaml").is_file()), None)


def demo_params_file(start: Path | str | None = None) -> Path:
    """The demo clinic's parameters: the project's params/demo.yaml, else a copy in ./stomkpi-demo/params/."""
    project = find_project(start)
    if project is not None:
        return project / "params" / "demo.yaml"
    target = Path(start or Path.cwd()) / "stomkpi-demo" / "params" / "demo.yaml"
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(DEMO_PARAMS.read_bytes())
    return target


def demo_workbook(period: str = "2025-12", start: Path | str | None = None) -> Path:
    """A month of the demo clinic, written first when it is not there yet (see `demo_params_file`)."""
    from stomkpi.config import load_params

    params = load_params(demo_params_file(start))
    path = params.month_workbook(period)
    if not path.is_file():
        write_demo(params.data_dir, year=int(period[:4]))
    return path


def demo_params(period: str, start: Path | str | None = None) -> Path:
    """The demo clinic's parameters file with `period`'s workbook written first if need be: what a report notebook
    opened without a clinic's parameters (`params = None`, as in JupyterLab) reports on."""
    demo_workbook(period, start)
    return demo_params_file(start)
