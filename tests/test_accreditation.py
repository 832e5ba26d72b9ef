"""Accreditation readiness worked by hand: the production calendar, the last safe date, ФРДО, the отчёт, the states
at their boundaries, two specialties, a failed filing, the calendar, bad inputs and the command."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from stomkpi.accreditation import (
    STATES,
    WorkCalendar,
    calendar_events,
    calendar_months,
    next_days,
    readiness,
    russian_calendar,
    working_days_before,
)
from stomkpi.nmo_inputs import ATTESTATIONS, CERTIFICATES, EDUCATION, FILINGS, NMO_STAFF, REPORTS, read_nmo
from stomkpi.sheets import write_workbook

from .test_cli import run
from .test_nmo import RULES, SPEC

D = dt.date
RU = russian_calendar(range(2020, 2029))
OTHER = "Стоматология общей практики"


def book(path, certs, elements=(), attestations=(), reports=(), filings=(), staff=None):
    """An НМО workbook with every sheet; rows are tuples in the sheets' column order."""
    base = {"provider": "Академия", "in_person": "нет", "days": None, "certificate_no": "", "frdo": "да"}
    edu = [{**base, "staff_id": s, "specialties": sp, "kind": k, "title": t, "hours": h, "end_date": e, **kw}
           for s, sp, k, t, h, e, kw in elements]
    people = staff or sorted({(c[0], f"Сотрудник {c[0]}", "Терапевтическое отделение") for c in certs})
    write_workbook(path, [
        (NMO_STAFF, pd.DataFrame(people, columns=["staff_id", "name", "department"])),
        (CERTIFICATES, pd.DataFrame([(*c, "аккредитация") for c in certs], columns=["staff_id", "specialty", "date", "kind"])),
        (EDUCATION, pd.DataFrame(edu, columns=[c.key for c in EDUCATION.columns])),
        (ATTESTATIONS, pd.DataFrame(list(attestations), columns=["staff_id", "specialty", "category", "date"])),
        (REPORTS, pd.DataFrame(list(reports), columns=["staff_id", "specialty", "state", "date"])),
        (FILINGS, pd.DataFrame(list(filings), columns=["staff_id", "specialty", "filed", "number", "decision", "decided"])),
    ])
    return path


def dpp(sid, hours, end, specialty=SPEC, **kw):
    return (sid, specialty, "ДПП", kw.pop("title", f"ДПП {hours} ч"), hours, end, kw)


def table(path, read_on, on=None):
    records = read_nmo(path, RULES, read_on)
    return readiness(records, RULES, on or read_on, RU).set_index(["staff_id", "specialty"])


# ---------------------------------------------------------------- the production calendar


def test_the_library_calendar_has_transferred_days_off_and_working_saturdays():
    assert not RU.is_working(D(2025, 12, 31))  # a Wednesday made a day off (transferred from 05.01.2025)
    assert not RU.is_working(D(2026, 1, 9))  # a Friday made a day off (transferred from 03.01.2026)
    assert RU.is_working(D(2025, 11, 1))  # a Saturday made a working day
    assert not RU.is_working(D(2026, 5, 11))  # Victory Day on a Saturday: Monday 11.05.2026 off


def test_last_safe_date_across_the_new_year_holidays():
    # deadline Mon 16.02.2026. Working days strictly before it, counting back: 13.02 … 12.01 are 25 (five full weeks,
    # no holiday: 23.02 is after the deadline); 09.01 (a transferred day off), 01–08.01 (holidays), 31.12.2025
    # (a transferred day off) are not; 30.12 is the 26th, 29, 26, 25, 24, 23, 22, 19, 18 → 17.12.2025 the 35th.
    # The last safe date is the working day before it: Tue 16.12.2025.
    assert working_days_before(D(2026, 2, 16), 35, RU) == D(2025, 12, 16)
    # a plain Monday-to-Friday calendar: seven full weeks back, 29.12.2025 the 35th, so Fri 26.12.2025; the eight
    # weekdays off (31.12, 01, 02, 05–09.01) move the real one eight working days earlier, to 16.12.2025
    assert working_days_before(D(2026, 2, 16), 35, WorkCalendar(frozenset())) == D(2025, 12, 26)


def test_last_safe_date_across_the_may_holidays():
    # deadline Mon 01.06.2026. Counting back: 29.05 … 12.05 are 14; 11.05 off (Victory Day, Saturday 09.05, moved);
    # 08.05 … 04.05 are 15–19; 01.05 a holiday; 30.04 … 13.04 are 20–33; 10.04 the 34th, 09.04 the 35th.
    # The last safe date: Wed 08.04.2026.
    assert working_days_before(D(2026, 6, 1), 35, RU) == D(2026, 4, 8)


