"""The data files people open in Excel: every table as CSV for machines and as .xlsx for people.

CSV: English snake_case headers and codes (a status is `on_track`), UTF-8 with a BOM so that Excel
shows Cyrillic, no cell starting a formula, staff numbers as they were typed (`01002`). .xlsx:
the same rows with Russian headers and words (a status is «по графику», the same word as in the
reports), names instead of codes, text cells for text, so a staff number keeps its leading zeros in Excel too;
each number shown with its quantity's decimals (`text.PLACES`; the cell keeps the whole value), dates as
31.12.2025. Both are written whole to a temporary file and moved into place.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from stomkpi.report.adapters.openpyxl_internals import used_range
from stomkpi.report.words import NAMED_CODES, for_people
from stomkpi.safe import spreadsheet_cell, write_csv
from stomkpi.sheets import save_deterministic
from stomkpi.text import KEY_QUANTITIES
from stomkpi.text import number_format as quantity_format

DATE_FORMAT = "DD.MM.YYYY"


def write_table(frame: pd.DataFrame, path: Path | str, criterion_names: dict[str, str] | None = None) -> Path:
    """Write a table as CSV (machines) or .xlsx (people), by the file's suffix."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".xlsx":
        kept = [c for c in frame.columns if not (c in NAMED_CODES and NAMED_CODES[c] in frame.columns)]
        formats = [number_format(c, frame[c]) for c in kept]
        write_sheets({"Таблица": for_people(frame, criterion_names)}, path, {"Таблица": formats})
        return path
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write_csv(frame, tmp)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def write_both(frame: pd.DataFrame, folder: Path, stem: str, criterion_names: dict[str, str] | None = None) -> list[Path]:
    """`stem.csv` and `stem.xlsx` of one table."""
    return [write_table(frame, folder / f"{stem}.csv", criterion_names),
            write_table(frame, folder / f"{stem}.xlsx", criterion_names)]


def write_xlsx(frame: pd.DataFrame, path: Path | str, sheet: str = "Таблица") -> None:
    """One sheet: bold wrapped headers, a frozen header row and a filter; text stays text, numbers numbers."""
    write_sheets({sheet: frame}, path)


def number_format(key: str, values: pd.Series) -> str | None:
    """How a column of a file for people shows its numbers: its quantity's decimals (`text.KEY_QUANTITIES`), 1 to 3
    for other fractions, as typed for whole numbers; pinned to the Russian locale, a decimal comma in any program."""
    if key in KEY_QUANTITIES:
        return quantity_format(KEY_QUANTITIES[key])
    if pd.api.types.is_float_dtype(values):
        return "[$-419]0.0##"
    return None


def write_sheets(tables: dict[str, pd.DataFrame], path: Path | str,
                 formats: dict[str, list[str | None]] | None = None) -> Path:
    """A sheet per table, each as `write_xlsx` lays out its one; `formats`: a sheet's number format per column.
    Written in openpyxl's write-only mode: each row is streamed to the sheet's file as it is made, so no sheet
    of 50 000 rows is ever held as cell objects."""
    book = Workbook(write_only=True)
    for sheet, frame in tables.items():
        _sheet(book.create_sheet(sheet[:31]), frame, (formats or {}).get(sheet))
    save_deterministic(book, path)
    return Path(path)


def _sheet(ws, frame: pd.DataFrame, formats: list[str | None] | None = None) -> None:
    """Everything written above the rows (widths, frozen header, fit to page) is set before the first row."""
    rows = frame.itertuples(index=False)
    first = list(itertools.islice(rows, 200))  # widths from the first 200 rows' values
    for i, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column)) // 2, *(len(str(row[i - 1])) for row in first)], default=8)
        ws.column_dimensions[get_column_letter(i)].width = min(max(8, longest + 2), 50)
    ws.freeze_panes = "A2"
    _print_setup(ws)
    last = f"{get_column_letter(len(frame.columns))}{len(frame) + 1}" if len(frame.columns) else "A1"
    used_range(ws, f"A1:{last}")  # the <dimension> a sheet held whole states
    # a table without columns: its header row an empty bold cell, as a sheet held whole made it, and no other row
    head = [WriteOnlyCell(ws, _cell(str(c))) for c in frame.columns] or [WriteOnlyCell(ws)]
    for cell in head:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.append(head)
    if not len(frame.columns):
        return
    ws.auto_filter.ref = f"A1:{last}"
    formats = formats or [None] * len(frame.columns)
    for row in itertools.chain(first, rows):
        cells = [WriteOnlyCell(ws, _cell(v)) for v in row]  # every cell, an empty one too, is written
        for cell, shown in zip(cells, formats, strict=False):  # formats set once the row's cells are made
            if isinstance(cell.value, dt.date):
                cell.number_format = DATE_FORMAT
            elif shown and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = shown
        ws.append(cells)


def _print_setup(ws) -> None:
    """Printed as the protocols are: A4 landscape fitted to the page's width, the header row on every page, the
    page numbers in the footer."""
    ws.print_title_rows = "1:1"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = 9  # A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.oddFooter.center.text = "Страница &P из &N"
    ws.oddFooter.center.size = 8


def _cell(value: object) -> object:
    if isinstance(value, str):  # most cells: what the checks below come to for text, without them
        return spreadsheet_cell(value)
    if value is None or (pd.api.types.is_scalar(value) and not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        value = value.item()
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return spreadsheet_cell(value)
