"""The monthly workbook: sheet specs, reading, and every check of SPEC 8 before anything is scored.

Theory of operation: `sheets.read_workbook` types the cells and collects cell-level problems;
this module adds the checks that need the catalog or other sheets (unknown employee, position or
criterion, a value outside its rule's range, duplicates, dates outside the month, a missing plan
percent) to the same list, and raises one `InputError` with all of them. What it returns is
clean: position and criterion are catalog codes, numbers are floats, nothing is left to check.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from stomkpi.bounded import WORKBOOK_LIMIT
from stomkpi.catalog import IndicatorCatalog, PositionCatalog, load_indicators
from stomkpi.compare import at_least, at_most
from stomkpi.config import shown
from stomkpi.errors import InputError, ParamsError, Problem
from stomkpi.hints import by_digits, criterion_hint, lost_zeros, position_hint
from stomkpi.indicators import quality_category
from stomkpi.payroll import ALL_DEPARTMENTS, Fund, snils_problem
from stomkpi.records import Month
from stomkpi.sheets import MAX_TEXT_LENGTH, ROW, Column, Sheet, Workbook, read_workbook
from stomkpi.text import decimal, match_key

# Sanity bounds of what a month's cell can hold (not rules of the regulation): beyond them a value is a
# slip of the keyboard, and left unchecked it would carry «inf» points into a protocol.
MAX_RATES = 10
MAX_VALUE = 1_000_000
MAX_PLAN_PERCENT = 1000
MAX_EVENTS = 1000
MAX_COUNT = 1_000_000_000
# The longest names a month's book may hold: a department or a name fills a heading, a protocol's title and a card's
# line; none of a clinic's comes near (the catalog's longest position is 40 characters, its criteria 110).
MAX_NAME_LENGTH = 200
MAX_DEPARTMENT_LENGTH = 200
MAX_POSITION_LENGTH = 300
MAX_MONEY = 10**12  # roubles: a fund or a salary beyond it is a slip of the keyboard
# the «Фонд» sheet's words for the catalog's staff groups (`Position.category`)
CATEGORY_WORDS = {"doctors": "врачи", "secondary": "средний", "junior": "младший", "other": "прочие"}
_CATEGORY_ALIASES = {"doctors": ("врачи", "врач", "врачебный персонал"),
                     "secondary": ("средний", "средний медицинский персонал", "средний персонал", "медсестры"),
                     "junior": ("младший", "младший медицинский персонал", "младший персонал"),
                     "other": ("прочие", "прочий", "прочий персонал")}

STAFF = Sheet(
    "Сотрудники",
    (
        Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер", "Таб. номер"), hint="табельный номер, уникальный"),
        Column("ФИО", "name", aliases=("Ф.И.О.", "full_name"), max_length=MAX_NAME_LENGTH,
               hint=f"фамилия, имя, отчество (не длиннее {MAX_NAME_LENGTH} знаков)"),
        Column("Должность", "position", max_length=MAX_POSITION_LENGTH,
               hint=f"должность: как в Приложении 2 или по штатному расписанию (не длиннее {MAX_POSITION_LENGTH} знаков)"),
        Column("Отделение", "department", max_length=MAX_DEPARTMENT_LENGTH,
               hint=f"отделение или подразделение (не длиннее {MAX_DEPARTMENT_LENGTH} знаков)"),
        Column("Ставки_ОМС", "rates_oms", "float", low=0, high=MAX_RATES, aliases=("rates",),
               hint="количество ставок по ОМС"),
        Column("Ставки_платно", "rates_paid", "float", required=False, default=0.0, low=0, high=MAX_RATES,
               hint="количество ставок по платным услугам (можно не заполнять)"),
        Column("Дни_план", "days_plan", "int", low=0, low_open=True, high=31, hint="рабочих дней в месяце по графику"),
        Column("Дни_факт", "days_fact", "int", low=0, high=31, hint="фактически отработано дней"),
        Column("СНИЛС", "snils", required=False, max_length=20, aliases=("snils",),
               hint="СНИЛС для файла зарплаты: 11 цифр (112-233-445 95), контрольное число проверяется; "
                    "номер с нулём впереди вносите текстом (можно не заполнять)"),
        Column("Оклад", "salary", "money", required=False, low=0, high=MAX_MONEY, aliases=("salary",),
               hint="должностной оклад, руб., — для предела выплаты (payroll.cap_percent_of_salary; можно не заполнять)"),
    ),
    aliases=("staff", "employees"),
    hint="по одной строке на сотрудника",
)
VALUES = Sheet(
    "Показатели",
    (
        Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)),
        Column("Критерий", "criterion", hint="код или формулировка критерия из Приложения 2"),
        Column("Значение", "value", "float", low=-MAX_VALUE, high=MAX_VALUE,
               hint="процент плана; число замечаний (вычеты); назначенное значение; значение показателя"),
        Column("Норма", "norm", "float", required=False, low=-MAX_VALUE, high=MAX_VALUE,
               hint="норма показателя для сравнения (если не задана — норма года из params/)"),
    ),
    aliases=("values", "indicators"),
    hint="по одной строке на сотрудника и критерий",
)
EVENTS = Sheet(
    "События",
    (
        Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)),
        Column("Критерий", "criterion", hint="дополнительный критерий «за каждый случай»"),
        Column("Количество", "count", "int", required=False, default=1.0, low=0, low_open=True, high=MAX_EVENTS,
               hint="сколько случаев (по умолчанию 1)"),
        Column("Дата", "date", "date", required=False, hint="дата события, в пределах месяца"),
        Column("Примечание", "note", required=False, default="", hint=f"пояснение (не длиннее {MAX_TEXT_LENGTH} знаков)"),
    ),
    aliases=("events",),
    hint="по одной строке на событие: нарушение, благодарность, жалоба…",
)
DEPRIVATIONS = Sheet(
    "Лишение",
    (
        Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)),
        Column("Процент", "percent", "float", low=0, high=100, hint="доля лишения премии, 0–100"),
        Column("Причина", "reason", hint=f"причина лишения (не длиннее {MAX_TEXT_LENGTH} знаков)"),
    ),
    aliases=("deprivations",),
    hint="по одной строке на решение о лишении премии",
)
STATS = Sheet(
    "Статистика",
    (
        Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)),
        Column("Поле", "field", hint="счётчик из каталога показателей: код или название («Первичные больные», «УЕТ»…)"),
        Column("Значение", "value", "float", low=0, high=MAX_COUNT, hint="число за месяц, не меньше 0"),
    ),
    aliases=("stats", "statistics", "counts"),
    hint="необязательный лист: месячные счётчики врача для показателей МКР и УКВ",
)
REVIEWS = Sheet(
    "Экспертиза",
    (
        Column("Случай", "case", hint="номер случая (карты)"),
        Column("Таб_номер", "staff_id", "id", aliases=("Табельный номер",)),
        Column("Коэффициент", "coefficient", "float", low=0, high=1, hint="коэффициент качества от 0 до 1"),
        Column("Причина", "reason", required=False,
               hint="для случаев с дефектами: медработник / пациент / не связаны / организация"),
        Column("Влияние", "impact", required=False,
               hint="для случаев с дефектами: вред и ресурсы / вред / ресурсы / без влияния"),
    ),
    aliases=("reviews", "expertise"),
    hint="необязательный лист: случаи внутреннего контроля качества",
)
FUNDS = Sheet(
    "Фонд",
    (
        Column("Отделение", "department", max_length=MAX_DEPARTMENT_LENGTH,
               hint=f"отделение с листа «Сотрудники» или «{ALL_DEPARTMENTS}» — вся поликлиника"),
        Column("Категория", "category", required=False, aliases=("category",),
               hint=f"необязательно: {' / '.join(CATEGORY_WORDS.values())} — группа должностей в отделении; "
                    "пусто — всё отделение"),
        Column("Сумма", "amount", "money", low=0, high=MAX_MONEY, aliases=("amount",),
               hint="фонд стимулирующих выплат группы, руб., не больше двух знаков после запятой"),
    ),
    aliases=("fund", "funds"),
    hint="необязательный лист: фонд стимулирующих выплат по группам (строка — группа); с ним отчёт пишет "
         "суммы к выплате и файл для зарплаты",
)
MONTH_SHEETS = (STAFF, VALUES, EVENTS, DEPRIVATIONS, STATS, REVIEWS, FUNDS)
OPTIONAL_SHEETS = {EVENTS.name, DEPRIVATIONS.name, STATS.name, REVIEWS.name, FUNDS.name}

_PERIOD = re.compile(r"(\d{4})-(\d{2})")


def period_from_name(path: Path | str) -> str | None:
    """'…/2025-12.xlsx' -> '2025-12'; None when the name carries no month."""
    m = _PERIOD.search(Path(path).stem)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    return f"{m.group(1)}-{m.group(2)}"


def read_month(
    path: Path | str,
    catalog: PositionCatalog,
    *,
    period: str | None = None,
    norms: Mapping[str, float] | None = None,
    indicators: IndicatorCatalog | None = None,
) -> Month:
    """Read and check a monthly workbook; raise `InputError` listing every problem found.

    `period` ("YYYY-MM") bounds the event dates; by default it is taken from the file name.
    `norms` gives the year's norm for `versus_norm` criteria whose row has no Норма: keyed by
    (department match key, indicator code) for a department's own norm, or by the indicator
    code alone for the clinic's.
    """
    path = Path(path)
    period = period or period_from_name(path)
    if not path.exists():
        raise InputError(str(path), [Problem(None, None, None, f"файл или папка {path} не найдены")])
    if period is None:
        raise ParamsError(f"не удалось определить месяц книги {path.name}: назовите файл ГГГГ-ММ.xlsx "
                          "(например 2025-12.xlsx) или укажите месяц: --month ГГГГ-ММ")
    sheets = tuple(
        Sheet(s.name, s.columns, s.name not in OPTIONAL_SHEETS, s.aliases, s.hint) for s in MONTH_SHEETS
    )
    wb = read_workbook(path, sheets, what="книга месяца", limit=WORKBOOK_LIMIT)
    problems = wb.problems
    order = tuple(s.name for s in MONTH_SHEETS)
    if wb.unreadable or STAFF.name not in wb.present or (STAFF.name, "staff_id") in wb.missing_columns:
        # without the staff list every other row would be reported again as an unknown employee
        raise InputError(str(path), problems, order)
    staff = _check_staff(wb, catalog, problems)
    staff, warnings = _one_spelling_per_department(staff)
    # Employees whose position is unknown are already reported; their rows are not checked further.
    positions = {sid: pos for sid, pos in zip(staff["staff_id"], staff["position"], strict=True)
                 if isinstance(pos, str)}
    known_ids = set(staff["staff_id"].dropna())
    departments = dict(zip(staff["staff_id"], staff["department"].map(match_key), strict=True))
    values = _check_values(wb, catalog, known_ids, positions, departments, norms or {}, problems)
    events = _check_events(wb, catalog, known_ids, positions, period, problems)
    deprivations = _check_deprivations(wb, known_ids, positions, problems)
    if VALUES.name in wb.present and not {(VALUES.name, "criterion"), (VALUES.name, "value")} & wb.missing_columns:
        _check_plan_present(staff, values, catalog, problems)  # otherwise the missing sheet is the one message
    _check_snils(staff, problems)
    funds = _check_funds(wb, staff, problems) if FUNDS.name in wb.present else None
    stats = reviews = None
    if STATS.name in wb.present or REVIEWS.name in wb.present:
        indicators = indicators or load_indicators()
        if STATS.name in wb.present:
            stats = _check_stats(wb, indicators, known_ids, problems)
        if REVIEWS.name in wb.present:
            reviews = _check_reviews(wb, indicators, known_ids, problems)
    if problems:
        raise InputError(str(path), problems, order)
    return Month(period, path, staff, values, events, deprivations, stats, reviews, warnings, funds)


def _unknown_staff(sheet: str, frame: pd.DataFrame, known_ids: set, positions: Mapping,
                   problems: list[Problem]) -> pd.Series:
    """Report rows naming an employee missing from Сотрудники; True where the row can be checked further."""
    known = frame["staff_id"].isin(list(known_ids)) | frame["staff_id"].isna()
    digits = by_digits(known_ids) if not known.all() else {}
    for row, sid in frame.loc[~known, [ROW, "staff_id"]].itertuples(index=False):
        problems.append(Problem(sheet, row, "Таб_номер", (
            f"сотрудника с табельным номером «{sid}» нет на листе «{STAFF.name}»{lost_zeros(sid, digits, STAFF.name)}")))
    return frame["staff_id"].isin(list(positions))


def _check_staff(wb: Workbook, catalog: PositionCatalog, problems: list[Problem]) -> pd.DataFrame:
    df = wb.tables[STAFF.name].copy()
    codes = []
    for row, name in df[[ROW, "position"]].itertuples(index=False):
        pos = catalog.position(name) if isinstance(name, str) else None
        if pos is None and isinstance(name, str):
            problems.append(
                Problem(STAFF.name, row, "Должность", f"неизвестная должность «{shown(name)}»: её нет в каталоге "
                        f"должностей (Приложение 2){position_hint(name, catalog)}")
            )
        codes.append(pos.code if pos else None)
    df["title"] = df["position"]  # the job title as written, for the protocols
    df["position"] = codes
    if df.empty and STAFF.name in wb.present:
        problems.append(Problem(STAFF.name, 2, None, "нет ни одного сотрудника: заполните лист"))
    dup = df["staff_id"].notna() & df.duplicated("staff_id", keep="first")
    for row, sid in df.loc[dup, [ROW, "staff_id"]].itertuples(index=False):
        first = df.loc[(df["staff_id"] == sid), ROW].iloc[0]
        problems.append(
            Problem(STAFF.name, row, "Таб_номер", f"табельный номер «{sid}» повторяется (уже в строке {first})")
        )
    return df.loc[~dup].reset_index(drop=True)


def _one_spelling_per_department(staff: pd.DataFrame) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Department names matched like positions (case, ё, spaces, dashes, Latin look-alikes): the
    spellings of one department become its most frequent one, and each merge is a warning."""
    named = staff["department"].notna()  # a blank cell is already reported; it is no spelling of any department
    key = staff["department"].map(match_key, na_action="ignore")
    canonical, warnings = {}, []
    for k, names in staff[named].groupby(key[named], sort=True)["department"]:
        counts = names.value_counts(sort=False)
        best = counts.sort_values(ascending=False, kind="stable").index[0]
        canonical[k] = best
        others = [n for n in counts.index if n != best]
        if others:
            variants = ", ".join(f"«{n}» ({counts[n]})" for n in others)
            warnings.append(f"отделение «{best}» записано и иначе: {variants}; все учтены как «{best}»")
    return staff.assign(department=key.map(canonical)), tuple(warnings)