def test_processing_days_come_from_the_catalog():
    acc = RULES.accreditation_rules()
    assert (acc.processing.check_days, acc.processing.commission_days, acc.processing.working_days) == (20, 15, 35)
    assert RULES.filing_window_months == 12 and acc.risk_horizon.months == 6
    assert "mediator-med.ru" in acc.processing.source


# ---------------------------------------------------------------- one plan's dates and states


# A plan from Mon 01.03.2021: deadline Sun 01.03.2026; the window opens 01.03.2025; the last safe date: counting back
# from 27.02.2026 (1st) over 23.02 (holiday) and 01–09.01.2026 and 31.12.2025 (days off): 30.12.2025 is the 35th,
# so Mon 29.12.2025. The at_risk horizon opens 6 months before the window: 01.09.2024.
START, DEADLINE, WINDOW, LAST_SAFE, HORIZON = D(2021, 3, 1), D(2026, 3, 1), D(2025, 3, 1), D(2025, 12, 29), D(2024, 9, 1)


@pytest.fixture(scope="module")
def two_people(tmp_path_factory):
    """«1» has gaps (no hours, no отчёт); «2» is complete (144 h ДПП in ФРДО, the отчёт agreed)."""
    path = book(tmp_path_factory.mktemp("acc") / "nmo.xlsx", [("1", SPEC, START), ("2", SPEC, START)],
                [dpp("2", 144, D(2023, 5, 1))], reports=[("2", SPEC, "согласован", D(2024, 1, 10))])
    return read_nmo(path, RULES, HORIZON - dt.timedelta(days=1))


def test_dates_of_a_plan(two_people):
    row = readiness(two_people, RULES, D(2024, 8, 31), RU).iloc[0]
    assert (row["deadline"], row["window_opens"], row["last_safe_date"]) == (DEADLINE, WINDOW, LAST_SAFE)


@pytest.mark.parametrize(("on", "gaps", "complete"), [
    (HORIZON - dt.timedelta(days=1), "not_yet", "not_yet"),          # 31.08.2024 + 6 months = 28.02.2025 < window
    (HORIZON, "at_risk", "not_yet"),                                  # 01.09.2024 + 6 months = 01.03.2025 = window
    (WINDOW - dt.timedelta(days=1), "at_risk", "not_yet"),
    (WINDOW, "window_open_gaps", "ready"),                            # the window opens
    (LAST_SAFE, "window_open_gaps", "ready"),                         # the last safe day itself is still safe
    (LAST_SAFE + dt.timedelta(days=1), "late", "late"),
    (DEADLINE - dt.timedelta(days=1), "late", "late"),
    (DEADLINE, "expired", "expired"),                                 # on the deadline the document has expired
])
def test_each_state_one_day_before_and_on_its_boundary(two_people, on, gaps, complete):
    states = readiness(two_people, RULES, on, RU).set_index("staff_id")["state"]
    assert (states["1"], states["2"]) == (gaps, complete)


def test_actions_name_the_dates(two_people):
    rows = readiness(two_people, RULES, D(2025, 6, 2), RU).set_index("staff_id")
    # «1» has nothing: 74 h ДПП missing, then 70 h more (of any kind: other elements count up to 70)
    assert rows.loc["1", "action"] == (
        "набрать 74 ч ДПП до 29.12.2025; набрать ещё 70 ч (ДПП, ИОМ или мероприятий) до 29.12.2025; "
        "подготовить отчёт о профессиональной деятельности и согласовать с руководителем до 29.12.2025; "
        "подать до 29.12.2025")
    assert rows.loc["2", "action"] == "подать до 29.12.2025"
    late = readiness(two_people, RULES, D(2026, 1, 12), RU).set_index("staff_id")
    assert late.loc["2", "action"].startswith("подать немедленно: последний безопасный день подачи был 29.12.2025")


# ---------------------------------------------------------------- ФРДО, the отчёт, two specialties, filings


