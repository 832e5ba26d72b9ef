"""Everything the annual report shows: the year's dynamics, the 0–4 rating, section 7 quality, НМО."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .catalog import load_nmo_rules
from .compare import STATEMENT as COMPARISON_RULE
from .compare import reaches
from .effectiveness import rate
from .errors import ParamsError
from .indicators import indicator_values, quality_tables
from .nmo import STATUS_NAMES
from .nmo import status as nmo_status
from .nmo_inputs import read_nmo
from .norms import load_quality_targets
from .paths import resolve
from .protocols_xlsx import MONTHS_GENITIVE
from .rating import Rating, unit_values
from .reports import ScoredMonth, nmo_display, score_workbook

MONTH_SHORT = ("янв", "фев", "мар", "апр", "май", "июн", "июл", "авг", "сен", "окт", "ноя", "дек")


@dataclass
class AnnualReport:
    year: int
    clinic: str
    data_dir: Path
    catalog_dir: Path | None
    norms_file: Path
    nmo_workbook: Path | None
    months: dict[str, ScoredMonth]
    scores: pd.DataFrame  # every month's scores with a `month` column
    by_month: pd.DataFrame  # department × month: mean percent
    rating: Rating
    quality: dict[str, pd.DataFrame]
    quality_values: pd.DataFrame
    nmo: pd.DataFrame | None

    def heading(self) -> str:
        return (f"# Итоги {self.year} года\n\n**{self.clinic}**. Месяцев в отчёте: {len(self.months)}; "
                f"сотрудников: {self.scores['staff_id'].nunique()}.")

    def parameters(self) -> dict:
        return {"year": self.year, "clinic": self.clinic, "catalog_dir": self.catalog_dir}

    def inputs(self) -> dict[str, Path | None]:
        books = {f"Книга {m}": s.month.source for m, s in self.months.items()}
        return {**books, "Нормы года": self.norms_file, "Книга НМО": self.nmo_workbook}

    def by_month_table(self) -> pd.DataFrame:
        table = self.by_month.copy()
        table.columns = [MONTH_SHORT[int(m[5:]) - 1] for m in table.columns]
        table.index.name = "Отделение"
        return table.round(1)

    def by_person_table(self) -> pd.DataFrame:
        wide = self.scores.pivot_table(index=["department", "name"], columns="month", values="percent", aggfunc="first")
        wide.columns = [MONTH_SHORT[int(m[5:]) - 1] for m in wide.columns]
        wide["Год"] = wide.mean(axis=1).round(1)
        wide = wide.reset_index().rename(columns={"department": "Отделение", "name": "ФИО"})
        return wide

    def rating_table(self) -> pd.DataFrame:
        s = self.rating.summary
        out = s.pivot_table(index="unit_name", columns="period", values="result", aggfunc="first").round(3)
        ranks = s.pivot_table(index="unit_name", columns="period", values="place", aggfunc="first")
        table = pd.DataFrame(index=out.index)
        for period in out.columns:
            label = f"{period[-2:]}" if "Q" in period else "Год"
            table[f"{label}: результат"] = out[period]
            table[f"{label}: место"] = ranks[period]
        return table.reset_index().rename(columns={"unit_name": "Подразделение"})

    def rating_detail_tables(self) -> dict[str, pd.DataFrame]:
        """For the year, per unit: each indicator's value, thresholds, P, Кэф, Ув and Пр."""
        d = self.rating.detail
        d = d[d["period"] == str(self.year)]
        units = {u.code: u.name for u in self.months[next(iter(self.months))].indicators.units}
        names = {i.code: i.name for i in self.months[next(iter(self.months))].indicators.indicators}
        out = {}
        for unit, part in d.groupby("unit", sort=False):
            table = pd.DataFrame({
                "Показатель": part["indicator"].map(names), "Значение": part["value"].round(3),
                "Цель": part["target"], "Лучший в регионе": part["region_best"], "Экспертное": part["expert"].round(3),
                "P": [int(p) if r else "0 (не представлено)" for p, r in zip(part["score"], part["reported"], strict=True)],
                "Кэф": part["kef"].round(2), "Ув": part["weight_norm"].round(3),
                "Пр": part["pr"].round(3)})
            out[f"{units[unit]}: показатели за {self.year} год"] = table.reset_index(drop=True)
        return out

    def quality_indicators(self) -> pd.DataFrame:
        return self.quality_values

    def nmo_table(self) -> pd.DataFrame:
        return pd.DataFrame() if self.nmo is None else nmo_display(self.nmo)

    def lint_all(self) -> pd.DataFrame:
        any_month = self.months[next(iter(self.months))]
        rows = [(f.position, f.criterion or "—", f.message) for f in any_month.catalog.lint]
        rows += [("Показатели", n, note) for n, note in any_month.indicators.notes()]
        rows.append(("Сравнения", "Пороги", COMPARISON_RULE))
        return pd.DataFrame(rows, columns=["Где", "Что", "Замечание"])