def _criterion_codes(
    sheet: str, df: pd.DataFrame, catalog: PositionCatalog, positions: Mapping, ok: pd.Series,
    problems: list[Problem],
) -> list:
    codes = []
    for (row, sid, name), good in zip(df[[ROW, "staff_id", "criterion"]].itertuples(index=False), ok, strict=True):
        code = None
        if good and isinstance(name, str):
            position = catalog.by_code(positions[sid])
            crit = catalog.criterion(position, name)
            if crit is None:
                problems.append(
                    Problem(sheet, row, "Критерий",
                            f"у должности «{position.name}» нет критерия «{shown(name)}»{criterion_hint(name, position)}")
                )
            else:
                code = crit.code
        codes.append(code)
    return codes


def _check_values(
    wb: Workbook, catalog: PositionCatalog, known_ids: set, positions: Mapping, departments: Mapping,
    norms: Mapping, problems: list[Problem],
) -> pd.DataFrame:
    df = wb.tables[VALUES.name].copy()

    def year_norm(sid: str, indicator: str | None) -> float | None:
        return norms.get((departments.get(sid), indicator), norms.get(indicator))

    ok = _unknown_staff(VALUES.name, df, known_ids, positions, problems)
    df["criterion"] = _criterion_codes(VALUES.name, df, catalog, positions, ok, problems)
    for row, sid, code, value, norm in df[[ROW, "staff_id", "criterion", "value", "norm"]].itertuples(index=False):
        if pd.isna(code) or pd.isna(value):
            continue
        crit = catalog.criterion(catalog.by_code(positions[sid]), code)
        message = _value_message(crit, value)
        if message:
            problems.append(Problem(VALUES.name, row, "Значение", message))
        if crit.kind == "versus_norm" and pd.isna(norm) and year_norm(sid, crit.indicator) is None:
            problems.append(
                Problem(VALUES.name, row, "Норма",
                        f"для критерия «{crit.name}» нужна норма: заполните столбец «Норма» "
                        "или задайте норму года в параметрах")
            )
    dup = df["criterion"].notna() & df.duplicated(["staff_id", "criterion"], keep="first")
    for row, sid, code in df.loc[dup, [ROW, "staff_id", "criterion"]].itertuples(index=False):
        problems.append(
            Problem(VALUES.name, row, "Критерий",
                    f"критерий «{code}» для сотрудника «{sid}» указан второй раз")
        )
    if norms:
        indicator = df["criterion"].map(_indicator_lookup(catalog))
        fill = [year_norm(sid, ind) if pd.isna(n) else n
                for sid, ind, n in zip(df["staff_id"], indicator, df["norm"], strict=True)]
        df["norm"] = pd.to_numeric(pd.Series(fill, index=df.index, dtype="object"), errors="coerce")
    return df.loc[df["criterion"].notna() & ~dup, ["staff_id", "criterion", "value", "norm"]].reset_index(drop=True)


