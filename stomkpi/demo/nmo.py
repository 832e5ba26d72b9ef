"""The demo clinic's НМО workbook: certificates over 2015–2025 and education that puts people in
every status on the report date, and a portfolio (удостоверения, ФРДО marks, categories, отчёты, filings) that puts
plans in every accreditation state. Deterministic for a fixed seed; the portfolio draws no random numbers, so the
credits are those of the workbook without it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from stomkpi.nmo_inputs import ATTESTATIONS, CERTIFICATES, EDUCATION, FILINGS, NMO_SHEETS, NMO_STAFF, REPORTS
from stomkpi.sheets import write_workbook

# Specialty by position code, and for doctors by department.
_BY_DEPARTMENT = {
    "Терапевтическое отделение": "Стоматология терапевтическая",
    "Детское отделение": "Стоматология детская",
    "Ортопедическое отделение": "Стоматология ортопедическая",
    "Отделение ортодонтии": "Ортодонтия",
}
_BY_POSITION = {
    "dental_practitioner": "Стоматология",
    "nurse": "Сестринское дело",
    "anesthetist_nurse": "Анестезиология и реаниматология",
    "physio_nurse": "Физиотерапия",
    "head_nurse": "Организация сестринского дела",
    "xray_technician": "Рентгенология",
    "hygienist": "Стоматология профилактическая",
    "dental_technician": "Стоматология ортопедическая",
    "anesthesiologist": "Анестезиология-реаниматология",
}
NOT_MEDICAL = {"registrar", "junior_staff"}
SECOND_SPECIALTY = "Стоматология общей практики"

_DPP = ("Актуальные вопросы {s}", "Современные технологии в специальности «{s}»", "{s}: клинические рекомендации",
        "Инфекционная безопасность в практике: {s}")
_IOM = ("Профилактика кариеса у взрослых", "Эндодонтическое лечение: ошибки и осложнения", "Местная анестезия в стоматологии",
        "Неотложная помощь на амбулаторном приёме", "Дезинфекция и стерилизация", "Медицинская этика и деонтология",
        "Заболевания пародонта", "Рентгенодиагностика в стоматологии", "Коммуникация с пациентом")
_EVENTS = ("Региональная стоматологическая конференция", "Школа главных медицинских сестёр", "Вебинар по санэпидрежиму",
           "Мастер-класс по композитным реставрациям", "Научно-практическая конференция «Стоматология Юга»")
_PROVIDERS = ("Ставропольский медицинский университет", "Академия НМО", "Портал НМО", "Стоматологическая ассоциация России",
              "Учебный центр дополнительного образования")


def specialty_of(code: str, department: str) -> str | None:
    if code in NOT_MEDICAL:
        return None
    if code in ("dentist", "department"):
        return _BY_DEPARTMENT.get(department, "Стоматология общей практики")
    return _BY_POSITION[code]


def make_nmo(staff: pd.DataFrame, *, seed: int, on: dt.date) -> dict[str, pd.DataFrame]:
    """The three sheets for `staff` (columns staff_id, name, position (code), department)."""
    rng = np.random.default_rng(seed)
    medical = staff[~staff["position"].isin(NOT_MEDICAL)].reset_index(drop=True)
    people, certs, education = [], [], []
    n = len(medical)
    # Special cases by index, so that every kind of plan appears: pre-2016, two specialties, renewed.
    pre_2016 = set(range(3, n, max(1, n // 3)))
    two_specialties = {i for i in range(n) if medical.loc[i, "position"] == "dentist"
                       and medical.loc[i, "department"] == "Терапевтическое отделение"}
    two_specialties = set(sorted(two_specialties - pre_2016)[:3])
    renewed = {1}
    for i, person in medical.iterrows():
        sid = person["staff_id"]
        people.append({"staff_id": sid, "name": person["name"], "department": person["department"]})
        specialty = specialty_of(person["position"], person["department"])
        if i in pre_2016:
            start = dt.date(2015, int(rng.integers(2, 12)), int(rng.integers(1, 28)))
        elif i in renewed:
            first = dt.date(2016, 3, 1)
            certs.append({"staff_id": sid, "specialty": specialty, "date": first, "kind": "сертификат"})
            _education(education, rng, sid, [specialty], first, dt.date(2021, 2, 28), 1.0)
            start = dt.date(2021, 3, 1)
        else:
            start = dt.date(int(rng.integers(2020, 2026)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
            if start > on:
                start = dt.date(on.year, 1, 15)
        kind = "аккредитация" if start.year >= 2021 else "сертификат"
        certs.append({"staff_id": sid, "specialty": specialty, "date": start, "kind": kind})
        pace = float(rng.choice([1.15, 1.05, 1.0, 0.85, 0.5, 0.2], p=[0.25, 0.25, 0.15, 0.15, 0.15, 0.05]))
        if i in pre_2016:
            pace = 0.15
        specialties = [specialty]
        if i in two_specialties:
            certs.append({"staff_id": sid, "specialty": SECOND_SPECIALTY, "date": start, "kind": kind})
            specialties = [specialty, SECOND_SPECIALTY]
        _education(education, rng, sid, specialties, start, on, pace)
    education = pd.DataFrame(education, columns=[c.key for c in EDUCATION.columns])
    return {
        NMO_STAFF.name: pd.DataFrame(people),
        CERTIFICATES.name: pd.DataFrame(certs),
        EDUCATION.name: _certificates_of_dpp(education),
        **_portfolio(pd.DataFrame(certs), on),
    }


def _certificates_of_dpp(education: pd.DataFrame) -> pd.DataFrame:
    """Every ДПП gets an удостоверение number; every seventh is not in ФРДО yet, every twenty-first has no number."""
    dpp = education["kind"] == "ДПП"
    k = dpp.cumsum()
    education["certificate_no"] = ["" if not d or n % 21 == 0 else f"7724{n:08d}" for d, n in zip(dpp, k, strict=True)]
    education["frdo"] = ["нет" if d and n % 7 == 0 else "да" if d else None for d, n in zip(dpp, k, strict=True)]
    return education


def _portfolio(certs: pd.DataFrame, on: dt.date) -> dict[str, pd.DataFrame]:
    """Categories, отчёты and filings by the plans' places on `on`: with the window open, filings of every outcome
    and отчёты in every state; categories for some (this year's and last year's waive the отчёт, older ones not)."""
    latest = certs.sort_values("date", kind="stable").groupby(["staff_id", "specialty"], sort=True).tail(1)
    attestations, reports, filings = [], [], []
    for i, c in enumerate(latest.sort_values(["staff_id", "specialty"]).itertuples(index=False)):
        key = {"staff_id": c.staff_id, "specialty": c.specialty}
        window = c.date + relativedelta(years=4)  # the five-year cycle's last twelve months
        if i % 5 == 0:
            year = (on.year - 1, on.year - 3, on.year)[i // 5 % 3]
            attestations.append({**key, "category": ("первая", "высшая", "вторая")[i % 3], "date": dt.date(year, 4, 15)})
        if window <= on:
            state = ("согласован", "согласован", "готов", "нет")[i % 4]
            reports.append({**key, "state": state, "date": min(on, window + dt.timedelta(days=30))})
        if window <= on < window + relativedelta(years=1) and i % 3 == 1:  # the window open now
            filed = min(on, window + dt.timedelta(days=45))
            outcome = (None, "соответствует", "не соответствует")[i // 3 % 3]
            decided = min(on, filed + dt.timedelta(days=40)) if outcome else None
            filings.append({**key, "filed": filed, "number": f"ПА-{filed.year}-{i:04d}", "decision": outcome,
                            "decided": decided})
    return {ATTESTATIONS.name: pd.DataFrame(attestations, columns=[c.key for c in ATTESTATIONS.columns]),
            REPORTS.name: pd.DataFrame(reports, columns=[c.key for c in REPORTS.columns]),
            FILINGS.name: pd.DataFrame(filings, columns=[c.key for c in FILINGS.columns])}


def _education(rows: list, rng: np.random.Generator, sid: str, specialties: list[str], start: dt.date,
               until: dt.date, pace: float) -> None:
    """Elements from `start` to `until`, about 50 × pace ЗЕТ a year: a ДПП, modules, events."""
    day = start + dt.timedelta(days=int(rng.integers(20, 90)))
    joined = "; ".join(specialties)
    while day <= until:
        year_end = min(until, day + dt.timedelta(days=365))
        budget = 50 * pace * rng.uniform(0.8, 1.2)
        spent = 0.0
        if rng.random() < min(1.0, pace):
            hours = float(rng.choice([36, 36, 36, 72, 18, 144], p=[0.5, 0.1, 0.1, 0.15, 0.1, 0.05]))
            title = str(rng.choice(_DPP)).format(s=specialties[0].lower())
            rows.append(_row(sid, joined, "ДПП", title, rng, hours, False, None, _between(rng, day, year_end)))
            spent += hours
        while spent < budget:
            if rng.random() < 0.7:
                hours = float(rng.choice([1, 2, 2]))
                title = f"{rng.choice(_IOM)}, модуль {int(rng.integers(1, 40))}"
                rows.append(_row(sid, joined, "ИОМ", title, rng, hours, False, None, _between(rng, day, year_end)))
            else:
                in_person = bool(rng.random() < 0.6)
                days = int(rng.choice([1, 1, 2, 3])) if in_person else None
                hours = float(rng.choice([4, 6, 8, 12, 16]))
                end = _between(rng, day, year_end)
                rows.append(_row(sid, joined, "мероприятие", f"{rng.choice(_EVENTS)} {end.year}", rng, hours, in_person,
                                 days, end))
            spent += hours
        day = year_end + dt.timedelta(days=1)


def _between(rng: np.random.Generator, a: dt.date, b: dt.date) -> dt.date:
    return a + dt.timedelta(days=int(rng.integers(0, max(1, (b - a).days + 1))))


def _row(sid, specialties, kind, title, rng, hours, in_person, days, end) -> dict:
    return {"staff_id": sid, "specialties": specialties, "kind": kind, "title": title,
            "provider": str(rng.choice(_PROVIDERS)), "hours": hours, "in_person": "да" if in_person else "нет",
            "days": days, "end_date": end}


def write_nmo_workbook(path: Path | str, staff: pd.DataFrame, *, seed: int, on: dt.date) -> Path:
    sheets = make_nmo(staff, seed=seed, on=on)
    write_workbook(path, [(spec, sheets[spec.name]) for spec in NMO_SHEETS])
    return Path(path)
