"""Accreditation readiness (SPEC 7, приказ 709н): per person and specialty at a date — the filing window, the last
safe filing date, the portfolio's gaps, one state and what to do — and the team's calendar of those dates.

Pure: validated records, the catalog, a production calendar (data: days off and working weekend days) and the date
in; tables out. No clock is read and no file is touched; `russian_calendar` asks the `holidays` library for the data.

Dates of a plan (its cycle from `nmo.current_cycles`): the deadline ends the cycle (on it the document has expired,
as `nmo.status` calls a plan overdue); the window opens `filing_window_months` before it; the last safe date is the
latest working day that leaves the catalog's processing days (20 + 15 working days) strictly between the filing and
the deadline — the days count from the day after the filing (ГК РФ ст. 191) and the decision comes before the
deadline.

The portfolio follows the admission rule (`plans.admission`): a ДПП counts once its удостоверение is in ФРДО, and is
listed until then; the отчёт о профессиональной деятельности must be agreed unless a category was attested in the
filing year or `waived_years` before it. The first of these rules that applies gives the state:

    decision «соответствует», or a filing awaiting its decision   ready
    on or after the deadline                                        expired
    after the last safe date                                        late
    the window open: no gaps / gaps                                 ready / window_open_gaps
    the window opens within `risk_horizon` months, with gaps        at_risk
    otherwise                                                       not_yet

A filing decided «не соответствует» counts as no filing: the person files again. The reports take from here who
must act in a period (`must_act`: a window, last safe date or deadline falling in it, or a state that calls for
action), the counts by state, the year's filings and a year's calendar. Editing rule: words of the actions
live in the `_say_*` helpers; numbers come from the catalog only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
from dateutil.relativedelta import relativedelta

from stomkpi.catalog import NmoRules
from stomkpi.nmo import plan_credits
from stomkpi.records import NmoRecords
from stomkpi.text import date_words

STATES = ("ready", "window_open_gaps", "not_yet", "at_risk", "late", "expired")
URGENCY = ("expired", "late", "window_open_gaps", "at_risk", "ready", "not_yet")  # who is listed first
ACTING = ("late", "at_risk", "window_open_gaps")  # states that call for action whatever the date
STATE_WORDS = {"expired": "срок истёк", "late": "опоздание", "window_open_gaps": "окно открыто, есть пробелы",
               "at_risk": "под угрозой", "ready": "готов к подаче", "not_yet": "окно ещё не открыто"}
KEYS = ["staff_id", "specialty_key"]  # a plan: one person × specialty
EVENTS = ("window_opens", "last_safe_date", "deadline")
COLUMNS = ["staff_id", "full_name", "specialty", "deadline", "window_opens", "last_safe_date", "hours_dpp",
           "hours_other", "report_needed", "state", "action", "department", "cycle_start", "hours_dpp_pending",
           "hours_ok", "report_state", "filed", "application", "decision"]


@dataclass(frozen=True)
class WorkCalendar:
    """A production calendar as data: weekdays that are days off, and weekend days that are working days."""

    days_off: frozenset[dt.date]
    working_weekend: frozenset[dt.date] = frozenset()

    def is_working(self, day: dt.date) -> bool:
        return day in self.working_weekend or (day.weekday() < 5 and day not in self.days_off)


def russian_calendar(years: Iterable[int]) -> WorkCalendar:
    """The Russian production calendar of `years` from the `holidays` library: holidays, transferred days off and
    working Saturdays as far as government decrees were published (later years: the fixed holidays only)."""
    import holidays

    days = holidays.country_holidays("RU", years=sorted(set(years)))
    return WorkCalendar(frozenset(days), frozenset(getattr(days, "weekend_workdays", ())))


def working_days_before(day: dt.date, n: int, calendar: WorkCalendar) -> dt.date:
    """The latest working day with exactly `n` working days strictly between it and `day`."""
    count = 0
    while count < n:
        day -= dt.timedelta(days=1)
        count += calendar.is_working(day)
    day -= dt.timedelta(days=1)
    while not calendar.is_working(day):
        day -= dt.timedelta(days=1)
    return day


def readiness(records: NmoRecords, rules: NmoRules, on: dt.date, calendar: WorkCalendar | None = None) -> pd.DataFrame:
    """One row per person × specialty (the current cycle at `on`) with the columns `COLUMNS`; `calendar` defaults
    to the Russian one of the years the deadlines need. Every sheet is read once, by plan, in whole columns; only
    the words of the actions are built row by row."""
    plans, credits = plan_credits(records, rules, on)
    if plans.empty:
        return _no_plans(records)
    if calendar is None:
        years = {d.year for d in plans["deadline"]} | {on.year}
        calendar = russian_calendar(range(min(years) - 1, max(years) + 1))
    acc = rules.accreditation_rules()
    index = pd.MultiIndex.from_frame(plans[KEYS])
    starts = pd.to_datetime(plans["cycle_start"]).to_numpy()
    out = plans[["staff_id", "specialty_key", "cycle_start", "deadline"]].assign(
        window_opens=plans["filing_from"], last_safe_date=_last_safe_dates(plans["deadline"], acc, calendar))
    filing = _filings(records.filings, index, starts)
    # the отчёт's reference year: the filing's, else the year the plan can file in
    reference = np.array([year if filed is not None else max(on, window).year for filed, year, window in
                          zip(filing["filed"], filing.pop("year"), plans["filing_from"], strict=True)])
    out = out.assign(**_hours(credits, index, rules), **filing,
                     report_needed=~_waived(records.attestations, index, reference, acc.report.waived_years),
                     report_state=_report_states(records.reports, index, starts))
    out["state"] = _states(out, on, acc.risk_horizon.months)
    out["action"] = [_action(r, on) for r in out.itertuples(index=False)]
    out["full_name"] = out["staff_id"].map(records.names).fillna("")
    out["department"] = out["staff_id"].map(records.departments).fillna("")
    specialty = records.certificates.drop_duplicates(KEYS, keep="last")
    found = pd.MultiIndex.from_frame(specialty[KEYS]).get_indexer(index)
    out["specialty"] = specialty["specialty"].to_numpy()[found]
    return out[COLUMNS].sort_values(["full_name", "staff_id", "specialty"], kind="stable").reset_index(drop=True)


def _no_plans(records: NmoRecords) -> pd.DataFrame:
    """The table without a row: its columns of no type, but the names and departments typed as text."""
    out = pd.DataFrame(columns=COLUMNS)
    for column in ("state", "action", "specialty"):
        out[column] = []
    out["full_name"] = out["staff_id"].map(records.names).fillna("")
    out["department"] = out["staff_id"].map(records.departments).fillna("")
    return out.reset_index(drop=True)


def _last_safe_dates(deadlines: pd.Series, acc, calendar: WorkCalendar) -> list[dt.date]:
    """`working_days_before` of every deadline, counted once for each distinct one."""
    days = acc.processing.working_days
    safe = {d: working_days_before(d, days, calendar) for d in set(deadlines)}
    return [safe[d] for d in deadlines]


def _positions(frame: pd.DataFrame | None, index: pd.MultiIndex) -> np.ndarray:
    """Each row's plan (its position in `index`, the plans' keys), -1 for a row of no current plan."""
    if frame is None or frame.empty:
        return np.empty(0, dtype=np.intp)
    return index.get_indexer(pd.MultiIndex.from_frame(frame[KEYS]))


def _per_plan(positions: np.ndarray, n: int, weights: np.ndarray | None = None) -> np.ndarray:
    """Sums (or counts, without `weights`) by plan of the rows at `positions` (all of them plans: no -1)."""
    return np.bincount(positions, weights=weights, minlength=n).astype(float if weights is not None else int)


def _hours(credits: pd.DataFrame, index: pd.MultiIndex, rules: NmoRules) -> dict:
    """Credited hours by kind: ДПП in ФРДО (counted), ДПП not yet in ФРДО (listed), other; the admission check and
    what is missing (`_missing`)."""
    n, pos = len(index), _positions(credits, index)
    dpp = (credits["group"] == "dpp").to_numpy()
    entered = credits["frdo"].eq(True).to_numpy() if "frdo" in credits else np.zeros(len(credits), dtype=bool)
    hours = credits["credited"].to_numpy(dtype=float)
    counted, other, waiting = (_per_plan(pos[m], n, hours[m]) for m in (dpp & entered, ~dpp, dpp & ~entered))
    adm = rules.plans.admission
    ok = (counted >= adm.min_dpp) & (counted + np.minimum(other, adm.max_other) >= adm.required)
    need_dpp, need_rest = _missing(counted + waiting, other, rules)
    listed: list[list[tuple[str, str]]] = [[] for _ in range(n)]
    pending = credits[dpp & ~entered]
    numbers = pending["certificate_no"] if "certificate_no" in pending else pd.Series("", index=pending.index)
    for p, number, title in zip(pos[dpp & ~entered], numbers, pending["title"], strict=True):
        listed[p].append((str(number or ""), str(title)))
    return {"hours_dpp": counted, "hours_dpp_pending": waiting, "hours_other": other, "hours_ok": ok,
            "frdo": listed, "need_dpp": need_dpp, "need_rest": need_rest,
            "room": np.maximum(0.0, adm.max_other - other)}


def _missing(dpp: np.ndarray, other: np.ndarray, rules: NmoRules) -> tuple[np.ndarray, np.ndarray]:
    """Hours still missing once every listed ДПП is entered: ДПП below the minimum, and the rest of the total."""
    adm = rules.plans.admission
    need_dpp = np.maximum(0.0, adm.min_dpp - dpp)
    need_total = np.maximum(0.0, adm.required - dpp - np.minimum(other, adm.max_other))
    return need_dpp, np.maximum(0.0, need_total - need_dpp)


def _latest(frame: pd.DataFrame, positions: np.ndarray, date: str, na_position: str = "last") -> pd.DataFrame:
    """Each plan's last row by `date` (of equal dates, the last in the sheet), with its plan as `_plan`."""
    mine = frame.assign(_plan=positions).sort_values(["_plan", date], na_position=na_position, kind="stable")
    return mine.drop_duplicates("_plan", keep="last")