def _indicator_lookup(catalog: PositionCatalog) -> dict[str, str]:
    return {c.code: c.indicator for p in catalog.positions for c in p.criteria if c.indicator}


def _value_message(crit, value: float) -> str | None:
    """What is wrong with a Показатели value for this criterion's rule kind, or None."""
    if crit.kind == "plan" and value < 0:
        return f"процент выполнения плана не может быть отрицательным ({value:g})"
    if crit.kind == "plan" and value > MAX_PLAN_PERCENT:
        return f"процент выполнения плана {value:g} больше {MAX_PLAN_PERCENT} %: проверьте значение"
    if crit.kind == "deduction" and (value < 0 or not float(value).is_integer()):
        return f"для критерия «{crit.name}» нужно целое число замечаний не меньше 0, а записано {value:g}"
    if crit.kind == "assigned" and not (at_least(value, crit.low) and at_most(value, crit.high)):
        return (f"назначенное значение {value:g} вне пределов критерия «{crit.name}»: "
                f"от {crit.low:g} до {crit.high:g}")
    if crit.kind == "per_event":
        return f"критерий «{crit.name}» учитывается по случаям: внесите его на лист «События»"
    return None


def _check_events(
    wb: Workbook, catalog: PositionCatalog, known_ids: set, positions: Mapping, period: str | None,
    problems: list[Problem],
) -> pd.DataFrame:
    df = wb.tables[EVENTS.name].copy()
    ok = _unknown_staff(EVENTS.name, df, known_ids, positions, problems)
    df["criterion"] = _criterion_codes(EVENTS.name, df, catalog, positions, ok, problems)
    for row, sid, code in df[[ROW, "staff_id", "criterion"]].itertuples(index=False):
        if pd.isna(code):
            continue
        crit = catalog.criterion(catalog.by_code(positions[sid]), code)
        if crit.kind != "per_event":
            problems.append(
                Problem(EVENTS.name, row, "Критерий",
                        f"критерий «{crit.name}» не считается по случаям: внесите его на лист «Показатели»")
            )
            df.loc[df[ROW] == row, "criterion"] = None
    if period:
        first, last = month_bounds(period)
        dates = df["date"]
        outside = dates.notna() & ((dates < pd.Timestamp(first)) | (dates > pd.Timestamp(last)))
        for row, d in df.loc[outside, [ROW, "date"]].itertuples(index=False):
            problems.append(
                Problem(EVENTS.name, row, "Дата",
                        f"дата {d:%d.%m.%Y} вне отчётного месяца {first:%d.%m.%Y}–{last:%d.%m.%Y}")
            )
    keep = df["criterion"].notna()
    return df.loc[keep, ["staff_id", "criterion", "count", "date", "note"]].reset_index(drop=True)


