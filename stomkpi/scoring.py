"""Monthly staff scoring (SPEC 3): points per criterion by rule kind, totals, percent, coefficient.

Theory of operation: the catalog's rules table (one row per position × criterion) is laid out
position by position; every employee gets the contiguous block of rows of their position
(`np.repeat`), and the month's values and events are scattered into that long table by integer
position. Each rule kind is one vectorised formula over the table's columns; sums per employee
are `np.bincount`. No Python loop runs per employee or per criterion row.

Editing rule: a new rule kind needs a formula in `_points` and its fields in the catalog's
`KIND_FIELDS`; nothing here names a position, a criterion or a point value.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .catalog import PositionCatalog

POINTS_DECIMALS = 2
PERCENT_DECIMALS = 1
COEFFICIENT_DECIMALS = 2

SUMMARY_COLUMNS = [
    "staff_id", "name", "position", "position_name", "department", "rates_oms", "rates_paid",
    "days_plan", "days_fact", "norm_points", "main_points", "additional_points", "total_points",
    "percent", "deprived_percent", "coefficient",
]


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
    long = layout.long_table()
    _scatter_values(long, layout, values)
    _scatter_events(long, layout, events)
    points = _points(long)
    long["points"] = points

    n = len(staff)
    person = long["person"].to_numpy()
    is_main = (long["group"] == "main").to_numpy()
    main = np.bincount(person, weights=np.where(is_main, points, 0.0), minlength=n)
    additional = np.bincount(person, weights=np.where(is_main, 0.0, points), minlength=n)
    total = main + additional
    norm = layout.position_norm[layout.pos_idx]
    percent = total / norm * 100.0
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
            "department": staff["department"].to_numpy(),
            "rates_oms": rates,
            "rates_paid": staff["rates_paid"].to_numpy(dtype="float64"),
            "days_plan": days_plan,
            "days_fact": days_fact,
            "norm_points": norm,
            "main_points": round_half_away(main, POINTS_DECIMALS),
            "additional_points": round_half_away(additional, POINTS_DECIMALS),
            "total_points": round_half_away(total, POINTS_DECIMALS),
            "percent": round_half_away(percent, PERCENT_DECIMALS),
            "deprived_percent": deprived,
            "coefficient": round_half_away(coefficient, COEFFICIENT_DECIMALS),
        }
    )
    wide = _wide_points(long, layout, n)
    table = pd.concat([table, wide], axis=1)
    long["points"] = round_half_away(points, POINTS_DECIMALS)
    details = long.drop(columns=["person", "rule"]).reset_index(drop=True)
    details.insert(0, "staff_id", staff["staff_id"].to_numpy()[person])
    return Scores(table, details)


class _Layout:
    """Where each employee's block of criterion rows lies in the long table."""

    def __init__(self, catalog: PositionCatalog, staff: pd.DataFrame):
        self.rules = rules = catalog.rules()
        positions = pd.Index(pd.unique(rules["position"]))
        self.positions = positions
        rule_pos = positions.get_indexer(rules["position"])
        self.offsets = np.searchsorted(rule_pos, np.arange(len(positions)))
        self.sizes = np.bincount(rule_pos, minlength=len(positions))
        first = rules.drop_duplicates("position").set_index("position")
        self.position_names = first.loc[positions, "position_name"].to_numpy()
        self.position_norm = np.array([catalog.by_code(p).norm for p in positions], dtype="float64")
        self.pos_idx = positions.get_indexer(staff["position"])
        if (self.pos_idx < 0).any():
            raise ValueError("staff holds a position code that is not in the catalog")
        self.staff_index = pd.Index(staff["staff_id"])
        counts = self.sizes[self.pos_idx]
        self.starts = (np.cumsum(counts) - counts).astype("int64")
        self.person = np.repeat(np.arange(len(staff)), counts)
        within = np.arange(len(self.person)) - np.repeat(self.starts, counts)
        self.rule = np.repeat(self.offsets[self.pos_idx], counts) + within
        self.criterion_local = {
            (pos, code): i - self.offsets[positions.get_loc(pos)]
            for i, (pos, code) in enumerate(zip(rules["position"], rules["criterion"], strict=True))
        }

    def long_table(self) -> pd.DataFrame:
        r = self.rules.iloc[self.rule].reset_index(drop=True)
        long = r[["position", "criterion", "group", "kind", "max", "step", "penalty", "weight",
                  "low", "high", "direction"]].copy()
        long.insert(0, "rule", self.rule)
        long.insert(0, "person", self.person)
        long["value"] = np.nan
        long["norm"] = np.nan
        long["count"] = 0.0
        return long

    def rows_of(self, staff_ids: pd.Series, criteria: pd.Series) -> np.ndarray:
        """Long-table row of each (employee, criterion) pair; −1 where the pair does not exist."""
        person = self.staff_index.get_indexer(staff_ids)
        pos = self.positions.to_numpy()[self.pos_idx[person]]
        local = pd.Series(list(zip(pos, criteria, strict=True))).map(self.criterion_local)
        ok = (person >= 0) & local.notna().to_numpy()
        rows = np.full(len(person), -1, dtype="int64")
        rows[ok] = self.starts[person[ok]] + local.to_numpy()[ok].astype("int64")
        return rows


