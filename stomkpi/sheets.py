"""Reading people-filled workbooks (xlsx, or a folder of CSV files named after the sheets).

Theory of operation: a workbook is described by `Sheet` specs, each a tuple of `Column` specs
(Russian header, English aliases, type, range). `read_workbook` returns one typed DataFrame per
sheet, with the spreadsheet row number of every record in `_row`, and a list of every problem
found (sheet, row, column, what was expected). It never raises on bad cells: callers add their
own cross-sheet checks to the same list and raise `InputError` once, with everything.

Bounds: the file is read as `bounded` allows (a regular file within its kind's limit); a sheet's used
range within `MAX_ROWS` × `MAX_COLUMNS`; a text cell within its column's `max_length` (a longer one is
refused, not carried into a protocol or a PDF); a cell a message quotes is cut at `config.SHOWN`
characters; a cell covered by a merged range is a problem of its own (the value is in one row only).
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import os
import re
import shutil
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from io import BytesIO, StringIO
from itertools import islice
from pathlib import Path

import pandas as pd

from stomkpi import bounded
from stomkpi.config import shown
from stomkpi.errors import Problem
from stomkpi.hints import near_sheet
from stomkpi.text import decimal, match_key

ROW = "_row"
_KIND_WORDS = {
    "str": "текст",
    "id": "табельный номер",
    "int": "целое число",
    "float": "число",
    "date": "дата (ГГГГ-ММ-ДД или ДД.ММ.ГГГГ)",
    "bool": "«да» или «нет»",
    "money": "число рублей, не больше двух знаков после запятой (копейки)",
}
# The longest text a cell may hold, unless its column says otherwise: no name, title or reason of a clinic comes
# near it, and a longer one (a whole document pasted into a cell) would not fit a protocol or a PDF page.
MAX_TEXT_LENGTH = 1000
MAX_ID_LENGTH = 30  # a staff number is a few digits
_TRUE = {"да", "yes", "true", "1", "д", "y"}
_FALSE = {"нет", "no", "false", "0", "н", "n"}


@dataclass(frozen=True)
class Column:
    """One column: its Russian header, the DataFrame field it fills, its type and range."""

    name: str
    key: str
    kind: str = "str"
    required: bool = True  # the column must be present and every cell filled
    default: object = None  # used for empty cells when not required
    low: float | None = None
    high: float | None = None
    low_open: bool = False  # True: the value must be strictly greater than `low`
    aliases: tuple[str, ...] = ()
    hint: str = ""  # what the analyst writes here, for the template's instruction sheet
    max_length: int | None = None  # of a text or id cell; by default MAX_TEXT_LENGTH, MAX_ID_LENGTH

    def headers(self) -> tuple[str, ...]:
        return (self.name, self.key, *self.aliases)

    def longest(self) -> int | None:
        """The longest text the column's cells may hold (None: not a text column)."""
        default = {"str": MAX_TEXT_LENGTH, "id": MAX_ID_LENGTH}.get(self.kind)
        return (self.max_length or default) if default else None


@dataclass(frozen=True)
class Sheet:
    """One sheet: its name, English aliases and columns."""

    name: str
    columns: tuple[Column, ...]
    required: bool = True
    aliases: tuple[str, ...] = ()
    hint: str = ""

    def names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


@dataclass
class Workbook:
    """The typed tables of one workbook and every problem found while reading it."""

    source: str
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    present: set[str] = field(default_factory=set)
    # (sheet as named in the file) -> (row, column index) -> why the cell holds no value (error, formula)
    cell_notes: dict[str, dict[tuple[int, int], str]] = field(default_factory=dict)
    missing_columns: set[tuple[str, str]] = field(default_factory=set)  # (sheet, column key) absent from the header
    others: list[str] = field(default_factory=list)  # the file's sheets that no spec names, as named in the file
    unreadable: bool = False  # the file itself could not be read: nothing else is worth checking


