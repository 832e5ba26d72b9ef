"""Monthly staff scoring (SPEC 3): points per criterion by rule kind, totals, percent, coefficient.

Theory of operation: the catalog's rules table (one row per position × criterion) is laid out
position by position; every employee gets the contiguous block of rows of their position
(`np.repeat`), and the month's values and events are scattered into that long table by integer
position. Each rule kind is one vectorised formula over the table's columns; sums per employee
are `np.bincount`. No Python loop runs per employee or per criterion row.

Editing rule: a new rule kind needs a formula in `_points` and its fields in the catalog's
`KIND_FIELDS` (a kind without a formula, like `info`, gives 0 points); nothing here names a
position, a criterion or a point value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from stomkpi.catalog import PositionCatalog
from stomkpi.catalog.positions import KIND_FIELDS
from stomkpi.compare import versus

POINTS_DECIMALS = 2
PERCENT_DECIMALS = 1
COEFFICIENT_DECIMALS = 2



def round_half_away(x, decimals: int):
    """Round half away from zero (2.345 -> 2.35, −2.345 -> −2.35), absorbing binary noise first:
    the scaled value is cut to 9 decimals so that 2.345 stored as 2.34499999… still rounds up."""
    scale = 10.0**decimals
    scaled = np.round(np.abs(np.asarray(x, dtype="float64")) * scale, 9)
    return np.sign(x) * np.floor(scaled + 0.5) / scale


@dataclass(frozen=True)
class Scores:
    """A scored month: one row per employee (`table`) and one per employee × criterion (`details`)."""

    table: pd.DataFrame
    details: pd.DataFrame


def score(
    staff: pd.DataFrame,
    values: pd.DataFrame,
    events: pd.DataFrame,
    deprivations: pd.DataFrame,
    catalog: PositionCatalog,
) -> Scores:
    """Score one month. Frames as `month.Month` holds them (positions and criteria as catalog codes).

    Values in `table` are rounded once, from full precision, for display and protocols:
    points to 2 decimals, percent to 1, coefficient to 2, half away from zero.
    """
    layout = _Layout(catalog, staff)
    rule = layout.rule
    rules = layout.arrays
    value = np.full(len(rule), np.nan)
    norm = np.full(len(rule), np.nan)
    count = np.zeros(len(rule))
    if not values.empty:
        rows = layout.rows_of(values["staff_id"], values["criterion"])
        ok = rows >= 0
        value[rows[ok]] = values["value"].to_numpy(dtype="float64")[ok]
        norm[rows[ok]] = values["norm"].to_numpy(dtype="float64")[ok]
    if not events.empty:
        rows = layout.rows_of(events["staff_id"], events["criterion"])
        ok = rows >= 0
        count += np.bincount(rows[ok], weights=events["count"].to_numpy(dtype="float64")[ok], minlength=len(rule))
    points = _points({name: column[rule] for name, column in rules.items()}, layout.kinds, value, norm, count)

    n = len(staff)
    person = layout.person
    is_main = rules["is_main"][rule]
    main = np.bincount(person, weights=np.where(is_main, points, 0.0), minlength=n)
    additional = np.bincount(person, weights=np.where(is_main, 0.0, points), minlength=n)
    total = main + additional
    norm_points = layout.position_norm[layout.pos_idx]
    percent = total / norm_points * 100.0
    deprived = _deprived_percent(staff, deprivations)
    rates = staff["rates_oms"].to_numpy(dtype="float64")
    days_plan = staff["days_plan"].to_numpy(dtype="float64")
    days_fact = staff["days_fact"].to_numpy(dtype="float64")
    coefficient = np.maximum(0.0, percent / 100.0) * rates * days_fact / days_plan * (1.0 - deprived / 100.0)

    table = pd.DataFrame(
        {
            "staff_id": staff["staff_id"].to_numpy(),
            "name": staff["name"].to_numpy(),
            "position": staff["position"].to_numpy(),
            "position_name": layout.position_names[layout.pos_idx],
            "title": staff["title"].to_numpy() if "title" in staff else layout.position_names[layout.pos_idx],
            "department": staff["department"].to_numpy(),
            "rates_oms": rates,
            "rates_paid": staff["rates_paid"].to_numpy(dtype="float64"),
            "days_plan": days_plan,
            "days_fact": days_fact,
            "norm_points": norm_points,
            "main_points": round_half_away(main, POINTS_DECIMALS),
            "additional_points": round_half_away(additional, POINTS_DECIMALS),
            "total_points": round_half_away(total, POINTS_DECIMALS),
            "percent": round_half_away(percent, PERCENT_DECIMALS),
            "deprived_percent": deprived,
            "coefficient": round_half_away(coefficient, COEFFICIENT_DECIMALS),
        }
    )
    rounded = round_half_away(points, POINTS_DECIMALS)
    grid = np.full((n, len(layout.codes)), np.nan)
    grid[person, rules["code_idx"][rule]] = rounded
    wide = pd.DataFrame(grid, columns=[f"pts_{c}" for c in layout.codes])
    table = pd.concat([table, wide], axis=1)
    details = pd.DataFrame(
        {
            "staff_id": pd.Categorical.from_codes(person, categories=pd.Index(staff["staff_id"]).unique())
            if staff["staff_id"].is_unique else staff["staff_id"].to_numpy()[person],
            "criterion": pd.Categorical.from_codes(rules["code_idx"][rule], categories=layout.codes),
            "group": pd.Categorical.from_codes(is_main.astype("int8"), categories=["additional", "main"]),
            "kind": pd.Categorical.from_codes(rules["kind_idx"][rule], categories=layout.kinds),
            "value": value,
            "norm": norm,
            "count": count,
            "points": rounded,
        }
    )
    return Scores(table, details)


class _Layout:
    """Where each employee's block of criterion rows lies in the long table, and the rules as arrays."""

    def __init__(self, catalog: PositionCatalog, staff: pd.DataFrame):
        rules = catalog.rules()
        positions = pd.Index(pd.unique(rules["position"]))
        self.positions = positions
        rule_pos = positions.get_indexer(rules["position"])
        offsets = np.searchsorted(rule_pos, np.arange(len(positions)))
        sizes = np.bincount(rule_pos, minlength=len(positions))
        first = rules.drop_duplicates("position").set_index("position")
        self.position_names = first.loc[positions, "position_name"].to_numpy()
        self.position_norm = np.array([catalog.by_code(p).norm for p in positions], dtype="float64")
        self.codes = pd.Index(pd.unique(rules["criterion"]))
        self.kinds = pd.Index(list(KIND_FIELDS))
        code_idx = self.codes.get_indexer(rules["criterion"])
        self.arrays = {
            "kind_idx": self.kinds.get_indexer(rules["kind"]),
            "code_idx": code_idx,
            "is_main": (rules["group"] == "main").to_numpy(),
            "lower_better": (rules["direction"] == "lower").to_numpy(),
            **{f: rules[f].to_numpy(dtype="float64") for f in ("max", "step", "penalty", "weight")},
        }
        # lookup[position, criterion code] -> the row of that criterion within the position's block
        self.lookup = np.full((len(positions), len(self.codes)), -1, dtype="int64")
        self.lookup[rule_pos, code_idx] = np.arange(len(rules)) - offsets[rule_pos]

        self.pos_idx = positions.get_indexer(staff["position"])
        if (self.pos_idx < 0).any():
            raise ValueError("staff holds a position code that is not in the catalog")
        self.staff_index = pd.Index(staff["staff_id"])
        counts = sizes[self.pos_idx]
        self.starts = (np.cumsum(counts) - counts).astype("int64")
        self.person = np.repeat(np.arange(len(staff)), counts)
        within = np.arange(len(self.person)) - np.repeat(self.starts, counts)
        self.rule = np.repeat(offsets[self.pos_idx], counts) + within

    def rows_of(self, staff_ids: pd.Series, criteria: pd.Series) -> np.ndarray:
        """Long-table row of each (employee, criterion) pair; −1 where the pair does not exist."""
        person = self.staff_index.get_indexer(staff_ids)
        code = self.codes.get_indexer(criteria)
        ok = (person >= 0) & (code >= 0)
        local = np.full(len(person), -1, dtype="int64")
        local[ok] = self.lookup[self.pos_idx[person[ok]], code[ok]]
        ok &= local >= 0
        rows = np.full(len(person), -1, dtype="int64")
        rows[ok] = self.starts[person[ok]] + local[ok]
        return rows


