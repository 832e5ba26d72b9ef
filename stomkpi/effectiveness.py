"""The 0–4 effectiveness scale (section 6): score per indicator, Кэф, Пр, a unit's result, the rating; over
the clinics of a region, the region's best value of each unit's indicator and each clinic's place.

Pure. The points are the catalog's (`scale.target_score` and `scale.steps`, item 6.3); this module only
knows the thresholds' order. For a `higher` indicator a value gets the points of the first threshold it
reaches: target, region_best, expert, (1 − margin) × expert; else `steps.below`. A `lower` indicator
mirrors it (≤ target … ≤ (1 + margin) × expert). Section 6.4 numbers the «lower» scale the other way
round; read literally Кэф = P/O would reward the worst result, so the mirrored scale is used: the
target's points always mean the target was reached. Every threshold, result and best value is compared
exactly (`stomkpi.compare`): equal results share a place, an equal best value goes to the clinic listed first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stomkpi.catalog import IndicatorCatalog
from stomkpi.catalog.indicators import Scale
from stomkpi.compare import below, reaches, snap


def scale_score(value, target, region_best, expert, lower_better, scale: Scale) -> np.ndarray:
    """P for arrays of values and thresholds, by the catalog's steps (`Scale.ladder`); NaN where the value is missing.

    Every step is an exact comparison (`compare.reaches`): a value equal to a margin as a person
    writes it — 13.8 for 1.15 × 12 — gets that margin's points.
    """
    value, target, region_best, expert = (np.asarray(x, dtype=float) for x in (value, target, region_best, expert))
    lower = np.asarray(lower_better, dtype=bool)
    margin = scale.one_point_margin
    near = np.where(lower, (1.0 + margin) * expert, (1.0 - margin) * expert)
    thresholds = {"target": target, "region_best": region_best, "expert": expert, "near_expert": near}
    ladder = scale.ladder()
    steps = [reaches(value, thresholds[name], lower) for name, _ in ladder]
    score = np.select(steps, [float(points) for _, points in ladder], float(scale.steps.below))
    return np.where(np.isnan(value), np.nan, score)


def rate(values: pd.DataFrame, norms: pd.DataFrame, catalog: IndicatorCatalog) -> tuple[pd.DataFrame, pd.DataFrame]:
    """values: unit, period, indicator, value; norms: unit, indicator, target, region_best, expert, weight.

    Returns (detail, summary): per indicator P, Кэф = P/O, normalised weight Ув and Пр = Кэф × Ув;
    per unit and period the result Σ Пр and the place among the units of that period.

    Section 6 semantics: every indicator with a norm is rated for every period in which the unit
    reported anything; one it did not report (no value) scores P = 0 and is marked `reported`
    False («не представлено») — its weight stays, so leaving out a bad indicator never helps.
    A unit with no value at all in a period is not rated for it. The result is not clipped to the
    0.1–1 range of item 6.8: a lower result is shown as computed and flagged `below_range`.
    Places come from the unrounded results compared exactly; equal results share a place («1–2»).
    """
    reported = values[values["value"].notna()]
    active = reported[["unit", "period"]].drop_duplicates()
    d = active.merge(norms, on="unit").merge(values, on=["unit", "period", "indicator"], how="left")
    d["reported"] = d["value"].notna()
    lower = d["indicator"].map(lambda c: catalog.by_code[c].direction == "lower").to_numpy(dtype=bool)
    scale = catalog.scale
    score = scale_score(d["value"], d["target"], d["region_best"], d["expert"], lower, scale)
    d["score"] = np.where(d["reported"], score, 0.0)
    d["kef"] = d["score"] / scale.target_score
    d["weight_norm"] = d["weight"] / d.groupby(["unit", "period"])["weight"].transform("sum")
    d["pr"] = d["kef"] * d["weight_norm"]
    summary = d.groupby(["unit", "period"], as_index=False).agg(
        result=("pr", "sum"), indicators=("indicator", "size"), missing=("reported", lambda r: int((~r).sum())))
    summary["below_range"] = below(summary["result"], scale.result_min)
    exact = summary.assign(key=snap(summary["result"]))
    low = exact.groupby("period")["key"].rank(ascending=False, method="min").astype(int)
    high = exact.groupby("period")["key"].rank(ascending=False, method="max").astype(int)
    summary["rank"] = low
    summary["place"] = [str(a) if a == b else f"{a}–{b}" for a, b in zip(low, high, strict=True)]
    summary.insert(1, "unit_name", summary["unit"].map({u.code: u.name for u in catalog.units}))  # and the detail's
    order = {u.code: i for i, u in enumerate(catalog.units)}
    summary = summary.sort_values(["period", "rank", "unit"], key=lambda s: s.map(order) if s.name == "unit" else s)
    names = {u.code: u.name for u in catalog.units}
    d.insert(1, "unit_name", d["unit"].map(names))
    d.insert(d.columns.get_loc("indicator") + 1, "indicator_name", d["indicator"].map(lambda c: catalog.by_code[c].name))
    return d.reset_index(drop=True), summary.reset_index(drop=True)


def region_places(summary: pd.DataFrame) -> pd.Series:
    """Each clinic's place among the same units of the region in each period, on results compared exactly
    (`stomkpi.compare`, as the clinic's own places in `rate`): equal results share the higher place."""
    key = summary.assign(key=snap(summary["result"]))
    return key.groupby(["unit", "period"])["key"].rank(ascending=False, method="min")


def region_best(values: pd.DataFrame, catalog: IndicatorCatalog, year: int | str) -> pd.DataFrame:
    """The best value of the year of each unit's indicator over the clinics, and whose it is.

    «Лучший» by the indicator's direction: the highest, or the lowest for «меньше — лучше»; a clinic
    that did not report the indicator does not take part; equal values go to the clinic listed first.
    """
    year_values = values[(values["period"] == str(year)) & values["value"].notna()]
    rows = []
    for (unit, code), part in year_values.groupby(["unit", "indicator"], sort=False):
        lower = catalog.by_code[code].direction == "lower"
        pick = part["value"].to_numpy()
        exact = snap(pick)  # compared exactly: equal values go to the clinic listed first
        i = int(np.argmin(exact) if lower else np.argmax(exact))
        rows.append({"unit": unit, "indicator": code, "direction": "lower" if lower else "higher",
                     "value": float(pick[i]), "clinic": part["clinic"].iloc[i], "reported": len(part)})
    order = {u.code: k for k, u in enumerate(catalog.units)}
    best = pd.DataFrame(rows, columns=["unit", "indicator", "direction", "value", "clinic", "reported"])
    return best.sort_values(["unit", "indicator"], key=lambda s: s.map(order) if s.name == "unit" else s,
                            kind="stable").reset_index(drop=True)


def periods(month: pd.Series) -> pd.DataFrame:
    """For months 'YYYY-MM': the quarter 'YYYY-Qn' and the year 'YYYY' each belongs to."""
    year = month.str[:4]
    quarter = year + "-Q" + ((month.str[5:7].astype(int) - 1) // 3 + 1).astype(str)
    return pd.DataFrame({"quarter": quarter, "year": year}, index=month.index)