def read_workbook(path: Path | str, sheets: Sequence[Sheet], *, what: str = "книга",
                  limit: int = bounded.WORKBOOK_LIMIT) -> Workbook:
    """Read and type every sheet of `sheets` from an .xlsx file or a folder of CSV files.

    Only the sheets asked for are read, and only after their used range is known to be within
    `MAX_ROWS` × `MAX_COLUMNS`: a stray value in XFD1048576 is reported, not allocated. A file that
    is missing, is not a workbook, or is not a regular file of at most `limit` bytes (`what` names it
    in the message) is one problem without a sheet.
    """
    path = Path(path)
    wb = Workbook(source=str(path))
    raw: dict[str, list[tuple]] = {}
    wanted = [match_key(n) for spec in sheets for n in spec.names()]
    if not bounded.is_present(path):
        wb.problems.append(Problem(None, None, None, f"файл или папка {path} не найдены"))
    elif path.is_dir():
        raw = _read_csv_folder(path, wanted, wb.problems, wb.others)
    elif problem := _not_readable(path, what, limit):
        wb.problems.append(Problem(None, None, None, problem))
    elif path.suffix.lower() not in (".xlsx", ".xlsm"):
        wb.problems.append(Problem(None, None, None, (
            f"файл {path.name} — не книга Excel: нужен файл .xlsx (или папка с CSV-файлами листов)")))
    else:
        try:
            raw, wb.cell_notes = _read_xlsx(path, wanted, wb.problems, wb.others)
        except Exception:  # a corrupt file: say so in Russian, never a traceback
            wb.problems.append(Problem(None, None, None, (
                f"файл {path.name} не удалось прочитать как книгу Excel .xlsx: он повреждён или сохранён в другом "
                "формате; откройте его в Excel и сохраните как «Книга Excel (.xlsx)»")))
    if wb.problems:
        wb.tables = {spec.name: _empty(spec) for spec in sheets}
        wb.unreadable = True
        return wb
    by_key = {match_key(name): (name, rows) for name, rows in raw.items()}
    for spec in sheets:
        found = next((by_key[k] for k in map(match_key, spec.names()) if k in by_key), None)
        if found is None:
            _absent(spec, wb)
            wb.tables[spec.name] = _empty(spec)
            continue
        name, rows = found
        wb.present.add(spec.name)
        wb.tables[spec.name] = _type_sheet(spec, rows, wb.problems, wb.cell_notes.get(name, {}), wb.missing_columns)
    return wb


def _absent(spec: Sheet, wb: Workbook) -> None:
    """A sheet not in the book: a problem when it is required, and also when a sheet of the book is named nearly
    like it (its rows would be left out without a word); the message names that sheet."""
    near = near_sheet(spec.names(), wb.others)
    if near is not None:
        wb.others.remove(near)
        rename = f"если это лист «{spec.name}», переименуйте его в «{spec.name}»"
        if spec.required:
            wb.problems.append(Problem(spec.name, None, None, f"нет такого листа в книге; есть лист «{near}»: {rename}"))
        else:
            wb.problems.append(Problem(near, None, None, f"такого листа книга не знает, и его строки не прочитаны; "
                                       f"{rename}"))
    elif spec.required:
        wb.problems.append(Problem(spec.name, None, None, "нет такого листа в книге"))


def _not_readable(path: Path, what: str, limit: int) -> str | None:
    try:
        bounded.check_file(path, what, limit)
    except bounded.UnreadableFile as exc:
        return str(exc)
    return None


def _empty(spec: Sheet) -> pd.DataFrame:
    return pd.DataFrame({c.key: pd.Series(dtype=_dtype(c.kind)) for c in spec.columns} | {ROW: []})


def _dtype(kind: str) -> str:
    return {"int": "float64", "float": "float64", "date": "datetime64[ns]", "bool": "bool", "money": "object"}.get(
        kind, "object"
    )


MAX_ROWS = 500_000
MAX_COLUMNS = 100


def _read_xlsx(path: Path, wanted: list[str], problems: list[Problem], others: list[str]):
    """The rows of the wanted sheets, and the cells that hold an error or an uncached formula; the names of the
    other sheets go into `others`."""
    # calamine (Rust) reads cell values some 30× faster than openpyxl; writing stays with openpyxl.
    # It allocates the whole used range at once, so the range is measured first (`xlsx_scan`).
    from python_calamine import CalamineWorkbook

    from stomkpi.xlsx_scan import scan_sheets

    scans = scan_sheets(path, wanted)
    book = CalamineWorkbook.from_path(str(path))
    out, notes = {}, {}
    for name in book.sheet_names:
        if match_key(name) not in wanted:
            others.append(name)
            continue
        scan = scans.get(name)
        if scan is None:
            continue
        if scan.rows > MAX_ROWS or scan.columns > MAX_COLUMNS:
            problems.append(Problem(name, None, None, (
                f"заполненная область доходит до ячейки {scan.last_cell} ({scan.rows} строк × {scan.columns} столбцов), "
                f"а допускается не больше {MAX_ROWS} строк и {MAX_COLUMNS} столбцов: удалите лишние ячейки ниже и "
                "правее таблицы")))
            continue
        sheet = book.get_sheet_by_name(name)
        out[name] = [tuple(row) for row in sheet.to_python()]
        notes[name] = {**_merged_notes(getattr(sheet, "merged_cell_ranges", None) or [], len(out[name])), **scan.notes}
    return out, notes