def _filings(filings: pd.DataFrame | None, index: pd.MultiIndex, starts: np.ndarray) -> dict[str, list]:
    """Each plan's latest filing of its current cycle (a filing decided «не соответствует» included): filed (a date
    or None), application, decision (`passed` / `failed` / None), filing_decision (the decision, `pending`
    while awaited, None without a filing) and the filing's year (0 without one)."""
    n, pos = len(index), _positions(filings, index)
    out = {"filed": [None] * n, "application": [""] * n, "decision": [None] * n, "filing_decision": [None] * n,
           "year": [0] * n}
    mine = pos >= 0
    if not mine.any():
        return out
    filed = pd.to_datetime(filings["filed"][mine])
    inside = filed.to_numpy() >= starts[pos[mine]]
    last = _latest(filings[mine][inside].assign(filed=filed[inside]), pos[mine][inside], "filed")
    numbers = last["number"] if "number" in last else [None] * len(last)
    for p, day, number, decision in zip(last["_plan"], last["filed"], numbers, last["decision"], strict=True):
        decision = decision if isinstance(decision, str) else None
        out["filed"][p], out["application"][p], out["year"][p] = day.date(), str(number or ""), day.year
        out["decision"][p], out["filing_decision"][p] = decision, decision or "pending"
    return out


