"""НМО plan status (SPEC 7, 10): cycles per person and specialty, capped credits by cycle year, status.

Pure: validated records and a report date in, tables out; no clock is read. A plan is one person ×
specialty; its cycle is the one of the latest certificate dated on or before the report date
(a new certificate starts a new cycle and earlier credits no longer count). Credits count by the
completion date into cycle years 1…5, year k = [start + (k−1) years, start + k years).

Dates: a cycle starting on 29 February ends, and its anniversaries fall, on 28 February of
non-leap years — the last day of the same month, as for any term counted in years.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from stomkpi.catalog import NmoRules
from stomkpi.compare import at_least, below
from stomkpi.records import NmoRecords

DAYS_PER_YEAR = 365.25


def credited_hours(elements: pd.DataFrame, rules: NmoRules) -> pd.Series:
    """Hours that count: every event, in person or remote, at most `per_event` (the seed: «максимальный
    показатель — 12 баллов за одно мероприятие»); an in-person one also at most `per_day` a day."""
    caps = rules.caps
    capped = elements["kind"].isin(caps.kinds).to_numpy()
    in_person = elements["in_person"].astype(bool).to_numpy()
    per_day = caps.per_day * elements["days"].fillna(1).to_numpy(dtype=float)
    limit = np.where(in_person, np.minimum(per_day, caps.per_event), caps.per_event)
    hours = elements["hours"].to_numpy(dtype=float)
    return pd.Series(np.where(capped, np.minimum(hours, limit), hours), index=elements.index)


def current_cycles(certificates: pd.DataFrame, rules: NmoRules, on: dt.date) -> pd.DataFrame:
    """One row per person × specialty: the cycle of the latest certificate dated on or before `on`."""
    certs = certificates[certificates["date"] <= pd.Timestamp(on)].sort_values(["staff_id", "specialty_key", "date"])
    latest = certs.groupby(["staff_id", "specialty_key"], sort=True).tail(1).copy()
    counts = certs.groupby(["staff_id", "specialty_key"]).size().rename("certificates")
    latest = latest.merge(counts, on=["staff_id", "specialty_key"])
    start = latest["date"].dt.date
    latest["cycle_start"] = start
    deadline = _add_months(latest["date"], 12 * rules.cycle_years)
    latest["deadline"] = deadline.dt.date
    latest["filing_from"] = _add_months(deadline, -rules.filing_window_months).dt.date
    earlier = rules.plans.portal.earlier_certificates
    latest["earlier"] = start < earlier.before
    latest["required"] = np.where(latest["earlier"], earlier.required, rules.plans.portal.required)
    return latest.drop(columns=["date"]).reset_index(drop=True)


def plan_credits(records: NmoRecords, rules: NmoRules, on: dt.date) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(plans, credits): the current cycles, and every element × specialty that counts in one, with
    its credited hours, cycle year and a flag for repeats (same title and provider within the cycle)."""
    plans = current_cycles(records.certificates, rules, on)
    el = records.elements.copy()
    el["credited"] = credited_hours(el, rules)
    cycles = plans[["staff_id", "specialty_key", "cycle_start", "deadline"]].assign(
        _plan=np.arange(len(plans)), _start=pd.to_datetime(plans["cycle_start"]),
        _deadline=pd.to_datetime(plans["deadline"]))
    merged = el.merge(cycles, on=["staff_id", "specialty_key"])
    end = merged["end_date"].dt.normalize()
    inside = (end >= merged["_start"]) & (end < merged["_deadline"]) & (end <= pd.Timestamp(on))
    credits = merged.loc[inside, [*el.columns, "cycle_start", "deadline"]]
    credits.insert(len(el.columns), "end", credits["end_date"].dt.date)
    credits["cycle_year"] = _cycle_years(merged.loc[inside, "_start"], end[inside])
    same = pd.DataFrame({"plan": merged.loc[inside, "_plan"], "title": _folded(credits["title"]),
                         "provider": _folded(credits["provider"])})
    credits["repeated"] = same.duplicated(keep=False)
    return plans, credits.reset_index(drop=True)


def _fold(text: object) -> str:
    return " ".join(str(text).lower().replace("ё", "е").split()) if isinstance(text, str) else ""


def _folded(texts: pd.Series) -> np.ndarray:
    """`_fold` of every text, each distinct one folded once; the folded texts as codes (equal text, equal code)."""
    codes, uniques = pd.factorize(texts)
    folded = pd.factorize(np.array([*map(_fold, uniques), ""], dtype=object))[0]
    return folded[codes]  # a missing text's code -1 picks the last: "" as `_fold` gives it


