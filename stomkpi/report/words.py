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
    """НМО plans with their status in Russian words."""
    return plans.assign(status=plans["status"].map(STATUS_NAMES))


def nmo_display(plans: pd.DataFrame, rules: NmoRules) -> pd.DataFrame:
    """НМО plans with Russian headers, for the reports."""
    headers = nmo_headers(rules)
    table = plans.assign(admission_ok=plans["admission_ok"].map({True: "да", False: "нет"}))
    return table[list(headers)].rename(columns=headers)


def nmo_at_risk_heading(on: dt.date | None, count: int, rules: NmoRules) -> str:
    """How many НМО plans need attention on `on`, and why; the filing window is the catalog's."""
    if on is None:
        return "Книга НМО не указана в параметрах."
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
