"""The vectorised engine against the row-by-row oracle on random staff months, and invariants."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from stomkpi.catalog import load_positions
from stomkpi.scoring import score

from . import oracle

CATALOG = load_positions()
POSITIONS = CATALOG.positions


def decimals(lo: float, hi: float, places: int):
    return st.decimals(min_value=Decimal(str(lo)), max_value=Decimal(str(hi)), places=places,
                       allow_nan=False, allow_infinity=False)


@st.composite
def criterion_input(draw, crit):
    """(value, norm, count) for one criterion, or value None when the row is left out."""
    kind = crit.kind
    if kind == "plan":
        return draw(decimals(0, 250, 1)), None, 0
    if kind == "deduction":
        return (draw(st.one_of(st.none(), st.integers(0, 12).map(Decimal))), None, 0)
    if kind == "per_event":
        return None, None, draw(st.integers(0, 6))
    if kind == "assigned":
        k = draw(st.one_of(st.none(), st.integers(0, 20)))
        if k is None:
            return None, None, 0
        low, high = Decimal(str(crit.low)), Decimal(str(crit.high))
        return low + (high - low) * k / 20, None, 0
    if kind == "versus_norm":
        norm = draw(decimals(0, 100, 2))
        value = draw(st.one_of(st.none(), st.just(norm), decimals(0, 100, 2)))
        return value, norm, 0
    return draw(st.one_of(st.none(), decimals(0, 200, 1))), None, 0


@st.composite
def staff_month(draw):
    n = draw(st.integers(1, 8))
    people = []
    for i in range(n):
        position = draw(st.sampled_from(POSITIONS))
        days_plan = draw(st.integers(1, 23))
        person = {
            "staff_id": f"{i:04d}", "name": f"Сотрудник {i}", "position": position.code, "department": "Отделение",
            "rates_oms": draw(st.sampled_from([Decimal("0.25"), Decimal("0.5"), Decimal("0.75"), Decimal("1"),
                                               Decimal("1.25"), Decimal("1.5")])),
            "rates_paid": Decimal(0), "days_plan": days_plan, "days_fact": draw(st.integers(0, days_plan)),
        }
        inputs = {c.code: draw(criterion_input(c)) for c in position.criteria}
        deprivations = draw(st.lists(st.integers(0, 100).map(Decimal), max_size=2))
        people.append((position, person, inputs, deprivations))
    return people


def engine_frames(people):
    staff = pd.DataFrame([{k: float(v) if isinstance(v, Decimal) else v for k, v in p.items()}
                          for _, p, _, _ in people])
    values, events, deps = [], [], []
    for _, p, inputs, deprivations in people:
        for code, (value, norm, count) in inputs.items():
            if value is not None:
                values.append({"staff_id": p["staff_id"], "criterion": code, "value": float(value),
                               "norm": float(norm) if norm is not None else float("nan")})
            if count:
                # split the count over two rows to check that rows of one criterion add up
                first = count // 2
                for c in (first, count - first):
                    if c:
                        events.append({"staff_id": p["staff_id"], "criterion": code, "count": float(c)})
        deps += [{"staff_id": p["staff_id"], "percent": float(d), "reason": "x"} for d in deprivations]
    return (staff,
            pd.DataFrame(values, columns=["staff_id", "criterion", "value", "norm"]),
            pd.DataFrame(events, columns=["staff_id", "criterion", "count"]),
            pd.DataFrame(deps, columns=["staff_id", "percent", "reason"]))


def oracle_scores(people):
    out = {}
    for position, p, inputs, deprivations in people:
        values = {code: (v, n) for code, (v, n, _) in inputs.items() if v is not None}
        events = {code: c for code, (_, _, c) in inputs.items()}
        out[p["staff_id"]] = oracle.score_person(position, p, values, events, deprivations)
    return out


def engine_scores(people):
    return score(*engine_frames(people), CATALOG).table.set_index("staff_id")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(staff_month())
def test_engine_matches_oracle(people):
    table = engine_scores(people)
    for sid, expected in oracle_scores(people).items():
        row = table.loc[sid]
        for key in ("main_points", "additional_points", "total_points", "percent", "coefficient"):
            assert row[key] == expected[key], (sid, key, row[key], expected[key])
        for code, pts in expected["points"].items():
            assert row[f"pts_{code}"] == pts, (sid, code)


def _total(people) -> float:
    return engine_scores(people).iloc[0]["total_points"]


@settings(max_examples=150, deadline=None)
@given(staff_month(), st.data())
def test_one_more_violation_never_raises_a_total(people, data):
    position, p, inputs, deprivations = people[0]
    penalties = [c for c in position.criteria
                 if (c.kind == "per_event" and c.weight <= 0) or c.kind == "deduction"]
    crit = data.draw(st.sampled_from(penalties))
    value, norm, count = inputs[crit.code]
    worse = dict(inputs)
    if crit.kind == "deduction":
        worse[crit.code] = ((value or 0) + 1, norm, count)
    else:
        worse[crit.code] = (value, norm, count + 1)
    before = engine_scores([people[0]]).iloc[0]
    after = engine_scores([(position, p, worse, deprivations)]).iloc[0]
    assert after["total_points"] <= before["total_points"]
    assert after["coefficient"] <= before["coefficient"]


@settings(max_examples=100, deadline=None)
@given(staff_month())
def test_a_gratitude_never_lowers_a_total(people):
    position, p, inputs, deprivations = people[0]
    assume(any(c.code == "gratitude" for c in position.criteria))
    value, norm, count = inputs["gratitude"]
    more = dict(inputs, gratitude=(value, norm, count + 1))
    before = engine_scores([people[0]]).iloc[0]
    after = engine_scores([(position, p, more, deprivations)]).iloc[0]
    # the catalog gives gratitude +1, so the total rises by exactly one point
    assert after["total_points"] == pytest.approx(before["total_points"] + 1, abs=1e-9)
