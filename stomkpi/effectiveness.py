"""The 0–4 effectiveness scale (section 6): score per indicator, Кэф, Пр, a unit's result, the rating.

Pure. For a `higher` indicator: 4 if value ≥ target; 3 if ≥ region_best; 2 if ≥ expert;
1 if ≥ (1 − margin) × expert; else 0. A `lower` indicator mirrors it (≤ target … ≤ (1 + margin) ×
expert). Section 6.4 numbers the «lower» scale the other way round; read literally Кэф = P/O would
reward the worst result, so the mirrored scale is used: 4 always means the target was reached.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .catalog import IndicatorCatalog


def scale_score(value, target, region_best, expert, lower_better, margin: float) -> np.ndarray:
    """P in 0…4 for arrays of values and thresholds; NaN where the value is missing."""
    value, target, region_best, expert = (np.asarray(x, dtype=float) for x in (value, target, region_best, expert))
    lower = np.asarray(lower_better, dtype=bool)
    sign = np.where(lower, -1.0, 1.0)  # compare −value with −threshold for «lower is better»
    v = sign * value
    floor = np.where(lower, (1.0 + margin) * expert, (1.0 - margin) * expert)
    steps = [v >= sign * target, v >= sign * region_best, v >= sign * expert, v >= sign * floor]
    score = np.select(steps, [4.0, 3.0, 2.0, 1.0], 0.0)
    return np.where(np.isnan(value), np.nan, score)


def rate(values: pd.DataFrame, norms: pd.DataFrame, catalog: IndicatorCatalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """values: unit, period, indicator, value; norms: unit, indicator, target, region_best, expert, weight.

    Returns (detail, summary): per indicator P, Кэф = P/O, normalised weight Ув and Пр = Кэф × Ув;
    per unit and period the result Σ Пр in [0, 1] and the rank (1 = best) among units of that period.
    Indicators without a value for the period are left out and the weights renormalised.
    """
    d = values.merge(norms, on=["unit", "indicator"], how="inner")
    d = d[d["value"].notna()].copy()
    lower = d["indicator"].map(lambda c: catalog.by_code[c].direction == "lower").to_numpy(dtype=bool)
    scale = catalog.scale
    d["score"] = scale_score(d["value"], d["target"], d["region_best"], d["expert"], lower, scale.one_point_margin)
    d["kef"] = d["score"] / scale.target_score
    d["weight_norm"] = d["weight"] / d.groupby(["unit", "period"])["weight"].transform("sum")
    d["pr"] = d["kef"] * d["weight_norm"]
    summary = d.groupby(["unit", "period"], as_index=False).agg(result=("pr", "sum"), indicators=("indicator", "size"))
    summary["result"] = summary["result"].round(4)
    summary["rank"] = summary.groupby("period")["result"].rank(ascending=False, method="min").astype(int)
    summary.insert(1, "unit_name", summary["unit"].map({u.code: u.name for u in catalog.units}))
    order = {u.code: i for i, u in enumerate(catalog.units)}
    summary = summary.sort_values(["period", "rank", "unit"], key=lambda s: s.map(order) if s.name == "unit" else s)
    return d.reset_index(drop=True), summary.reset_index(drop=True)


def periods(month: pd.Series) -> pd.DataFrame:
    """For months 'YYYY-MM': the quarter 'YYYY-Qn' and the year 'YYYY' each belongs to."""
    year = month.str[:4]
    quarter = year + "-Q" + ((month.str[5:7].astype(int) - 1) // 3 + 1).astype(str)
    return pd.DataFrame({"quarter": quarter, "year": year}, index=month.index)
