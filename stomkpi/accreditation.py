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

import pandas as pd
from dateutil.relativedelta import relativedelta

from stomkpi.catalog import NmoRules
from stomkpi.nmo import plan_credits
from stomkpi.records import NmoRecords

STATES = ("ready", "window_open_gaps", "not_yet", "at_risk", "late", "expired")
URGENCY = ("expired", "late", "window_open_gaps", "at_risk", "ready", "not_yet")  # who is listed first
ACTING = ("late", "at_risk", "window_open_gaps")  # states that call for action whatever the date
STATE_WORDS = {"expired": "срок истёк", "late": "опоздание", "window_open_gaps": "окно открыто, есть пробелы",
               "at_risk": "под угрозой", "ready": "готов к подаче", "not_yet": "окно ещё не открыто"}
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
    to the Russian one of the years the deadlines need."""
    plans, credits = plan_credits(records, rules, on)
    if calendar is None:
        years = {d.year for d in plans["deadline"]} | {on.year}
        calendar = russian_calendar(range(min(years) - 1, max(years) + 1))
    acc = rules.accreditation_rules()
    by_plan = {name: _by_plan(frame) for name, frame in (("credits", credits), ("filings", records.filings),
                                                          ("attestations", records.attestations),
                                                          ("reports", records.reports))}
    rows = []
    for plan in plans.itertuples(index=False):
        mine = _of(by_plan["credits"], plan, credits)
        last_safe = working_days_before(plan.deadline, acc.processing.working_days, calendar)
        filing = _filing(by_plan["filings"], plan)
        reference = filing["filed"].year if filing else max(on, plan.filing_from).year
        rows.append({"staff_id": plan.staff_id, "cycle_start": plan.cycle_start, "deadline": plan.deadline,
                     "window_opens": plan.filing_from, "last_safe_date": last_safe, "specialty_key": plan.specialty_key,
                     **_hours(mine, rules), **_report(by_plan, plan, reference, acc.report.waived_years),
                     **_filing_columns(filing)})
    out = pd.DataFrame(rows, columns=[*COLUMNS, "specialty_key", "pending", "filing_decision"])
    out["state"] = [_state(r, on, acc.risk_horizon.months) for r in out.itertuples(index=False)]
    out["action"] = [_action(r, on) for r in out.itertuples(index=False)]
    out["full_name"] = out["staff_id"].map(records.names).fillna("")
    out["department"] = out["staff_id"].map(records.departments).fillna("")
    specialty = records.certificates.drop_duplicates(["staff_id", "specialty_key"], keep="last").set_index(
        ["staff_id", "specialty_key"])["specialty"]
    out["specialty"] = [specialty[k] for k in zip(out["staff_id"], out["specialty_key"], strict=True)]
    return out[COLUMNS].sort_values(["full_name", "staff_id", "specialty"], kind="stable").reset_index(drop=True)


def _hours(credits: pd.DataFrame, rules: NmoRules) -> dict:
    """Credited hours by kind: ДПП in ФРДО (counted), ДПП not yet in ФРДО (listed), other; the admission check."""
    dpp = credits["group"] == "dpp"
    entered = credits["frdo"].eq(True) if "frdo" in credits else pd.Series(False, index=credits.index)
    pending = credits[dpp & ~entered]
    counted = float(credits.loc[dpp & entered, "credited"].sum())
    other = float(credits.loc[~dpp, "credited"].sum())
    adm = rules.plans.admission
    ok = counted >= adm.min_dpp and counted + min(other, adm.max_other) >= adm.required
    need_dpp, need_rest = _missing(counted + float(pending["credited"].sum()), other, rules)
    numbers = pending["certificate_no"] if "certificate_no" in pending else pd.Series("", index=pending.index)
    listed = [(str(n or ""), str(t)) for n, t in zip(numbers, pending["title"], strict=True)]
    return {"hours_dpp": counted, "hours_dpp_pending": float(pending["credited"].sum()), "hours_other": other,
            "hours_ok": ok, "pending": {"frdo": listed, "need_dpp": need_dpp, "need_rest": need_rest,
                                        "room": max(0.0, adm.max_other - other)}}


def _missing(dpp: float, other: float, rules: NmoRules) -> tuple[float, float]:
    """Hours still missing once every listed ДПП is entered: ДПП below the minimum, and the rest of the total."""
    adm = rules.plans.admission
    need_dpp = max(0.0, adm.min_dpp - dpp)
    need_total = max(0.0, adm.required - dpp - min(other, adm.max_other))
    return need_dpp, max(0.0, need_total - need_dpp)


def _report(by_plan: dict[str, dict], plan, reference_year: int, waived_years: int) -> dict:
    """Whether the отчёт is needed (no category attested in the filing year or `waived_years` before), its state."""
    att = _of(by_plan["attestations"], plan)
    waived = att[att["date"].dt.year >= reference_year - waived_years] if len(att) else att
    rep = _of(by_plan["reports"], plan)
    if len(rep):
        rep = rep[rep["date"].isna() | (rep["date"] >= pd.Timestamp(plan.cycle_start))]
    state = rep.sort_values("date", na_position="first", kind="stable")["state"].iloc[-1] if len(rep) else "none"
    return {"report_needed": waived.empty, "report_state": state}


def _by_plan(frame: pd.DataFrame | None) -> dict[tuple, pd.DataFrame]:
    """The frame's rows by (staff_id, specialty_key), grouped once: a filter per plan would read every row."""
    if frame is None or frame.empty:
        return {}
    return dict(iter(frame.groupby(["staff_id", "specialty_key"], sort=False)))