# A cell of a merged range other than its first: no problem of its own (its range is one problem, on the first of them)
COVERED = ""
_MERGED_NOTES = 10_000  # beyond so many covered cells, the rest of a sheet's merges read as blank cells


def _merged_notes(ranges: list, rows: int) -> dict[tuple[int, int], str]:
    """Notes for the cells merged ranges cover: the value is in the range's first cell only, the others look empty.
    Keyed by (spreadsheet row, column index), as the scan's notes; only within the sheet's `rows` and columns."""
    from openpyxl.utils import get_column_letter

    notes: dict[tuple[int, int], str] = {}
    for (r0, c0), (r1, c1) in ranges:
        first = f"{get_column_letter(c0 + 1)}{r0 + 1}"
        span = f"{first}:{get_column_letter(c1 + 1)}{r1 + 1}"
        cells = ((r + 1, c) for r in range(r0, min(r1, rows - 1) + 1) for c in range(c0, min(c1, MAX_COLUMNS - 1) + 1)
                 if (r, c) != (r0, c0))
        for i, key in enumerate(islice(cells, _MERGED_NOTES - len(notes))):
            notes[key] = COVERED if i else (
                f"ячейки {span} объединены, и значение есть только в {first}: разъедините их и впишите значение "
                "в каждую строку")
    return notes


def _read_csv_folder(path: Path, wanted: list[str], problems: list[Problem], others: list[str]) -> dict[str, list[tuple]]:
    out = {}
    for f in sorted(path.glob("*.csv")):
        if match_key(f.stem) not in wanted:
            others.append(f.stem)
            continue
        try:
            fh = StringIO(bounded.read_bytes(f, f"лист «{f.stem}»: файл", bounded.CSV_SHEET_LIMIT).decode("utf-8-sig"),
                          newline="")
        except bounded.UnreadableFile as exc:
            problems.append(Problem(None, None, None, str(exc)))
            continue
        except UnicodeDecodeError:
            problems.append(Problem(f.stem, None, None, f"файл {f.name} не в кодировке UTF-8: сохраните его как «CSV UTF-8»"))
            continue
        sample = fh.read(4096)
        fh.seek(0)
        delim = ";" if sample.count(";") > sample.count(",") else ","
        rows = []
        for r in csv.reader(fh, delimiter=delim):
            rows.append(tuple(r))
            if len(rows) > MAX_ROWS or len(r) > MAX_COLUMNS:
                problems.append(Problem(f.stem, len(rows), None, (
                    f"допускается не больше {MAX_ROWS} строк и {MAX_COLUMNS} столбцов")))
                break
        out[f.stem] = rows
    return out


def _blank(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v)) or (isinstance(v, str) and not v.strip())


def _type_sheet(spec: Sheet, rows: list[tuple], problems: list[Problem], notes: dict[tuple[int, int], str],
                missing: set[tuple[str, str]]) -> pd.DataFrame:
    if not rows:
        rows = [()]
    header = [match_key(h) if not _blank(h) else "" for h in rows[0]]
    where: dict[str, int] = {}
    for col in spec.columns:
        idx = next((header.index(k) for k in map(match_key, col.headers()) if k in header), None)
        if idx is None:
            missing.add((spec.name, col.key))
            if col.required:
                problems.append(Problem(spec.name, 1, col.name, "нет такого столбца в заголовке"))
        else:
            where[col.key] = idx
    data: dict[str, list] = {c.key: [] for c in spec.columns}
    data[ROW] = []
    absent = [(data[c.key].append, c.default) for c in spec.columns if c.key not in where]
    # (column, index, its values, the plain reading of its kind, whether it has a range, its longest text, the texts
    # read so far: a text that recurs on many rows — a kind, a department, a person's number — is kept once)
    present = [(c, where[c.key], data[c.key], _PLAIN[c.kind],
                c.kind in ("int", "float", "money") and (c.low is not None or c.high is not None), c.longest(), {})
               for c in spec.columns if c.key in where]
    numbered = data[ROW].append
    for n, row in enumerate(rows[1:], start=2):
        if all(_blank(v) for v in row):
            continue
        numbered(n)
        for fill, default in absent:  # what `_cell` gives a column not in the header: its default, no problem
            fill(default)
        width = len(row)
        for col, idx, values, plain, ranged, longest, texts in present:
            if notes:
                note = notes.get((n, idx))
                if note is not None:
                    if note:  # a covered cell of a merged range: its range is reported once
                        problems.append(Problem(spec.name, n, col.name, note))
                    values.append(col.default)
                    continue
            raw = row[idx] if idx < width else None
            value = plain(raw)
            if value is _SLOW:
                value = _cell(spec.name, n, col, raw, problems, True)
            elif ranged:
                message = _range_message(col, value)
                if message:
                    problems.append(Problem(spec.name, n, col.name, message))
            if longest and type(value) is str and len(value) > longest:
                problems.append(Problem(spec.name, n, col.name, (
                    f"текст длиной {len(value)} знаков, а допускается не длиннее {longest}: сократите его")))
                value = col.default
            if type(value) is str:
                value = texts.setdefault(value, value)
            values.append(value)
    frame = pd.DataFrame(data)
    for col in spec.columns:
        if col.kind == "date":
            frame[col.key] = pd.to_datetime(frame[col.key])
        elif col.kind in ("int", "float"):
            frame[col.key] = pd.to_numeric(frame[col.key], errors="coerce").astype("float64")
    return frame