def _waived(attestations: pd.DataFrame | None, index: pd.MultiIndex, reference: np.ndarray, years: int) -> np.ndarray:
    """Whether a category was attested in the plan's filing year (`reference`) or `years` before it: no отчёт."""
    pos = _positions(attestations, index)
    mine = pos >= 0
    if not mine.any():
        return np.zeros(len(index), dtype=bool)
    year = pd.to_datetime(attestations["date"][mine]).dt.year.to_numpy(dtype=float)
    recent = year >= reference[pos[mine]] - years
    return _per_plan(pos[mine][recent], len(index)) > 0


def _report_states(reports: pd.DataFrame | None, index: pd.MultiIndex, starts: np.ndarray) -> np.ndarray:
    """The отчёт's state of each plan: that of its latest row dated in the cycle or undated (a dated row wins over
    an undated one), `none` without one."""
    states = np.full(len(index), "none", dtype=object)
    pos = _positions(reports, index)
    mine = pos >= 0
    if not mine.any():
        return states
    date = pd.to_datetime(reports["date"][mine])
    keep = (date.isna() | (date.to_numpy() >= starts[pos[mine]])).to_numpy()
    last = _latest(reports[mine][keep].assign(date=date[keep]), pos[mine][keep], "date", na_position="first")
    states[last["_plan"].to_numpy()] = last["state"].to_numpy()
    return states