def build_annual(year: int, data_dir: Path | str, *, clinic: str, catalog_dir: Path | str | None = None,
                 norms_file: Path | str | None = None, nmo_workbook: Path | str | None = None) -> AnnualReport:
    data_dir, catalog_dir, norms_file, nmo_workbook = map(resolve, (data_dir, catalog_dir, norms_file, nmo_workbook))
    norms_file = norms_file or data_dir / f"norms-{year}.yaml"
    books = sorted(data_dir.glob(f"{year}-[01][0-9].xlsx"))
    if not books:
        raise ParamsError(f"в папке {data_dir} нет книг месяцев {year}-ММ.xlsx")
    months = {b.stem: score_workbook(b, catalog_dir=catalog_dir, norms_file=norms_file) for b in books}
    scores = pd.concat([m.scores.table.assign(month=k) for k, m in months.items()], ignore_index=True)
    by_month = scores.pivot_table(index="department", columns="month", values="percent", aggfunc="mean")
    indicators = months[books[0].stem].indicators
    counts = pd.concat([m.month.stats.merge(m.month.staff[["staff_id", "department"]], on="staff_id").assign(month=k)
                        for k, m in months.items() if m.month.stats is not None], ignore_index=True)
    counts["unit"] = counts["department"].map(lambda d: (u := indicators.unit_of(d)) and u.code)
    norms = months[books[0].stem].norms
    detail, summary = rate(unit_values(counts, indicators), norms, indicators)
    reviews = [m.month.reviews for m in months.values() if m.month.reviews is not None]
    finished = counts.loc[counts["field"] == indicators.quality.finished_cases_field, "value"].sum()
    quality = quality_tables(pd.concat(reviews, ignore_index=True), float(finished), indicators) if reviews else {}
    quality_values = _quality_vs_targets(counts, indicators, load_quality_targets(norms_file, indicators), year)
    nmo = None
    if nmo_workbook:
        on = dt.date(year, 12, 31)
        rules = load_nmo_rules(catalog_dir) if catalog_dir and (Path(catalog_dir) / "nmo.yaml").exists() \
            else load_nmo_rules()
        nmo = nmo_status(read_nmo(nmo_workbook, rules, on, strict=False), rules, on)
        nmo = nmo.assign(status=nmo["status"].map(STATUS_NAMES))
    return AnnualReport(year, clinic, data_dir, Path(catalog_dir) if catalog_dir else None, norms_file,
                        Path(nmo_workbook) if nmo_workbook else None, months, scores, by_month,
                        Rating(detail, summary, counts), quality, quality_values, nmo)


def _quality_vs_targets(counts: pd.DataFrame, indicators, targets: dict[str, float], year: int) -> pd.DataFrame:
    codes = [i.code for i in indicators.indicators if i.section]
    values = indicator_values(counts.assign(period=str(year)), indicators, by=["period"], codes=codes)
    rows = []
    for r in values.itertuples(index=False):
        ind = indicators.by_code[r.indicator]
        target = targets.get(r.indicator, np.nan)
        met = "" if np.isnan(target) or np.isnan(r.value) else (
            "да" if reaches(r.value, target, ind.direction == "lower") else "нет")
        rows.append((ind.section, ind.name, ind.unit, round(r.value, 2) if not np.isnan(r.value) else np.nan, target,
                     "меньше" if ind.direction == "lower" else "больше", met))
    return pd.DataFrame(rows, columns=["Раздел", "Показатель", "Единица", "Значение", "Норма", "Лучше", "Норма достигнута"])


def month_name(period: str) -> str:
    return MONTHS_GENITIVE[int(period[5:]) - 1]
