"""The year's norm parameters (`params/norms-YYYY.yaml`): per unit and indicator the target, the
region's best, the weight and the expert value, plus the history the expert value comes from."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from .catalog import IndicatorCatalog
from .compare import at_least, at_most
from .config import load_yaml_model
from .errors import ParamsError
from .text import decimal


class IndicatorNorm(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    target: float
    region_best: float
    weight: float = 1.0
    expert: float | None = None


class NormsFile(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    year: int
    units: dict[str, dict[str, IndicatorNorm]]
    history: dict[str, dict[str, dict[int, float]]] = {}
    quality: dict[str, float] = {}  # section 7 indicator -> the year's target


def load_quality_targets(path: Path | str, catalog: IndicatorCatalog) -> dict[str, float]:
    """The year's targets for the section 7 quality indicators (`quality:` of the norms file)."""
    raw = load_yaml_model(Path(path), NormsFile, "файл норм")
    unknown = [c for c in raw.quality if c not in catalog.by_code]
    if unknown:
        raise ParamsError(f"файл норм {path}: quality: неизвестные показатели {', '.join(unknown)}")
    return dict(raw.quality)


def load_norms(path: Path | str, catalog: IndicatorCatalog) -> pd.DataFrame:
    """Read a norms file and return one row per unit × indicator: target, region_best, weight,
    expert and where the expert value came from (the parameters, or the mean of the previous years)."""
    path = Path(path)
    raw = load_yaml_model(path, NormsFile, "файл норм")
    units = {u.code: u for u in catalog.units}
    years = [raw.year - k for k in range(catalog.scale.history_years, 0, -1)]
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
            order = _disorder(catalog.by_code[code].direction, norm.target, norm.region_best, expert)
            if order:
                problems.append(f"units.{unit}.{code}: {order}")
                continue
            rows.append({"unit": unit, "indicator": code, "target": norm.target, "region_best": norm.region_best,
                         "weight": norm.weight, "expert": expert, "expert_source": source})
    if problems:
        raise ParamsError(f"файл норм {path}:\n  " + "\n  ".join(problems))
    table = pd.DataFrame(rows, columns=["unit", "indicator", "target", "region_best", "weight", "expert", "expert_source"])
    table.attrs["year"] = raw.year
    return table


def _disorder(direction: str, target: float, region_best: float, expert: float) -> str:
    """Why the three thresholds are out of the order the indicator's direction requires, or ''."""
    ok = at_most if direction == "lower" else at_least
    if ok(target, region_best) and ok(region_best, expert):
        return ""
    sign, words = ("≤", "меньше — лучше") if direction == "lower" else ("≥", "больше — лучше")
    return (f"для показателя «{words}» нужно цель {sign} лучший в регионе {sign} экспертное, а указано "
            f"{decimal(target)}, {decimal(region_best)}, {decimal(expert)}")
