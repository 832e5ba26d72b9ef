"""Indicators from additive counts, the doctor's УКВ (section 4) and quality of care (section 7), with the year's
quality indicators against the norms file's targets.

Pure. Counts are summed over whatever groups a caller asks for (people, departments, months)
first; every ratio is taken after, so a department's indicator is never a mean of its doctors'
ratios. A zero denominator gives NaN (no data), not an error.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from stomkpi.catalog import IndicatorCatalog
from stomkpi.compare import at_least, below, ratio, reaches


def indicator_values(counts: pd.DataFrame, catalog: IndicatorCatalog, by: list[str],
                     codes: list[str] | None = None) -> pd.DataFrame:
    """Long table `by… , indicator, numerator, denominator, value` from long counts `by…, field, value`."""
    codes = codes or [i.code for i in catalog.indicators]
    wide = counts.groupby([*by, "field"], sort=True)["value"].sum().unstack("field") if len(counts) else None
    if wide is None or wide.empty:
        return pd.DataFrame(columns=[*by, "indicator", "numerator", "denominator", "value"])
    parts = []
    for code in codes:
        ind = catalog.by_code[code]
        num = wide[ind.numerator] if ind.numerator in wide else pd.Series(np.nan, index=wide.index)
        den = wide[ind.denominator] if ind.denominator in wide else pd.Series(np.nan, index=wide.index)
        value = ratio(num.fillna(0), den, ind.multiplier)
        parts.append(pd.DataFrame({"indicator": code, "numerator": num.fillna(0).to_numpy(),
                                   "denominator": den.fillna(0).to_numpy(), "value": value}, index=wide.index))
    return pd.concat(parts).reset_index()


UKV_MET, UKV_MISSED, UKV_NO_DATA, UKV_NO_NORM = "достигнут", "не достигнут", "нет данных", "нет нормы"


def ukv(counts: pd.DataFrame, staff: pd.DataFrame, norms: pd.DataFrame, catalog: IndicatorCatalog) -> pd.DataFrame:
    """The УКВ of every doctor with counts: one row per doctor × every УКВ indicator of their unit.

    counts: staff_id, field, value (the doctor's own counts); staff: staff_id, department;
    norms: unit, indicator, norm (the department's МКР norm for the year).
    Each row has value, norm, met, points and a status: an indicator that meets its norm scores
    10, one that misses scores 10 × achievement; one without data scores 0 and counts as missed
    (item 4.3: the sum is taken over the specialty's normative sum, nothing is left out); one
    without a norm in the norms file cannot be judged and is left out of the УКВ, marked «нет нормы».
    """
    units = staff.assign(unit=staff["department"].map(lambda d: (u := catalog.unit_of(d)) and u.code))
    units = units[units["unit"].notna() & units["staff_id"].isin(counts["staff_id"])]
    wanted = pd.DataFrame([(u.code, code) for u in catalog.units for code in u.ukv], columns=["unit", "indicator"])
    values = indicator_values(counts[counts["staff_id"].isin(units["staff_id"])], catalog, by=["staff_id"])
    detail = (units[["staff_id", "unit"]].merge(wanted, on="unit")
              .merge(values, on=["staff_id", "indicator"], how="left")
              .merge(norms[["unit", "indicator", "norm"]], on=["unit", "indicator"], how="left"))
    lower = detail["indicator"].map(lambda c: catalog.by_code[c].direction == "lower").to_numpy(dtype=bool)
    value, norm = detail["value"].to_numpy(float), detail["norm"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        achievement = np.where(lower, np.where(value > 0, norm / value, 1.0), np.where(norm > 0, value / norm, 1.0))
    has_norm, has_data = ~np.isnan(norm), ~np.isnan(value)
    met = reaches(value, norm, lower) & has_data & has_norm
    full = catalog.ukv_points
    detail["met"] = met
    detail["points"] = np.where(~has_norm, np.nan, np.where(met, full, np.where(
        has_data, full * np.clip(np.nan_to_num(achievement), 0.0, 1.0), 0.0)))
    detail["status"] = np.select([~has_norm, ~has_data, met], [UKV_NO_NORM, UKV_NO_DATA, UKV_MET], UKV_MISSED)
    return detail.sort_values(["staff_id", "indicator"]).reset_index(drop=True)


def ukv_summary(detail: pd.DataFrame, catalog: IndicatorCatalog) -> pd.DataFrame:
    """Per doctor: indicators judged, missed (no data included), without data, Σ points and
    УКВ = Σ points / (10 × indicators judged) — the normative sum of item 4.3."""
    judged = detail[detail["status"] != UKV_NO_NORM]
    g = judged.groupby("staff_id")
    if len(judged):  # counted in one pass over all doctors, not a function call per doctor
        status, by = judged["status"], judged["staff_id"]
        missed, no_data = (status != UKV_MET).groupby(by).sum(), (status == UKV_NO_DATA).groupby(by).sum()
    else:
        missed = g["status"].apply(lambda s: int((s != UKV_MET).sum()))
        no_data = g["status"].apply(lambda s: int((s == UKV_NO_DATA).sum()))
    out = pd.DataFrame({"indicators": g.size(), "missed": missed, "no_data": no_data, "points": g["points"].sum()})
    out["ukv"] = out["points"] / (catalog.ukv_points * out["indicators"])
    return out.reset_index()


def quality_category(coefficient: pd.Series, catalog: IndicatorCatalog) -> pd.Series:
    """КМП (k ≥ 0.8), ДМП (0.6 ≤ k < 0.8) or НМП (k < 0.6), thresholds from the catalog."""
    q = catalog.quality
    return pd.Series(np.select([at_least(coefficient, q.kmp_min), at_least(coefficient, q.dmp_min)], ["КМП", "ДМП"], "НМП"),
                     index=coefficient.index)


def defect_counts(reviews: pd.DataFrame, catalog: IndicatorCatalog) -> pd.Series:
    """ОКЛ: per staff_id, reviewed cases with a coefficient below the КМП threshold (ДМП or НМП)."""
    return reviews[below(reviews["coefficient"], catalog.quality.kmp_min)].groupby("staff_id").size()


def quality_tables(reviews: pd.DataFrame, finished_cases: float, catalog: IndicatorCatalog) -> dict[str, pd.DataFrame]:
    """The section 7 tables for a set of reviewed cases and the number of finished cases."""
    q = catalog.quality
    category = quality_category(reviews["coefficient"], catalog)
    nonconforming = reviews[category == "НМП"]
    single = reviews[category == "ДМП"]
    defective = reviews[category != "КМП"]
    n_def = len(defective)
    coverage = 100.0 * len(reviews) / finished_cases if finished_cases else np.nan
    results = pd.DataFrame({"Показатель": [
        "Количество законченных случаев медицинской помощи",
        "Количество случаев, проверенных при проведении внутреннего контроля качества",
        "Количество случаев качественно оказанной медицинской помощи (КМП)",
        "Количество выявленных случаев, не соответствующих требованиям (стандартам) (НМП)",
        "Количество случаев, сопровождавшихся единичными дефектами (ДМП)",
        "Охват контролем качества, %",
    ], "Значение": [finished_cases, len(reviews), int((category == "КМП").sum()), len(nonconforming), len(single),
                    round(coverage, 1)]})

    def shares(column: str, terms) -> pd.DataFrame:
        counts = defective[column].value_counts() if n_def else pd.Series(dtype=float)
        return pd.DataFrame({
            "Категория": [t.name for t in terms],
            "Случаев": [int(counts.get(t.code, 0)) for t in terms],
            "% от случаев с дефектами": [round(100.0 * counts.get(t.code, 0) / n_def, 1) if n_def else np.nan
                                         for t in terms],
        })

    return {"Результаты контроля качества": results,
            "Причины несоответствия": shares("reason", q.reasons),
            "Влияние дефектов": shares("impact", q.impacts)}


def quality_vs_targets(counts: pd.DataFrame, catalog: IndicatorCatalog, targets: dict[str, float],
                       year: int | str) -> pd.DataFrame:
    """The section 7 quality indicators of the year from its counts (`field`, `value`), each beside the norms
    file's target (`targets`, by code) and whether it reaches it, by the indicator's direction («да» / «нет»;
    blank without a target or a value)."""
    codes = [i.code for i in catalog.indicators if i.section]
    values = indicator_values(counts.assign(period=str(year)), catalog, by=["period"], codes=codes)
    rows = []
    for r in values.itertuples(index=False):
        ind = catalog.by_code[r.indicator]
        target = targets.get(r.indicator, np.nan)
        met = "" if np.isnan(target) or np.isnan(r.value) else (
            "да" if reaches(r.value, target, ind.direction == "lower") else "нет")
        rows.append((ind.section, ind.name, ind.unit, round(r.value, 2) if not np.isnan(r.value) else np.nan, target,
                     "меньше" if ind.direction == "lower" else "больше", met))
    return pd.DataFrame(rows, columns=["Раздел", "Показатель", "Единица", "Значение", "Норма", "Лучше", "Норма достигнута"])