def _check_deprivations(wb: Workbook, known_ids: set, positions: Mapping, problems: list[Problem]) -> pd.DataFrame:
    df = wb.tables[DEPRIVATIONS.name]
    ok = _unknown_staff(DEPRIVATIONS.name, df, known_ids, positions, problems)
    return df.loc[ok, ["staff_id", "percent", "reason"]].reset_index(drop=True)


def _check_plan_present(staff: pd.DataFrame, values: pd.DataFrame, catalog: PositionCatalog,
                        problems: list[Problem]) -> None:
    has_plan = {p.code for p in catalog.positions if any(c.kind == "plan" for c in p.criteria)}
    plan_codes = {c.code for p in catalog.positions for c in p.criteria if c.kind == "plan"}
    given = set(values.loc[values["criterion"].isin(plan_codes) & values["value"].notna(), "staff_id"])
    for row, sid, name, pos in staff[[ROW, "staff_id", "name", "position"]].itertuples(index=False):
        if pos in has_plan and sid not in given:
            problems.append(
                Problem(VALUES.name, None, "Значение",
                        f"нет процента выполнения плана для сотрудника «{name}» (таб. № {sid}, "
                        f"лист «Сотрудники», строка {row}): без него месяц не посчитать")
            )


def _check_stats(wb: Workbook, indicators: IndicatorCatalog, known_ids: set, problems: list[Problem]) -> pd.DataFrame:
    df = wb.tables[STATS.name].copy()
    ok = _unknown_staff(STATS.name, df, known_ids, {s: s for s in known_ids}, problems)
    codes = []
    for row, name in df[[ROW, "field"]].itertuples(index=False):
        code = indicators.field(name) if isinstance(name, str) else None
        if code is None and isinstance(name, str):
            problems.append(Problem(STATS.name, row, "Поле", f"неизвестное поле «{shown(name)}»: "
                                    "допустимы поля каталога показателей (лист «Поля» шаблона)"))
        codes.append(code)
    df["field"] = codes
    keep = ok & df["field"].notna() & df["value"].notna()
    return df.loc[keep, ["staff_id", "field", "value"]].reset_index(drop=True)


