"""The demo clinic's counts (Статистика), case reviews (Экспертиза), three years of history and the
year's norms — plausible, deterministic, with departments that differ so the rating is not a tie."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from stomkpi.catalog import IndicatorCatalog

# indicator -> (typical value in 2022–2024, typical monthly denominator per doctor)
BASE: dict[str, tuple[float, float]] = {
    "sanitation_rate": (62.0, 60), "complicated_ratio": (0.30, 80), "extracted_to_treated": (0.28, 120),
    "disability_duration": (3.2, 1.5), "prevention_activity": (0.33, 220), "uet_per_visit": (2.9, 220),
    "waiting_time": (2.2, 30), "satisfaction": (93.0, 25), "composite_share": (72.0, 130),
    "complicated_one_visit": (38.0, 24), "removable_to_fixed": (0.45, 15), "crowns_to_teeth": (0.40, 30),
    "facets_to_cast": (0.55, 20), "ortho_fixed_share": (48.0, 10), "anesthesia_complication_rate": (0.6, 60),
    "protocol_violation_rate": (3.0, 20),
    # section 7 (clinic level)
    "q_positive_outcomes": (96.5, 90), "q_primary_disability": (0.4, 400), "q_oncology_late": (25.0, 0.3),
    "q_iatrogenic": (0.5, 90), "q_hospital_infections": (0.2, 150), "q_surgery_complications": (1.5, 12),
    "q_drug_complications": (0.4, 40), "q_justified_complaints": (30.0, 0.6), "q7_1": (24.0, 19),
    "q7_4": (97.0, 12), "q7_5": (92.0, 20), "q7_6": (2.0, 40),
}
# How each unit performs against the clinic's typical value (> 1 better), so that the rating differs.
UNIT_PERFORMANCE = {"therapy": 1.09, "children": 1.03, "orthodontics": 1.06, "anesthesiology": 1.01,
                    "orthopedics": 1.05, "clinic": 1.05}
YEARS = (2022, 2023, 2024)
# Section 7 indicators computed from the same counts as others: their typical values, for the norms only.
QUALITY_SAME_COUNTS = {"q7_2": 62.0, "q7_3": 3.6, "q7_7": 0.5, "q7_7_1": 0.2, "q7_7_2": 1.5, "q7_7_3": 0.6,
                       "q_anesthesia_complications": 0.6}


def _directed(value: float, factor: float, lower: bool) -> float:
    return value / factor if lower else value * factor


def is_share(ind) -> bool:
    """An indicator that is a part of its whole, in per cent: its value cannot pass 100."""
    return ind.unit == "%" and ind.multiplier == 100


def _capped(value: float, ind) -> float:
    return min(value, 100.0) if is_share(ind) else value


def doctor_counts(catalog: IndicatorCatalog, unit: str, skill: float, days: int,
                  rng: np.random.Generator, factor: float = 1.0) -> dict[str, float]:
    """One doctor's monthly counts for the indicators of their unit and section 7 (`factor`: the unit's
    performance in this clinic, > 1 better)."""
    codes = list(next(u for u in catalog.units if u.code == unit).indicators)
    codes += [c for c in BASE if c.startswith("q")]
    out: dict[str, float] = {}
    perf = UNIT_PERFORMANCE.get(unit, 1.0) * factor * (1.0 + 0.04 * skill)
    for code in codes:
        ind = catalog.by_code[code]
        typical, size = BASE[code]
        if ind.denominator not in out:
            out[ind.denominator] = float(days if ind.denominator == "doctor_shifts" else rng.poisson(size))
        if ind.numerator in out:
            continue
        value = _directed(typical, perf * rng.normal(1.0, 0.05), ind.direction == "lower")
        expected = max(0.0, value * out[ind.denominator] / ind.multiplier)
        count = float(round(expected, 1) if ind.numerator in ("uet", "waiting_days", "disability_days")
                      else rng.poisson(expected))
        # a share is a part of its whole: never more cases than the denominator counts (≤ 100 %)
        out[ind.numerator] = min(count, out[ind.denominator]) if is_share(ind) else count
    return out


IMPACT_WEIGHTS = {"harm_waste": 0.05, "harm": 0.1, "waste": 0.35, "none": 0.5}


def reviews_for(staff_id: str, skill: float, period: str, rng: np.random.Generator, catalog: IndicatorCatalog,
                start: int) -> list[dict]:
    """A doctor's reviewed cases in a month: mostly КМП, a few ДМП and rarely НМП."""
    rows = []
    for k in range(int(rng.integers(2, 5))):
        r = rng.random() + 0.03 * skill
        coefficient = float(rng.choice([1.0, 0.9, 0.8])) if r > 0.05 else float(rng.choice([0.7, 0.6])) if r > 0.015 else 0.5
        defect = coefficient < catalog.quality.kmp_min
        # a ДМП case by definition did not harm the patient: only the harmless impacts are drawn for it
        impacts = [t for t in catalog.quality.impacts if coefficient < catalog.quality.dmp_min or not t.harms]
        weights = np.array([IMPACT_WEIGHTS[t.code] for t in impacts])
        rows.append({
            "case": f"{period}-{start + k:05d}", "staff_id": staff_id, "coefficient": coefficient,
            "reason": str(rng.choice([t.aliases[0] for t in catalog.quality.reasons], p=[0.55, 0.2, 0.1, 0.15]))
            if defect else None,
            "impact": str(rng.choice([t.aliases[0] for t in impacts], p=weights / weights.sum()))
            if defect else None,
        })
    return rows