def _scatter_values(long: pd.DataFrame, layout: _Layout, values: pd.DataFrame) -> None:
    if values.empty:
        return
    rows = layout.rows_of(values["staff_id"], values["criterion"])
    ok = rows >= 0
    long.loc[rows[ok], "value"] = values["value"].to_numpy(dtype="float64")[ok]
    long.loc[rows[ok], "norm"] = values["norm"].to_numpy(dtype="float64")[ok]


def _scatter_events(long: pd.DataFrame, layout: _Layout, events: pd.DataFrame) -> None:
    if events.empty:
        return
    rows = layout.rows_of(events["staff_id"], events["criterion"])
    ok = rows >= 0
    sums = np.bincount(rows[ok], weights=events["count"].to_numpy(dtype="float64")[ok], minlength=len(long))
    long["count"] = long["count"].to_numpy() + sums


def _points(long: pd.DataFrame) -> np.ndarray:
    """Each row's points by its rule kind (the formulas of SPEC 2.1)."""
    kind = long["kind"].to_numpy()
    value = long["value"].to_numpy()
    given = ~np.isnan(value)
    v0 = np.where(given, value, 0.0)
    mx, step, penalty, weight = (long[c].to_numpy() for c in ("max", "step", "penalty", "weight"))
    diff = value - long["norm"].to_numpy()
    lower_better = long["direction"].to_numpy() == "lower"
    better = np.where(lower_better, diff < 0, diff > 0) & given
    worse = np.where(lower_better, diff > 0, diff < 0) & given
    with np.errstate(invalid="ignore"):
        formulas = {
            "plan": np.maximum(0.0, mx + step * (v0 - 100.0)),
            "deduction": np.maximum(0.0, mx - penalty * v0),
            "per_event": weight * long["count"].to_numpy(),
            "assigned": v0,
            "versus_norm": np.where(better, weight, 0.0) - np.where(worse, weight, 0.0),
        }
    out = np.zeros(len(long))
    for name, formula in formulas.items():
        mask = kind == name
        out[mask] = formula[mask]
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


def _wide_points(long: pd.DataFrame, layout: _Layout, n: int) -> pd.DataFrame:
    """One column per criterion code (`pts_<code>`), NaN where the criterion is not the person's."""
    codes = pd.Index(pd.unique(layout.rules["criterion"]))
    col = codes.get_indexer(long["criterion"])
    grid = np.full((n, len(codes)), np.nan)
    grid[long["person"].to_numpy(), col] = round_half_away(long["points"].to_numpy(), POINTS_DECIMALS)
    return pd.DataFrame(grid, columns=[f"pts_{c}" for c in codes])


def score_month(month, catalog: PositionCatalog) -> Scores:
    """Score a `month.Month` read by `read_month`."""
    return score(month.staff, month.values, month.events, month.deprivations, catalog)