# The reading of the cells that fill most of a workbook (text, a finite number, a whole staff number, a date
# cell, yes or no), exactly as `_cell` reads them when they are in range: on every row, `_cell` and `_convert` cost
# more than the rest of the sheet's typing. `_SLOW` sends anything else to `_cell`, which has every problem.
_SLOW = object()


def _plain_text(raw: object):
    if type(raw) is str:
        text = raw.strip()
        if text:
            return text
    return _SLOW


def _plain_float(raw: object):
    return raw if type(raw) is float and raw - raw == 0.0 else _SLOW  # nan - nan and inf - inf are nan


def _plain_int(raw: object):
    return raw if type(raw) is float and raw.is_integer() else _SLOW  # False for nan and inf


def _plain_id(raw: object):
    if type(raw) is float and raw.is_integer():
        return str(int(raw))
    if type(raw) is str and raw.strip():  # what is not blank keeps a character after dropping spaces
        return _text_staff_number(raw)
    return _SLOW


@lru_cache(maxsize=4096)
def _text_staff_number(raw: str) -> str | None:
    """`staff_number` of a text cell: a staff number typed as text recurs on every row of its person."""
    return staff_number(raw)


def _plain_bool(raw: object):
    if type(raw) is str and raw.strip():
        key = match_key(raw)
        if key in _TRUE:
            return True
        if key in _FALSE:
            return False
    return _SLOW


def _plain_date(raw: object):
    kind = type(raw)
    return raw.date() if kind is dt.datetime else raw if kind is dt.date else _SLOW


def _plain_money(raw: object):
    return _SLOW  # a sum is read exactly, from the cell's text or number, by `_convert`


_PLAIN = {"str": _plain_text, "float": _plain_float, "int": _plain_int, "id": _plain_id, "date": _plain_date,
          "bool": _plain_bool, "money": _plain_money}


def _cell(sheet: str, row: int, col: Column, raw: object, problems: list[Problem], present: bool):
    if _blank(raw):
        if col.required and present:
            problems.append(Problem(sheet, row, col.name, f"пустая ячейка: нужно {_KIND_WORDS[col.kind]}"))
        return col.default
    value = _convert(col.kind, raw)
    if value is None:
        problems.append(
            Problem(sheet, row, col.name, f"ожидалось {_KIND_WORDS[col.kind]}, а записано «{shown(raw)}»")
        )
        return col.default
    if col.kind in ("int", "float", "money"):
        message = _range_message(col, value)
        if message:
            problems.append(Problem(sheet, row, col.name, message))
    return value


def _range_message(col: Column, value: float) -> str | None:
    if col.low is not None and (value <= col.low if col.low_open else value < col.low):
        rel = "больше" if col.low_open else "не меньше"
        return f"значение {decimal(value)} вне допустимого: нужно {rel} {decimal(col.low)}"
    if col.high is not None and value > col.high:
        return f"значение {decimal(value)} вне допустимого: нужно не больше {decimal(col.high)}"
    return None