def _cycle_year(start: dt.date, end: dt.date) -> int:
    """Which cycle year 1, 2, … `end` falls in: one more than the anniversaries of `start` on or before it."""
    if end < start:
        return 1
    # the anniversary in `end`'s own calendar year, or the one before: no other can be the last one passed
    years = end.year - start.year
    if add_years(start, years) > end:
        years -= 1
    return years + 1


def _cycle_years(start: pd.Series, end: pd.Series) -> np.ndarray:
    """`_cycle_year` of whole columns (datetime64): the anniversary in `end`'s calendar year is `start`'s month and
    day (28 February for 29 February in a year without one); one year fewer when `end` comes before it."""
    years = (end.dt.year - start.dt.year).to_numpy()
    day = start.dt.day.to_numpy()
    year = start.dt.year.to_numpy() + years
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    day = np.where((start.dt.month.to_numpy() == 2) & (day == 29) & ~leap, 28, day)
    month, end_month, end_day = start.dt.month.to_numpy(), end.dt.month.to_numpy(), end.dt.day.to_numpy()
    before = (end_month < month) | ((end_month == month) & (end_day < day))
    return np.where(end.to_numpy() < start.to_numpy(), 1, years - before + 1).astype(int)


def _add_months(days: pd.Series, months: int) -> pd.Series:
    """Dates (datetime64) moved by whole months, to the month's last day when it is shorter (as relativedelta)."""
    total = days.dt.year * 12 + days.dt.month - 1 + months
    first = pd.to_datetime({"year": total // 12, "month": total % 12 + 1, "day": 1})
    last_day = (first + pd.offsets.MonthEnd(0)).dt.day
    return first + pd.to_timedelta(np.minimum(days.dt.day, last_day) - 1, unit="D")


def add_years(day: dt.date, years: int) -> dt.date:
    """`day` moved by whole years, 29 February to 28 February of a year without one — as
    `day + relativedelta(years=years)`, without its cost on every credit of every plan."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year without one (a year out of range fails again, as it should)
        return day.replace(year=day.year + years, day=28)


def status(records: NmoRecords, rules: NmoRules, on: dt.date) -> pd.DataFrame:
    """The status of every plan at `on`, with the columns of SPEC 10 (plus name, specialty, filing_from)."""
    plans, credits = plan_credits(records, rules, on)
    keys = ["staff_id", "specialty_key"]
    dpp = credits["group"] == "dpp"
    sums = pd.DataFrame({
        "earned": credits.groupby(keys)["credited"].sum(),
        "earned_dpp": credits[dpp].groupby(keys)["credited"].sum(),
        "earned_other": credits[~dpp].groupby(keys)["credited"].sum(),
        "repeats": credits[credits["repeated"]].groupby(keys)["element"].nunique(),
    })
    out = plans.merge(sums, left_on=keys, right_index=True, how="left")
    for col in ("earned", "earned_dpp", "earned_other", "repeats"):
        out[col] = out[col].fillna(0.0)

    on_ts = pd.Timestamp(on)
    start = pd.to_datetime(out["cycle_start"])
    deadline = pd.to_datetime(out["deadline"])
    cycle_days = (deadline - start).dt.days.to_numpy(dtype=float)
    elapsed = np.clip((on_ts - start).dt.days.to_numpy(dtype=float), 0, cycle_days)
    expected = out["required"] * elapsed / cycle_days
    out["expected_now"] = np.round(expected, 1)
    out["shortfall"] = np.round(np.maximum(0.0, expected - out["earned"]), 1)
    missing = np.maximum(0.0, out["required"] - out["earned"])
    remaining_years = np.maximum(0.0, (deadline - on_ts).dt.days.to_numpy(dtype=float)) / DAYS_PER_YEAR
    with np.errstate(divide="ignore", invalid="ignore"):
        per_year = np.where((missing > 0) & (remaining_years > 0), missing / remaining_years, 0.0)
    out["per_year_needed"] = np.round(per_year, 1)
    # what a person can act on when less than a year is left: the days left and the points still needed
    out["days_left"] = np.maximum(0, (deadline - on_ts).dt.days.to_numpy()).astype(int)
    out["missing"] = np.round(missing, 1)
    adm = rules.plans.admission
    out["admission_ok"] = at_least(out["earned_dpp"], adm.min_dpp) & at_least(
        out["earned_dpp"] + np.minimum(out["earned_other"], adm.max_other), adm.required)
    out["portal_ok"] = at_least(out["earned"], out["required"])
    done = out["portal_ok"] & out["admission_ok"]
    overdue = deadline <= on_ts
    behind = below(out["earned"], expected)
    out["status"] = np.select([done, overdue, behind], ["done", "overdue", "behind"], "on_track")
    out["flags"] = [_flags(r, on, rules) for r in out.itertuples(index=False)]
    names = records.names
    specialty = records.certificates.drop_duplicates(keys, keep="last").set_index(keys)["specialty"]
    out["name"] = out["staff_id"].map(names).fillna("")
    out["specialty"] = [specialty[(s, k)] for s, k in zip(out["staff_id"], out["specialty_key"], strict=True)]
    columns = ["staff_id", "name", "specialty", "cycle_start", "deadline", "filing_from", "required", "earned",
               "earned_dpp", "earned_other", "expected_now", "shortfall", "per_year_needed", "days_left", "missing",
               "admission_ok", "status", "flags"]
    return out[columns].sort_values(["name", "staff_id", "specialty"], kind="stable").reset_index(drop=True)


def _flags(r, on: dt.date, rules: NmoRules) -> str:
    flags = []
    if r.repeats:
        flags.append(f"повторные элементы: {int(r.repeats)}")
    if r.earlier:
        flags.append(f"сертификат до {_before(rules.plans.portal.earlier_certificates.before)}: норма меньше")
    if r.certificates > 1:
        flags.append("новый сертификат: прежние баллы не учитываются")
    if r.filing_from <= on < r.deadline:
        flags.append("можно подавать документы")
    return "; ".join(flags)


def _before(day: dt.date) -> str:
    """«2016 г.» for 1 January 2016, else the date itself."""
    return f"{day.year} г." if (day.month, day.day) == (1, 1) else f"{day:%d.%m.%Y}"


def at_risk(plans: pd.DataFrame, on: dt.date, rules: NmoRules) -> pd.DataFrame:
    """НМО plans that are behind or overdue, or not done with the deadline inside the filing window."""
    window = on + relativedelta(months=rules.filing_window_months)
    due = plans["deadline"].map(lambda d: d <= window)
    return plans[plans["status"].isin(["behind", "overdue"]) | (due & (plans["status"] != "done"))]


def yearly(records: NmoRecords, rules: NmoRules, on: dt.date) -> pd.DataFrame:
    """Per plan and cycle year 1…5: earned, of which ДПП and other, the guides, the carried shortfall."""
    plans, credits = plan_credits(records, rules, on)
    years = np.arange(1, rules.cycle_years + 1)
    grid = plans[["staff_id", "specialty_key", "cycle_start", "required"]].merge(
        pd.DataFrame({"cycle_year": years}), how="cross")
    grid["year_start"] = [s + relativedelta(years=int(k) - 1)
                          for s, k in zip(grid["cycle_start"], grid["cycle_year"], strict=True)]
    grid["year_end"] = [s + relativedelta(years=int(k), days=-1)
                        for s, k in zip(grid["cycle_start"], grid["cycle_year"], strict=True)]
    keys = ["staff_id", "specialty_key", "cycle_year"]
    dpp = credits["group"] == "dpp"
    sums = pd.DataFrame({
        "earned": credits.groupby(keys)["credited"].sum(),
        "earned_dpp": credits[dpp].groupby(keys)["credited"].sum(),
        "earned_other": credits[~dpp].groupby(keys)["credited"].sum(),
    })
    out = grid.merge(sums, left_on=keys, right_index=True, how="left").fillna(
        {"earned": 0.0, "earned_dpp": 0.0, "earned_other": 0.0})
    portal = rules.plans.portal
    # the guide scales with the plan: 50 a year for 250 (36 ДПП + 14 other), in proportion for 144
    share = out["required"] / portal.required
    out["guide"] = np.round(portal.yearly_guide * share, 1)
    out["guide_dpp"] = np.round(portal.yearly_dpp * share, 1)
    out["guide_other"] = np.round(portal.yearly_other * share, 1)
    cumulative = out.groupby(["staff_id", "specialty_key"])["earned"].cumsum()
    carried = np.round(np.maximum(0.0, out["guide"] * out["cycle_year"] - cumulative), 1)
    out["carried_shortfall"] = carried.where(out["year_start"] <= on)  # years not begun yet: empty
    out["specialty"] = out.merge(records.certificates.drop_duplicates(["staff_id", "specialty_key"], keep="last"),
                                 on=["staff_id", "specialty_key"], how="left")["specialty"].to_numpy()
    return out[["staff_id", "specialty", "cycle_year", "year_start", "year_end", "earned", "earned_dpp", "earned_other",
                "guide", "guide_dpp", "guide_other", "carried_shortfall"]]
