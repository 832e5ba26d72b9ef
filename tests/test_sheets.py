"""Typing a sheet's cells: the plain readings of ordinary cells agree with the full reading (`_cell`) on
every kind of column and every kind of value a workbook or a CSV file gives."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from stomkpi import sheets
from stomkpi.sheets import Column, Sheet, _type_sheet

COLUMNS = (
    Column("Текст", "text"),
    Column("Номер", "id", "id"),
    Column("Число", "number", "float", low=0, high=10),
    Column("Доля", "share", "float", required=False, low=0, low_open=True),
    Column("Целое", "whole", "int", required=False, default=1.0, high=31),
    Column("Дата", "date", "date", required=False),
    Column("Флаг", "flag", "bool", required=False, default=False),
    Column("Без", "plain", "float", required=False),
    Column("Нет в заголовке", "absent", "str", required=False, default="—"),
)
SHEET = Sheet("Лист", COLUMNS)
VALUES = ["", " ", "\u00a0", "текст", "  текст  ", "101", "101.0", " 01 002 ", "5,5", "1e3", "да", "нет", " Да. ", "NO", "x",
          "2025-12-31", "31.12.2025", None, 0.0, -0.0, 1.0, 5.5, -1.0, 10.0, 11.0, 31.0, 32.0, 1e308, 2.5e-300,
          math.nan, math.inf, -math.inf, 7, True, False, dt.date(2025, 12, 31), dt.datetime(2025, 12, 31, 13, 5),
          pd.Timestamp("2025-12-31"), dt.time(12, 0)]


def rows_of_every_value():
    header = tuple(c.name for c in COLUMNS[:-1])
    width = len(header)
    rows = [header]
    for i in range(len(VALUES)):
        for shift in range(width):  # each value in each column, beside the others
            rows.append(tuple(VALUES[(i + k + shift) % len(VALUES)] for k in range(width)))
    rows.append(("текст", 1.0))  # a short row: the other columns are empty
    rows.append(("", None, " "))  # a blank row is skipped
    return rows


def typed(rows, notes=None):
    problems, missing = [], set()
    frame = _type_sheet(SHEET, rows, problems, notes or {}, missing)
    return frame, [(p.sheet, p.row, p.column, p.message) for p in problems], missing


@pytest.mark.parametrize("notes", [{}, {(3, 0): "ошибка формулы", (4, 2): "формула без значения"}])
def test_plain_readings_agree_with_the_full_one(monkeypatch, notes):
    rows = rows_of_every_value()
    frame, problems, missing = typed(rows, notes)
    monkeypatch.setattr(sheets, "_PLAIN", dict.fromkeys(sheets._PLAIN, lambda raw: sheets._SLOW))
    want_frame, want_problems, want_missing = typed(rows, notes)
    pd.testing.assert_frame_equal(frame, want_frame, check_exact=True)
    for key in frame:  # the same Python objects, not only equal ones (1 and 1.0, a date and a Timestamp)
        assert [type(v) for v in frame[key]] == [type(v) for v in want_frame[key]], key
    assert problems == want_problems and len(problems) > 100
    assert missing == want_missing == {("Лист", "absent")}


def test_a_text_that_recurs_is_kept_once():
    """A workbook repeats a department, a kind, a person's number on thousands of rows, each cell its own string when
    read; the typed sheet keeps one string for each distinct text (equal texts are the same object), and its values
    are the texts as read, stripped."""
    rows = [("Текст", "Номер", "Число")]
    rows += [("".join(["Терапевтическое ", "отделение"]), str(100 + i % 2), 1.0) for i in range(6)]
    rows.append(("  Терапевтическое отделение ", "101", 2.0))
    frame, problems, _ = typed(rows)
    assert problems == []
    texts, numbers = list(frame["text"]), list(frame["id"])
    assert texts == ["Терапевтическое отделение"] * 7 and numbers == ["100", "101"] * 3 + ["101"]
    assert all(t is texts[0] for t in texts)  # seven cells, one string (the stripped one too)
    assert numbers[0] is numbers[2] and numbers[1] is numbers[3] is numbers[6]