def _convert(kind: str, raw: object):
    if kind == "id":
        return staff_number(raw)
    if kind == "str":
        if isinstance(raw, float) and raw.is_integer():
            return str(int(raw))
        return str(raw).strip()
    if kind in ("int", "float"):
        if isinstance(raw, bool):
            return None
        if isinstance(raw, (int, float)):
            num = float(raw)
        else:
            try:
                num = float(str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", "."))
            except ValueError:
                return None
        if math.isnan(num) or math.isinf(num):
            return None
        if kind == "int" and not num.is_integer():
            return None
        return num
    if kind == "money":
        return money(raw)
    if kind == "date":
        return _to_date(raw)
    if kind == "bool":
        key = match_key(raw)
        return True if key in _TRUE else False if key in _FALSE else None
    raise ValueError(f"unknown column kind {kind!r}")


_MONEY_TEXT = re.compile(r"^-?\d+(\.\d+)?$")


def money(raw: object) -> Decimal | None:
    """A sum of roubles exactly as the cell holds it — a number cell by its shortest decimal form (1234.56, never
    1234.5599999…), a text cell with a comma or a point and spaces between thousands — with at most two decimals;
    None otherwise. Never through float arithmetic."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        if math.isnan(raw) or math.isinf(raw):
            return None
        text = repr(raw)
    else:
        text = str(raw).strip().replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not _MONEY_TEXT.match(text):  # «1e+16», «12 руб.»
        return None
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value == value.quantize(Decimal("0.01")) else None


_NUMBER_TEXT = re.compile(r"^(\d+)\.0+$")


def staff_number(raw: object) -> str | None:
    """A staff number as text, the same however it was typed: 101, 101.0 (a number cell) and «101.0»
    (text) are «101»; leading zeros of a text cell are kept («01002»); spaces are dropped."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else None
    if isinstance(raw, int):
        return str(raw)
    text = "".join(str(raw).split())
    m = _NUMBER_TEXT.match(text)
    return (m.group(1) if m else text) or None


def _to_date(raw: object) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    s = str(raw).strip()
    for fmt in ("%Y-%m-%d", "%d.%m.%Y", "%Y-%m-%d %H:%M:%S", "%d.%m.%y"):
        try:
            return dt.datetime.strptime(s, fmt).date()
        except ValueError:
            continue
    return None


def write_workbook(path: Path | str, tables: Iterable[tuple[Sheet, pd.DataFrame]]) -> None:
    """Write tables under their sheets' Russian headers (column keys -> headers), deterministically."""
    from openpyxl import Workbook as XlBook

    book = XlBook()
    book.remove(book.active)
    for spec, frame in tables:
        ws = book.create_sheet(spec.name)
        ws.append([c.name for c in spec.columns])
        keys = [c.key for c in spec.columns]
        for rec in frame.reindex(columns=keys).itertuples(index=False):
            ws.append([_xl(v) for v in rec])
        for i, c in enumerate(spec.columns, start=1):
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(12, len(c.name) + 2)
    save_deterministic(book, path)


def _xl(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.date()
    if hasattr(v, "item"):
        return v.item()
    return v


_FIXED_TIME = dt.datetime(2000, 1, 1)


def save_deterministic(book, path: Path | str) -> None:
    """Save an openpyxl workbook so that the same content gives byte-identical files."""
    from openpyxl.writer.excel import ExcelWriter

    book.properties.created = _FIXED_TIME
    book.properties.modified = _FIXED_TIME  # openpyxl's own `save` would stamp the time of saving
    book.properties.creator = "stomkpi"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # the temporary file is a sibling of the target, and does not outlive a failure
    out = path.with_name(f".{path.name}.{os.getpid()}.zip.tmp")
    if book.write_only and not book.worksheets:  # as openpyxl's own `save`: a workbook has a sheet
        book.create_sheet()
    try:
        with _FixedTimeZip(out, "w", allowZip64=True) as archive:
            ExcelWriter(book, archive).save()
        out.replace(path)
    finally:
        out.unlink(missing_ok=True)


class _FixedTimeZip(zipfile.ZipFile):
    """A zip whose members all carry one fixed time (2000-01-01): openpyxl stamps each with the time of saving.
    Written in one pass, instead of saving the workbook and copying every member again."""

    @staticmethod
    def member(name: str) -> zipfile.ZipInfo:
        """A member's header: the fixed time, deflated, read-write for the owner."""
        info = zipfile.ZipInfo(name, date_time=(2000, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o600 << 16
        return info

    def writestr(self, name, data, compress_type=None, compresslevel=None):
        if not isinstance(name, zipfile.ZipInfo):
            name = self.member(name)
        super().writestr(name, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        """A member from a file (openpyxl's worksheets, copied in parts: a sheet of 50 000 rows is 170 MB of XML)
        or from memory (`report.printable`'s)."""
        if isinstance(filename, BytesIO):
            self.writestr(arcname, filename.getvalue())
            return
        info = self.member(arcname)
        info.file_size = os.path.getsize(filename)  # as `writestr` sets it: the same header, the same bytes
        with open(filename, "rb") as source, self.open(info, mode="w") as member:
            shutil.copyfileobj(source, member, 1 << 20)