def test_a_dpp_not_in_frdo_is_listed_not_counted(tmp_path):
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, START)], [
        dpp("1", 72, D(2022, 4, 1), title="Эндодонтия", certificate_no="772400012345", frdo="нет"),
        dpp("1", 72, D(2023, 4, 1), title="Пародонтология"),
    ], reports=[("1", SPEC, "согласован", D(2025, 1, 20))])
    row = table(path, D(2025, 6, 2)).loc[("1", SPEC)]
    # 72 h in ФРДО count (below the 74 h ДПП minimum); the other 72 h wait for ФРДО and are not counted
    assert (row["hours_dpp"], row["hours_dpp_pending"], row["hours_ok"]) == (72, 72, False)
    assert row["state"] == "window_open_gaps"
    # once entered, 144 h of ДПП meet the rule: nothing more to earn, only the entry to make
    assert row["action"] == "внести в ФРДО удостоверение № 772400012345 («Эндодонтия»); подать до 29.12.2025"


def test_report_waived_by_a_category_of_last_year_not_by_one_of_three_years_ago(tmp_path):
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, START), ("2", SPEC, START)],
                [dpp("1", 144, D(2023, 5, 1)), dpp("2", 144, D(2023, 5, 1))],
                attestations=[("1", SPEC, "первая", D(2024, 5, 10)), ("2", SPEC, "Высшая", D(2022, 5, 10))])
    rows = table(path, D(2025, 6, 2))
    # the window is open, so the filing year is 2025: a category of 2024 (previous year) waives the отчёт …
    assert not rows.loc[("1", SPEC), "report_needed"]
    assert rows.loc[("1", SPEC), "state"] == "ready"
    # … one of 2022 (three years before) does not
    assert rows.loc[("2", SPEC), "report_needed"]
    assert rows.loc[("2", SPEC), "state"] == "window_open_gaps"


def test_two_specialties_of_one_person_with_different_deadlines(tmp_path):
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, START), ("1", OTHER, D(2022, 6, 15))])
    rows = table(path, D(2025, 6, 2))
    assert rows.loc[("1", SPEC), ["deadline", "state"]].tolist() == [DEADLINE, "window_open_gaps"]
    # from 15.06.2022: deadline Tue 15.06.2027, window 15.06.2026 — beyond 02.06.2025 + 6 months = 02.12.2025: not_yet
    assert rows.loc[("1", OTHER), ["deadline", "window_opens", "state"]].tolist() == [
        D(2027, 6, 15), D(2026, 6, 15), "not_yet"]


def test_a_filing_decided_not_compliant_is_filed_again(tmp_path):
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, START), ("2", SPEC, START), ("3", SPEC, START)],
                [dpp(s, 144, D(2023, 5, 1)) for s in "123"],
                reports=[(s, SPEC, "согласован", D(2025, 1, 20)) for s in "123"],
                filings=[("1", SPEC, D(2025, 4, 10), "ПА-0001", "не соответствует", D(2025, 5, 20)),
                         ("2", SPEC, D(2025, 4, 10), "ПА-0002", None, None),
                         ("3", SPEC, D(2025, 4, 10), "ПА-0003", "соответствует", D(2025, 5, 20))])
    rows = table(path, D(2025, 6, 2))
    failed = rows.loc[("1", SPEC)]
    assert failed["decision"] == "failed" and failed["state"] == "ready"  # the portfolio is complete: file again now
    assert failed["action"] == ("решение «не соответствует» (заявление № ПА-0001 от 10.04.2025): устранить замечания "
                                "и подать повторно; подать до 29.12.2025")
    assert rows.loc[("2", SPEC), "action"] == "ждать решения (заявление № ПА-0002 от 10.04.2025)"
    assert rows.loc[("3", SPEC), "action"].startswith("аккредитация пройдена")
    # after the last safe date the failed one is late, the others are not
    later = table(path, D(2025, 6, 2), D(2026, 1, 12))
    assert later["state"].tolist() == ["late", "ready", "ready"]


# ---------------------------------------------------------------- the team's calendar