def _check_reviews(wb: Workbook, indicators: IndicatorCatalog, known_ids: set, problems: list[Problem]) -> pd.DataFrame:
    df = wb.tables[REVIEWS.name].copy()
    ok = _unknown_staff(REVIEWS.name, df, known_ids, {s: s for s in known_ids}, problems)
    for column, kind, header in (("reason", "reasons", "Причина"), ("impact", "impacts", "Влияние")):
        codes = []
        for row, name in df[[ROW, column]].itertuples(index=False):
            term = indicators.term(kind, name) if isinstance(name, str) else None
            if term is None and isinstance(name, str):
                allowed = "; ".join(t.aliases[0] if t.aliases else t.name for t in getattr(indicators.quality, kind))
                problems.append(Problem(REVIEWS.name, row, header,
                                        f"неизвестное значение «{shown(name)}»: ожидалось одно из: {allowed}"))
            codes.append(term.code if term else None)
        df[column] = codes
    harms = {t.code for t in indicators.quality.impacts if t.harms}
    category = quality_category(pd.to_numeric(df["coefficient"], errors="coerce"), indicators)
    contradicts = (category == "ДМП") & df["impact"].isin(harms)
    for row, k in df.loc[contradicts, [ROW, "coefficient"]].itertuples(index=False):
        problems.append(Problem(REVIEWS.name, row, "Влияние", (
            f"коэффициент {decimal(k)} — это ДМП (единичные дефекты, которые не привели и не могли привести к ухудшению "
            "здоровья), а указано влияние с ухудшением здоровья: исправьте коэффициент (ниже 0,6 — НМП) или влияние")))
    dup = df["case"].notna() & df.duplicated("case", keep="first")
    for row, case in df.loc[dup, [ROW, "case"]].itertuples(index=False):
        problems.append(Problem(REVIEWS.name, row, "Случай", f"случай «{shown(case)}» указан второй раз"))
    keep = ok & df["coefficient"].notna() & ~dup
    return df.loc[keep, ["case", "staff_id", "coefficient", "reason", "impact"]].reset_index(drop=True)


