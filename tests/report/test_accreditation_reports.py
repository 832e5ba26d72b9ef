"""Accreditation in the reports, worked by hand: who must act in a month and the next, the counts by state, the
year's filings with a «не соответствует», next year's calendar, the states per clinic; hostile text in the tables;
the demo's monthly and annual reports show the sections."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pandas as pd
import pytest

from stomkpi.accreditation import filings_in, must_act, readiness, state_counts, working_days_before, year_calendar
from stomkpi.nmo_inputs import read_nmo
from stomkpi.report.accreditation_report import MonthAccreditation, YearAccreditation, clinic_states
from stomkpi.report.display import Table
from stomkpi.report.regional import ClinicYear, RegionalReport

from ..hostile import TEXTS
from ..test_accreditation import RU, book, dpp
from ..test_nmo import RULES, SPEC

D = dt.date
ON, FIRST, LAST = D(2025, 12, 31), D(2025, 12, 1), D(2026, 1, 31)  # the December 2025 report: December and January


def complete(sid: str, start: dt.date) -> tuple[tuple, tuple]:
    """144 h of ДПП in ФРДО two years into the cycle and the отчёт agreed: a portfolio without gaps."""
    return dpp(sid, 144, start + dt.timedelta(days=730)), (sid, SPEC, "согласован", start + dt.timedelta(days=800))


# Each plan's cycle starts on its certificate's date; the deadline is five years later, the window opens a year
# before the deadline; on 31.12.2025 the at_risk horizon reaches 30.06.2026.
#   A 01.03.2021, gaps: last safe 29.12.2025 (test_accreditation) — in December; past it on 31.12: late
#   B 10.12.2021, complete: the window opens 10.12.2025 — in December; open, no gaps: ready
#   C 01.06.2022, complete: window 01.06.2026, nothing in the two months: not_yet, not listed
#   D 15.05.2022, gaps: window 15.05.2026 ≤ 30.06.2026: at_risk, listed though nothing falls
#   E 20.01.2021, complete, filed 01.11.2025, no decision: ready; its deadline 20.01.2026 falls in January
#   F 25.01.2021, complete, passed on 15.11.2025: its deadline 25.01.2026 falls, but nothing is left to do: not listed
#   G 30.11.2020, gaps: deadline 30.11.2025, the day before the period: expired, not listed (its 2024 filing failed)
#   H 01.12.2020, gaps: deadline 01.12.2025, the period's first day: expired, listed
#   I 31.01.2022, complete: window 31.01.2026, the period's last day: not_yet, listed
#   J 01.02.2022, complete: window 01.02.2026, the day after: not_yet, not listed
#   K 10.02.2021, complete, its filing of 05.03.2025 «не соответствует»: no filing, and past its last safe date
#     10.12.2025 (below): late, listed
STARTS = {"A": D(2021, 3, 1), "B": D(2021, 12, 10), "C": D(2022, 6, 1), "D": D(2022, 5, 15), "E": D(2021, 1, 20),
          "F": D(2021, 1, 25), "G": D(2020, 11, 30), "H": D(2020, 12, 1), "I": D(2022, 1, 31), "J": D(2022, 2, 1),
          "K": D(2021, 2, 10)}
COMPLETE = "BCEFIJK"
FILINGS = [("G", SPEC, D(2024, 6, 1), "ПА-2024-7", "не соответствует", D(2024, 7, 1)),
           ("K", SPEC, D(2025, 3, 5), "ПА-2025-1", "не соответствует", D(2025, 4, 20)),
           ("F", SPEC, D(2025, 10, 1), "ПА-2025-2", "соответствует", D(2025, 11, 15)),
           ("E", SPEC, D(2025, 11, 1), "ПА-2025-3", None, None)]


def clinic_book(path, staff=None, extra=()):
    pairs = [complete(s, STARTS[s]) for s in COMPLETE]
    return book(path, [(s, SPEC, d) for s, d in STARTS.items()], [p[0] for p in pairs] + list(extra),
                reports=[p[1] for p in pairs],
                filings=FILINGS, staff=staff or [(s, f"Сотрудник {s}", "Терапевтическое отделение") for s in STARTS])


@pytest.fixture(scope="module")
def clinic(tmp_path_factory):
    path = clinic_book(tmp_path_factory.mktemp("acc-reports") / "nmo.xlsx")
    records = read_nmo(path, RULES, ON)
    return records, readiness(records, RULES, ON, RU)


def test_the_dates_the_list_rests_on():
    # K: deadline Tue 10.02.2026; counting back 09.02 … 12.01 are 21 working days, 09.01 … 31.12 are days off,
    # 30.12 and 29.12 are 22–23, 26–22.12 24–28, 19–15.12 29–33, 12.12 the 34th, 11.12 the 35th: safe until 10.12
    assert working_days_before(D(2026, 2, 10), 35, RU) == D(2025, 12, 10)
    # E: deadline Tue 20.01.2026; 19–12.01 are 1–6, 09.01 … 31.12 off, 30, 29.12 are 7–8, then five weeks of
    # December are 9–28, 28–24.11 29–33, 21.11 the 34th, 20.11 the 35th: safe until 19.11.2025, before the period
    assert working_days_before(D(2026, 1, 20), 35, RU) == D(2025, 11, 19)


def test_who_must_act_in_december_and_january(clinic):
    _, table = clinic
    acting = must_act(table, FIRST, LAST)
    # the most urgent first: expired, late (earliest last safe date first), at_risk, ready, not_yet
    assert acting["staff_id"].tolist() == ["H", "K", "A", "D", "E", "B", "I"]
    assert acting["state"].tolist() == ["expired", "late", "late", "at_risk", "ready", "ready", "not_yet"]
    assert acting["falls"].tolist() == [("deadline",), ("last_safe_date",), ("last_safe_date",), (), ("deadline",),
                                        ("window_opens",), ("window_opens",)]


def test_counts_by_state(clinic):
    _, table = clinic
    # expired G, H; late A, K; at_risk D; ready B, E, F; not_yet C, I, J
    assert state_counts(table) == {"expired": 2, "late": 2, "window_open_gaps": 0, "at_risk": 1, "ready": 3,
                                   "not_yet": 3}


def test_the_monthly_section_in_words(clinic):
    _, table = clinic
    section = MonthAccreditation("2025-12", table)
    assert (section.on, section.first, section.last) == (ON, FIRST, LAST)
    assert "На 31.12.2025" in section.markdown() and "в декабре 2025 и январе 2026 — 7" in section.markdown()
    shown = section.acting_table()
    shown = shown.set_index(shown["ФИО (специальность)"].str.removesuffix(f" ({SPEC})"))
    assert shown.loc["Сотрудник K", "В эти два месяца"] == "безопасно подать до 10.12.2025"
    assert shown.loc["Сотрудник D", "В эти два месяца"] == "—"
    assert shown.loc["Сотрудник B", "В эти два месяца"] == "окно подачи с 10.12.2025"
    assert shown.loc["Сотрудник E", "В эти два месяца"] == "срок 20.01.2026"
    assert shown.loc["Сотрудник K", "Что сделать"].startswith(
        "подать немедленно: последний безопасный день подачи был 10.12.2025, срок — 10.02.2026")
    assert section.counts_table().iloc[0].tolist() == [11, 2, 2, 0, 1, 3, 3]


def test_the_years_filings_with_a_decision_not_compliant(clinic):
    records, table = clinic
    filings = filings_in(records, 2025)  # G's filing of 2024 is not of the year
    assert filings[["staff_id", "filed", "number", "decision", "decided"]].values.tolist() == [
        ["K", D(2025, 3, 5), "ПА-2025-1", "failed", D(2025, 4, 20)],
        ["F", D(2025, 10, 1), "ПА-2025-2", "passed", D(2025, 11, 15)],
        ["E", D(2025, 11, 1), "ПА-2025-3", None, None]]
    section = YearAccreditation.build(records, table, 2025)
    shown = section.filings_table()
    assert shown["Решение"].tolist() == ["не соответствует", "соответствует", "решения ещё нет"]
    assert shown["Дата подачи"].tolist() == ["05.03.2025", "01.10.2025", "01.11.2025"]
    assert "поданных в 2025 году: 3 (соответствует — 1, не соответствует — 1, решения ещё нет — 1)" in section.markdown()


def test_next_years_calendar(clinic):
    _, table = clinic
    events, months = year_calendar(table, 2026)
    # the events of 2026 by the dates above: E's deadline 20.01, I's window 31.01, J's window 01.02, K's deadline
    # 10.02, A's deadline 01.03, D's window 15.05, C's window 01.06, B's deadline 10.12; F's deadline 25.01 is left
    # out (passed); G's and H's dates are all of 2025
    got = {(e, s, d) for e, s, d in zip(events["event"], events["staff_id"], events["date"], strict=True)}
    assert {("deadline", "E", D(2026, 1, 20)), ("window_opens", "I", D(2026, 1, 31)),
            ("window_opens", "J", D(2026, 2, 1)), ("deadline", "K", D(2026, 2, 10)), ("deadline", "A", D(2026, 3, 1)),
            ("window_opens", "D", D(2026, 5, 15)), ("window_opens", "C", D(2026, 6, 1)),
            ("deadline", "B", D(2026, 12, 10))} <= got
    assert not [e for e in got if e[1] == "F"]
    assert len(months) == 12 and months["month"].tolist()[0] == "2026-01"
    jan = months[months["month"] == "2026-01"].iloc[0]
    assert (jan["n_window_opens"], jan["n_deadline"]) == (1, 1)


def test_no_filing_sheet_is_one_sentence(tmp_path):
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, STARTS["A"])])
    records = read_nmo(path, RULES, ON)
    section = YearAccreditation.build(records, readiness(records, RULES, ON, RU), 2025)
    table = Table(section.filings_table(), "Заявления", empty=section.filings_note())
    assert table.is_empty and "<table" not in table._repr_html_()
    assert "лист «Подача» книги НМО не заполнен или его нет" in table._repr_html_()


def test_counts_per_clinic(clinic, tmp_path):
    _, table = clinic
    # the second clinic: «1» from 01.03.2021 with gaps, «2» complete from 10.12.2021: late and ready (as A and B)
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, STARTS["A"]), ("2", SPEC, STARTS["B"])],
                [complete("2", STARTS["B"])[0]], reports=[complete("2", STARTS["B"])[1]])
    other = readiness(read_nmo(path, RULES, ON), RULES, ON, RU)
    clinics = [ClinicYear(name, title, pd.DataFrame(), None, pd.DataFrame(), None, {}, acc)
               for name, title, acc in [("c1", "Поликлиника № 1", table), ("c2", "Поликлиника № 2", other),
                                        ("c3", "Поликлиника № 3", None)]]
    report = RegionalReport(2025, {}, None, clinics, *[pd.DataFrame()] * 6)
    got = report.accreditation_table()
    assert got.columns.tolist() == ["Учреждение", "Планов", "Срок истёк", "Опоздание", "Окно открыто, есть пробелы",
                                    "Под угрозой", "Готов к подаче", "Окно ещё не открыто"]
    assert got.values.tolist() == [["Поликлиника № 1", 11, 2, 2, 0, 1, 3, 3],  # as test_counts_by_state
                                   ["Поликлиника № 2", 2, 0, 1, 0, 0, 1, 0]]  # c3 has no НМО book: left out
    assert clinic_states({"c3": None}).empty


CONTROL = TEXTS["control"].replace("\x1b", "_x001B_")  # how .xlsx stores a control character


def test_hostile_text_prints_as_text(tmp_path):
    staff = [(s, TEXTS["latex_input"] if s == "A" else "Ж" * 1000 if s == "K" else f"Сотрудник {s}",
              TEXTS["script"] if s == "A" else CONTROL) for s in STARTS]
    # the book holds at most 1000 characters a cell (a longer text is refused with its cell named); A's ДПП, whose
    # title is a TeX command and a long word, waits for ФРДО: «что сделать» names it
    path = clinic_book(tmp_path / "nmo.xlsx", staff=staff, extra=[
        dpp("A", 18, D(2024, 5, 1), title=TEXTS["catcode"] + "Ю" * 900, certificate_no=TEXTS["at_sum"], frdo="нет")])
    records = read_nmo(path, RULES, ON)
    table = readiness(records, RULES, ON, RU)
    for frame in (MonthAccreditation("2025-12", table).acting_table(),
                  YearAccreditation.build(records, table, 2025).filings_table()):
        shown = Table(frame, "Аккредитация")
        html, latex = shown._repr_html_(), shown._repr_latex_()
        assert "<script>" not in html and "\x1b" not in html + latex
        assert "\\input{" not in latex and "\\catcode`" not in latex
        assert "Ж" * 1000 not in latex  # the long name gets break points
    action = MonthAccreditation("2025-12", table).acting_table().set_index("Отделение").loc[TEXTS["script"], "Что сделать"]
    assert f"внести в ФРДО удостоверение № {TEXTS['at_sum']} («{TEXTS['catcode']}" in action
    assert "&lt;script&gt;" in Table(MonthAccreditation("2025-12", table).acting_table())._repr_html_()


# ---------------------------------------------------------------- the demo's reports


def test_the_demo_monthly_shows_who_must_act(monthly, project):
    from openpyxl import load_workbook

    # Лебедева Галина Николаевна's accreditation is of 16.02.2021 (the demo's workbook): deadline 16.02.2026, whose
    # last safe date is 16.12.2025 (test_last_safe_date_across_the_new_year_holidays) — in December, and she has
    # not filed: on 31.12.2025 she is late
    book_ = load_workbook(project / "demo" / "nmo.xlsx", read_only=True)
    ids = {r[1]: r[0] for r in book_["Сотрудники"].iter_rows(min_row=2, values_only=True)}
    certs = [r for r in book_["Сертификаты"].iter_rows(min_row=2, values_only=True)
             if r[0] == ids["Лебедева Галина Николаевна"]]
    assert [(r[1], r[2].date()) for r in certs] == [("Сестринское дело", D(2021, 2, 16))]
    html = unescape((monthly / "2025-12.html").read_text(encoding="utf-8"))  # headings come as character references
    section = html[html.index("Аккредитация: кому действовать"):]
    assert "Кому действовать в этом и следующем месяце" in section
    row = section[section.index("Лебедева Галина Николаевна (Сестринское дело)"):]
    row = row[:row.index("</tr>")]
    assert "опоздание" in row and "безопасно подать до 16.12.2025" in row
    assert "последний безопасный день подачи был 16.12.2025, срок — 16.02.2026" in row


def test_the_demo_annual_shows_a_filing_not_compliant(annual, project):
    from openpyxl import load_workbook

    rows = [r for r in load_workbook(project / "demo" / "nmo.xlsx", read_only=True)["Подача"].iter_rows(
        min_row=2, values_only=True) if r[4] == "не соответствует"]
    assert len(rows) == 1
    number = rows[0][3]
    html = unescape((annual / "2025.html").read_text(encoding="utf-8"))
    section = html[html.index("Аккредитация: заявления года"):]
    row = section[section.index(number):]
    row = row[:row.index("</tr>")]
    assert "не соответствует" in row and f"{rows[0][2]:%d.%m.%Y}" in section
    assert "Календарь аккредитации на 2026 год по месяцам и отделениям" in section