def write_norms(path: Path | str, catalog: IndicatorCatalog, year: int, rng: np.random.Generator,
                region_best_file: str | None = None) -> Path:
    """The year's norms with three years of history per unit and indicator (expert = their mean); with
    `region_best_file`, every region's best is `auto`: taken from the regional report's file."""
    units, history = {}, {}
    for unit in catalog.units:
        units[unit.code], history[unit.code] = {}, {}
        for code in unit.indicators:
            ind = catalog.by_code[code]
            lower = ind.direction == "lower"
            typical = BASE[code][0]
            # a slow improvement over the three years, unit by unit
            past = {y: round(_capped(_directed(typical, 1.0 + 0.015 * (i - 1) + rng.normal(0, 0.01), lower), ind), 3)
                    for i, y in enumerate(YEARS)}
            expert = sum(past.values()) / len(past)
            history[unit.code][code] = past
            units[unit.code][code] = {
                "target": round(_capped(_directed(expert, 1.12, lower), ind), 3),
                "region_best": "auto" if region_best_file else round(_capped(_directed(expert, 1.05, lower), ind), 3),
                "weight": 2 if code in unit.ukv[:2] else 1,
            }
    quality = {}
    for ind in catalog.indicators:
        typical = BASE[ind.code][0] if ind.code in BASE else QUALITY_SAME_COUNTS.get(ind.code)
        if ind.section and typical is not None:
            quality[ind.code] = round(_capped(_directed(typical, 1.03, ind.direction == "lower"), ind), 3)
    text = "# Нормы МКР на год: целевой ориентир, лучший показатель по региону, вес (Ув);\n" \
           "# экспертное значение — среднее за три предыдущих года из раздела history.\n"
    text += "# quality — целевые значения показателей качества раздела 7.\n"
    head = {"year": year}
    if region_best_file:
        text += "# region_best: auto — лучший по региону из файла region_best_file (его пишет stomkpi region).\n"
        head["region_best_file"] = region_best_file
    text += yaml.safe_dump({**head, "units": units, "history": history, "quality": quality}, allow_unicode=True,
                           sort_keys=False)
    Path(path).write_text(text, encoding="utf-8")
    return Path(path)


def frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=columns)
