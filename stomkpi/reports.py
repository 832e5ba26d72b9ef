"""Everything a report shows, computed in one call, so that the notebooks stay thin.

`build_monthly` reads the month, scores it and derives the protocols, summaries and warnings;
the monthly notebook only displays what it returns.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .catalog import IndicatorCatalog, NmoRules, PositionCatalog, load_indicators, load_nmo_rules, load_positions
from .compare import STATEMENT as COMPARISON_RULE
from .derive import Derived, derive
from .display import show  # noqa: F401  (re-exported for the notebooks)
from .indicators import quality_tables
from .month import Month, month_bounds, period_from_name, read_month
from .nmo import STATUS_NAMES, add_months
from .nmo import status as nmo_status
from .nmo_inputs import read_nmo
from .norms import load_norms
from .paths import resolve
from .protocols import clinic_protocol, department_protocol, other_staff
from .protocols_xlsx import month_words
from .scoring import Scores, score_month
from .summary import by_department, lost_by_criterion, lost_points
from .text import match_key


@dataclass
class MonthlyReport:
    """A scored month with everything the monthly report prints."""

    period: str
    clinic: str
    catalog: PositionCatalog
    month: Month
    scores: Scores
    departments: list[str]
    department_protocols: dict[str, dict[str, pd.DataFrame]]
    clinic_protocol: dict[str, pd.DataFrame]
    other_staff: pd.DataFrame
    by_department: pd.DataFrame
    lost_points: pd.DataFrame
    lost_by_criterion: pd.DataFrame
    warnings: list[str] = field(default_factory=list)
    scored: ScoredMonth | None = None
    quality: dict[str, pd.DataFrame] = field(default_factory=dict)
    nmo_risks: pd.DataFrame | None = None
    nmo_on: dt.date | None = None

    def ukv_table(self) -> pd.DataFrame:
        """The УКВ of each doctor (section 4.3) and where the УКВ and ОКЛ counts came from."""
        if self.scored is None:
            return pd.DataFrame()
        names = self.scores.table.set_index("staff_id")["name"]
        src = self.scored.derived.sources.pivot_table(index="staff_id", columns="criterion", values="source",
                                                      aggfunc="first")
        names_by_code = {c.code: c.name for p in self.catalog.positions for c in p.criteria}
        src.columns = [f"Источник: {_short(names_by_code.get(c, c))}" for c in src.columns]
        u = self.scored.derived.ukv.set_index("staff_id")[["indicators", "missed", "no_data", "ukv"]]
        u.columns = ["Показателей", "Не достигнуто", "Из них без данных", "УКВ"]
        out = pd.DataFrame({"ФИО": names}).join(u, how="inner").join(src, how="left")
        out["УКВ"] = out["УКВ"].astype(float).round(3)
        return out.sort_values("ФИО").reset_index(drop=True)

    def lint_all(self) -> pd.DataFrame:
        """Every interpretation and contradiction of the rules that this report relies on."""
        rows = [(f.position, f.criterion or "—", f.message) for f in self.catalog.lint]
        rows.append(("Сравнения", "Пороги", COMPARISON_RULE))
        if self.scored is not None:
            rows += [("Показатели", name, note) for name, note in self.scored.indicators.notes()]
        return pd.DataFrame(rows, columns=["Где", "Что", "Замечание"])

    SCORE_HEADERS = {"name": "ФИО", "title": "Должность", "department": "Отделение", "days_fact": "Факт. дни",
                     "rates_oms": "Ставки ОМС", "norm_points": "Норма баллов", "total_points": "Баллы",
                     "percent": "Процент", "coefficient": "Коэффициент"}
    NMO_HEADERS = {"name": "ФИО", "specialty": "Специальность", "cycle_start": "Начало цикла", "deadline": "Срок",
                   "filing_from": "Подача с", "required": "Нужно ЗЕТ", "earned": "Набрано", "earned_dpp": "ДПП",
                   "earned_other": "Прочее", "expected_now": "Ожидалось", "per_year_needed": "Нужно в год",
                   "admission_ok": "Допуск 144 ч", "status": "Состояние"}

    def heading(self) -> str:
        t = self.scores.table
        return (f"# Оценка результативности за {self.period_words}\n\n**{self.clinic}**. Сотрудников: {len(t)}; "
                f"средний процент выполнения показателей {t['percent'].mean():.1f} %; "
                f"лишены премии полностью или частично: {int((t['deprived_percent'] > 0).sum())}.")

    def department_protocol_heading(self, department: str) -> str:
        return (f"### {department}\n\nПротокол заседания совета трудового коллектива ({department}) "
                f"о премировании за {self.period_words}. Показатели для выплаты премии:")

    def clinic_protocol_heading(self) -> str:
        return (f"Протокол заседания комиссии по контролю за реализацией мероприятий по повышению доступности "
                f"амбулаторной медицинской помощи за {self.period_words}: коэффициент денежных выплат "
                "стимулирующего характера.")

    def nmo_heading(self) -> str:
        if self.nmo_risks is None:
            return "Книга НМО не указана в параметрах."
        return (f"На {self.nmo_on:%d.%m.%Y}: планов, требующих внимания, — {len(self.nmo_risks)} "
                "(отстают от графика, просрочены или срок аккредитации в ближайшие 12 месяцев).")

    def nmo_table(self) -> pd.DataFrame:
        if self.nmo_risks is None:
            return pd.DataFrame()
        return nmo_display(self.nmo_risks)

    @property
    def period_words(self) -> str:
        return month_words(self.period)

    def warnings_markdown(self) -> str:
        if not self.warnings:
            return "Замечаний к входным данным нет."
        return "\n".join(f"- {w}" for w in self.warnings)

    def rules_table(self) -> pd.DataFrame:
        """The rules applied, as the appendix prints them (position, criterion, points by the document)."""
        rules = self.catalog.rules()
        kinds = {"main": "основной", "additional": "дополнительный"}
        return pd.DataFrame({
            "Должность": rules["position_name"],
            "Группа": rules["group"].map(kinds),
            "Критерий": rules["criterion_name"],
            "Баллы по Положению": rules["document"],
            "Правило": rules["kind"],
        })

    def lint_table(self) -> pd.DataFrame:
        return pd.DataFrame(
            [(f.position, f.criterion or "—", f.message) for f in self.catalog.lint],
            columns=["Должность", "Критерий", "Замечание"],
        )


@dataclass(frozen=True)
class ScoredMonth:
    """A month read, completed from its data (УКВ, ОКЛ) and scored."""

    catalog: PositionCatalog
    indicators: IndicatorCatalog
    norms: pd.DataFrame | None
    norms_file: Path | None
    derived: Derived
    scores: Scores

    @property
    def month(self) -> Month:
        return self.derived.month


def default_norms_file(workbook: Path | str, period: str | None) -> Path | None:
    """`norms-YYYY.yaml` beside the workbook, when the month is known and the file exists."""
    if not period:
        return None
    candidate = Path(workbook).parent / f"norms-{period[:4]}.yaml"
    return candidate if candidate.is_file() else None


def year_norms(norms: pd.DataFrame | None, indicators: IndicatorCatalog) -> dict:
    """The year's norm of each indicator for `versus_norm` criteria: a department's expert value by
    (department name, indicator) for every name of its unit, and the clinic's by indicator alone."""
    if norms is None:
        return {}
    units = {u.code: u for u in indicators.units}
    out: dict = {}
    for unit, indicator, expert in norms[["unit", "indicator", "expert"]].itertuples(index=False):
        u = units[unit]
        if u.whole:
            out[indicator] = expert
        for name in (u.code, u.name, *u.aliases):
            out[(match_key(name), indicator)] = expert
    return out


