"""The protocols as a printable workbook: a sheet per protocol (Приложение 3 for every department,
Приложение 4 for the clinic; each with every staff section of `protocols`), with the forms' headings, tables and
signature lines, laid out for A4 landscape by `printable.PrintedSheet`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from stomkpi.report.printable import (
    GENERAL,
    POINTS_PER_UNIT,
    PrintedSheet,
    new_book,
    sheet_title,
    text_width,
)
from stomkpi.report.words import month_words
from stomkpi.sheets import save_deterministic
from stomkpi.text import column_quantity
from stomkpi.text import number_format as quantity_format

SHEET_UNITS = 132.0  # column width units across a landscape A4 page (784 pt printable, a little spare)
TEXT_CAP = 190.0  # pt: a text column wider than this wraps rather than widening further


def write_protocols(path: Path | str, period: str, clinic: str,
                    departments: dict[str, dict[str, pd.DataFrame]],
                    commission: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Write Приложение 3 for every department given and Приложение 4 for the clinic, a sheet each.
    Returns the number of printed pages of each sheet, as the layout cut them."""
    book = new_book()
    taken: set[str] = set()
    pages = {}
    when = month_words(period)
    for department, tables in departments.items():
        sheet = _sheet(book, sheet_title(f"П3 {department}", taken), tables)
        sheet.line("Приложение № 3", align="right")
        sheet.line("Протокол № ____ от «__» ________ 20__ г.", bold=True)
        sheet.line(f"заседания совета трудового коллектива: {department}")
        sheet.line(clinic)
        sheet.line(f"о премировании за {when}")
        sheet.line("Присутствовали _____ человек.", align="left")
        sheet.line(f"Повестка дня: премирование работников за {when}. С учетом производственной нагрузки на "
                   "фактически отработанные дни, качественных показателей работы и других критериев оценки "
                   "деятельности медицинских работников установить показатели для выплаты премии:", align="left")
        _tables(sheet, tables)
        sheet.blank()
        sheet.block(["Заведующий отделением ____________________ (ФИО)          Подпись ____________"])
        pages[sheet.ws.title] = sheet.pages
    sheet = _sheet(book, sheet_title("П4 Комиссия", taken), commission)
    sheet.line("Приложение № 4", align="right")
    sheet.line("«УТВЕРЖДАЮ» Главный врач ____________________", align="right")
    sheet.line("ПРОТОКОЛ № ___ от «___» _______ 20___ года", bold=True)
    sheet.line("заседания комиссии по контролю за реализацией мероприятий по повышению доступности "
               "амбулаторной медицинской помощи")
    sheet.line(clinic)
    sheet.line(f"за {when}")
    sheet.line("Присутствовали ___ человек.", align="left")
    sheet.line(f"Повестка дня: подведение итогов оценки деятельности врачей-специалистов, средних и младших "
               f"медицинских работников и прочего персонала за {when}. С учётом итоговых баллов оценки деятельности "
               "специалистов и базовых ставок по ОМС установить коэффициент денежных выплат стимулирующего характера:",
               align="left")
    _tables(sheet, commission)
    sheet.blank()
    sheet.block(["Председатель комиссии ____________________", "Члены комиссии:"]
                + ["____________________________"] * 5)
    pages[sheet.ws.title] = sheet.pages
    save_deterministic(book, path)
    return pages


def _sheet(book, title: str, tables: dict[str, pd.DataFrame]) -> PrintedSheet:
    return PrintedSheet(book, title, column_widths(_widest(tables)))


def _widest(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The rows of every table with the most columns, under the first one's headers: the sheet's columns fit them all
    (a form's staff sections share their columns, but not always their headers)."""
    most = max(len(t.columns) for t in tables.values())
    wide = [t for t in tables.values() if len(t.columns) == most]
    return pd.concat([wide[0], *(t.set_axis(wide[0].columns, axis=1) for t in wide[1:] if len(t))], ignore_index=True)


def _tables(sheet: PrintedSheet, tables: dict[str, pd.DataFrame]) -> None:
    for title, table in tables.items():
        sheet.blank()
        rows = table.to_numpy(dtype=object).tolist()
        sheet.table(f"{title}:", list(table.columns), rows, spans=spans(list(table.columns), len(sheet.widths)),
                    empty="нет", formats=[number_format(c) for c in table.columns])


def number_format(column: str) -> str:
    """A form's column's number format: its quantity's (`text.column_quantity`), else the general one."""
    quantity = column_quantity(column)
    return GENERAL if quantity is None else quantity_format(quantity)


def spans(columns: list[str], width: int) -> list[int]:
    """How many sheet columns each table column takes: a narrower table widens its text column
    («Причина», else the name) so that its numbers stay under the sheet's numbers."""
    out = [1] * len(columns)
    if len(columns) < width:
        wide = next((i for i, c in enumerate(columns) if "Причина" in c), 1)
        out[wide] += width - len(columns)
    return out


def column_widths(table: pd.DataFrame, total: float = SHEET_UNITS) -> list[float]:
    """Widths in column units: every header word and every number fits whole, text columns get the rest."""
    need, text = [], []
    for column in table.columns:
        values = table[column]
        is_text = values.dtype == object and values.map(lambda v: isinstance(v, str)).any()
        head = max((text_width(w, bold=True) for w in str(column).split()), default=10.0)
        cells = pd.unique(values.astype(str))
        longest = max((text_width(v) for v in cells), default=10.0)
        need.append(max(head, min(longest, TEXT_CAP)) + 10.0)
        text.append(is_text)
    units = [n / POINTS_PER_UNIT for n in need]
    spare = total - sum(units)
    if spare > 0:  # the text columns take what is left, in proportion to their need
        weights = [u if t else 0.0 for u, t in zip(units, text, strict=True)]
        if not sum(weights):
            weights = units
        units = [u + spare * w / sum(weights) for u, w in zip(units, weights, strict=True)]
    return [round(u, 2) for u in units]