_NONE = pd.DataFrame(columns=["date", "state", "filed"])


def _of(groups: dict[tuple, pd.DataFrame], plan, empty: pd.DataFrame = _NONE) -> pd.DataFrame:
    """The plan's rows of a grouped frame (`_by_plan`); `empty`'s columns when it has none."""
    found = groups.get((plan.staff_id, plan.specialty_key))
    return found if found is not None else empty.iloc[:0]


def _filing(filings: dict[tuple, pd.DataFrame], plan) -> dict | None:
    """The latest filing of the plan's current cycle, or None."""
    mine = _of(filings, plan)
    if mine.empty:
        return None
    mine = mine[mine["filed"] >= pd.Timestamp(plan.cycle_start)].sort_values("filed", kind="stable")
    return mine.iloc[-1].to_dict() if len(mine) else None


def _filing_columns(filing: dict | None) -> dict:
    if filing is None:
        return {"filed": None, "application": "", "decision": None, "filing_decision": None}
    decision = filing["decision"] if isinstance(filing["decision"], str) else None
    return {"filed": filing["filed"].date(), "application": str(filing.get("number") or ""),
            "decision": decision, "filing_decision": decision or "pending"}


def _state(r, on: dt.date, horizon_months: int) -> str:
    if r.filing_decision in ("passed", "pending"):
        return "ready"
    if on >= r.deadline:
        return "expired"
    if on > r.last_safe_date:
        return "late"
    gaps = not (r.hours_ok and (not r.report_needed or r.report_state == "agreed"))
    if on >= r.window_opens:
        return "window_open_gaps" if gaps else "ready"
    if gaps and r.window_opens <= on + relativedelta(months=horizon_months):
        return "at_risk"
    return "not_yet"


def _d(day: dt.date) -> str:
    return f"{day:%d.%m.%Y}"


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
        steps.insert(0, f"срок истёк {_d(r.deadline)}: без аккредитации работать по специальности нельзя, "
                        "подать заявление немедленно")
    elif r.state == "late":
        steps.insert(0, f"подать немедленно: последний безопасный день подачи был {_d(r.last_safe_date)}, "
                        f"срок — {_d(r.deadline)}")
    elif on >= r.window_opens:
        steps.append(f"подать до {_d(r.last_safe_date)}")
    else:
        steps.append(f"подать с {_d(r.window_opens)} до {_d(r.last_safe_date)}")
    return "; ".join(steps)


def _say_filing(r) -> str:
    number = f"№ {r.application} " if r.application else ""
    return f"заявление {number}от {_d(r.filed)}"


def _say_gaps(r, by: dt.date | None) -> list[str]:
    """The portfolio's gaps as steps: ДПП to enter in ФРДО, hours to complete, the отчёт."""
    until = f" до {_d(by)}" if by else ""
    steps = []
    for number, title in r.pending["frdo"]:
        steps.append(f"внести в ФРДО удостоверение № {number} («{title}»)" if number
                     else f"получить удостоверение о ДПП «{title}» и внести его в ФРДО")
    need_dpp, rest, room = r.pending["need_dpp"], r.pending["need_rest"], r.pending["room"]
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
