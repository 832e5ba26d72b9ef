"""НМО plans worked by hand: cycle years, caps, renewals, two specialties, repeats, statuses, admission."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from dateutil.relativedelta import relativedelta

from stomkpi.catalog import load_nmo_rules
from stomkpi.nmo import _cycle_year, add_years, status, yearly
from stomkpi.nmo_inputs import CERTIFICATES, EDUCATION, NMO_STAFF, read_nmo
from stomkpi.sheets import write_workbook

RULES = load_nmo_rules()
SPEC = "Стоматология терапевтическая"
D = dt.date


def write_nmo(path, certs, elements, staff=(("1", "Иванова Анна Петровна"),)):
    """certs: (staff_id, specialty, date[, kind]); elements: dicts with defaults below."""
    base = {"staff_id": "1", "specialties": SPEC, "kind": "ИОМ", "provider": "Академия", "in_person": "нет", "days": None}
    rows = [{**base, "title": f"Элемент {i}", **e} for i, e in enumerate(elements)]
    write_workbook(path, [
        (NMO_STAFF, pd.DataFrame(list(staff), columns=["staff_id", "name"])),
        (CERTIFICATES, pd.DataFrame([(*c, "сертификат")[:4] for c in certs], columns=["staff_id", "specialty", "date", "kind"])),
        (EDUCATION, pd.DataFrame(rows, columns=[c.key for c in EDUCATION.columns])),
    ])
    return path


def plans(tmp_path, certs, elements, on):
    records = read_nmo(write_nmo(tmp_path / "nmo.xlsx", certs, elements), RULES, on)
    return status(records, RULES, on), yearly(records, RULES, on)


def dpp(hours, end, **kw):
    return {"kind": "ДПП", "hours": hours, "end_date": end, **kw}


def test_credits_land_in_the_right_cycle_year_at_the_anniversary(tmp_path):
    # cycle from 15.03.2021: year 1 = [15.03.2021, 15.03.2022), year 2 from 15.03.2022
    st, years = plans(tmp_path, [("1", SPEC, D(2021, 3, 15))],
                      [dpp(36, D(2022, 3, 14)), dpp(18, D(2022, 3, 15)), dpp(72, D(2021, 3, 15))], on=D(2023, 1, 1))
    y = years.set_index("cycle_year")
    assert y.loc[1, "earned"] == 36 + 72
    assert y.loc[2, "earned"] == 18
    assert y.loc[1, "year_end"] == D(2022, 3, 14)
    assert st.loc[0, "earned"] == 126


def test_event_caps_per_day_in_person_and_per_event_always(tmp_path):
    # the seed: «максимальный показатель — 12 баллов за одно мероприятие», in person or remote alike
    elements = [
        {"kind": "мероприятие", "hours": 20, "in_person": "да", "days": 3, "end_date": D(2023, 5, 1)},  # min(20, 3×6, 12) = 12
        {"kind": "мероприятие", "hours": 8, "in_person": "да", "days": 1, "end_date": D(2023, 6, 1)},   # min(8, 1×6, 12) = 6
        {"kind": "мероприятие", "hours": 8, "in_person": "нет", "end_date": D(2023, 7, 1)},             # remote: min(8, 12) = 8
        {"kind": "мероприятие", "hours": 20, "in_person": "нет", "end_date": D(2023, 7, 2)},            # remote: min(20, 12) = 12
        {"kind": "мероприятие", "hours": 12, "in_person": "нет", "end_date": D(2023, 7, 3)},            # exactly 12: all 12 count
        {"kind": "ИОМ", "hours": 2, "end_date": D(2023, 8, 1)},                                         # not an event: 2
    ]
    st, _ = plans(tmp_path, [("1", SPEC, D(2023, 1, 10))], elements, on=D(2024, 1, 1))
    assert st.loc[0, "earned"] == 12 + 6 + 8 + 12 + 12 + 2
    assert st.loc[0, "earned_other"] == 52 and st.loc[0, "earned_dpp"] == 0


def test_pre_2016_certificate_needs_144(tmp_path):
    # certificate of 01.06.2015 (before 01.01.2016): 144 ЗЕТ by 01.06.2020; 144 hours of ДПП meet both requirements
    st, _ = plans(tmp_path, [("1", SPEC, D(2015, 6, 1))], [dpp(144, D(2018, 5, 1))], on=D(2019, 1, 1))
    row = st.iloc[0]
    assert row["required"] == 144 and row["deadline"] == D(2020, 6, 1)
    assert row["status"] == "done"
    assert "до 2016" in row["flags"]


def test_renewed_certificate_resets_the_cycle(tmp_path):
    # the 2020 ДПП belongs to the old cycle (2016–2021); after the 01.03.2021 certificate only 36 count
    st, _ = plans(tmp_path, [("1", SPEC, D(2016, 3, 1)), ("1", SPEC, D(2021, 3, 1))],
                  [dpp(72, D(2020, 12, 1)), dpp(36, D(2021, 4, 1))], on=D(2022, 1, 1))
    assert len(st) == 1
    assert st.loc[0, "cycle_start"] == D(2021, 3, 1)
    assert st.loc[0, "earned"] == 36
    assert "новый сертификат" in st.loc[0, "flags"]


def test_module_entered_for_two_specialties_counts_for_each(tmp_path):
    other = "Стоматология общей практики"
    st, _ = plans(tmp_path, [("1", SPEC, D(2022, 1, 1)), ("1", other, D(2022, 1, 1))],
                  [dpp(36, D(2022, 6, 1), specialties=f"{SPEC}; {other}"), dpp(18, D(2022, 7, 1))], on=D(2023, 1, 1))
    by = st.set_index("specialty")["earned"]
    assert by[SPEC] == 36 + 18 and by[other] == 36


def test_repeated_element_counts_and_is_flagged(tmp_path):
    same = {"title": "Местная анестезия", "provider": "Академия", "kind": "ИОМ", "hours": 2}
    st, _ = plans(tmp_path, [("1", SPEC, D(2022, 1, 1))],
                  [{**same, "end_date": D(2022, 3, 1)}, {**same, "end_date": D(2023, 3, 1)}], on=D(2024, 1, 1))
    assert st.loc[0, "earned"] == 4
    assert "повторные элементы: 2" in st.loc[0, "flags"]


def test_each_status(tmp_path):
    # cycle 01.01.2023–01.01.2028 has 1826 days (2024 is leap); on 01.01.2024 365 days have passed:
    # expected = 250 × 365 / 1826 = 49.97
    start, on = D(2023, 1, 1), D(2024, 1, 1)
    on_track, _ = plans(tmp_path / "a", [("1", SPEC, start)], [dpp(36, D(2023, 5, 1)), dpp(14, D(2023, 6, 1))], on)
    assert on_track.loc[0, "expected_now"] == 50.0 and on_track.loc[0, "status"] == "on_track"
    # 50 missing of 250 ... per year needed: 200 over the remaining 1461 days (4.0 years) = 50
    assert on_track.loc[0, "per_year_needed"] == 50.0 and on_track.loc[0, "shortfall"] == 0
    behind, _ = plans(tmp_path / "b", [("1", SPEC, start)], [dpp(36, D(2023, 5, 1)), dpp(13, D(2023, 6, 1))], on)
    # 49 < 49.97 → behind, shortfall 0.97 → 1.0
    assert behind.loc[0, "status"] == "behind" and behind.loc[0, "shortfall"] == 1.0
    overdue, _ = plans(tmp_path / "c", [("1", SPEC, D(2019, 1, 1))], [dpp(100, D(2020, 1, 1))], D(2024, 6, 1))
    assert overdue.loc[0, "status"] == "overdue" and overdue.loc[0, "per_year_needed"] == 0
    done, _ = plans(tmp_path / "d", [("1", SPEC, start)],
                    [dpp(144, D(2023, 3, 1)), dpp(36, D(2023, 4, 1)), {"hours": 70, "end_date": D(2023, 5, 1)}], on)
    # 250 earned (180 ДПП + 70 other): portal plan met and admission met → done before the deadline
    assert done.loc[0, "status"] == "done"


@pytest.mark.parametrize(("dpp_hours", "other_hours", "ok"), [
    (144, 0, True),     # all 144 from ДПП
    (74, 70, True),     # 74 ДПП + 70 other
    (73, 71, False),    # ДПП below 74
    (100, 40, False),   # 100 + 40 = 140 < 144
    (80, 100, True),    # 80 + min(100, 70) = 150 ≥ 144
])
def test_admission_rule(tmp_path, dpp_hours, other_hours, ok):
    elements = [dpp(dpp_hours, D(2022, 5, 1))] + ([{"hours": other_hours, "end_date": D(2022, 6, 1)}] if other_hours else [])
    st, _ = plans(tmp_path, [("1", SPEC, D(2022, 1, 1))], elements, D(2023, 1, 1))
    assert bool(st.loc[0, "admission_ok"]) is ok


def test_29_february_start(tmp_path):
    # a cycle from 29.02.2024 ends on 28.02.2029; year 2 starts on 28.02.2025
    st, years = plans(tmp_path, [("1", SPEC, D(2024, 2, 29))],
                      [dpp(36, D(2025, 2, 27)), dpp(18, D(2025, 2, 28))], on=D(2025, 6, 1))
    assert st.loc[0, "deadline"] == D(2029, 2, 28)
    assert st.loc[0, "filing_from"] == D(2028, 2, 28)
    y = years.set_index("cycle_year")
    assert y.loc[1, "earned"] == 36 and y.loc[2, "earned"] == 18
    assert y.loc[2, "year_start"] == D(2025, 2, 28)


def test_cycle_year_by_plain_dates_agrees_with_relativedelta():
    """The plain date arithmetic of cycle years against the calendar library's, for starts on every day of
    2023–2025 (29.02.2024 among them) and ends on every anniversary, the day before and the day after."""

    def reference(start, end):
        year = 1
        while end >= start + relativedelta(years=year):
            year += 1
        return year

    starts = [D(2023, 1, 1) + dt.timedelta(days=n) for n in range(3 * 366)] + [D(2000, 2, 29), D(1900, 2, 28)]
    checked = 0
    for start in starts:
        for k in range(-1, 7):
            anniversary = start + relativedelta(years=k)
            assert add_years(start, k) == anniversary
            for end in (anniversary - dt.timedelta(days=1), anniversary, anniversary + dt.timedelta(days=1)):
                assert _cycle_year(start, end) == reference(start, end), (start, end)
                checked += 1
    assert checked == len(starts) * 8 * 3
    assert add_years(D(2024, 2, 29), 1) == D(2025, 2, 28) and add_years(D(2024, 2, 29), 4) == D(2028, 2, 29)
    with pytest.raises(ValueError):
        add_years(D(9999, 12, 31), 1)


def test_yearly_guide_and_carried_shortfall(tmp_path):
    # year 1: 30 of 50 → short 20; year 2: 80 → cumulative 110 of 100 → 0; years 3–5 not begun → empty
    _, years = plans(tmp_path, [("1", SPEC, D(2022, 1, 1))],
                     [dpp(30, D(2022, 6, 1)), dpp(80, D(2023, 6, 1))], on=D(2023, 12, 31))
    y = years.set_index("cycle_year")
    assert y.loc[1, "guide"] == 50 and y.loc[1, "guide_dpp"] == 36 and y.loc[1, "guide_other"] == 14
    assert y.loc[1, "carried_shortfall"] == 20 and y.loc[2, "carried_shortfall"] == 0
    assert y.loc[3:, "carried_shortfall"].isna().all()
