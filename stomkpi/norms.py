"""The year's norm parameters (`params/norms-YYYY.yaml`): per unit and indicator the target, the
region's best, the weight and the expert value, plus the history the expert value comes from.

`region_best: auto` takes the region's best from the file the regional report writes
(`region-best-YYYY.yaml`), named by `region_best_file:` relative to the norms file. Until that file
exists the value is unknown (NaN): the monthly report does not need it, the rating refuses it.
A threshold left blank (as `stomkpi template --norms` writes them) is never read as a number: the file is refused,
naming the first key to fill.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import BaseModel, ConfigDict

from stomkpi.bounded import is_present
from stomkpi.catalog import IndicatorCatalog
from stomkpi.compare import at_least, at_most
from stomkpi.config import load_yaml_model
from stomkpi.errors import ParamsError
from stomkpi.text import decimal


class IndicatorNorm(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target: float | None  # the key is required; left blank (the template), it is named as the one to fill
    region_best: float | Literal["auto"] | None
    weight: float = 1.0
    expert: float | None = None


class NormsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    region_best_file: str | None = None  # the regional report's region-best-YYYY.yaml, relative to this file
    units: dict[str, dict[str, IndicatorNorm]]
    history: dict[str, dict[str, dict[int, float]]] = {}
    quality: dict[str, float] = {}  # section 7 indicator -> the year's target


class RegionBestFile(BaseModel):
    """What the regional report writes: per unit and indicator the region's best value and whose it is."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    clinics: list[str]
    units: dict[str, dict[str, float]]
    holders: dict[str, dict[str, str]] = {}


def region_best_file(path: Path | str) -> Path | None:
    """The region-best file a norms file names (`region_best_file:`), if it names one; relative to the norms file."""
    raw = load_yaml_model(Path(path), NormsFile, "файл норм")
    if raw.region_best_file is None:
        return None
    return Path(os.path.abspath(Path(path).parent / raw.region_best_file))


def region_input(norms: Path | None) -> Path | None:
    """The region-best file a report reads through its norms file, when there is one: an input of the report."""
    if norms is None or not Path(norms).is_file():
        return None
    file = region_best_file(norms)
    return file if file is not None and is_present(file) else None  # a folder or a FIFO there is refused, not skipped


def load_quality_targets(path: Path | str, catalog: IndicatorCatalog) -> dict[str, float]:
    """The year's targets for the section 7 quality indicators (`quality:` of the norms file)."""
    raw = load_yaml_model(Path(path), NormsFile, "файл норм")
    unknown = [c for c in raw.quality if c not in catalog.by_code]
    if unknown:
        raise ParamsError(f"файл норм {path}: quality: неизвестные показатели {', '.join(unknown)}")
    return dict(raw.quality)


def load_norms(path: Path | str, catalog: IndicatorCatalog, region_best: dict[str, dict[str, float]] | None = None
               ) -> pd.DataFrame:
    """Read a norms file and return one row per unit × indicator: target, region_best, weight,
    expert and where the expert value came from (the parameters, or the mean of the previous years).

    `region_best: auto` entries take `region_best[unit][indicator]` when given (the regional report
    passes what it has just computed), else the file named by `region_best_file:`; NaN when neither has it.
    """
    path = Path(path)
    raw = load_yaml_model(path, NormsFile, "файл норм")
    region = region_best if region_best is not None else _region_values(path, raw)
    units = {u.code: u for u in catalog.units}
    years = [raw.year - k for k in range(catalog.scale.history_years, 0, -1)]
    _refuse_blanks(path, raw)
    rows, problems = [], []
    for unit, indicators in raw.units.items():
        if unit not in units:
            problems.append(f"units.{unit}: неизвестное подразделение (известны: {', '.join(units)})")
            continue
        for code, norm in indicators.items():
            if code not in units[unit].indicators:
                problems.append(f"units.{unit}.{code}: у подразделения нет такого показателя")
                continue
            expert, source = norm.expert, "параметры"
            if expert is None:
                history = raw.history.get(unit, {}).get(code, {})
                missing = [y for y in years if y not in history]
                if missing:
                    problems.append(f"units.{unit}.{code}: нет ни expert, ни истории за {', '.join(map(str, missing))} "
                                    f"(history.{unit}.{code})")
                    continue
                expert, source = sum(history[y] for y in years) / len(years), f"среднее {years[0]}–{years[-1]}"
            best = norm.region_best
            if best == "auto":  # the region's data decides it; only target and expert must be in order
                best = region.get(unit, {}).get(code, float("nan"))
            order = _disorder(catalog.by_code[code].direction, norm.target, norm.region_best, expert)
            if order:
                problems.append(f"units.{unit}.{code}: {order}")
                continue
            rows.append({"unit": unit, "indicator": code, "target": norm.target, "region_best": best,
                         "weight": norm.weight, "expert": expert, "expert_source": source})
    if problems:
        raise ParamsError(f"файл норм {path}:\n  " + "\n  ".join(problems))
    table = pd.DataFrame(rows, columns=["unit", "indicator", "target", "region_best", "weight", "expert", "expert_source"])
    table.attrs["year"] = raw.year
    return table


_BLANK_WORDS = {"target": "целевой ориентир", "region_best": "лучший показатель по региону"}


def _refuse_blanks(path: Path, raw: NormsFile) -> None:
    """One line naming the first blank threshold, and how many are blank: a template not filled in yet."""
    blank = [(f"units.{unit}.{code}.{key}", key) for unit, indicators in raw.units.items()
             for code, norm in indicators.items() for key in _BLANK_WORDS if getattr(norm, key) is None]
    if not blank:
        return
    first, key = blank[0]
    more = f" (пустых значений: {len(blank)})" if len(blank) > 1 else ""
    raise ParamsError(f"файл норм {path} заполнен не до конца{more}: впишите {first} — {_BLANK_WORDS[key]} — и "
                      "остальные пустые значения или удалите строки подразделений и показателей, которых в поликлинике нет")


def _region_values(path: Path, raw: NormsFile) -> dict[str, dict[str, float]]:
    if raw.region_best_file is None:
        return {}
    file = path.parent / raw.region_best_file
    if not is_present(file):
        return {}  # not computed yet: the rating says so
    region = load_yaml_model(file, RegionBestFile, "файл лучших показателей региона (ключ «region_best_file» файла норм)")
    if region.year != raw.year:
        raise ParamsError(f"файл норм {path}: region_best_file {file} — за {region.year} год, а нормы за {raw.year}")
    return region.units


def _disorder(direction: str, target: float, region_best: float | str, expert: float) -> str:
    """Why the thresholds are out of the order the indicator's direction requires, or ''.

    A region's best taken from the data (`auto`) is not checked against them: it is a fact, and the
    scale gives a value that reaches it 3 points wherever it lies (4 when the target is reached too).
    """
    ok = at_most if direction == "lower" else at_least
    sign, words = ("≤", "меньше — лучше") if direction == "lower" else ("≥", "больше — лучше")
    if region_best == "auto":
        if ok(target, expert):
            return ""
        return (f"для показателя «{words}» нужно цель {sign} экспертное, а указано "
                f"{decimal(target)}, {decimal(expert)}")
    if ok(target, region_best) and ok(region_best, expert):
        return ""
    return (f"для показателя «{words}» нужно цель {sign} лучший в регионе {sign} экспертное, а указано "
            f"{decimal(target)}, {decimal(region_best)}, {decimal(expert)}")
