"""The .xlsx tables for people are written row by row (openpyxl's write-only mode), into the very bytes the
earlier writer, which held every cell of the workbook, made: that writer is kept here as the oracle."""

from __future__ import annotations

import datetime as dt
import zipfile

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from stomkpi.report import files
from stomkpi.sheets import save_deterministic


def _old_write_sheets(tables, path, formats=None):
    """The writer before streaming: a normal workbook, a cell object for every value of every row."""
    book = Workbook()
    book.remove(book.active)
    for sheet, frame in tables.items():
        _old_sheet(book.create_sheet(sheet[:31]), frame, (formats or {}).get(sheet))
    save_deterministic(book, path)


def _old_sheet(ws, frame, formats=None):
    ws.append([files._cell(str(c)) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    rows = list(frame.itertuples(index=False))
    formats = formats or [None] * len(frame.columns)
    for number, row in enumerate(rows, start=2):
        ws.append([files._cell(v) for v in row])
        for cell, shown in zip((ws.cell(number, c) for c in range(1, len(row) + 1)), formats, strict=False):
            if isinstance(cell.value, dt.date):
                cell.number_format = files.DATE_FORMAT
            elif shown and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = shown
    for i, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column)) // 2, *(len(str(row[i - 1])) for row in rows[:200])], default=8)
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(8, longest + 2), 50)
    ws.freeze_panes = "A2"
    if len(frame.columns):
        ws.auto_filter.ref = ws.dimensions
    files._print_setup(ws)


def _tables():
    n = 230  # past the 200 rows the widths are measured on
    main = pd.DataFrame({
        "Коэффициент": [0.6 + i / 1000 for i in range(n)],  # a format before the date's, in the same row
        "Дата": [pd.Timestamp(2025, 12, 1 + i % 28) if i % 7 else pd.NaT for i in range(n)],
        "Таб. №": [f"0{1000 + i}" for i in range(n)],
        "ФИО": [("Иванова Мария Петровна " * (1 + i // 100)).strip() if i % 5 else None for i in range(n)],
        "Баллы": [float(i) if i % 3 else float("nan") for i in range(n)],
        "Смены": list(range(n)),
        "Заметка": ["=1+2" if i == 3 else ("-5 дней" if i == 4 else "") for i in range(n)],
        "Итог": [i % 2 == 0 for i in range(n)],
    })
    formats = {"Показатели месяца за декабрь 2025 года по всем отделениям": ["[$-419]0.00", None, None, None,
                                                                             "[$-419]0.0##", None, None, None]}
    tables = {"Показатели месяца за декабрь 2025 года по всем отделениям": main,
              "Пусто": pd.DataFrame({"Отделение": [], "Сумма": []}),
              "Без столбцов": pd.DataFrame(index=range(3))}
    return tables, formats


def _members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def test_streamed_workbook_has_the_bytes_of_the_one_held_whole(tmp_path):
    tables, formats = _tables()
    _old_write_sheets(tables, tmp_path / "old.xlsx", formats)
    files.write_sheets(tables, tmp_path / "new.xlsx", formats)
    old, new = _members(tmp_path / "old.xlsx"), _members(tmp_path / "new.xlsx")
    assert list(new) == list(old)
    for name in old:
        assert new[name] == old[name], name
    assert (tmp_path / "new.xlsx").read_bytes() == (tmp_path / "old.xlsx").read_bytes()
    ws = load_workbook(tmp_path / "new.xlsx").worksheets[0]
    assert (ws["A2"].value, ws["A2"].number_format) == (0.6, "[$-419]0.00")  # checked by hand against the table
    assert (ws["B3"].value, ws["B3"].number_format) == (dt.datetime(2025, 12, 2), "DD.MM.YYYY")
    assert ws["C2"].value == "01000" and ws["B2"].value is None and ws["F231"].value == 229
    assert ws.auto_filter.ref == "A1:H231" and ws.freeze_panes == "A2" and ws.print_title_rows == "$1:$1"


def test_streamed_workbook_never_holds_its_rows(tmp_path, monkeypatch):
    """A table of 50 000 rows is not kept as cell objects: the workbook is write-only."""
    books = []
    monkeypatch.setattr(files, "save_deterministic", lambda book, path: (books.append(book),
                                                                        save_deterministic(book, path)))
    tables, formats = _tables()
    files.write_sheets(tables, tmp_path / "new.xlsx", formats)
    assert [book.write_only for book in books] == [True]


def test_write_table_streams_the_same_file(tmp_path):
    frame = pd.DataFrame({"staff_number": ["01002", "01003"], "points": [1.25, 3.0]})
    path = files.write_table(frame, tmp_path / "t.xlsx")
    ws = load_workbook(path).active
    assert [[c.value for c in row] for row in ws.iter_rows()][1:] == [["01002", 1.25], ["01003", 3]]