def test_calendar_by_month_and_department_and_the_next_90_days(tmp_path):
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, START), ("2", SPEC, D(2022, 2, 10))],
                staff=[("1", "Иванова А. П.", "Терапевтическое отделение"), ("2", "Петров Б. В.", "Детское отделение")])
    rows = readiness(read_nmo(path, RULES, D(2025, 6, 2)), RULES, D(2025, 6, 2), RU)
    events = calendar_events(rows, D(2025, 6, 2))
    # the 18 months run to 02.12.2026. «1»: last safe 29.12.2025, deadline 01.03.2026 (its window opened 01.03.2025,
    # before 02.06.2025). «2» from 10.02.2022: window 10.02.2026, deadline Wed 10.02.2027 (outside); its last safe
    # date, counting back from 09.02.2027 over 01–08.01.2027 (holidays) and 31.12.2026 (a transferred day off), is
    # 11.12.2026 (14.12 the 35th) — outside too
    got = [(e, s, d) for e, s, d in zip(events["event"], events["staff_id"], events["date"], strict=True)]
    assert got == [("last_safe_date", "1", LAST_SAFE), ("window_opens", "2", D(2026, 2, 10)),
                   ("deadline", "1", DEADLINE)]
    assert working_days_before(D(2027, 2, 10), 35, RU) == D(2026, 12, 11)
    months = calendar_months(events, D(2025, 6, 2))
    assert len(months["month"].unique()) == 18
    dec = months[(months["month"] == "2025-12") & (months["department"] == "Терапевтическое отделение")].iloc[0]
    assert dec["last_safe_date"] == f"Иванова А. П. ({SPEC}, 29.12)" and dec["n_last_safe_date"] == 1
    assert next_days(events, D(2025, 6, 2)).empty  # nothing falls before 31.08.2025
    soon = next_days(events, D(2025, 10, 1))
    assert soon["date"].tolist() == [LAST_SAFE]  # 01.10.2025 + 90 days = 30.12.2025


def test_every_state_is_a_known_code(two_people):
    states = {s for on in (D(2024, 8, 31), D(2025, 6, 2), D(2026, 3, 1)) for s in
              readiness(two_people, RULES, on, RU)["state"]}
    assert states <= set(STATES)


# ---------------------------------------------------------------- bad inputs and the command


@pytest.mark.parametrize(("kwargs", "where"), [
    ({"filings": [("1", SPEC, D(2025, 4, 10), "ПА-1", "соответствует", D(2026, 1, 15))]},
     "лист «Подача», строка 2, столбец «Дата_решения»: дата 15.01.2026 позже даты отчёта 31.12.2025"),
    ({"reports": [("1", SPEC, "в работе", D(2025, 1, 20))]},
     "лист «Отчёты», строка 2, столбец «Состояние»: неизвестное состояние отчёта «в работе»"),
    ({"attestations": [("1", SPEC, "четвёртая", D(2024, 5, 10))]},
     "лист «Аттестация», строка 2, столбец «Категория»: нет такой квалификационной категории «четвёртая»"),
])
def test_bad_input_is_one_russian_error_naming_sheet_row_column(tmp_path, kwargs, where):
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, START)], **kwargs)
    result = run("accreditation", str(path), "--on", "2025-12-31")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert where in result.stderr
    assert result.stderr.count("лист «") == 1