def score_workbook(workbook: Path | str, *, period: str | None = None, catalog_dir: Path | str | None = None,
                   norms_file: Path | str | None = None) -> ScoredMonth:
    """Read and check a monthly workbook, take УКВ and ОКЛ from its data where not entered, and score it."""
    catalog = load_positions(catalog_dir)
    indicators = load_indicators(catalog_dir) if catalog_dir and (Path(catalog_dir) / "indicators.yaml").exists() \
        else load_indicators()
    period = period or period_from_name(workbook)
    norms_path = Path(norms_file) if norms_file else default_norms_file(workbook, period)
    norms = load_norms(norms_path, indicators) if norms_path else None
    month = read_month(workbook, catalog, period=period, indicators=indicators, norms=year_norms(norms, indicators))
    derived = derive(month, catalog, indicators, norms)
    return ScoredMonth(catalog, indicators, norms, norms_path, derived, score_month(derived.month, catalog))


def build_monthly(period: str, workbook: Path | str, *, clinic: str, catalog_dir: Path | str | None = None,
                  norms_file: Path | str | None = None, nmo_workbook: Path | str | None = None) -> MonthlyReport:
    """Read, check and score one month and derive every table of the monthly report."""
    workbook, catalog_dir, norms_file, nmo_workbook = map(resolve, (workbook, catalog_dir, norms_file, nmo_workbook))
    scored = score_workbook(workbook, period=period, catalog_dir=catalog_dir, norms_file=norms_file)
    catalog, month, scores = scored.catalog, scored.month, scored.scores
    table = scores.table
    quality = {}
    if month.reviews is not None:
        field = scored.indicators.quality.finished_cases_field
        finished = month.stats.loc[month.stats["field"] == field, "value"].sum() if month.stats is not None else 0
        quality = quality_tables(month.reviews, float(finished), scored.indicators)
    nmo_risks, nmo_on = None, None
    if nmo_workbook:
        nmo_on = month_bounds(period)[1]
        rules = load_nmo_rules(catalog_dir) if catalog_dir and (Path(catalog_dir) / "nmo.yaml").exists() \
            else load_nmo_rules()
        plans = nmo_status(read_nmo(nmo_workbook, rules, nmo_on, strict=False), rules, nmo_on)
        nmo_risks = at_risk(plans, nmo_on, rules)
    departments = sorted(table["department"].unique())
    lost = lost_points(scores.details, table, catalog)
    return MonthlyReport(
        period=period,
        clinic=clinic,
        catalog=catalog,
        month=month,
        scores=scores,
        departments=departments,
        department_protocols={d: department_protocol(table, month.deprivations, catalog, d) for d in departments},
        clinic_protocol=clinic_protocol(table, month.deprivations, catalog),
        other_staff=other_staff(table, catalog),
        by_department=by_department(table),
        lost_points=lost,
        lost_by_criterion=lost_by_criterion(lost),
        warnings=input_warnings(month, table, catalog),
        scored=scored,
        quality=quality,
        nmo_risks=nmo_risks,
        nmo_on=nmo_on,
    )


