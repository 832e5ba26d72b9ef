"""Counts that flow from the month's Статистика and Экспертиза into the scoring criteria.

A criterion marked `derived_from` in the catalog takes its count from the data when Показатели
has no row for it: `ukv_missed` — the number of the doctor's УКВ indicators that miss the
department's norm (section 4); `quality_defects` — the doctor's reviewed cases below the КМП
threshold (ОКЛ, section 7). A position with `scope: department` («Отделение») uses the counts
and cases of its whole department. An explicit value always wins; `sources` says which was used, and
`ukv_detail` and `defects` keep the rows a derived count was made of (each indicator against its norm,
each case below the threshold), so that a card can name them.
`year_norms` gives the norms that `versus_norm` criteria without a Норма of their own compare with.
"""

from __future__ import annotations

import dataclasses

import pandas as pd

from stomkpi.catalog import IndicatorCatalog, PositionCatalog
from stomkpi.compare import below
from stomkpi.errors import ParamsError
from stomkpi.indicators import defect_counts, ukv, ukv_summary
from stomkpi.records import Month
from stomkpi.text import match_key

SOURCE_EXPLICIT = "лист «Показатели»"
SOURCE_STATS = "лист «Статистика» (УКВ)"
SOURCE_REVIEWS = "лист «Экспертиза» (ОКЛ)"


@dataclasses.dataclass(frozen=True)
class Derived:
    month: Month  # the month with derived counts added to `values`
    sources: pd.DataFrame  # staff_id, criterion, count, source
    ukv: pd.DataFrame  # per doctor: indicators, missed, points, ukv
    # per doctor × УКВ indicator: indicator, value, norm, met, points, status (as `indicators.ukv`)
    ukv_detail: pd.DataFrame = dataclasses.field(default_factory=lambda: _empty_detail())
    # per employee whose ОКЛ counts it × reviewed case (all cases, `below` marks those under the КМП threshold):
    # staff_id (the employee scored), author (whose case), case, coefficient, reason, impact, below
    reviewed: pd.DataFrame = dataclasses.field(default_factory=lambda: pd.DataFrame(
        columns=["staff_id", "author", "case", "coefficient", "reason", "impact", "below"]))


def derive(month: Month, catalog: PositionCatalog, indicators: IndicatorCatalog,
           norms: pd.DataFrame | None) -> Derived:
    """Add the counts of `derived_from` criteria that the month's data can supply."""
    staff = month.staff
    scoped = _scoped_staff(staff, catalog)  # staff_id -> the staff ids whose data count for them
    targets = [(p.code, c) for p in catalog.positions for c in p.criteria if c.derived_from]
    explicit = set(zip(month.values["staff_id"], month.values["criterion"], strict=True))
    rows, detail = [], _empty_detail()
    summary = pd.DataFrame(columns=["staff_id", "indicators", "missed", "no_data", "points", "ukv"])

    if month.stats is not None and len(month.stats):
        if norms is None:
            raise ParamsError("для расчёта УКВ по листу «Статистика» нужен файл норм года (параметр --norms)")
        counts = _pooled(month.stats, scoped)
        unit_norms = norms.rename(columns={"expert": "norm"})
        detail = ukv(counts, staff[["staff_id", "department"]], unit_norms, indicators)
        summary = ukv_summary(detail, indicators)
    missed = dict(zip(summary["staff_id"], summary["missed"], strict=True))
    defects = pd.Series(dtype=float)
    reviewed = None
    if month.reviews is not None:
        pooled = _pooled(month.reviews.assign(author=month.reviews["staff_id"]), scoped)
        defects = defect_counts(pooled, indicators)
        reviewed = pooled.assign(below=below(pooled["coefficient"], indicators.quality.kmp_min))

    for sid, position in zip(staff["staff_id"], staff["position"], strict=True):
        for pos_code, crit in targets:
            if pos_code != position:
                continue
            if (sid, crit.code) in explicit:
                rows.append((sid, crit.code, None, SOURCE_EXPLICIT))
            elif crit.derived_from == "ukv_missed" and sid in missed:
                rows.append((sid, crit.code, float(missed[sid]), SOURCE_STATS))
            elif crit.derived_from == "quality_defects" and month.reviews is not None:
                rows.append((sid, crit.code, float(defects.get(sid, 0)), SOURCE_REVIEWS))
    sources = pd.DataFrame(rows, columns=["staff_id", "criterion", "count", "source"])
    added = sources[sources["source"] != SOURCE_EXPLICIT]
    new_values = pd.DataFrame({"staff_id": added["staff_id"], "criterion": added["criterion"],
                               "value": added["count"].astype(float), "norm": float("nan")})
    values = pd.concat([month.values, new_values], ignore_index=True) if len(new_values) else month.values
    extra = {"reviewed": reviewed} if reviewed is not None else {}
    return Derived(dataclasses.replace(month, values=values), sources, summary, detail, **extra)


def year_norms(norms: pd.DataFrame | None, indicators: IndicatorCatalog) -> dict:
    """The year's norm of each indicator for `versus_norm` criteria: a department's expert value by
    (department name, indicator) for every name of its unit, and the clinic's by indicator alone."""
    if norms is None:
        return {}
    units = {u.code: u for u in indicators.units}
    out: dict = {}
    for unit, indicator, expert in norms[["unit", "indicator", "expert"]].itertuples(index=False):
        u = units[unit]
        if u.whole:
            out[indicator] = expert
        for name in (u.code, u.name, *u.aliases):
            out[(match_key(name), indicator)] = expert
    return out


def _scoped_staff(staff: pd.DataFrame, catalog: PositionCatalog) -> dict[str, list[str]]:
    by_department = staff.groupby("department")["staff_id"].apply(list).to_dict()
    scope = {p.code: p.scope for p in catalog.positions}
    return {sid: (by_department[dept] if scope.get(pos) == "department" else [sid])
            for sid, pos, dept in zip(staff["staff_id"], staff["position"], staff["department"], strict=True)}


def _pooled(frame: pd.DataFrame, scoped: dict[str, list[str]]) -> pd.DataFrame:
    """Rows re-attributed to every employee whose score uses them (a department head gets the department's)."""
    pairs = pd.DataFrame([(owner, member) for owner, members in scoped.items() for member in members],
                         columns=["owner", "staff_id"])
    pooled = frame.merge(pairs, on="staff_id").drop(columns=["staff_id"]).rename(columns={"owner": "staff_id"})
    return pooled


def _empty_detail() -> pd.DataFrame:
    return pd.DataFrame(columns=["staff_id", "indicator", "numerator", "denominator", "value", "unit", "norm", "met", "points",
                                 "status"])
