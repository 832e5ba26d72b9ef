"""The explorer's pipeline: from workbooks on disk to scores and the rating, with the readers and the pure engines.

Reading (every input error at once, nothing computed) is kept apart from computing, so that a report
can check its inputs before it runs its notebook: `read_inputs` reads and checks a month,
`score_inputs` computes; `score_workbook` does both. The rating of a year sums every month's
Статистика per unit, then rates the units on the 0–4 scale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from stomkpi.catalog import Catalogs, IndicatorCatalog, PositionCatalog, load_catalogs
from stomkpi.derive import Derived, derive, year_norms
from stomkpi.effectiveness import periods, rate
from stomkpi.errors import ParamsError
from stomkpi.indicators import indicator_values
from stomkpi.month import period_from_name, read_month
from stomkpi.norms import load_norms
from stomkpi.records import Month
from stomkpi.scoring import Scores, score_month


@dataclass(frozen=True)
class MonthInputs:
    """A month's workbook and the year's norms, read and checked."""

    month: Month
    norms: pd.DataFrame | None
    norms_file: Path | None


@dataclass(frozen=True)
class ScoredMonth:
    """A month read, completed from its data (УКВ, ОКЛ) and scored."""

    catalogs: Catalogs
    norms: pd.DataFrame | None
    norms_file: Path | None
    derived: Derived
    scores: Scores

    @property
    def month(self) -> Month:
        return self.derived.month

    @property
    def catalog(self) -> PositionCatalog:
        return self.catalogs.positions

    @property
    def indicators(self) -> IndicatorCatalog:
        return self.catalogs.indicators


def default_norms_file(workbook: Path | str, period: str | None) -> Path | None:
    """`norms-YYYY.yaml` beside the workbook, when the month is known and the file exists."""
    if not period:
        return None
    candidate = Path(workbook).parent / f"norms-{period[:4]}.yaml"
    return candidate if candidate.is_file() else None


def read_inputs(workbook: Path | str, catalogs: Catalogs, *, period: str | None = None,
                norms_file: Path | str | None = None) -> MonthInputs:
    """Read and check a monthly workbook and the year's norms; raise with every problem found."""
    period = period or period_from_name(workbook)
    norms_path = Path(norms_file) if norms_file else default_norms_file(workbook, period)
    norms = load_norms(norms_path, catalogs.indicators) if norms_path else None
    month = read_month(workbook, catalogs.positions, period=period, indicators=catalogs.indicators,
                       norms=year_norms(norms, catalogs.indicators))
    if norms is None and month.stats is not None and len(month.stats):
        year = month.period[:4] if month.period else "ГГГГ"
        raise ParamsError(f"в книге {workbook} заполнен лист «Статистика»: для УКВ врачей нужен файл норм года, а его нет. "
                          f"Положите norms-{year}.yaml рядом с книгой (или укажите ключ «norms» в файле параметров, "
                          "у команды score — --norms) либо удалите лист «Статистика»")
    return MonthInputs(month, norms, norms_path)


def score_inputs(inputs: MonthInputs, catalogs: Catalogs) -> ScoredMonth:
    """Take УКВ and ОКЛ from the month's data where not entered, and score it."""
    derived = derive(inputs.month, catalogs.positions, catalogs.indicators, inputs.norms)
    return ScoredMonth(catalogs, inputs.norms, inputs.norms_file, derived, score_month(derived.month, catalogs.positions))


def score_workbook(workbook: Path | str, *, period: str | None = None, catalog_dir: Path | str | None = None,
                   norms_file: Path | str | None = None, catalogs: Catalogs | None = None) -> ScoredMonth:
    """Read and check a monthly workbook, take УКВ and ОКЛ from its data where not entered, and score it."""
    catalogs = catalogs or load_catalogs(catalog_dir)
    return score_inputs(read_inputs(workbook, catalogs, period=period, norms_file=norms_file), catalogs)


@dataclass(frozen=True)
class Rating:
    detail: pd.DataFrame  # unit, period, indicator, value, target, region_best, expert, score, kef, weight_norm, pr
    summary: pd.DataFrame  # unit, period, result, indicators, rank
    counts: pd.DataFrame  # month, staff_id, department, unit, field, value — the year's Статистика


def month_counts(months: Iterable[Month], indicators: IndicatorCatalog) -> pd.DataFrame:
    """Every month's Статистика with the month, the employee's department and its Приложение 1 unit."""
    parts = [m.stats.merge(m.staff[["staff_id", "department"]], on="staff_id").assign(month=m.period)
             for m in months if m.stats is not None and len(m.stats)]
    if not parts:
        raise ParamsError("ни в одной книге месяца нет листа «Статистика»: рейтинг не посчитать")
    counts = pd.concat(parts, ignore_index=True)
    counts["unit"] = counts["department"].map(lambda d: (u := indicators.unit_of(d)) and u.code)
    return counts


def year_counts(workbooks: list[Path], catalogs: Catalogs, progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """The Статистика of a year of monthly workbooks, read and checked one by one."""
    months = []
    for path in workbooks:
        months.append(read_month(path, catalogs.positions, indicators=catalogs.indicators))
        if progress:
            progress(path.name)
    return month_counts(months, catalogs.indicators)


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


def rate_counts(counts: pd.DataFrame, norms: pd.DataFrame, indicators: IndicatorCatalog) -> Rating:
    """The 0–4 rating of every unit per quarter and for the year, from a year's counts."""
    unknown = norms[norms["region_best"].isna()]
    if len(unknown):
        listed = ", ".join(f"{u}.{i}" for u, i in unknown[["unit", "indicator"]].itertuples(index=False))
        raise ParamsError(f"лучший показатель по региону ещё не посчитан (region_best: auto): {listed}. "
                          "Постройте сводный отчёт региона (stomkpi region) — он запишет region-best-ГГГГ.yaml")
    detail, summary = rate(unit_values(counts, indicators), norms, indicators)
    return Rating(detail, summary, counts)


def rating_for_year(workbooks: list[Path], norms_file: Path, catalog_dir: Path | None = None,
                    progress: Callable[[str], None] | None = None) -> Rating:
    """Read a year of monthly workbooks and the year's norms and rate the clinic and its departments."""
    catalogs = load_catalogs(catalog_dir)
    norms = load_norms(norms_file, catalogs.indicators)
    return rate_counts(year_counts(workbooks, catalogs, progress), norms, catalogs.indicators)
