"""Russian words of the reports: months, statuses, column headers, headings and the rules stated in prose.

Every rule number a report states (the admission hours, the filing window, the 0–4 scale's points,
margin and О) is read from the catalog here, so a clinic that edits its catalog gets reports that state
its own numbers.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from stomkpi.catalog import NmoRules
from stomkpi.catalog.indicators import Scale
from stomkpi.text import MONTHS, date_words, month_words  # noqa: F401 — the months' words, with the rest of the reports' words

MONTH_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")
STATUS_NAMES = {"done": "выполнено", "on_track": "по графику", "behind": "отстаёт", "overdue": "просрочено"}
SCORE_HEADERS = {"name": "ФИО", "title": "Должность", "department": "Отделение", "days_fact": "Факт. дни",
                 "rates_oms": "Ставки ОМС", "norm_points": "Норма баллов", "total_points": "Баллы",
                 "percent": "Процент", "coefficient": "Коэффициент"}
# Russian headers of every table written for people (.xlsx); the CSV keeps the English keys.
HEADERS = {
    **SCORE_HEADERS,
    "staff_id": "Таб. номер", "position": "Код должности", "position_name": "Должность по Положению",
    "rates_paid": "Ставки платно", "days_plan": "Дни по плану", "main_points": "Баллы: основные",
    "additional_points": "Баллы: дополнительные", "total_points": "Баллы: итого", "percent": "Процент выполнения",
    "deprived_percent": "Лишение премии, %", "coefficient": "Коэффициент выплат", "month": "Месяц",
    "specialty": "Специальность", "cycle_start": "Начало цикла", "deadline": "Срок аккредитации",
    "filing_from": "Подача документов с", "required": "Нужно ЗЕТ", "earned": "Набрано ЗЕТ", "earned_dpp": "Набрано: ДПП",
    "earned_other": "Набрано: прочее", "expected_now": "Ожидалось к дате", "shortfall": "Отставание",
    "per_year_needed": "Нужно в год", "admission_ok": "Допуск", "status": "Состояние", "flags": "Замечания",
    "cycle_year": "Год цикла", "year_start": "Начало года цикла", "year_end": "Конец года цикла",
    "guide": "Ориентир", "guide_dpp": "Ориентир: ДПП", "guide_other": "Ориентир: прочее",
    "carried_shortfall": "Перенесённое отставание",
    "unit": "Код подразделения", "unit_name": "Подразделение", "period": "Период", "result": "Результат (0–1)",
    "indicators": "Показателей", "missing": "Не представлено", "below_range": "Ниже шкалы", "rank": "Ранг",
    "place": "Место", "indicator": "Показатель", "target": "Цель", "region_best": "Лучший в регионе",
    "weight": "Вес", "expert": "Экспертное значение", "expert_source": "Откуда экспертное", "numerator": "Числитель",
    "denominator": "Знаменатель", "value": "Значение", "reported": "Представлено", "score": "Балл P", "kef": "Кэф",
    "weight_norm": "Ув", "pr": "Пр", "days_left": "Осталось дней", "indicator_name": "Показатель",
    "edition": "Редакция",
}
# the НМО plans' own words for keys that other tables use otherwise
NMO_HEADERS = {"missing": "Не хватает ЗЕТ", "indicator": "Показатель"}
# a code column that people read by the name beside it: the code is left out of their files
NAMED_CODES = {"position": "position_name", "unit": "unit_name", "indicator": "indicator_name"}


def number(x: float) -> str:
    """A rule number as Russian prose writes it: no trailing zeros, decimal comma (144; 0,15)."""
    return f"{x:g}".replace(".", ",")


def decimal(x: float, places: int = 1) -> str:
    """A measured number with a fixed number of decimals and a decimal comma: 93,7."""
    return f"{x:.{places}f}".replace(".", ",")


def signed(x: float) -> str:
    """A rule number with its sign as the rules are read: «+1», «−5» (a true minus sign), «0»."""
    if x == 0:
        return "0"
    return ("+" if x > 0 else "\u2212") + number(abs(x))


def rule_words(kind: str, *, max: float | None = None, step: float | None = None, penalty: float | None = None,
               weight: float | None = None, low: float | None = None, high: float | None = None,
               direction: str | None = None) -> str:
    """A criterion's rule as a person reads it, with the catalog's numbers: «10, −1 за каждое замечание»."""
    if kind == "plan":
        return f"{number(max)} при 100 %, ±{number(step)} за каждый % выше или ниже плана"
    if kind == "deduction":
        return f"{number(max)}, \u2212{number(penalty)} за каждое замечание"
    if kind == "per_event":
        return f"{signed(weight)} за каждый случай"
    if kind == "assigned":
        return f"назначает руководитель: от {number(low)} до {number(high)}"
    if kind == "versus_norm":
        better = "ниже" if direction == "lower" else "выше"
        worse = "выше" if direction == "lower" else "ниже"
        return f"±{number(weight)} к норме: +{number(weight)} {better} нормы, \u2212{number(weight)} {worse}"
    if kind == "info":
        return "для сведения, без баллов"
    raise ValueError(f"нет слов для вида правила «{kind}»")


def rule_of(row) -> str:
    """`rule_words` for a row of `PositionCatalog.rules()` (a mapping or a namedtuple)."""
    get = row.get if hasattr(row, "get") else (lambda k: getattr(row, k))
    fields = {}
    for f in ("max", "step", "penalty", "weight", "low", "high", "direction"):
        v = get(f)
        fields[f] = None if v is None or (isinstance(v, float) and v != v) else v
    return rule_words(get("kind"), **fields)


def month_short(period: str) -> str:
    """'2025-12' -> 'дек'."""
    return MONTH_SHORT[int(period[5:7]) - 1]


def monthly_title(period: str) -> str:
    """The monthly report's title (the PDF's title block)."""
    return f"Оценка результативности сотрудников за {month_words(period)}"


def annual_title(year: int) -> str:
    """The annual report's title (the PDF's title block)."""
    return f"Итоги {year} года: результативность, рейтинг, качество, НМО"


def regional_title(year: int) -> str:
    """The regional summary's title (the PDF's title block)."""
    return f"Сводный отчёт региона за {year} год: подразделения, фонды, НМО"


def short(name: str) -> str:
    """«Оценка качества лечения (ОКЛ)» -> «ОКЛ»: the abbreviation when the wording ends with one."""
    m = re.search(r"\(([^()]+)\)$", name)
    return m.group(1) if m else name


def nmo_headers(rules: NmoRules) -> dict[str, str]:
    """Russian headers of the НМО plan table; the admission column names the catalog's hours."""
    return {"name": "ФИО", "specialty": "Специальность", "deadline": "Срок", "progress": "Набрано из нужного",
            "earned_dpp": "Из них ДПП", "action": "Что сделать",
            "admission_ok": f"Допуск {number(rules.plans.admission.required)} ч", "status": "Состояние"}


