"""The НМО workbook (Сотрудники, Сертификаты, Обучение): reading and every check before computing.

What it returns is clean: element kinds are catalog codes, specialties are split and matched to
the person's certificates, and nothing dated after the report date is left.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from .bounded import NMO_WORKBOOK_LIMIT
from .catalog import NmoRules
from .config import shown
from .errors import InputError, Problem
from .records import NmoRecords
from .sheets import ROW, Column, Sheet, read_workbook
from .text import match_key

# Sanity bounds of an element's numbers (not rules of the regulation; the caps are the catalog's): a ДПП of
# qualification improvement is 16–144 hours and one of professional retraining 250–1500, so 2000 hours is a slip of
# the keyboard (36 000, 1e308); an in-person event of more than a year of days is one too.
MAX_HOURS = 2000
MAX_DAYS = 366

NMO_STAFF = Sheet(
    "Сотрудники",
    (Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)), Column("ФИО", "name", aliases=("Ф.И.О.",))),
    required=False,
    aliases=("staff",),
    hint="необязательный лист: имена сотрудников для отчёта",
)
CERTIFICATES = Sheet(
    "Сертификаты",
    (
        Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)),
        Column("Специальность", "specialty", hint="специальность сертификата или аккредитации"),
        Column("Дата", "date", "date", hint="дата выдачи сертификата или прохождения аккредитации"),
        Column("Вид", "kind", hint="сертификат или аккредитация"),
    ),
    aliases=("certificates",),
    hint="по строке на сертификат или аккредитацию; новый документ начинает новый пятилетний цикл",
)
EDUCATION = Sheet(
    "Обучение",
    (
        Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)),
        Column("Специальности", "specialties", aliases=("Специальность",),
               hint="одна или несколько специальностей через «;»"),
        Column("Вид", "kind", hint="ДПП, ИОМ или мероприятие"),
        Column("Название", "title"),
        Column("Организатор", "provider", required=False, default=""),
        Column("Часы", "hours", "float", low=0, low_open=True, high=MAX_HOURS,
               hint=f"ЗЕТ (академических часов), больше 0 и не больше {MAX_HOURS}"),
        Column("Очное", "in_person", "bool", required=False, default=False, hint="да / нет"),
        Column("Дни", "days", "int", required=False, low=0, low_open=True, high=MAX_DAYS,
               hint=f"дней очного мероприятия, не больше {MAX_DAYS}"),
        Column("Дата_окончания", "end_date", "date", hint="дата завершения обучения"),
    ),
    aliases=("education", "training"),
    hint="по строке на завершённый образовательный элемент",
)
NMO_SHEETS = (NMO_STAFF, CERTIFICATES, EDUCATION)


def read_nmo(path: Path | str, rules: NmoRules, on: dt.date, *, strict: bool = True) -> NmoRecords:
    """Read and check an НМО workbook for the report date `on`; raise `InputError` with every problem.

    With `strict=False` (a report for an earlier month from today's workbook), records dated after
    `on` are left out instead of being reported as errors.
    """
    path = Path(path)
    wb = read_workbook(path, NMO_SHEETS, what="книга НМО", limit=NMO_WORKBOOK_LIMIT)
    problems = wb.problems
    staff = wb.tables[NMO_STAFF.name]
    dup = staff["staff_id"].notna() & staff.duplicated("staff_id")
    for row, sid in staff.loc[dup, [ROW, "staff_id"]].itertuples(index=False):
        problems.append(Problem(NMO_STAFF.name, row, "Таб_номер", f"табельный номер «{sid}» повторяется"))
    names = dict(zip(staff["staff_id"], staff["name"], strict=True))

    certs = wb.tables[CERTIFICATES.name].copy()
    for row, kind in certs[[ROW, "kind"]].itertuples(index=False):
        if isinstance(kind, str) and rules.certificate_kind(kind) is None:
            expected = " или ".join(rules.certificate_kinds)
            problems.append(Problem(CERTIFICATES.name, row, "Вид",
                                    f"неизвестный вид документа «{shown(kind)}»: ожидалось {expected}"))
    certs = _not_after(certs, "date", "Дата", CERTIFICATES.name, on, problems, strict)
    certs["specialty_key"] = certs["specialty"].map(lambda s: match_key(s) if isinstance(s, str) else None)
    dup = certs["staff_id"].notna() & certs.duplicated(["staff_id", "specialty_key", "date"])
    for row in certs.loc[dup, ROW]:
        problems.append(Problem(CERTIFICATES.name, row, "Дата", "такой сертификат уже указан выше"))
    if len(staff):
        unknown = certs["staff_id"].notna() & ~certs["staff_id"].isin(list(names))
        for row, sid in certs.loc[unknown, [ROW, "staff_id"]].itertuples(index=False):
            problems.append(Problem(CERTIFICATES.name, row, "Таб_номер", f"сотрудника «{sid}» нет на листе «Сотрудники»"))
    held = set(zip(certs["staff_id"], certs["specialty_key"], strict=True))

    edu = wb.tables[EDUCATION.name].copy()
    edu["element"] = range(len(edu))
    kinds, groups = [], []
    for row, kind in edu[[ROW, "kind"]].itertuples(index=False):
        found = rules.element_kind(kind) if isinstance(kind, str) else None
        if found is None and isinstance(kind, str):
            allowed = ", ".join(k.name for k in rules.element_kinds)
            problems.append(Problem(EDUCATION.name, row, "Вид", f"неизвестный вид элемента «{shown(kind)}»: ожидалось {allowed}"))
        kinds.append(found.code if found else None)
        groups.append(found.group if found else None)
    edu["kind"], edu["group"] = kinds, groups
    edu = _not_after(edu, "end_date", "Дата_окончания", EDUCATION.name, on, problems, strict)
    capped = edu["kind"].isin(rules.caps.kinds) & edu["in_person"].astype(bool)
    for row in edu.loc[capped & edu["days"].isna(), ROW]:
        problems.append(Problem(EDUCATION.name, row, "Дни", "для очного мероприятия укажите число дней"))

    rows = []
    for rec in edu.to_dict("records"):
        raw = rec.pop("specialties")
        specialties = [x.strip() for x in raw.split(";") if x.strip()] if isinstance(raw, str) else []
        for specialty in specialties:
            key = match_key(specialty)
            if (rec["staff_id"], key) not in held:
                problems.append(Problem(EDUCATION.name, rec[ROW], "Специальности", (
                    f"у сотрудника «{rec['staff_id']}» нет сертификата по специальности «{shown(specialty)}»")))
                continue
            rows.append({**rec, "specialty_key": key})
    if problems:
        raise InputError(str(path), problems, tuple(s.name for s in NMO_SHEETS))
    columns = [c for c in edu.columns if c != "specialties"] + ["specialty_key"]
    elements = pd.DataFrame(rows, columns=columns).rename(columns={ROW: "row"})
    certs = certs.assign(kind=certs["kind"].map(rules.certificate_kind))
    return NmoRecords(path, names, certs.drop(columns=[ROW]).reset_index(drop=True),
                      elements.reset_index(drop=True))


def _not_after(frame: pd.DataFrame, key: str, column: str, sheet: str, on: dt.date, problems: list[Problem],
               strict: bool) -> pd.DataFrame:
    late = frame[key].notna() & (frame[key] > pd.Timestamp(on))
    if not strict:
        return frame[~late]
    for row, d in frame.loc[late, [ROW, key]].itertuples(index=False):
        problems.append(Problem(sheet, row, column, f"дата {d:%d.%m.%Y} позже даты отчёта {on:%d.%m.%Y}"))
    return frame
