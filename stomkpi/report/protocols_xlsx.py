"""The protocols as a printable .xlsx: one sheet per protocol, with the forms' headings and signature lines."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.page import PageMargins

from ..safe import clean, spreadsheet_cell
from ..sheets import save_deterministic
from .words import month_words

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def write_protocols(path: Path | str, period: str, clinic: str,
                    departments: dict[str, dict[str, pd.DataFrame]],
                    commission: dict[str, pd.DataFrame]) -> None:
    """Write Приложение 3 for every department and Приложение 4 for the clinic, a sheet each."""
    book = Workbook()
    book.remove(book.active)
    when = month_words(period)
    for department, tables in departments.items():
        ws = book.create_sheet(_sheet_name(f"П3 {department}"))
        heading = [
            "Приложение № 3",
            "Протокол № ____ от «__» ________ 20__ г.",
            f"заседания совета трудового коллектива: {department}",
            clinic,
            f"о премировании за {when}",
            "Присутствовали _____ человек.",
            f"Повестка дня: премирование работников за {when}. С учетом производственной нагрузки на фактически "
            "отработанные дни, качественных показателей работы и других критериев оценки деятельности "
            "медицинских работников установить показатели для выплаты премии:",
        ]
        _fill(ws, heading, tables, ["Заведующий отделением ____________________ (ФИО)"])
    ws = book.create_sheet("П4 Комиссия")
    heading = [
        "Приложение № 4",
        "«УТВЕРЖДАЮ» Главный врач ____________________",
        "ПРОТОКОЛ № ___ от «___» _______ 20___ года",
        "заседания комиссии по контролю за реализацией мероприятий по повышению доступности "
        "амбулаторной медицинской помощи",
        clinic,
        f"за {when}",
        "Присутствовали ___ человек.",
        f"Повестка дня: подведение итогов оценки деятельности врачей-специалистов и средних медицинских "
        f"работников за {when}. С учётом итоговых баллов оценки деятельности специалистов и базовых ставок "
        "по ОМС установить коэффициент денежных выплат стимулирующего характера:",
    ]
    _fill(ws, heading, commission, ["Члены комиссии:"] + ["____________________________"] * 5)
    save_deterministic(book, path)


def _sheet_name(text: str) -> str:
    text = clean(text)
    for ch in "[]:*?/\\":
        text = text.replace(ch, " ")
    return text[:31]


def _fill(ws, heading: list[str], tables: dict[str, pd.DataFrame], signatures: list[str]) -> None:
    width = max(len(t.columns) for t in tables.values())
    for line in heading:
        ws.append([spreadsheet_cell(line)])
        ws.merge_cells(start_row=ws.max_row, start_column=1, end_row=ws.max_row, end_column=width)
        ws.cell(ws.max_row, 1).alignment = Alignment(wrap_text=True, horizontal="center")
        ws.row_dimensions[ws.max_row].height = 15 * max(1, len(line) // 90 + 1)
    for title, table in tables.items():
        ws.append([])
        ws.append([spreadsheet_cell(f"{title}:")])
        ws.cell(ws.max_row, 1).font = Font(bold=True)
        ws.append(list(table.columns))
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
            cell.border = _BOX
        if table.empty:
            ws.append(["—"])
        for rec in table.itertuples(index=False):
            ws.append([_plain(v) for v in rec])
            for cell in ws[ws.max_row]:
                cell.border = _BOX
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    ws.append([])
    for line in signatures:
        ws.append([spreadsheet_cell(line)])
    widths = {1: 6, 2: 34}
    for col in range(1, width + 1):
        ws.column_dimensions[get_column_letter(col)].width = widths.get(col, 16)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.6, bottom=0.6)


def _plain(v: object) -> object:
    """A cell value: whole numbers without .0, text that never starts a formula."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return spreadsheet_cell(v.item() if hasattr(v, "item") else v)
