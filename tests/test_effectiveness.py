"""The 0–4 scale of section 6, Кэф, Пр, a unit's result and the ranking, worked by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import yaml

from stomkpi.catalog import load_indicators
from stomkpi.effectiveness import periods, rate, region_best, region_places, scale_score
from stomkpi.errors import ParamsError
from stomkpi.norms import load_norms

IND = load_indicators()
SCALE = IND.scale  # the 1-point margin is 0.15


# higher is better: target 80, region best 70, expert 60; 1 point down to 0.85 × 60 = 51
@pytest.mark.parametrize(("value", "score"), [
    (95, 4), (80, 4),        # at or above the target
    (79.99, 3), (70, 3),     # below the target, at or above the region's best
    (69.99, 2), (60, 2),     # at or above the expert value
    (59.99, 1), (51.01, 1),  # 1–15 % below the expert value
    (50.99, 0), (10, 0),     # 16 % and more below
])
def test_higher_scale(value, score):
    assert scale_score([value], [80], [70], [60], [False], SCALE)[0] == score


# lower is better (mirrored): target 1.0, region best 1.5, expert 2.0; 1 point up to 1.15 × 2.0 = 2.3
@pytest.mark.parametrize(("value", "score"), [
    (0.5, 4), (1.0, 4),
    (1.01, 3), (1.5, 3),
    (1.51, 2), (2.0, 2),
    (2.01, 1), (2.29, 1),
    (2.31, 0), (5.0, 0),
])
def test_lower_scale(value, score):
    assert scale_score([value], [1.0], [1.5], [2.0], [True], SCALE)[0] == score


def five_point_scale():
    """A clinic's catalog that scores 5 at the target, 4 at the region's best, 3 at the expert value, 2 near it."""
    steps = SCALE.steps.model_copy(update={"region_best": 4, "expert": 3, "near_expert": 2, "below": 0})
    return SCALE.model_copy(update={"target_score": 5, "steps": steps})


@pytest.mark.parametrize(("value", "score"), [(80, 5), (70, 4), (60, 3), (51.01, 2), (50.99, 0)])
def test_the_steps_are_the_catalogs(value, score):
    assert scale_score([value], [80], [70], [60], [False], five_point_scale())[0] == score


def test_the_builtin_steps_are_those_of_item_6_3():
    assert SCALE.ladder() == (("target", 4), ("region_best", 3), ("expert", 2), ("near_expert", 1))
    assert SCALE.steps.below == 0


def test_missing_value_has_no_score():
    assert np.isnan(scale_score([np.nan], [1], [1], [1], [False], SCALE)[0])


def test_kef_pr_result_and_rank():
    values = pd.DataFrame([
        ("therapy", "2025", "sanitation_rate", 80.0),     # higher: ≥ target 80 → P 4, Кэф 1
        ("therapy", "2025", "complicated_ratio", 0.30),   # lower: ≤ expert 0.30 but > region best 0.25 → P 2, Кэф 0.5
        ("children", "2025", "sanitation_rate", 61.0),    # ≥ expert 60 → P 2, Кэф 0.5
        ("children", "2025", "complicated_ratio", 0.40),  # > 1.15 × 0.30 = 0.345 → P 0
    ], columns=["unit", "period", "indicator", "value"])
    norms = pd.DataFrame([
        (u, "sanitation_rate", 80.0, 70.0, 60.0, 2.0) for u in ("therapy", "children")
    ] + [(u, "complicated_ratio", 0.20, 0.25, 0.30, 1.0) for u in ("therapy", "children")],
        columns=["unit", "indicator", "target", "region_best", "expert", "weight"])
    detail, summary = rate(values, norms, IND)
    d = detail.set_index(["unit", "indicator"])
    assert d.loc[("therapy", "sanitation_rate"), "score"] == 4
    assert d.loc[("therapy", "complicated_ratio"), "kef"] == 0.5
    # weights 2 and 1 normalised to 2/3 and 1/3: therapy = 1 × 2/3 + 0.5 × 1/3 = 0.8333
    # children = 0.5 × 2/3 + 0 × 1/3 = 0.3333
    s = summary.set_index("unit")
    assert s.loc["therapy", "result"] == pytest.approx(0.8333, abs=1e-4)
    assert s.loc["children", "result"] == pytest.approx(0.3333, abs=1e-4)
    assert s.loc["therapy", "rank"] == 1 and s.loc["children", "rank"] == 2
    assert ((summary["result"] >= 0) & (summary["result"] <= 1)).all()


def test_periods():
    p = periods(pd.Series(["2025-01", "2025-03", "2025-04", "2025-12"]))
    assert p["quarter"].tolist() == ["2025-Q1", "2025-Q1", "2025-Q2", "2025-Q4"]
    assert p["year"].tolist() == ["2025"] * 4


def _norms(tmp_path, data):
    path = tmp_path / "norms.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_expert_is_the_mean_of_three_previous_years(tmp_path):
    path = _norms(tmp_path, {"year": 2025,
                             "units": {"therapy": {"sanitation_rate": {"target": 80, "region_best": 70, "weight": 2},
                                                   "complicated_ratio": {"target": 0.2, "region_best": 0.25, "expert": 0.3}}},
                             "history": {"therapy": {"sanitation_rate": {2022: 60, 2023: 62, 2024: 67}}}})
    table = load_norms(path, IND).set_index("indicator")
    assert table.loc["sanitation_rate", "expert"] == pytest.approx((60 + 62 + 67) / 3)  # 63.0
    assert table.loc["sanitation_rate", "expert_source"] == "среднее 2022–2024"
    assert table.loc["complicated_ratio", "expert"] == 0.3


def test_norms_errors_name_the_key(tmp_path):
    path = _norms(tmp_path, {"year": 2025, "units": {
        "therapy": {"sanitation_rate": {"target": 80, "region_best": 70}, "ortho_fixed_share": {"target": 1, "region_best": 1}},
        "dentistry_on_mars": {}}})
    with pytest.raises(ParamsError) as info:
        load_norms(path, IND)
    message = str(info.value)
    assert "units.therapy.sanitation_rate: нет ни expert, ни истории за 2022, 2023, 2024" in message
    assert "units.therapy.ortho_fixed_share: у подразделения нет такого показателя" in message
    assert "units.dentistry_on_mars: неизвестное подразделение" in message


# --- section 6 semantics -------------------------------------------------------------------------

def _two_indicator_norms(units=("therapy", "children")):
    # sanitation_rate (higher) weight 1, complicated_ratio (lower) weight 1: each Ув = 1/2
    return pd.DataFrame([(u, "sanitation_rate", 80.0, 70.0, 60.0, 1.0) for u in units]
                        + [(u, "complicated_ratio", 0.20, 0.25, 0.30, 1.0) for u in units],
                        columns=["unit", "indicator", "target", "region_best", "expert", "weight"])


def test_an_unreported_indicator_scores_0_and_keeps_its_weight():
    values = pd.DataFrame([
        ("therapy", "2025", "sanitation_rate", 80.0),     # P 4 → Кэф 1
        ("therapy", "2025", "complicated_ratio", 0.50),   # > 1.15 × 0.30 = 0.345 → P 0
        ("children", "2025", "sanitation_rate", 80.0),    # P 4; complicated_ratio not reported
    ], columns=["unit", "period", "indicator", "value"])
    detail, summary = rate(values, _two_indicator_norms(), IND)
    d = detail.set_index(["unit", "indicator"])
    assert d.loc[("children", "complicated_ratio"), "score"] == 0
    assert not d.loc[("children", "complicated_ratio"), "reported"]
    s = summary.set_index("unit")
    # children: 1 × 1/2 + 0 × 1/2 = 0.5 — not 1.0, which dropping the indicator would give
    assert s.loc["children", "result"] == 0.5 and s.loc["children", "missing"] == 1
    # therapy reported a bad value: also 0.5; leaving it out did not help children to gain
    assert s.loc["therapy", "result"] == 0.5


def test_equal_results_share_a_place_and_ranking_uses_unrounded_results():
    norms = _two_indicator_norms(("clinic", "therapy", "children"))
    values = pd.DataFrame([
        ("clinic", "2025", "sanitation_rate", 80.0), ("clinic", "2025", "complicated_ratio", 0.30),     # 4, 2 → 0.75
        ("therapy", "2025", "sanitation_rate", 70.0), ("therapy", "2025", "complicated_ratio", 0.20),   # 3, 4 → 0.875
        ("children", "2025", "sanitation_rate", 80.0), ("children", "2025", "complicated_ratio", 0.25),  # 4, 3 → 0.875
    ], columns=["unit", "period", "indicator", "value"])
    _, summary = rate(values, norms, IND)
    place = summary.set_index("unit")["place"]
    assert place["therapy"] == "1–2" and place["children"] == "1–2" and place["clinic"] == "3"


def test_ranking_does_not_round_away_a_real_difference():
    # weights 1 and 29999 make the two results differ only in the 6th decimal; both round to 0.5000,
    # so ranking on results rounded to 4 places would call them equal
    norms = pd.DataFrame([(u, "sanitation_rate", 80.0, 70.0, 60.0, w1) for u, w1 in (("therapy", 1.0), ("children", 1.0))]
                         + [(u, "complicated_ratio", 0.20, 0.25, 0.30, 29999.0) for u in ("therapy", "children")],
                         columns=["unit", "indicator", "target", "region_best", "expert", "weight"])
    values = pd.DataFrame([
        ("therapy", "2025", "sanitation_rate", 80.0), ("therapy", "2025", "complicated_ratio", 0.30),    # P 4 and 2
        ("children", "2025", "sanitation_rate", 70.0), ("children", "2025", "complicated_ratio", 0.30),  # P 3 and 2
    ], columns=["unit", "period", "indicator", "value"])
    _, summary = rate(values, norms, IND)
    s = summary.set_index("unit")
    # therapy: (1 × 1 + 0.5 × 29999) / 30000 = 0.500016667; children: (0.75 × 1 + 0.5 × 29999) / 30000 = 0.500008333
    assert s.loc["therapy", "result"] == pytest.approx(15000.5 / 30000)
    assert s.loc["children", "result"] == pytest.approx(15000.25 / 30000)
    assert s.loc["therapy", "place"] == "1" and s.loc["children", "place"] == "2"


def test_a_result_below_the_range_of_item_6_8_is_shown_as_computed_and_flagged():
    values = pd.DataFrame([("therapy", "2025", "sanitation_rate", 10.0), ("therapy", "2025", "complicated_ratio", 0.9)],
                          columns=["unit", "period", "indicator", "value"])  # both far below: P 0 and 0
    _, summary = rate(values, _two_indicator_norms(("therapy",)), IND)
    row = summary.iloc[0]
    assert row["result"] == 0 and bool(row["below_range"]) and row["place"] == "1"


def test_a_unit_that_reported_nothing_is_not_rated():
    values = pd.DataFrame([("therapy", "2025", "sanitation_rate", 80.0)], columns=["unit", "period", "indicator", "value"])
    _, summary = rate(values, _two_indicator_norms(), IND)
    assert summary["unit"].tolist() == ["therapy"]


@pytest.mark.parametrize(("unit", "code", "norm", "words"), [
    ("therapy", "sanitation_rate", {"target": 80, "region_best": 85, "expert": 60},
     "для показателя «больше — лучше» нужно цель ≥ лучший в регионе ≥ экспертное, а указано 80, 85, 60"),
    ("therapy", "complicated_ratio", {"target": 0.2, "region_best": 0.25, "expert": 0.22},
     "для показателя «меньше — лучше» нужно цель ≤ лучший в регионе ≤ экспертное, а указано 0,2, 0,25, 0,22"),
])
def test_a_disordered_norms_file_is_refused(tmp_path, unit, code, norm, words):
    path = _norms(tmp_path, {"year": 2025, "units": {unit: {code: norm}}})
    with pytest.raises(ParamsError) as info:
        load_norms(path, IND)
    assert f"units.{unit}.{code}: {words}" in str(info.value) and str(path) in str(info.value)


def test_norms_equal_at_a_boundary_are_in_order(tmp_path):
    # target = region best = expert is allowed (≥ and ≤ are not strict); the mean 0.3 equals the region best
    path = _norms(tmp_path, {"year": 2025, "units": {"therapy": {"prevention_activity": {"target": 0.3, "region_best": 0.3}}},
                             "history": {"therapy": {"prevention_activity": {2022: 0.28, 2023: 0.30, 2024: 0.32}}}})
    assert len(load_norms(path, IND)) == 1


def test_the_best_is_the_highest_or_the_lowest_by_direction_among_those_who_reported():
    values = pd.DataFrame([
        ("a", "therapy", "2025", "sanitation_rate", 61.0), ("b", "therapy", "2025", "sanitation_rate", 70.5),
        ("c", "therapy", "2025", "sanitation_rate", float("nan")), ("a", "therapy", "2025-Q1", "sanitation_rate", 99.0),
        ("a", "therapy", "2025", "waiting_time", 1.8), ("b", "therapy", "2025", "waiting_time", 2.4),
        ("a", "clinic", "2025", "waiting_time", 2.0), ("b", "clinic", "2025", "waiting_time", 2.0),
    ], columns=["clinic", "unit", "period", "indicator", "value"])
    best = region_best(values, IND, 2025).set_index(["unit", "indicator"])
    assert best.loc[("therapy", "sanitation_rate")].tolist() == ["higher", 70.5, "b", 2]  # the quarter does not count
    assert best.loc[("therapy", "waiting_time")].tolist() == ["lower", 1.8, "a", 2]
    assert best.loc[("clinic", "waiting_time")].tolist() == ["lower", 2.0, "a", 2]  # a tie goes to the first listed
    assert list(best.index.get_level_values("unit")) == ["clinic", "therapy", "therapy"]  # the catalog's order


def test_the_best_compares_values_exactly():
    """0.3 and 0.1 + 0.2 are one value to 9 decimals: the tie goes to the clinic listed first, not to float noise."""
    values = pd.DataFrame([("a", "therapy", "2025", "sanitation_rate", 0.3),
                           ("b", "therapy", "2025", "sanitation_rate", 0.1 + 0.2)],
                          columns=["clinic", "unit", "period", "indicator", "value"])
    assert region_best(values, IND, 2025)["clinic"].tolist() == ["a"]


def test_region_places_compare_results_exactly():
    """0.1 + 0.2 and 0.3 are one result (equal to 9 decimals, the project's rule): both clinics are first, the
    third is third; another unit and another period are placed apart."""
    summary = pd.DataFrame({"unit": ["therapy"] * 3 + ["surgery", "therapy"], "period": ["2025"] * 4 + ["2025-Q1"],
                            "result": [0.1 + 0.2, 0.3, 0.25, 0.1, 0.2]})
    assert region_places(summary).tolist() == [1, 1, 3, 1, 1]
