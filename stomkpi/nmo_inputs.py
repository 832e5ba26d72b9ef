"""The НМО workbook (Сотрудники, Сертификаты, Обучение; optional Аттестация, Отчёты, Подача): reading and every
check before computing.

What it returns is clean: element kinds, categories, report states and decisions are codes, specialties are split
and matched to the person's certificates, and nothing dated after the report date is left.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from stomkpi.bounded import NMO_WORKBOOK_LIMIT
from stomkpi.catalog import NmoRules
from stomkpi.config import shown
from stomkpi.errors import InputError, Problem
from stomkpi.records import NmoRecords
from stomkpi.sheets import ROW, Column, Sheet, read_workbook
from stomkpi.text import match_key

# Sanity bounds of an element's numbers (not rules of the regulation; the caps are the catalog's): a ДПП of
# qualification improvement is 16–144 hours and one of professional retraining 250–1500, so 2000 hours is a slip of
# the keyboard (36 000, 1e308); an in-person event of more than a year of days is one too.
MAX_HOURS = 2000
MAX_DAYS = 366

NMO_STAFF = Sheet(
    "Сотрудники",
    (Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)), Column("ФИО", "name", aliases=("Ф.И.О.",)),
     Column("Отделение", "department", required=False, default="", hint="для календаря аккредитации по отделениям")),
    required=False,
    aliases=("staff",),
    hint="необязательный лист: имена сотрудников (и отделения) для отчёта",
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
        Column("Удостоверение", "certificate_no", required=False, default="", max_length=60,
               hint="номер удостоверения о повышении квалификации (для ДПП)"),
        Column("ФРДО", "frdo", "bool", required=False, default=None,
               hint="да / нет: удостоверение внесено в ФРДО (для ДПП; пусто — нет)"),
    ),
    aliases=("education", "training"),
    hint="по строке на завершённый образовательный элемент",
)
_SPECIALTY = Column("Специальность", "specialty", hint="специальность, как на листе «Сертификаты»")
ATTESTATIONS = Sheet(
    "Аттестация",
    (Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)), _SPECIALTY,
     Column("Категория", "category", hint="вторая, первая или высшая"),
     Column("Дата", "date", "date", hint="дата присвоения категории")),
    required=False,
    aliases=("attestations", "categories"),
    hint="необязательный лист: квалификационные категории (с ними отчёт о деятельности может быть не нужен)",
)
REPORTS = Sheet(
    "Отчёты",
    (Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)), _SPECIALTY,
     Column("Состояние", "state", hint="нет, готов или согласован (с руководителем)"),
     Column("Дата", "date", "date", required=False, hint="дата последнего изменения состояния")),
    required=False,
    aliases=("reports",),
    hint="необязательный лист: отчёт о профессиональной деятельности за пять лет",
)
FILINGS = Sheet(
    "Подача",
    (Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)), _SPECIALTY,
     Column("Дата_подачи", "filed", "date", hint="дата подачи заявления через ФРМР"),
     Column("Номер_заявления", "number", required=False, default="", max_length=60),
     Column("Решение", "decision", required=False, default=None, hint="пусто, соответствует или не соответствует"),
     Column("Дата_решения", "decided", "date", required=False, hint="дата решения аккредитационной комиссии")),
    required=False,
    aliases=("filings",),
    hint="необязательный лист: заявления на периодическую аккредитацию и решения",
)
NMO_SHEETS = (NMO_STAFF, CERTIFICATES, EDUCATION, ATTESTATIONS, REPORTS, FILINGS)
REPORT_STATES = {"нет": "none", "готов": "ready", "согласован": "agreed"}
DECISIONS = {"соответствует": "passed", "не соответствует": "failed"}


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
    departments = {sid: d for sid, d in zip(staff["staff_id"], staff["department"], strict=True) if d}

    certs = wb.tables[CERTIFICATES.name].copy()
    for row, kind in certs[[ROW, "kind"]].itertuples(index=False):
        if isinstance(kind, str) and rules.certificate_kind(kind) is None:
            expected = " или ".join(rules.certificate_kinds)
            problems.append(Problem(CERTIFICATES.name, row, "Вид",
                                    f"неизвестный вид документа «{shown(kind)}»: ожидалось {expected}"))
    certs["specialty_key"] = certs["specialty"].map(lambda s: match_key(s) if isinstance(s, str) else None)
    # a specialty the book gives the person a certificate for, of any date: a book that keeps only the latest
    # certificate still names the specialty of an earlier category or course, before that certificate's date
    held = set(zip(certs["staff_id"], certs["specialty_key"], strict=True))
    certs = _not_after(certs, "date", "Дата", CERTIFICATES.name, on, problems, strict)
    dup = certs["staff_id"].notna() & certs.duplicated(["staff_id", "specialty_key", "date"])
    for row in certs.loc[dup, ROW]:
        problems.append(Problem(CERTIFICATES.name, row, "Дата", "такой сертификат уже указан выше"))
    if len(staff):
        unknown = certs["staff_id"].notna() & ~certs["staff_id"].isin(list(names))
        for row, sid in certs.loc[unknown, [ROW, "staff_id"]].itertuples(index=False):
            problems.append(Problem(CERTIFICATES.name, row, "Таб_номер", f"сотрудника «{sid}» нет на листе «Сотрудники»"))

    edu = wb.tables[EDUCATION.name].copy()
    edu["element"] = range(len(edu))
    known = {kind: rules.element_kind(kind) for kind in set(edu["kind"]) if isinstance(kind, str)}  # each name once
    found = [known.get(kind) if isinstance(kind, str) else None for kind in edu["kind"]]
    for row, kind, element_kind in zip(edu[ROW], edu["kind"], found, strict=True):
        if element_kind is None and isinstance(kind, str):
            allowed = ", ".join(k.name for k in rules.element_kinds)
            problems.append(Problem(EDUCATION.name, row, "Вид", f"неизвестный вид элемента «{shown(kind)}»: ожидалось {allowed}"))
    edu["kind"] = [k.code if k else None for k in found]
    edu["group"] = [k.group if k else None for k in found]
    edu = _not_after(edu, "end_date", "Дата_окончания", EDUCATION.name, on, problems, strict)
    capped = edu["kind"].isin(rules.caps.kinds) & edu["in_person"].astype(bool)
    for row in edu.loc[capped & edu["days"].isna(), ROW]:
        problems.append(Problem(EDUCATION.name, row, "Дни", "для очного мероприятия укажите число дней"))

    # an element counts once for each of its specialties the person holds a certificate for: the element's row
    # repeated (by position, a list of a million rows' dictionaries would be the report's largest object)
    positions, keys, parts = [], [], {}
    for at, (row, sid, raw) in enumerate(zip(edu[ROW], edu["staff_id"], edu["specialties"], strict=True)):
        if not isinstance(raw, str):
            continue
        if raw not in parts:
            parts[raw] = [(x.strip(), match_key(x.strip())) for x in raw.split(";") if x.strip()]
        for specialty, key in parts[raw]:
            if (sid, key) not in held:
                problems.append(Problem(EDUCATION.name, row, "Специальности", (
                    f"у сотрудника «{sid}» нет сертификата по специальности «{shown(specialty)}»")))
                continue
            positions.append(at)
            keys.append(key)
    portfolio = _portfolio_sheets(wb.tables, rules, on, held, problems, strict)
    if problems:
        raise InputError(str(path), problems, tuple(s.name for s in NMO_SHEETS))
    chosen = edu.drop(columns="specialties").iloc[positions]
    columns = [*chosen.columns, "specialty_key"]
    # each column's type inferred from its values, as a table built row by row has it (no rows: every column of
    # objects, not numbers)
    elements = (pd.DataFrame({**{c: chosen[c].tolist() for c in chosen.columns}, "specialty_key": keys}) if positions
                else pd.DataFrame([], columns=columns)).rename(columns={ROW: "row"})
    elements["end_date"] = pd.to_datetime(elements["end_date"])  # a sheet with no rows leaves it untyped
    certs = certs.assign(kind=certs["kind"].map(rules.certificate_kind))
    return NmoRecords(path, names, certs.drop(columns=[ROW]).reset_index(drop=True),
                      elements.reset_index(drop=True), departments, *portfolio)


def _portfolio_sheets(tables: dict[str, pd.DataFrame], rules: NmoRules, on: dt.date, held: set,
                      problems: list[Problem], strict: bool) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """«Аттестация», «Отчёты», «Подача»: words to codes, specialties matched to certificates, no date after `on`."""
    att = _held(tables[ATTESTATIONS.name], ATTESTATIONS.name, held, problems)
    categories = " / ".join(rules.accreditation_rules().report.categories)
    att["category"] = _coded(att, "category", "Категория", ATTESTATIONS.name, rules.category,
                             f"нет такой квалификационной категории «{{}}»: ожидалось {categories}", problems)
    att = _not_after(att, "date", "Дата", ATTESTATIONS.name, on, problems, strict)
    rep = _held(tables[REPORTS.name], REPORTS.name, held, problems)
    rep["state"] = _coded(rep, "state", "Состояние", REPORTS.name, lambda w: REPORT_STATES.get(match_key(w)),
                          f"неизвестное состояние отчёта «{{}}»: ожидалось {' / '.join(REPORT_STATES)}", problems)
    rep = _not_after(rep, "date", "Дата", REPORTS.name, on, problems, strict)
    fil = _held(tables[FILINGS.name], FILINGS.name, held, problems)
    fil["decision"] = _coded(fil, "decision", "Решение", FILINGS.name, lambda w: DECISIONS.get(match_key(w)),
                             f"неизвестное решение «{{}}»: ожидалось пусто, {' или '.join(DECISIONS)}", problems)
    fil = _not_after(fil, "filed", "Дата_подачи", FILINGS.name, on, problems, strict)
    if strict:
        fil = _not_after(fil, "decided", "Дата_решения", FILINGS.name, on, problems, strict)
    else:  # a decision after an earlier report's date was not known then
        fil.loc[fil["decided"] > pd.Timestamp(on), ["decision", "decided"]] = [None, pd.NaT]
    for row, filed, decided, decision in fil[[ROW, "filed", "decided", "decision"]].itertuples(index=False):
        if pd.notna(decided) and pd.notna(filed) and decided < filed:
            problems.append(Problem(FILINGS.name, row, "Дата_решения",
                                    f"решение {decided:%d.%m.%Y} раньше подачи {filed:%d.%m.%Y}"))
        elif pd.notna(decided) and decision is None:
            problems.append(Problem(FILINGS.name, row, "Решение", "указана дата решения, но не само решение"))
    return tuple(t.rename(columns={ROW: "row"}).reset_index(drop=True) for t in (att, rep, fil))


def _held(frame: pd.DataFrame, sheet: str, held: set, problems: list[Problem]) -> pd.DataFrame:
    """The sheet's rows with a `specialty_key`; a specialty the person holds no certificate for is a problem."""
    frame = frame.copy()
    frame["specialty_key"] = frame["specialty"].map(lambda s: match_key(s) if isinstance(s, str) else None)
    for row, sid, key, name in frame[[ROW, "staff_id", "specialty_key", "specialty"]].itertuples(index=False):
        if sid is not None and key is not None and (sid, key) not in held:
            problems.append(Problem(sheet, row, "Специальность",
                                    f"у сотрудника «{sid}» нет сертификата по специальности «{shown(name)}»"))
    return frame


def _coded(frame: pd.DataFrame, key: str, column: str, sheet: str, code, message: str,
           problems: list[Problem]) -> list:
    """The codes of a column of words; a word not known is a problem (`message` with the word)."""
    out = []
    for row, word in frame[[ROW, key]].itertuples(index=False):
        found = code(word) if isinstance(word, str) else None
        if found is None and isinstance(word, str):
            problems.append(Problem(sheet, row, column, message.format(shown(word))))
        out.append(found)
    return out


def _not_after(frame: pd.DataFrame, key: str, column: str, sheet: str, on: dt.date, problems: list[Problem],
               strict: bool) -> pd.DataFrame:
    late = frame[key].notna() & (frame[key] > pd.Timestamp(on))
    if not strict:
        return frame[~late]
    for row, d in frame.loc[late, [ROW, key]].itertuples(index=False):
        problems.append(Problem(sheet, row, column, f"дата {d:%d.%m.%Y} позже даты отчёта {on:%d.%m.%Y}"))
    return frame