def status_names(plans: pd.DataFrame) -> pd.DataFrame:
    """НМО plans with their status in Russian words (the one word of each status, in reports and .xlsx)."""
    return plans.assign(status=plans["status"].map(lambda s: STATUS_NAMES.get(s, s)))


def nmo_display(plans: pd.DataFrame, rules: NmoRules) -> pd.DataFrame:
    """НМО plans (status as a code) with Russian headers and words, for the reports: progress as «набрано из
    нужного» and the action in figures (`nmo_action`)."""
    headers = nmo_headers(rules)
    done = plans["status"].isin(["done", STATUS_NAMES["done"]])
    table = status_names(plans).assign(
        admission_ok=plans["admission_ok"].map({True: "да", False: "нет"}),
        progress=[f"{number(round(e, 1))} из {number(r)}" for e, r in zip(plans["earned"], plans["required"], strict=True)],
        action=[nmo_action(int(d), float(m), float(y), bool(k)) for d, m, y, k in
                zip(plans["days_left"], plans["missing"], plans["per_year_needed"], done, strict=True)])
    return table[list(headers)].rename(columns=headers)


def for_people(frame: pd.DataFrame, criterion_names: dict[str, str] | None = None) -> pd.DataFrame:
    """A machine table (English keys, status codes) as people read it: Russian headers, status words,
    да/нет, names instead of codes (`NAMED_CODES`); a criterion's points column `pts_<code>` is headed
    «Баллы: <criterion>»."""
    out = frame.drop(columns=[c for c, name in NAMED_CODES.items() if c in frame.columns and name in frame.columns])
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda s: STATUS_NAMES.get(s, s))
    for column in out.columns:
        values = out[column]
        if values.dtype == bool or (len(values) and values.map(lambda v: isinstance(v, bool)).all()):
            out[column] = out[column].map({True: "да", False: "нет"})
    return out.rename(columns=people_headers(list(out.columns), criterion_names))


def people_headers(columns: list[str], criterion_names: dict[str, str] | None = None) -> dict[str, str]:
    """Each machine key's Russian header in a file for people (`for_people`)."""
    names = criterion_names or {}
    own = HEADERS | (NMO_HEADERS if "days_left" in columns else {})

    def header(column: str) -> str:
        if column.startswith("pts_"):
            return f"Баллы: {short(names.get(column[4:], column[4:]))}"
        return own.get(column, column)

    return {c: header(c) for c in columns}


