"""Exact boundaries (SPEC 3 «Exact comparisons»): a value equal to a threshold as a person writes it
gets that threshold's points — the worked examples by hand, then hypothesis on every margin of every
indicator and criterion of the catalogs, decided independently by the oracle in exact fractions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stomkpi.catalog import load_indicators, load_nmo_rules, load_positions
from stomkpi.compare import at_least, at_most, below, snap, versus
from stomkpi.effectiveness import scale_score
from stomkpi.indicators import UKV_MET, quality_category, ukv
from stomkpi.norms import load_norms
from stomkpi.pipeline import score_workbook
from stomkpi.scoring import score

from . import oracle
from .conftest import person, write_month
from .test_nmo import SPEC, D, dpp, plans

IND = load_indicators()
POS = load_positions()
RULES = load_nmo_rules()
SCALE = IND.scale  # the 1-point margin is 0.15


# --- the comparison rule itself -------------------------------------------------------------------

def test_float_noise_is_absorbed_but_real_differences_are_kept():
    assert 1.15 * 12 != 13.8 and at_most(13.8, 1.15 * 12) and at_least(13.8, 1.15 * 12)  # 13.799999999999999
    assert (0.28 + 0.30 + 0.32) / 3 != 0.30 and not below(0.30, (0.28 + 0.30 + 0.32) / 3)
    assert 57 / 100 * 100 != 57 and at_least(57 / 100 * 100, 57)
    # values that really differ, even in the 6th decimal, keep their order
    assert below(0.299999, 0.3) and not at_least(13.800001, 13.81)
    assert not at_least(np.nan, 1) and not at_most(np.nan, 1) and versus(np.nan, 1.0, False) == 0
    assert snap(np.array([0.1 + 0.2])).tolist() == [0.3]


# --- the worked examples, by hand ---------------------------------------------------------

def test_lower_scale_at_exactly_115_percent_of_the_expert():
    # waiting time, lower is better: target 5, region best 8, expert 12 days; 1 point up to 1.15 × 12 = 13.8
    assert scale_score([13.8], [5], [8], [12], [True], SCALE)[0] == 1
    assert scale_score([13.81], [5], [8], [12], [True], SCALE)[0] == 0


def test_higher_scale_at_exactly_85_percent_of_the_expert():
    # higher is better: expert 9.9, 1 point down to 0.85 × 9.9 = 8.415 (8.415000000000001 in floats)
    assert scale_score([8.415], [12], [11], [9.9], [False], SCALE)[0] == 1
    assert scale_score([8.414], [12], [11], [9.9], [False], SCALE)[0] == 0


def _kpa_norms(tmp_path):
    # КПА (prevention_activity, higher): expert = mean(0.28, 0.30, 0.32) = 0.30 exactly
    data = {"year": 2025,
            "units": {"therapy": {"prevention_activity": {"target": 0.40, "region_best": 0.35}}},
            "history": {"therapy": {"prevention_activity": {2022: 0.28, 2023: 0.30, 2024: 0.32}}}}
    path = tmp_path / "norms-2025.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


def test_mean_of_three_years_is_the_boundary_on_the_scale(tmp_path):
    norms = load_norms(_kpa_norms(tmp_path), IND).set_index("indicator").loc["prevention_activity"]
    # 0.30 ≥ expert 0.30 → 2 (not 1): below region best 0.35, at the expert value
    assert scale_score([0.30], [norms["target"]], [norms["region_best"]], [norms["expert"]], [False], SCALE)[0] == 2


def test_kpa_equal_to_the_mean_of_three_years_scores_0_not_minus_1(tmp_path):
    _kpa_norms(tmp_path)
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог")],
                       [("1", "plan", 100), ("1", "Коэффициент профилактической активности", 0.30)])
    t = score_workbook(path).scores.table.set_index("staff_id")
    # КПА 0.30 = norm 0.30 → 0 (not −1); main 10 + 10 + 10 = 30 → 100 %, coefficient 1 × 1 × 22/22 = 1.00 (not 0.97)
    assert t.loc["1", "pts_kpa"] == 0
    assert t.loc["1", "percent"] == 100.0 and t.loc["1", "coefficient"] == 1.00


def test_doctor_exactly_at_a_percentage_norm_meets_it(tmp_path):
    # sanitation 57 of 100 primary patients = 57 % against the norm 57 % (higher): met → УКВ 10 (not 9)
    norms = {"year": 2025, "units": {"therapy": {"sanitation_rate": {"target": 57, "region_best": 57, "expert": 57}}}}
    (tmp_path / "norms-2025.yaml").write_text(yaml.safe_dump(norms), encoding="utf-8")
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог")],
                       [("1", "plan", 100), ("1", "ОКЛ", 3)],
                       stats=[("1", "Санированные больные", 57), ("1", "Первичные больные", 100)])
    scored = score_workbook(path)
    t = scored.scores.table.set_index("staff_id")
    # plan 100 % → 10; ОКЛ 3 defects → 10 − 3 = 7; УКВ: the one judged indicator met → 10
    # total 27 of 30 → 90.0 % (not 86.7 %); coefficient 0.9 × 1 rate × 22/22 = 0.90 (not 0.87)
    assert t.loc["1", "pts_ukv"] == 10
    assert t.loc["1", "percent"] == 90.0 and t.loc["1", "coefficient"] == 0.90
    assert scored.derived.ukv.set_index("staff_id").loc["1", "ukv"] == 1.0


def test_quality_classes_at_their_boundaries():
    k = pd.Series([0.8, 0.7 + 0.1, 0.79, 0.6, 0.3 * 2, 0.59])  # 0.7 + 0.1 = 0.7999999999999999, 0.3 × 2 = 0.6
    assert quality_category(k, IND).tolist() == ["КМП", "КМП", "ДМП", "ДМП", "ДМП", "НМП"]


def test_nmo_admission_at_exactly_74_plus_70(tmp_path):
    # ДПП 36.1 + 37.9 = 74 (73.99999… in floats), other 70 in five events of 12 + one of 10 → 144: admitted
    elements = [dpp(36.1, D(2023, 3, 1)), dpp(37.9, D(2023, 4, 1))]
    elements += [{"kind": "мероприятие", "hours": 12, "end_date": D(2023, 5, k)} for k in range(1, 6)]
    elements += [{"kind": "мероприятие", "hours": 10, "end_date": D(2023, 5, 10)}]
    st_, _ = plans(tmp_path, [("1", SPEC, D(2022, 1, 10))], elements, on=D(2024, 1, 1))
    assert st_.loc[0, "earned_dpp"] == pytest.approx(74) and st_.loc[0, "admission_ok"]


# --- hypothesis: every margin of every indicator, decided by the oracle ---------------------------

def money(lo: str, hi: str, places: int = 2):
    return st.decimals(min_value=Decimal(lo), max_value=Decimal(hi), places=places, allow_nan=False, allow_infinity=False)


BOUNDARY_POINTS = {"target": 4, "region_best": 3, "expert": 2, "floor": 1}
UNIT_INDICATORS = [(u.code, c) for u in IND.units for c in u.indicators]


@st.composite
def margin_case(draw):
    """An indicator of a unit, its thresholds as a person writes them (the expert value as the mean
    of three years), and a value exactly on one of its margins."""
    unit, code = draw(st.sampled_from(UNIT_INDICATORS))
    lower = IND.by_code[code].direction == "lower"
    expert = draw(money("0.05", "120"))
    a, b = draw(money("0", "150")), draw(money("0", "150"))
    c = 3 * expert - a - b  # three years whose mean is exactly the expert value
    gap1, gap2 = draw(money("0", "20")), draw(money("0", "20"))
    step = -1 if lower else 1
    region_best = expert + step * gap1
    target = region_best + step * gap2
    floor = expert * (1 + Decimal(str(SCALE.one_point_margin))) if lower else expert * (1 - Decimal(str(SCALE.one_point_margin)))
    which = draw(st.sampled_from(list(BOUNDARY_POINTS)))
    value = {"target": target, "region_best": region_best, "expert": expert, "floor": floor}[which]
    return unit, code, lower, target, region_best, (a, b, c), value, which


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=margin_case())
def test_every_margin_of_every_indicator(tmp_path, case):
    unit, code, lower, target, region_best, history, value, which = case
    data = {"year": 2025, "units": {unit: {code: {"target": float(target), "region_best": float(region_best)}}},
            "history": {unit: {code: {2022: float(history[0]), 2023: float(history[1]), 2024: float(history[2])}}}}
    path = tmp_path / "norms.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    if target <= 0 or region_best <= 0:
        return  # a direction-ordered set of thresholds below zero is not a real norm
    n = load_norms(path, IND).iloc[0]
    engine = scale_score([float(value)], [n["target"]], [n["region_best"]], [n["expert"]], [lower], SCALE)[0]
    expected = oracle.scale_points(str(value), str(target), str(region_best), oracle.mean(history), SCALE.one_point_margin, lower)
    assert engine == expected
    assert expected >= BOUNDARY_POINTS[which]  # on the margin: at least that margin's points


DIVISORS = [1, 2, 4, 5, 8, 10, 16, 20, 25, 40, 50, 80, 100, 125, 200, 250, 400, 500, 1000]
UKV_INDICATORS = [(u, c) for u in IND.units for c in u.ukv]


@settings(max_examples=300, deadline=None)
@given(pick=st.sampled_from(UKV_INDICATORS), den=st.sampled_from(DIVISORS), data=st.data())
def test_every_ukv_indicator_at_its_norm(pick, den, data):
    unit, code = pick
    ind = IND.by_code[code]
    num = data.draw(st.integers(0, 3 * den))
    norm = Decimal(num) * Decimal(str(ind.multiplier)) / Decimal(den)  # exact: den divides a power of ten
    delta = data.draw(st.sampled_from([0, 0, -1, 1]))  # mostly exactly at the norm
    counts = pd.DataFrame([("1", ind.numerator, float(max(0, num + delta))), ("1", ind.denominator, float(den))],
                          columns=["staff_id", "field", "value"])
    norms = pd.DataFrame([(unit.code, code, float(norm))], columns=["unit", "indicator", "norm"])
    detail = ukv(counts, pd.DataFrame({"staff_id": ["1"], "department": [unit.name]}), norms, IND)
    row = detail.set_index("indicator").loc[code]
    value = oracle.indicator(max(0, num + delta), den, ind.multiplier)
    expected = oracle.meets(value, str(norm), ind.direction == "lower")
    assert (row["status"] == UKV_MET) == expected
    if delta == 0:
        assert row["status"] == UKV_MET and row["points"] == IND.ukv_points


VERSUS = [(p, c) for p in POS.positions for c in p.criteria if c.kind == "versus_norm"]


@settings(max_examples=200, deadline=None)
@given(pick=st.sampled_from(VERSUS), mean=money("0", "100"), a=money("0", "100"), b=money("0", "100"),
       offset=st.sampled_from([Decimal(0), Decimal(0), Decimal("0.01"), Decimal("-0.01")]))
def test_every_versus_norm_criterion_at_its_norm(pick, mean, a, b, offset):
    position, crit = pick
    c = 3 * mean - a - b
    norm = (float(a) + float(b) + float(c)) / 3  # the year's norm as the mean of three floats comes out
    value = mean + offset
    staff = pd.DataFrame([{"staff_id": "1", "name": "Тест", "position": position.code, "department": "Отделение",
                           "rates_oms": 1.0, "rates_paid": 0.0, "days_plan": 22.0, "days_fact": 22.0}])
    values = pd.DataFrame({"staff_id": ["1"], "criterion": [crit.code], "value": [float(value)], "norm": [norm]})
    none = pd.DataFrame(columns=["staff_id", "criterion", "count"])
    details = score(staff, values, none, pd.DataFrame(columns=["staff_id", "percent"]), POS).details
    points = details.set_index("criterion").loc[crit.code, "points"]
    expected = oracle.criterion_points(crit, str(value), oracle.mean([a, b, c]), 0)
    assert points == float(expected)
    if offset == 0:
        assert points == 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(parts=st.lists(money("0.1", "40", 1), min_size=1, max_size=3))
def test_nmo_dpp_requirement_at_exactly_its_threshold(tmp_path, parts):
    # ДПП pieces written with one decimal, the last one making the total exactly min_dpp (74)
    need = Decimal(str(RULES.plans.admission.min_dpp))
    rest = need - sum(parts)
    if rest <= 0:
        return
    hours = [*parts, rest]
    other = Decimal(str(RULES.plans.admission.max_other))
    elements = [dpp(float(h), D(2023, 3, 1) + dt.timedelta(days=i)) for i, h in enumerate(hours)]
    elements += [{"kind": "ИОМ", "hours": float(other), "end_date": D(2023, 9, 1)}]
    st_, _ = plans(tmp_path, [("1", SPEC, D(2022, 1, 10))], elements, on=D(2024, 1, 1))
    assert oracle.exact(sum(hours)) == Fraction(str(need))  # the oracle: exactly on the threshold
    assert bool(st_.loc[0, "admission_ok"])


def test_nmo_portal_plan_at_exactly_250_is_done(tmp_path):
    # ДПП 100.1 + 79.9 = 180 and ИОМ 35.3 + 34.7 = 70: 250 of 250 → «done»; admission 180 ≥ 74, 180 + 70 ≥ 144
    elements = [dpp(100.1, D(2022, 3, 1)), dpp(79.9, D(2023, 3, 1)),
                {"kind": "ИОМ", "hours": 35.3, "end_date": D(2023, 4, 1)}, {"kind": "ИОМ", "hours": 34.7, "end_date": D(2023, 4, 2)}]
    st_, _ = plans(tmp_path, [("1", SPEC, D(2021, 1, 10))], elements, on=D(2025, 6, 1))
    assert st_.loc[0, "earned"] == pytest.approx(250) and st_.loc[0, "status"] == "done"