def _states(t: pd.DataFrame, on: dt.date, horizon_months: int) -> np.ndarray:
    """The state of every plan: the first rule of the module's table that applies."""
    day = np.datetime64(on, "D")
    deadline, last_safe, window = (np.array(t[c].tolist(), dtype="datetime64[D]")
                                   for c in ("deadline", "last_safe_date", "window_opens"))
    horizon = np.datetime64(on + relativedelta(months=horizon_months), "D")
    gaps = ~(t["hours_ok"].to_numpy() & (~t["report_needed"].to_numpy() | (t["report_state"] == "agreed").to_numpy()))
    rules = [(t["filing_decision"].isin(["passed", "pending"]).to_numpy(), "ready"), (day >= deadline, "expired"),
             (day > last_safe, "late"), ((day >= window) & gaps, "window_open_gaps"), (day >= window, "ready"),
             (gaps & (window <= horizon), "at_risk")]
    return np.select([c for c, _ in rules], [s for _, s in rules], "not_yet").astype(object)


def _h(hours: float) -> str:
    return f"{hours:g}".replace(".", ",")


def _action(r, on: dt.date) -> str:
    """«Что сделать» in Russian words, the most pressing first."""
    if r.filing_decision == "passed":
        return (f"аккредитация пройдена ({_say_filing(r)}): внести новое свидетельство об аккредитации на лист "
                "«Сертификаты»")
    if r.filing_decision == "pending":
        return f"ждать решения ({_say_filing(r)})"
    steps = [f"решение «не соответствует» ({_say_filing(r)}): устранить замечания и подать повторно"] \
        if r.filing_decision == "failed" else []
    by = r.last_safe_date if on <= r.last_safe_date else None
    steps += _say_gaps(r, by)
    if r.state == "expired":
        steps.insert(0, f"срок истёк {date_words(r.deadline)}: без аккредитации работать по специальности нельзя, "
                        "подать заявление немедленно")
    elif r.state == "late":
        steps.insert(0, f"подать немедленно: последний безопасный день подачи был {date_words(r.last_safe_date)}, "
                        f"срок — {date_words(r.deadline)}")
    elif on >= r.window_opens:
        steps.append(f"подать до {date_words(r.last_safe_date)}")
    else:
        steps.append(f"подать с {date_words(r.window_opens)} до {date_words(r.last_safe_date)}")
    return "; ".join(steps)


def _say_filing(r) -> str:
    number = f"№ {r.application} " if r.application else ""
    return f"заявление {number}от {date_words(r.filed)}"


def _say_gaps(r, by: dt.date | None) -> list[str]:
    """The portfolio's gaps as steps: ДПП to enter in ФРДО, hours to complete, the отчёт."""
    until = f" до {date_words(by)}" if by else ""
    steps = []
    for number, title in r.frdo:
        steps.append(f"внести в ФРДО удостоверение № {number} («{title}»)" if number
                     else f"получить удостоверение о ДПП «{title}» и внести его в ФРДО")
    need_dpp, rest, room = r.need_dpp, r.need_rest, r.room
    if need_dpp:
        steps.append(f"набрать {_h(need_dpp)} ч ДПП{until}")
    if rest:
        more = "ещё " if need_dpp else ""
        kinds = "ДПП, ИОМ или мероприятий" if rest <= room else f"из них не меньше {_h(rest - room)} ч ДПП"
        steps.append(f"набрать {more}{_h(rest)} ч ({kinds}){until}")
    if r.report_needed and r.report_state != "agreed":
        steps.append("согласовать отчёт о профессиональной деятельности с руководителем" if r.report_state == "ready"
                     else f"подготовить отчёт о профессиональной деятельности и согласовать с руководителем{until}")
    return steps


# ---------------------------------------------------------------- the team's calendar


def calendar_events(table: pd.DataFrame, on: dt.date, months: int = 18) -> pd.DataFrame:
    """Every window opening, last safe date and deadline in [on, on + months), one row each (date, month, event,
    department, staff_id, full_name, specialty, state); plans whose accreditation is passed are left out."""
    end = on + relativedelta(months=months)
    live = table[~_passed(table)]
    parts = []
    for event in EVENTS:
        part = live[["department", "staff_id", "full_name", "specialty", "state"]].assign(event=event, date=live[event])
        parts.append(part[(part["date"] >= on) & (part["date"] < end)])
    events = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
    events["month"] = [f"{d:%Y-%m}" for d in events["date"]]
    order = {e: i for i, e in enumerate(EVENTS)}
    events = events.assign(_o=events["event"].map(order)).sort_values(["date", "_o", "full_name", "specialty"],
                                                                      kind="stable")
    return events[["date", "month", "event", "department", "staff_id", "full_name", "specialty", "state"]].reset_index(
        drop=True)