def nmo_at_risk_heading(on: dt.date | None, count: int, rules: NmoRules) -> str:
    """How many НМО plans need attention on `on`, and why; the filing window is the catalog's."""
    if on is None:
        return "Книга НМО не указана в параметрах (ключ «nmo_workbook»): планы НМО не проверялись."
    return (f"На {on:%d.%m.%Y}: планов, требующих внимания, — {count} (отстают от графика, просрочены или срок "
            f"аккредитации в ближайшие {rules.filing_window_months} мес.).")


SCALE_STEPS = {"target": "целевой ориентир", "region_best": "лучший показатель по региону",
               "expert": "экспертное значение", "near_expert": "на 1–{margin} % хуже экспертного"}  # `Scale.ladder`


def scale_explained(scale: Scale) -> str:
    """The 0–4 scale of section 6 as the annual report states it, with the catalog's points and margin."""
    o, margin = number(scale.target_score), number(round(100 * scale.one_point_margin, 6))
    steps = ", ".join(f"{number(points)} — {SCALE_STEPS[name].format(margin=margin)}" for name, points in scale.ladder())
    return ("## Рейтинг подразделений по шкале 0–4 (раздел 6)\n\n"
            f"Балл P: {steps}, {number(scale.steps.below)} — хуже. Кэф = P / {o}, Пр = Кэф × Ув, результат — сумма Пр "
            "(от 0 до 1). Для показателей «меньше — лучше» шкала зеркальна (раздел 6.4 нумерует её наоборот; "
            f"здесь {o} всегда означает достижение цели).")


PARAMETER_NAMES = {"period": "Месяц отчёта", "year": "Год отчёта", "params": "Файл параметров",
                   "clinic": "Поликлиника", "catalog_dir": "Папка правил"}
INPUT_NAMES = {"workbook": "Книга месяца", "norms": "Нормы года", "nmo": "Книга НМО"}
CATALOG_NAMES = {"positions": "Критерии должностей (Приложение 2)", "indicators": "Показатели и шкала 0–4 (Приложение 1)",
                 "nmo": "Правила НМО"}  # by the catalog file's stem


def input_name(label: str) -> str:
    """«workbook 2025-03» -> «Книга месяца 2025-03»."""
    head, _, rest = label.partition(" ")
    return f"{INPUT_NAMES.get(head, head)} {rest}".strip()


def code_words(code: dict | None) -> str:
    """Which code made a report: «stomkpi 0.1.0, коммит 1a2b3c4 (с незафиксированными изменениями)»."""
    if not code:
        return "неизвестно"
    text = f"stomkpi {code.get('version', '?')}"
    if code.get("commit"):
        text += f", коммит {code['commit'][:12]}"
        if code.get("dirty"):
            text += " (с незафиксированными изменениями)"
    return text


def provenance_table(provenance: dict) -> pd.DataFrame:
    """The provenance block as manifest.json records it, named in words: parameters, inputs with their
    SHA-256, catalogs with theirs, the code and the versions of the libraries."""
    rows = [("Блокнот", provenance["notebook"], "")]
    rows += [("Параметр", PARAMETER_NAMES.get(k, k), "встроенные правила" if k == "catalog_dir" and v is None else
              "—" if v is None else str(v)) for k, v in sorted(provenance["parameters"].items())]
    rows += [("Входной файл", f"{input_name(k)}: {v['path']}", v["sha256"]) for k, v in sorted(provenance["inputs"].items())]
    rows += [("Каталог правил", CATALOG_NAMES.get(k.rsplit(".", 1)[0], k), v) for k, v in sorted(provenance["catalogs"].items())]
    if "code" in provenance:
        rows.append(("Программа", "Версия и коммит", code_words(provenance["code"])))
    rows += [("Версия", k, v) for k, v in sorted(provenance["versions"].items())]
    return pd.DataFrame(rows, columns=["Что", "Имя", "Значение (SHA-256 / версия)"])


def title_page_note(provenance: dict) -> str:
    """The title page's last line: which code made the report, and where its provenance is."""
    return f"Сделан программой {code_words(provenance.get('code'))}; происхождение данных — в приложении."


def nmo_action(days_left: int, missing: float, per_year: float, done: bool) -> str:
    """What a person must do for their НМО plan, in figures they can act on: with less than a year
    left, the days left and the points still needed; otherwise the points needed per year."""
    if done:
        return "выполнено"
    if days_left <= 0:
        return f"срок истёк; не хватает {number(round(missing, 1))} ЗЕТ"
    if days_left < 365:
        return f"осталось {days_left} дн.; набрать {number(round(missing, 1))} ЗЕТ"
    return f"по {number(round(per_year, 1))} ЗЕТ в год"