def test_the_command_writes_csv_and_a_printable_xlsx(tmp_path):
    path = book(tmp_path / "nmo.xlsx", [("1", SPEC, START)], [dpp("1", 144, D(2023, 5, 1))],
                reports=[("1", SPEC, "согласован", D(2025, 1, 20))])
    out = tmp_path / "acc.csv"
    result = run("accreditation", str(path), "--on", "2025-06-02", "--out", str(out))
    assert result.returncode == 0, result.stderr
    csv = pd.read_csv(out, dtype=str, encoding="utf-8-sig")
    assert list(csv.columns[:11]) == ["staff_id", "full_name", "specialty", "deadline", "window_opens", "last_safe_date",
                                      "hours_dpp", "hours_other", "report_needed", "state", "action"]
    assert csv.loc[0, ["deadline", "last_safe_date", "state"]].tolist() == ["2026-03-01", "2025-12-29", "ready"]
    xlsx = tmp_path / "acc.xlsx"
    assert run("accreditation", str(path), "--on", "2025-06-02", "--out", str(xlsx)).returncode == 0
    from openpyxl import load_workbook

    sheet = load_workbook(xlsx)["Готовность"]
    text = [c for row in sheet.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "готов к подаче" in text and "29.12.2025" in text
    assert sheet.page_setup.orientation == "landscape"


def test_template_nmo_writes_every_sheet_reads_back_and_refuses_an_existing_file(tmp_path):
    path = tmp_path / "НМО.xlsx"
    result = run("template", "--nmo", str(path))
    assert result.returncode == 0, result.stderr
    from openpyxl import load_workbook

    book = load_workbook(path)
    assert book.sheetnames == ["Инструкция", "Сотрудники", "Сертификаты", "Обучение", "Аттестация", "Отчёты", "Подача"]
    assert [c.value for c in book["Подача"][1]] == ["Таб_номер", "Специальность", "Дата_подачи", "Номер_заявления",
                                                    "Решение", "Дата_решения"]
    assert "ФРДО" in [c.value for c in book["Обучение"][1]]
    records = read_nmo(path, RULES, D(2025, 12, 31))  # blank, yet a valid workbook
    assert records.certificates.empty
    again = run("template", "--nmo", str(path))
    assert again.returncode == 2 and "уже есть" in again.stderr


def test_the_demo_at_the_year_end_matches_a_hand_check_of_five_people(tmp_path):
    """The demo clinic's НМО workbook as `stomkpi demo` writes it (staff from seed 2025, НМО from seed 2026)."""
    import numpy as np
    from openpyxl import load_workbook

    from stomkpi.demo.clinic import make_staff
    from stomkpi.demo.nmo import write_nmo_workbook

    staff = make_staff(np.random.default_rng(2025))
    staff = staff.assign(position=staff["position_code"])[["staff_id", "name", "position", "department"]]
    path = write_nmo_workbook(tmp_path / "nmo.xlsx", staff, seed=2026, on=D(2025, 12, 31))
    out = tmp_path / "готовность.xlsx"
    result = run("accreditation", str(path), "--on", "2025-12-31", "--out", str(out))
    assert result.returncode == 0, result.stderr
    rows = list(load_workbook(out)["Готовность"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Таб. №")
    cols = rows[head]
    got = {(r[0], r[cols.index("Специальность")]): r for r in rows[head + 1:] if r[cols.index("Состояние")]
           and r[0] != "Таб. №"}
    state = {k: r[cols.index("Состояние")] for k, r in got.items()}
    assert set(state.values()) == {"готов к подаче", "окно открыто, есть пробелы", "окно ещё не открыто",
                                   "под угрозой", "опоздание", "срок истёк"}
    records = read_nmo(path, RULES, D(2025, 12, 31))
    filings = records.filings.set_index("staff_id")
    # 01092 (детская): deadline Fri 02.01.2026; counting back over 01.01 and 31.12 (days off), 30.12.2025 is the 1st
    # and 12.11.2025 the 35th: last safe Tue 11.11.2025, past on 31.12.2025 with no filing — late
    assert got[("01092", "Стоматология детская")][cols.index("Подать до (безопасно)")] == "11.11.2025"
    assert "01092" not in filings.index and state[("01092", "Стоматология детская")] == "опоздание"
    # 01037 (сестринское дело): deadline 16.02.2026, last safe 16.12.2025 (as in the New Year test above) — late
    assert state[("01037", "Сестринское дело")] == "опоздание"
    # 01117: filed, decision «соответствует» — ready (accreditation passed)
    assert filings.loc["01117", "decision"] == "passed"
    assert state[("01117", "Стоматология ортопедическая")] == "готов к подаче"
    # 01140: decision «не соответствует»; window open since 08.07.2025; no category, the отчёт «нет» — gaps
    assert filings.loc["01140", "decision"] == "failed"
    assert "01140" not in set(records.attestations["staff_id"])
    assert records.reports.set_index("staff_id").loc["01140", "state"] == "none"
    assert state[("01140", "Стоматология ортопедическая")] == "окно открыто, есть пробелы"
    # 01008: certificate of 09.05.2015, deadline 09.05.2020 — expired
    assert state[("01008", "Стоматология терапевтическая")] == "срок истёк"
    # 01165: deadline 04.06.2027, window 04.06.2026 ≤ 31.12.2025 + 6 months = 30.06.2026; hours met
    # (108 h ДПП in ФРДО + min(101, 70) ≥ 144) but no отчёт and no category — at risk
    assert "01165" not in set(records.attestations["staff_id"]) and "01165" not in set(records.reports["staff_id"])
    assert state[("01165", "Анестезиология и реаниматология")] == "под угрозой"


def test_calendar_chart_counts_each_event_per_month(two_people):
    from stomkpi.report.accreditation_chart import calendar_chart

    on = D(2025, 6, 2)
    months = calendar_months(calendar_events(readiness(two_people, RULES, on, RU), on), on)
    chart = calendar_chart(months)
    bars = {(c.get_label(), i): p.get_height() for c in chart.figure.axes[0].containers for i, p in enumerate(c)}
    # both: last safe 29.12.2025 (month 7 of 18, from June 2025), deadline 01.03.2026 (month 10)
    assert bars[("последний безопасный день подачи", 6)] == 2 and bars[("истекает срок", 9)] == 2
    assert sum(bars.values()) == 4