def _check_snils(staff: pd.DataFrame, problems: list[Problem]) -> None:
    for row, snils in staff[[ROW, "snils"]].itertuples(index=False):
        problem = snils_problem(snils) if isinstance(snils, str) else None
        if problem:
            problems.append(Problem(STAFF.name, row, "СНИЛС", f"«{shown(snils)}»: {problem}"))


def category_code(word: str) -> str | None:
    """The catalog's staff group a «Фонд».Категория word names (врачи / средний / младший / прочие), or None."""
    key = match_key(word)
    return next((code for code, names in _CATEGORY_ALIASES.items() if key in names), None)


def _check_funds(wb: Workbook, staff: pd.DataFrame, problems: list[Problem]) -> tuple[Fund, ...] | None:
    """The «Фонд» rows as groups: a department of «Сотрудники» (as spelt there) or «Все», a category word. A sheet
    with no rows (the template's) is no fund, as if it were absent."""
    df = wb.tables[FUNDS.name]
    if not len(df):
        return None
    departments = {match_key(d): d for d in staff["department"].dropna()}
    funds, seen = [], {}
    for row, department, category, amount in df[[ROW, "department", "category", "amount"]].itertuples(index=False):
        where = None
        if isinstance(department, str):
            where = ALL_DEPARTMENTS if match_key(department) == match_key(ALL_DEPARTMENTS) else departments.get(
                match_key(department))
            if where is None:
                problems.append(Problem(FUNDS.name, row, "Отделение", (
                    f"отделения «{shown(department)}» нет на листе «Сотрудники»: укажите отделение оттуда или "
                    f"«{ALL_DEPARTMENTS}»")))
        code = category_code(category) if isinstance(category, str) else None
        if isinstance(category, str) and code is None:
            problems.append(Problem(FUNDS.name, row, "Категория", (
                f"неизвестная категория «{shown(category)}»: допустимы {', '.join(CATEGORY_WORDS.values())} "
                "или пустая ячейка (всё отделение)")))
            continue
        if where is None or amount is None:
            continue
        key = (where, code)
        if key in seen:
            problems.append(Problem(FUNDS.name, row, "Отделение", f"группа повторяется (уже в строке {seen[key]})"))
            continue
        seen[key] = row
        funds.append(Fund(row, where, CATEGORY_WORDS[code] if code else None, amount))
    return tuple(funds)


def month_bounds(period: str) -> tuple[dt.date, dt.date]:
    """First and last day of 'YYYY-MM'."""
    year, month = (int(x) for x in period.split("-"))
    return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
