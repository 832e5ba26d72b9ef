"""A streaming pass over an .xlsx sheet's XML before it is loaded: its used range, and the cells a
reader of values alone would misreport.

Why: calamine allocates a sheet's whole used range at once, so one value in XFD1048576 asks for
hundreds of gigabytes and aborts the process; and it reads an error cell (#DIV/0!) or a formula
saved without its value as an empty cell. Here the sheet XML is streamed (never held whole), so
the range is known before any allocation and each such cell can be named in Russian.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import iterparse

from .text import match_key

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
_REF = re.compile(r"([A-Z]{1,3})(\d+)")


@dataclass
class SheetScan:
    rows: int = 0
    columns: int = 0
    last_cell: str = "A1"
    notes: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, 0-based column) -> problem


def scan_sheets(path: Path, wanted: list[str]) -> dict[str, SheetScan]:
    """For each sheet whose name's match key is in `wanted`: its extent and its unreadable cells."""
    out = {}
    with zipfile.ZipFile(path) as z:
        for name, member in _sheet_members(z).items():
            if match_key(name) in wanted and member in z.namelist():
                with z.open(member) as fh:
                    out[name] = _scan(fh)
    return out


def _sheet_members(z: zipfile.ZipFile) -> dict[str, str]:
    rels = {}
    with z.open("xl/_rels/workbook.xml.rels") as fh:
        for _, el in iterparse(fh):
            if el.tag.endswith("Relationship"):
                target = el.get("Target", "")
                rels[el.get("Id")] = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    sheets = {}
    with z.open("xl/workbook.xml") as fh:
        for _, el in iterparse(fh):
            if el.tag == f"{_MAIN}sheet":
                sheets[el.get("name")] = rels.get(el.get(_REL), "")
    return sheets


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _scan(fh) -> SheetScan:
    scan = SheetScan()
    for _, el in iterparse(fh):
        if el.tag != f"{_MAIN}c":
            if el.tag == f"{_MAIN}row":
                el.clear()
            continue
        m = _REF.fullmatch(el.get("r", ""))
        if m:
            col, row = _column_number(m.group(1)), int(m.group(2))
            scan.rows, scan.columns = max(scan.rows, row), max(scan.columns, col)
            value = el.find(f"{_MAIN}v")
            if el.get("t") == "e":
                text = value.text if value is not None else "ошибка"
                scan.notes[(row, col - 1)] = f"в ячейке ошибка формулы «{text}»: нужно значение"
            elif el.find(f"{_MAIN}f") is not None and (value is None or value.text is None):
                scan.notes[(row, col - 1)] = ("формула без сохранённого значения: откройте книгу в Excel и сохраните "
                                              "её или впишите значение вместо формулы")
        el.clear()
    scan.last_cell = _cell_name(scan.rows, scan.columns)
    return scan


def _cell_name(row: int, col: int) -> str:
    letters = ""
    while col:
        col, rem = divmod(col - 1, 26)
        letters = chr(65 + rem) + letters
    return f"{letters or 'A'}{row or 1}"
