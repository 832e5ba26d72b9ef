"""Russian words of the reports: months, statuses, column headers, headings and the rules stated in prose.

Every rule number a report states (the admission hours, the filing window, the 0–4 scale's margin
and О) is read from the catalog here, so a clinic that edits its catalog gets reports that state
its own numbers.
"""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd

from ..catalog import NmoRules
from ..catalog.indicators import Scale

MONTHS = ("январь", "февраль", "март", "апрель", "май", "июнь", "июль", "август", "сентябрь", "октябрь", "ноябрь",
          "декабрь")
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
    "weight_norm": "Ув", "pr": "Пр",
}


def number(x: float) -> str:
    """A rule number as Russian prose writes it: no trailing zeros, decimal comma (144; 0,15)."""
    return f"{x:g}".replace(".", ",")


def month_words(period: str) -> str:
    """'2025-12' -> 'декабрь 2025 года'."""
    year, month = period.split("-")
    return f"{MONTHS[int(month) - 1]} {year} года"


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
    return {"name": "ФИО", "specialty": "Специальность", "cycle_start": "Начало цикла", "deadline": "Срок",
            "filing_from": "Подача с", "required": "Нужно ЗЕТ", "earned": "Набрано", "earned_dpp": "ДПП",
            "earned_other": "Прочее", "expected_now": "Ожидалось", "per_year_needed": "Нужно в год",
            "admission_ok": f"Допуск {number(rules.plans.admission.required)} ч", "status": "Состояние"}


def status_names(plans: pd.DataFrame) -> pd.DataFrame:
    """НМО plans with their status in Russian words (the one word of each status, in reports and .xlsx)."""
    return plans.assign(status=plans["status"].map(lambda s: STATUS_NAMES.get(s, s)))


def nmo_display(plans: pd.DataFrame, rules: NmoRules) -> pd.DataFrame:
    """НМО plans (status as a code) with Russian headers and words, for the reports."""
    headers = nmo_headers(rules)
    table = status_names(plans).assign(admission_ok=plans["admission_ok"].map({True: "да", False: "нет"}))
    return table[list(headers)].rename(columns=headers)


def for_people(frame: pd.DataFrame, criterion_names: dict[str, str] | None = None) -> pd.DataFrame:
    """A machine table (English keys, status codes) as people read it: Russian headers, status words,
    да/нет; a criterion's points column `pts_<code>` is headed «Баллы: <criterion>»."""
    out = frame.copy()
    if "status" in out.columns:
        out["status"] = out["status"].map(lambda s: STATUS_NAMES.get(s, s))
    for column in out.columns:
        values = out[column]
        if values.dtype == bool or (len(values) and values.map(lambda v: isinstance(v, bool)).all()):
            out[column] = out[column].map({True: "да", False: "нет"})
    names = criterion_names or {}

    def header(column: str) -> str:
        if column.startswith("pts_"):
            return f"Баллы: {short(names.get(column[4:], column[4:]))}"
        return HEADERS.get(column, column)

    return out.rename(columns={c: header(c) for c in out.columns})


def nmo_at_risk_heading(on: dt.date | None, count: int, rules: NmoRules) -> str:
    """How many НМО plans need attention on `on`, and why; the filing window is the catalog's."""
    if on is None:
        return "Книга НМО не указана в параметрах (ключ «nmo_workbook»): планы НМО не проверялись."
    return (f"На {on:%d.%m.%Y}: планов, требующих внимания, — {count} (отстают от графика, просрочены или срок "
            f"аккредитации в ближайшие {rules.filing_window_months} мес.).")


def scale_explained(scale: Scale) -> str:
    """The 0–4 scale of section 6 as the annual report states it, with the catalog's О and margin."""
    o, margin = number(scale.target_score), number(round(100 * scale.one_point_margin, 6))
    return ("## Рейтинг подразделений по шкале 0–4 (раздел 6)\n\n"
            f"Балл P: {o} — целевой ориентир, 3 — лучший показатель по региону, 2 — экспертное значение, "
            f"1 — на 1–{margin} % хуже экспертного, 0 — хуже. Кэф = P / {o}, Пр = Кэф × Ув, результат — сумма Пр "
            "(от 0 до 1). Для показателей «меньше — лучше» шкала зеркальна (раздел 6.4 нумерует её наоборот; "
            f"здесь {o} всегда означает достижение цели).")


def provenance_table(provenance: dict) -> pd.DataFrame:
    """The provenance block exactly as manifest.json records it (names sorted, as there): parameters,
    inputs, catalogs, versions."""
    rows = [("Блокнот", provenance["notebook"], "")]
    rows += [("Параметр", k, "—" if v is None else str(v)) for k, v in sorted(provenance["parameters"].items())]
    rows += [("Входной файл", f"{k}: {v['path']}", v["sha256"]) for k, v in sorted(provenance["inputs"].items())]
    rows += [("Каталог правил", k, v) for k, v in sorted(provenance["catalogs"].items())]
    rows += [("Версия", k, v) for k, v in sorted(provenance["versions"].items())]
    return pd.DataFrame(rows, columns=["Что", "Имя", "Значение (SHA-256 / версия)"])
