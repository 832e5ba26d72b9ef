"""The reference implementation of monthly scoring: plain, row by row, in exact fractions.

It reads the rules straight from the catalog objects and applies SPEC 3 literally, so that the
vectorised engine can be checked against it on random months. Inputs are decimal strings or
numbers; every intermediate is an exact `Fraction`; rounding happens once, half away from zero.
"""

from __future__ import annotations

from fractions import Fraction
from math import floor


def exact(x) -> Fraction:
    return Fraction(str(x))


def round_half_away(q: Fraction, decimals: int) -> float:
    scale = 10**decimals
    n = floor(abs(q) * scale + Fraction(1, 2))
    sign = -1 if q < 0 else 1
    return float(Fraction(sign * n, scale))


def criterion_points(crit, value, norm, count) -> Fraction:
    if crit.kind == "plan":
        return max(Fraction(0), exact(crit.max) + exact(crit.step) * (exact(value) - 100))
    if crit.kind == "deduction":
        n = exact(value) if value is not None else Fraction(0)
        return max(Fraction(0), exact(crit.max) - exact(crit.penalty) * n)
    if crit.kind == "per_event":
        return exact(crit.weight) * count
    if crit.kind == "assigned":
        return exact(value) if value is not None else Fraction(0)
    if crit.kind == "versus_norm":
        if value is None:
            return Fraction(0)
        v, n = exact(value), exact(norm)
        better = v > n if crit.direction == "higher" else v < n
        worse = v < n if crit.direction == "higher" else v > n
        return exact(crit.weight) if better else -exact(crit.weight) if worse else Fraction(0)
    return Fraction(0)  # info


def score_person(position, person: dict, values: dict, events: dict, deprivations: list) -> dict:
    """person: rates_oms, days_plan, days_fact; values: code -> (value, norm); events: code -> count."""
    main = additional = Fraction(0)
    points = {}
    for crit in position.criteria:
        value, norm = values.get(crit.code, (None, None))
        p = criterion_points(crit, value, norm, events.get(crit.code, 0))
        points[crit.code] = round_half_away(p, 2)
        if crit in position.main:
            main += p
        else:
            additional += p
    total = main + additional
    percent = total / exact(position.norm) * 100
    deprived = min(Fraction(100), sum((exact(d) for d in deprivations), Fraction(0)))
    coefficient = (max(Fraction(0), percent / 100) * exact(person["rates_oms"])
                   * Fraction(int(person["days_fact"]), int(person["days_plan"])) * (1 - deprived / 100))
    return {
        "main_points": round_half_away(main, 2),
        "additional_points": round_half_away(additional, 2),
        "total_points": round_half_away(total, 2),
        "percent": round_half_away(percent, 1),
        "coefficient": round_half_away(coefficient, 2),
        "points": points,
    }


def mean(values) -> Fraction:
    """The exact mean of decimals (the expert value of three previous years)."""
    values = [exact(v) for v in values]
    return sum(values, Fraction(0)) / len(values)


def scale_points(value, target, region_best, expert, margin, lower: bool) -> int:
    """P on the 0–4 scale of section 6, literally, in exact fractions (mirrored for «lower is better»)."""
    v, t, r, e = (x if isinstance(x, Fraction) else exact(x) for x in (value, target, region_best, expert))
    m = exact(margin)
    if lower:
        steps = [(v <= t, 4), (v <= r, 3), (v <= e, 2), (v <= (1 + m) * e, 1)]
    else:
        steps = [(v >= t, 4), (v >= r, 3), (v >= e, 2), (v >= (1 - m) * e, 1)]
    return next((points for reached, points in steps if reached), 0)


def indicator(numerator: int, denominator: int, multiplier) -> Fraction:
    """An indicator from counts: numerator × multiplier / denominator, exactly."""
    return Fraction(numerator) * exact(multiplier) / denominator


def meets(value: Fraction, norm, lower: bool) -> bool:
    n = norm if isinstance(norm, Fraction) else exact(norm)
    return value <= n if lower else value >= n
