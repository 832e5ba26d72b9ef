"""The quarterly and yearly rating of the clinic and its departments from a year of monthly workbooks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .catalog import IndicatorCatalog, load_indicators, load_positions
from .effectiveness import periods, rate
from .errors import ParamsError
from .indicators import indicator_values
from .month import read_month
from .norms import load_norms


@dataclass(frozen=True)
class Rating:
    detail: pd.DataFrame  # unit, period, indicator, value, target, region_best, expert, score, kef, weight_norm, pr
    summary: pd.DataFrame  # unit, period, result, indicators, rank
    counts: pd.DataFrame  # month, staff_id, department, unit, field, value — the year's Статистика


def year_counts(workbooks: list[Path], indicators: IndicatorCatalog, catalog_dir: Path | None = None,
                progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Every month's Статистика with the month, the employee's department and its Приложение 1 unit."""
    positions = load_positions(catalog_dir)
    parts = []
    for path in workbooks:
        month = read_month(path, positions, indicators=indicators)
        if month.stats is not None and len(month.stats):
            part = month.stats.merge(month.staff[["staff_id", "department"]], on="staff_id")
            parts.append(part.assign(month=month.period))
        if progress:
            progress(path.name)
    if not parts:
        raise ParamsError("ни в одной книге месяца нет листа «Статистика»: рейтинг не посчитать")
    counts = pd.concat(parts, ignore_index=True)
    counts["unit"] = counts["department"].map(lambda d: (u := indicators.unit_of(d)) and u.code)
    return counts


def unit_values(counts: pd.DataFrame, indicators: IndicatorCatalog) -> pd.DataFrame:
    """Each unit's МКР indicators per quarter and for the year, from summed counts."""
    p = periods(counts["month"])
    stacked = []
    for unit in indicators.units:
        rows = counts if unit.whole else counts[counts["unit"] == unit.code]
        for level in ("quarter", "year"):
            part = rows.assign(unit=unit.code, period=p.loc[rows.index, level])
            values = indicator_values(part, indicators, by=["unit", "period"], codes=list(unit.indicators))
            stacked.append(values)
    return pd.concat(stacked, ignore_index=True)


def rating_for_year(workbooks: list[Path], norms_file: Path, catalog_dir: Path | None = None,
                    progress: Callable[[str], None] | None = None) -> Rating:
    indicators = load_indicators(catalog_dir) if catalog_dir and (Path(catalog_dir) / "indicators.yaml").exists() \
        else load_indicators()
    norms = load_norms(norms_file, indicators)
    counts = year_counts(workbooks, indicators, catalog_dir, progress)
    detail, summary = rate(unit_values(counts, indicators), norms, indicators)
    return Rating(detail, summary, counts)
