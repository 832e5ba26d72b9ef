"""The accreditation readiness table against the row-by-row implementation it replaced (kept here as the oracle):
seeded books of a few hundred plans covering every state, ДПП in and out of ФРДО, categories, отчёты, filings with
and without decisions, renewed certificates and two specialties per person, compared frame-equal at several dates.
The НМО credits (`plan_credits`) are compared the same way."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from stomkpi.accreditation import COLUMNS, STATES, WorkCalendar, readiness, working_days_before
from stomkpi.nmo import add_years, current_cycles, plan_credits
from stomkpi.nmo_inputs import read_nmo

from .test_accreditation import OTHER, RU, book
from .test_nmo import RULES, SPEC

D = dt.date
READ_ON = D(2025, 6, 16)
DATES = (READ_ON, D(2025, 12, 31), D(2026, 3, 2))


# ---------------------------------------------------------------- the oracle: the row-by-row implementation


def oracle_plan_credits(records, rules, on):
    plans = current_cycles(records.certificates, rules, on)
    el = records.elements.copy()
    el["credited"] = _oracle_credited(el, rules)
    el["end"] = el["end_date"].dt.date
    merged = el.merge(plans[["staff_id", "specialty_key", "cycle_start", "deadline"]], on=["staff_id", "specialty_key"])
    inside = (merged["end"] >= merged["cycle_start"]) & (merged["end"] < merged["deadline"]) & (merged["end"] <= on)
    credits = merged[inside].copy()
    credits["cycle_year"] = [_oracle_cycle_year(s, e) for s, e in zip(credits["cycle_start"], credits["end"], strict=True)]
    key = [credits["staff_id"], credits["specialty_key"], credits["title"].map(_fold), credits["provider"].map(_fold)]
    credits["repeated"] = credits.groupby(key)["element"].transform("size") > 1
    return plans, credits.reset_index(drop=True)


def _oracle_credited(elements, rules):
    caps = rules.caps
    capped = elements["kind"].isin(caps.kinds).to_numpy()
    in_person = elements["in_person"].astype(bool).to_numpy()
    per_day = caps.per_day * elements["days"].fillna(1).to_numpy(dtype=float)
    limit = np.where(in_person, np.minimum(per_day, caps.per_event), caps.per_event)
    hours = elements["hours"].to_numpy(dtype=float)
    return pd.Series(np.where(capped, np.minimum(hours, limit), hours), index=elements.index)


def _fold(text):
    return " ".join(str(text).lower().replace("ё", "е").split()) if isinstance(text, str) else ""


def _oracle_cycle_year(start, end):
    if end < start:
        return 1
    years = end.year - start.year
    if add_years(start, years) > end:
        years -= 1
    return years + 1


def oracle(records, rules, on, calendar):
    plans, credits = oracle_plan_credits(records, rules, on)
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


def _hours(credits, rules):
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


def _missing(dpp, other, rules):
    adm = rules.plans.admission
    need_dpp = max(0.0, adm.min_dpp - dpp)
    need_total = max(0.0, adm.required - dpp - min(other, adm.max_other))
    return need_dpp, max(0.0, need_total - need_dpp)


def _report(by_plan, plan, reference_year, waived_years):
    att = _of(by_plan["attestations"], plan)
    waived = att[att["date"].dt.year >= reference_year - waived_years] if len(att) else att
    rep = _of(by_plan["reports"], plan)
    if len(rep):
        rep = rep[rep["date"].isna() | (rep["date"] >= pd.Timestamp(plan.cycle_start))]
    state = rep.sort_values("date", na_position="first", kind="stable")["state"].iloc[-1] if len(rep) else "none"
    return {"report_needed": waived.empty, "report_state": state}


def _by_plan(frame):
    if frame is None or frame.empty:
        return {}
    return dict(iter(frame.groupby(["staff_id", "specialty_key"], sort=False)))


_NONE = pd.DataFrame(columns=["date", "state", "filed"])


def _of(groups, plan, empty=_NONE):
    found = groups.get((plan.staff_id, plan.specialty_key))
    return found if found is not None else empty.iloc[:0]


def _filing(filings, plan):
    mine = _of(filings, plan)
    if mine.empty:
        return None
    mine = mine[mine["filed"] >= pd.Timestamp(plan.cycle_start)].sort_values("filed", kind="stable")
    return mine.iloc[-1].to_dict() if len(mine) else None


def _filing_columns(filing):
    if filing is None:
        return {"filed": None, "application": "", "decision": None, "filing_decision": None}
    decision = filing["decision"] if isinstance(filing["decision"], str) else None
    return {"filed": filing["filed"].date(), "application": str(filing.get("number") or ""),
            "decision": decision, "filing_decision": decision or "pending"}


def _state(r, on, horizon_months):
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


def _d(day):
    return f"{day:%d.%m.%Y}"


def _h(hours):
    return f"{hours:g}".replace(".", ",")


def _action(r, on):
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


def _say_filing(r):
    number = f"№ {r.application} " if r.application else ""
    return f"заявление {number}от {_d(r.filed)}"


def _say_gaps(r, by):
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


# ---------------------------------------------------------------- seeded books


_DPP = ("Эндодонтия", "Пародонтология", "Хирургия полости рта", "Детская стоматология")
_OTHER = (("ИОМ", "Модуль {}"), ("мероприятие", "Конференция {}"))


def seeded_book(path, seed: int, people: int = 170):
    """A book whose plans fall in every state at `DATES`: cycles from about five and a half to two years before
    `READ_ON`, renewed certificates, a second specialty for a third of the people, ДПП in and out of ФРДО (with and
    without an удостоверение number), repeated elements, categories of many years, отчёты in every state (some
    undated, some before the cycle), filings before and inside the cycle with every decision."""
    rng = np.random.default_rng(seed)
    certs, elements, attestations, reports, filings = [], [], [], [], []
    for i in range(people):
        sid = f"{seed}{i:04d}"
        specialties = [SPEC, OTHER] if i % 3 == 0 else [(SPEC, OTHER)[i % 2]]
        start = READ_ON - dt.timedelta(days=int(rng.integers(2 * 365, 5 * 365 + 200)))
        for s in specialties:
            certs.append((sid, s, start))
        if i % 7 == 1:  # renewed: the earlier cycle's elements no longer count
            for s in specialties:
                certs.append((sid, s, start - dt.timedelta(days=5 * 365)))
            elements.append((sid, "; ".join(specialties), "ДПП", "Старый цикл", 144.0, start - dt.timedelta(days=30), {}))
        _elements(elements, rng, sid, "; ".join(specialties), start)
        for s in specialties:
            _portfolio(rng, sid, s, start, attestations, reports, filings)
    return read_nmo(book(path, certs, elements, attestations, reports, filings), RULES, READ_ON)


def _elements(rows, rng, sid, specialties, start):
    for _ in range(int(rng.integers(0, 12))):
        end = start + dt.timedelta(days=int(rng.integers(-60, (READ_ON - start).days + 1)))
        if rng.random() < 0.35:
            frdo = "нет" if rng.random() < 0.35 else "да"
            number = "" if rng.random() < 0.3 else f"7724{int(rng.integers(10 ** 7)):08d}"
            title = str(rng.choice(_DPP))
            rows.append((sid, specialties, "ДПП", title, float(rng.choice([18, 36, 36, 72, 144])), end,
                         {"frdo": frdo, "certificate_no": number}))
        else:
            kind, title = _OTHER[int(rng.integers(2))]
            in_person = kind == "мероприятие" and rng.random() < 0.5
            rows.append((sid, specialties, kind, title.format(int(rng.integers(4))),
                         float(rng.choice([0.5, 1, 1.5, 2, 6, 8, 16])), end,
                         {"in_person": "да" if in_person else "нет", "days": int(rng.integers(1, 3)) if in_person else None,
                          "frdo": None}))


def _portfolio(rng, sid, specialty, start, attestations, reports, filings):
    for _ in range(int(rng.integers(0, 3))):
        day = D(int(rng.integers(READ_ON.year - 6, READ_ON.year + 1)), int(rng.integers(1, 7)), 10)
        attestations.append((sid, specialty, str(rng.choice(["вторая", "первая", "высшая"])), day))
    for _ in range(int(rng.integers(0, 4))):
        day = None if rng.random() < 0.15 else min(READ_ON, start + dt.timedelta(days=int(rng.integers(-200, 1900))))
        reports.append((sid, specialty, str(rng.choice(["нет", "готов", "согласован"])), day))
    for _ in range(int(rng.integers(0, 3)) if rng.random() < 0.4 else 0):
        filed = min(READ_ON, start + dt.timedelta(days=int(rng.integers(-100, 1900))))
        decision = (None, "соответствует", "не соответствует")[int(rng.integers(3))]
        decided = min(READ_ON, filed + dt.timedelta(days=int(rng.integers(0, 60)))) if decision else None
        number = "" if rng.random() < 0.3 else f"ПА-{int(rng.integers(10 ** 4)):04d}"
        filings.append((sid, specialty, filed, number, decision, decided))


@pytest.fixture(scope="module", params=[11, 29])
def records(request, tmp_path_factory):
    return seeded_book(tmp_path_factory.mktemp("fast") / "nmo.xlsx", request.param)


@pytest.mark.parametrize("on", DATES)
def test_readiness_equals_the_row_by_row_oracle(records, on):
    expected = oracle(records, RULES, on, RU)
    assert len(expected) > 200
    pd.testing.assert_frame_equal(readiness(records, RULES, on, RU), expected, check_exact=True)


def test_the_books_cover_every_state_and_portfolio_case(records):
    tables = [oracle(records, RULES, on, RU) for on in DATES]
    both = pd.concat(tables)
    assert set(both["state"]) == set(STATES)
    assert {"passed", "failed"} <= set(both["decision"].dropna()) and both["filed"].notna().any()
    assert both["action"].str.contains("ждать решения").any()  # a filing awaiting its decision
    assert both["action"].str.contains("внести в ФРДО удостоверение №").any()
    assert both["action"].str.contains("получить удостоверение о ДПП").any()
    assert (~both["report_needed"]).any() and set(both["report_state"]) == {"none", "ready", "agreed"}
    assert both.groupby("staff_id")["specialty"].nunique().max() == 2


@pytest.mark.parametrize("on", DATES)
def test_plan_credits_equal_the_row_by_row_oracle(records, on):
    plans, credits = plan_credits(records, RULES, on)
    old_plans, old_credits = oracle_plan_credits(records, RULES, on)
    pd.testing.assert_frame_equal(plans, old_plans, check_exact=True)
    pd.testing.assert_frame_equal(credits, old_credits, check_exact=True)
    assert credits["repeated"].any() and (credits["cycle_year"] > 1).any()


def test_no_plan_yet_and_a_bare_book(tmp_path):
    bare = read_nmo(book(tmp_path / "nmo.xlsx", [("1", SPEC, D(2024, 2, 29))]), RULES, READ_ON)
    for on in (D(2024, 2, 28), D(2028, 3, 1), D(2029, 2, 28)):
        pd.testing.assert_frame_equal(readiness(bare, RULES, on, RU), oracle(bare, RULES, on, RU), check_exact=True)


def test_a_cycle_from_29_february_counts_its_years_to_28_february(tmp_path):
    # cycle from 29.02.2024: its anniversaries fall on 28.02 (2025 and 2026 have no 29.02), so year 2 begins
    # 28.02.2025 and year 3 begins 28.02.2026
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, D(2024, 2, 29))], [
        ("1", SPEC, "ИОМ", f"Модуль {k}", 1.0, end, {}) for k, end in enumerate(
            [D(2024, 2, 29), D(2025, 2, 27), D(2025, 2, 28), D(2025, 3, 1), D(2026, 2, 28)])])
    on = D(2026, 3, 1)
    credits = plan_credits(read_nmo(path, RULES, D(2026, 2, 28)), RULES, on)[1]
    assert credits.sort_values("end")["cycle_year"].tolist() == [1, 1, 2, 2, 3]


def test_a_plain_calendar_is_used_as_given(records):
    plain = WorkCalendar(frozenset())
    pd.testing.assert_frame_equal(readiness(records, RULES, DATES[1], plain), oracle(records, RULES, DATES[1], plain),
                                  check_exact=True)


def test_cycle_years_of_whole_columns_agree_with_one_date_at_a_time():
    """Starts on every day of 2023–2025 (29.02.2024 among them) and 29.02.2000, ends on every anniversary, the day
    before and the day after, and one before the start."""
    from stomkpi.nmo import _cycle_year, _cycle_years

    starts = [D(2023, 1, 1) + dt.timedelta(days=n) for n in range(3 * 366)] + [D(2000, 2, 29)]
    pairs = [(s, e) for s in starts for k in range(0, 7) for a in [add_years(s, k)]
             for e in (a - dt.timedelta(days=1), a, a + dt.timedelta(days=1))]
    start, end = (pd.Series(pd.to_datetime([p[i] for p in pairs])) for i in (0, 1))
    assert _cycle_years(start, end).tolist() == [_cycle_year(s, e) for s, e in pairs]