def _points(rules: dict[str, np.ndarray], kinds: pd.Index, value: np.ndarray, norm: np.ndarray,
            count: np.ndarray) -> np.ndarray:
    """Each row's points by its rule kind (the formulas of SPEC 2.1)."""
    given = ~np.isnan(value)
    v0 = np.where(given, value, 0.0)
    mx, step, penalty, weight = rules["max"], rules["step"], rules["penalty"], rules["weight"]
    side = versus(value, norm, rules["lower_better"])  # exact: a value equal to its norm is neither
    with np.errstate(invalid="ignore"):
        formulas = {
            "plan": lambda: np.maximum(0.0, mx + step * (v0 - 100.0)),
            "deduction": lambda: np.maximum(0.0, mx - penalty * v0),
            "per_event": lambda: weight * count,
            "assigned": lambda: v0,
            "versus_norm": lambda: weight * side,
        }
        out = np.zeros(len(value))
        for i, name in enumerate(kinds):
            if name in formulas:
                mask = rules["kind_idx"] == i
                if mask.any():
                    out[mask] = formulas[name]()[mask]
    return out


def _deprived_percent(staff: pd.DataFrame, deprivations: pd.DataFrame) -> np.ndarray:
    """Several deprivations of one person add up, capped at 100 %."""
    if deprivations.empty:
        return np.zeros(len(staff))
    person = pd.Index(staff["staff_id"]).get_indexer(deprivations["staff_id"])
    ok = person >= 0
    total = np.bincount(person[ok], weights=deprivations["percent"].to_numpy(dtype="float64")[ok],
                        minlength=len(staff))
    return np.minimum(total, 100.0)


def score_month(month, catalog: PositionCatalog) -> Scores:
    """Score a `month.Month` read by `read_month`."""
    return score(month.staff, month.values, month.events, month.deprivations, catalog)
