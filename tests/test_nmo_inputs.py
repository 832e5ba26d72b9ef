"""Bad НМО workbooks, the command line and the demo НМО workbook."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pandas as pd
import pytest

from stomkpi.demo.clinic import STAFFING
from stomkpi.demo.nmo import write_nmo_workbook
from stomkpi.errors import InputError
from stomkpi.nmo_inputs import read_nmo
from stomkpi.text import match_key

from .test_cli import run
from .test_nmo import RULES, SPEC, dpp, write_nmo

D = dt.date


def test_every_problem_named_with_sheet_row_column(tmp_path):
    path = write_nmo(
        tmp_path / "nmo.xlsx",
        [("1", SPEC, D(2022, 1, 1)), ("1", SPEC, D(2022, 1, 1)), ("1", "Ортодонтия", D(2026, 1, 1), "диплом")],
        [
            {"kind": "курсы", "hours": 36, "end_date": D(2022, 5, 1)},                      # row 2: unknown kind
            dpp(0, D(2022, 5, 1)),                                                          # row 3: hours ≤ 0
            dpp(36, D(2025, 5, 1)),                                                         # row 4: after the report date
            dpp(36, D(2022, 5, 1), specialties="Рентгенология"),                            # row 5: no certificate
            {"kind": "мероприятие", "hours": 8, "in_person": "да", "end_date": D(2022, 5, 1)},  # row 6: no days
        ],
    )
    with pytest.raises(InputError) as info:
        read_nmo(path, RULES, D(2024, 12, 31))
    found = [str(p) for p in info.value.problems]
    expected_starts = [
        "лист «Сертификаты», строка 3, столбец «Дата»: такой сертификат уже указан выше",
        "лист «Сертификаты», строка 4, столбец «Вид»: неизвестный вид документа «диплом»",
        "лист «Сертификаты», строка 4, столбец «Дата»: дата 01.01.2026 позже даты отчёта 31.12.2024",
        "лист «Обучение», строка 2, столбец «Вид»: неизвестный вид элемента «курсы»",
        "лист «Обучение», строка 3, столбец «Часы»: значение 0 вне допустимого: нужно больше 0",
        "лист «Обучение», строка 4, столбец «Дата_окончания»: дата 01.05.2025 позже даты отчёта 31.12.2024",
        "лист «Обучение», строка 5, столбец «Специальности»: у сотрудника «1» нет сертификата по специальности «Рентгенология»",
        "лист «Обучение», строка 6, столбец «Дни»: для очного мероприятия укажите число дней",
    ]
    for start in expected_starts:
        assert any(p.startswith(start) for p in found), start
    assert len(found) == len(expected_starts)


def test_cli_writes_status_csv_and_exits_2_on_bad_input(tmp_path):
    good = write_nmo(tmp_path / "nmo.xlsx", [("1", SPEC, D(2022, 1, 1))], [dpp(36, D(2022, 5, 1))])
    result = run("nmo", str(good), "--on", "2023-01-01")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"staff_id": str})
    for column in ("staff_id", "specialty", "cycle_start", "deadline", "required", "earned", "earned_dpp", "earned_other",
                   "expected_now", "shortfall", "per_year_needed", "admission_ok", "status", "flags"):
        assert column in table.columns
    assert table.loc[0, "earned"] == 36
    bad = write_nmo(tmp_path / "bad.xlsx", [("1", SPEC, D(2022, 1, 1))], [dpp(-1, D(2022, 5, 1))])
    out = tmp_path / "out.csv"
    result = run("nmo", str(bad), "--on", "2023-01-01", "--out", str(out))
    assert result.returncode == 2 and "Traceback" not in result.stderr and "строка 2, столбец «Часы»" in result.stderr
    assert not out.exists()
    result = run("nmo", str(good), "--on", "01.01.2023")
    assert result.returncode == 2 and "ГГГГ-ММ-ДД" in result.stderr


def _demo_staff() -> pd.DataFrame:
    rows, n = [], 0
    for department, _, code, count in STAFFING:
        for _ in range(count):
            n += 1
            rows.append({"staff_id": f"{n:05d}", "name": f"Сотрудник {n}", "position": code, "department": department})
    return pd.DataFrame(rows)


def test_demo_nmo_is_deterministic_and_covers_every_status(tmp_path):
    on = D(2025, 12, 31)
    a = write_nmo_workbook(tmp_path / "a.xlsx", _demo_staff(), seed=5, on=on)
    b = write_nmo_workbook(tmp_path / "b.xlsx", _demo_staff(), seed=5, on=on)
    assert hashlib.sha256(a.read_bytes()).digest() == hashlib.sha256(b.read_bytes()).digest()
    result = run("nmo", str(a), "--on", "2025-12-31")
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"staff_id": str})
    assert set(table["status"]) == {"done", "on_track", "behind", "overdue"}
    assert (table["required"] == 144).any()                      # a certificate before 2016
    assert table.groupby("staff_id")["specialty"].nunique().max() == 2  # two specialties
    assert table["flags"].fillna("").str.contains("новый сертификат").any()  # a renewed one


def test_an_earlier_month_reads_a_book_that_keeps_only_the_latest_certificate(tmp_path):
    """A book keeps each person's latest certificate (01.03.2025) and a course of 2024 in that specialty; the report
    for January 2025 (not strict: records after its date left out) leaves the certificate out, yet the course's
    specialty is still one the book gives the person, so it is no error. A specialty with no certificate of any
    date (Рентгенология) still is."""
    path = write_nmo(tmp_path / "nmo.xlsx", [("1", SPEC, D(2025, 3, 1))], [dpp(36, D(2024, 5, 1))])
    records = read_nmo(path, RULES, D(2025, 1, 31), strict=False)
    assert records.certificates.empty
    assert len(records.elements) == 1
    wrong = write_nmo(tmp_path / "wrong.xlsx", [("1", SPEC, D(2025, 3, 1))],
                      [dpp(36, D(2024, 5, 1), specialties="Рентгенология")])
    with pytest.raises(InputError, match="нет сертификата по специальности «Рентгенология»"):
        read_nmo(wrong, RULES, D(2025, 1, 31), strict=False)


def test_the_same_specialties_text_is_checked_for_each_person_and_each_of_its_specialties(tmp_path):
    """Rows 2–4 share one «Специальности» text of two specialties; the reader splits a text once, yet checks every
    row's person against it. Сотрудник 1 holds both certificates: rows 2 and 4 give two elements each (one per
    specialty, in the book's order). Сотрудник 2 holds only the first: row 3 gives one element and one problem
    naming row 3 and the missing specialty."""
    second = "Стоматология ортопедическая"
    both = f"{SPEC}; {second}"
    path = write_nmo(tmp_path / "nmo.xlsx",
                     [("1", SPEC, D(2024, 1, 10)), ("1", second, D(2024, 1, 10)), ("2", SPEC, D(2024, 1, 10))],
                     [dpp(36, D(2024, 5, 1), specialties=both),
                      dpp(18, D(2024, 6, 1), specialties=both, staff_id="2"),
                      dpp(72, D(2024, 7, 1), specialties=both)],
                     staff=(("1", "Иванова Анна Петровна"), ("2", "Петрова Вера Ивановна")))
    with pytest.raises(InputError) as info:
        read_nmo(path, RULES, D(2024, 12, 31))
    assert [str(p) for p in info.value.problems] == [
        f"лист «Обучение», строка 3, столбец «Специальности»: у сотрудника «2» нет сертификата по специальности "
        f"«{second}»"]
    fixed = write_nmo(tmp_path / "fixed.xlsx",
                      [("1", SPEC, D(2024, 1, 10)), ("1", second, D(2024, 1, 10)), ("2", SPEC, D(2024, 1, 10))],
                      [dpp(36, D(2024, 5, 1), specialties=both), dpp(18, D(2024, 6, 1), specialties=SPEC, staff_id="2"),
                       dpp(72, D(2024, 7, 1), specialties=both)],
                      staff=(("1", "Иванова Анна Петровна"), ("2", "Петрова Вера Ивановна")))
    elements = read_nmo(fixed, RULES, D(2024, 12, 31)).elements
    assert list(zip(elements["row"], elements["staff_id"], elements["hours"], strict=True)) == [
        (2, "1", 36), (2, "1", 36), (3, "2", 18), (4, "1", 72), (4, "1", 72)]
    assert elements["specialty_key"].tolist()[:2] == [match_key(SPEC), match_key(second)]