def nmo_display(plans: pd.DataFrame) -> pd.DataFrame:
    """НМО plans with Russian headers, for the reports."""
    table = plans.assign(admission_ok=plans["admission_ok"].map({True: "да", False: "нет"}))
    return table[list(MonthlyReport.NMO_HEADERS)].rename(columns=MonthlyReport.NMO_HEADERS)


def _short(name: str) -> str:
    """«Оценка качества лечения (ОКЛ)» -> «ОКЛ»: the abbreviation when the wording ends with one."""
    m = re.search(r"\(([^()]+)\)$", name)
    return m.group(1) if m else name


def at_risk(plans: pd.DataFrame, on: dt.date, rules: NmoRules) -> pd.DataFrame:
    """НМО plans that are behind or overdue, or whose deadline falls within the filing window."""
    window = add_months(on, rules.filing_window_months)
    due = plans["deadline"].map(lambda d: d <= window)
    risky = plans[plans["status"].isin(["behind", "overdue"]) | (due & (plans["status"] != "done"))]
    return risky.assign(status=risky["status"].map(STATUS_NAMES))


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
    short = {f.position for f in catalog.lint if "сумма максимумов" in f.message}
    for p in catalog.positions:
        if p.name in short and (table["position"] == p.code).any():
            n = int((table["position"] == p.code).sum())
            out.append(f"Должность «{p.name}» ({n} чел.): сумма основных критериев меньше нормы баллов — "
                       "процент выполнения ниже 100 % даже без замечаний (см. приложение).")
    return out