def _passed(table: pd.DataFrame) -> pd.Series:
    """The plans whose accreditation is passed: nothing left to file."""
    return (table["decision"] == "passed") & (table["state"] == "ready")


def calendar_months(events: pd.DataFrame, on: dt.date, months: int = 18) -> pd.DataFrame:
    """Per month (all `months` of them, from `on`'s) and department: whose window opens, whose last safe date and
    deadline fall (names with the specialty and day), and how many of each."""
    first = on.replace(day=1)
    all_months = [f"{first + relativedelta(months=k):%Y-%m}" for k in range(months)]
    who = events.assign(who=[f"{n} ({s}, {d:%d.%m})" for n, s, d in
                             zip(events["full_name"], events["specialty"], events["date"], strict=True)])
    grid = who.groupby(["month", "department", "event"], sort=False)["who"].agg(list).unstack("event")
    grid = grid.reindex(columns=list(EVENTS))
    rows = []
    for month in all_months:
        mine = grid.xs(month, level="month") if month in grid.index.get_level_values("month") else None
        departments = sorted(mine.index) if mine is not None else [""]
        for department in departments:
            cells = mine.loc[department] if mine is not None else pd.Series(index=list(EVENTS), dtype=object)
            lists = {e: cells[e] if isinstance(cells[e], list) else [] for e in EVENTS}
            rows.append({"month": month, "department": department,
                         **{e: "; ".join(lists[e]) for e in EVENTS}, **{f"n_{e}": len(lists[e]) for e in EVENTS}})
    return pd.DataFrame(rows)


def next_days(events: pd.DataFrame, on: dt.date, days: int = 90) -> pd.DataFrame:
    """The events of the next `days` days (from `on` to `on + days`, both included), by date."""
    return events[(events["date"] >= on) & (events["date"] <= on + dt.timedelta(days=days))].reset_index(drop=True)


# ---------------------------------------------------------------- the reports: who acts, the year's filings


def state_counts(table: pd.DataFrame) -> dict[str, int]:
    """How many plans are in each state, every state of `URGENCY` named (0 when none)."""
    counts = table["state"].value_counts()
    return {state: int(counts.get(state, 0)) for state in URGENCY}


def must_act(table: pd.DataFrame, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Who must act from `first` to `last` (both included): every plan whose window opens, last safe date or deadline
    falls then, and every plan in an `ACTING` state; an accreditation passed is left out (as in `calendar_events`).
    The table's columns and `falls`, the events of the period in `EVENTS` order; the most urgent state first, then
    the earliest last safe date."""
    live = table[~_passed(table)]
    falls = [tuple(e for e in EVENTS if first <= getattr(r, e) <= last) for r in live.itertuples(index=False)]
    out = live.assign(falls=falls)
    out = out[out["falls"].map(bool) | out["state"].isin(ACTING)]
    order = {s: i for i, s in enumerate(URGENCY)}
    out = out.assign(_o=out["state"].map(order)).sort_values(["_o", "last_safe_date", "full_name", "specialty"],
                                                            kind="stable")
    return out.drop(columns="_o").reset_index(drop=True)


def filings_in(records: NmoRecords, year: int) -> pd.DataFrame:
    """The filings of `year` by filing date: staff_id, full_name, department, specialty, filed, number, decision
    (`passed`, `failed`, or None while awaited), decided (dates as `datetime.date`, None when not decided)."""
    columns = ["staff_id", "full_name", "department", "specialty", "filed", "number", "decision", "decided"]
    filings = records.filings
    if filings is None or filings.empty:
        return pd.DataFrame(columns=columns)
    mine = filings[filings["filed"].dt.year == year].sort_values(["filed", "staff_id", "specialty"], kind="stable")
    rows = [(r.staff_id, records.names.get(r.staff_id, ""), records.departments.get(r.staff_id, ""), r.specialty,
             r.filed.date(), "" if pd.isna(r.number) else str(r.number), r.decision if isinstance(r.decision, str)
             else None, r.decided.date() if pd.notna(r.decided) else None) for r in mine.itertuples(index=False)]
    return pd.DataFrame(rows, columns=columns, dtype=object)


def year_calendar(table: pd.DataFrame, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The calendar of `year` (the events of its twelve months, and `calendar_months` of them) from the readiness
    table at the end of the year before."""
    first = dt.date(year, 1, 1)
    events = calendar_events(table, first, 12)
    return events, calendar_months(events, first, 12)
