"""Worksheets that print: the paging of the protocols and the cards' workbook, done here rather than left
to the spreadsheet program.

Theory of operation: a `PrintedSheet` writes rows in openpyxl's write-only mode (streamed, so 50 000
employees write in seconds; each row's XML written as text, each sheet kept in memory, the workbook of
`new_book` saved by `sheets.save_deterministic`) and lays them out as a printer would. Every row gets an
explicit height from its wrapped text — the text measured with the font's own advance widths (DejaVu Sans, which the
sheet uses and the PDF and LibreOffice have) and wrapped greedily at the column's width — because
neither Excel nor LibreOffice grows a row when it opens a file. Pages are cut here too: a table that
does not fit gets a page break and its header row again on the next page, so every page of every
table carries its header; a heading is never left alone at a page's foot, and the signature lines
stay together. Page numbers are in the footer, the paper is A4, fitted to the page's width.

Editing rule: every value goes through `_value` (input text as data: `stomkpi.safe.clean` and
`starts_formula`, shown as typed under the quote-prefix style), and nowhere else;
the page and font numbers below are the only layout constants; a sheet's properties, views, columns, print options,
margins, page setup and footer are written once per book and layout (`_parts`), so they are set in `PrintedSheet`'s
constructor from its layout alone, never per sheet.
"""

from __future__ import annotations

import itertools
import math
import re
import weakref
from functools import lru_cache
from pathlib import Path
from weakref import WeakKeyDictionary

import matplotlib
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.pagebreak import Break

from stomkpi.report.adapters.openpyxl_internals import default_font, sheet_rows
from stomkpi.safe import clean, starts_formula
from stomkpi.sheets import save_deterministic

FONT_NAME = "DejaVu Sans"
FONT_SIZE = 9.0  # pt
LINE_HEIGHT = 1.3 * FONT_SIZE  # pt per line of wrapped text (DejaVu's own line is 1.16 em)
ROW_PADDING = 4.0  # pt above and below the text of a row
CELL_PADDING = 5.0  # pt of a column's width that text cannot use (the program's cell margins)
POINTS_PER_UNIT = 5.75  # a column width unit: a digit of the default font (DejaVu Sans 9 pt), in pt
A4 = (595.3, 841.9)  # pt
MARGINS = {"left": 0.4, "right": 0.4, "top": 0.5, "bottom": 0.7, "header": 0.2, "footer": 0.3}  # inches
PAGE_FILL = 0.9  # share of the printable height the paging fills: room for the printer's own rounding
WRAP_SAFETY = 0.97  # share of a column's width the wrapping assumes: a program may measure a little wider

# Number formats pinned to the Russian locale (`[$-419]`): LibreOffice prints a number in its format's language, so a
# coefficient reads «0,60» whatever the printing machine's locale (under en-US a plain format prints «0.60»).
# A quantity's decimals are `text.PLACES`' (`text.number_format`).
GENERAL = "[$-419]General"

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


class _Advances(dict):
    """Advance widths of one font at 1 pt, by character (Latin, Cyrillic, punctuation, №: codes below
    U+2200; any other character 0.7 em), each measured when first asked for: a report uses a hundred-odd
    characters of the font's thousands, and measuring them all took a third of a CPU-second per process."""

    def __init__(self, font):
        super().__init__()
        self.font = font
        self.codes = {code for code in font.get_charmap() if code < 0x2200}

    def __missing__(self, ch: str) -> float:
        code = ord(ch)
        width = self.font.load_char(code).horiAdvance / 64 / 1000 if code in self.codes else 0.7
        self[ch] = width
        return width


@lru_cache(maxsize=1)
def _advances() -> tuple[_Advances, _Advances]:
    """Advance widths of DejaVu Sans and DejaVu Sans Bold at 1 pt, by character."""
    from matplotlib.ft2font import FT2Font

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    out = []
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font = FT2Font(str(folder / name))
        font.set_size(1000, 72)
        out.append(_Advances(font))
    return out[0], out[1]


def text_width(text: str, bold: bool = False, size: float = FONT_SIZE) -> float:
    """The width of `text` in pt."""
    widths = _advances()[1 if bold else 0]
    return size * sum(widths[ch] for ch in text)


@lru_cache(maxsize=200_000)
def line_count(text: str, width: float, bold: bool = False) -> int:
    """How many lines `text` takes in a cell `width` pt wide (wrapped as `wrap` does, with the cell's
    padding and a margin for the fonts of other programs)."""
    return len(wrap(text, max(width * WRAP_SAFETY - CELL_PADDING, 10.0), bold))


def wrap(text: str, width: float, bold: bool = False, size: float = FONT_SIZE) -> list[str]:
    """`text` wrapped greedily at spaces into lines of at most `width` pt; a longer word is cut."""
    return list(_wrap(str(text), width, bold, size))


@lru_cache(maxsize=4096)
def _wrap(text: str, width: float, bold: bool, size: float) -> tuple[str, ...]:
    """`wrap`, remembered: the cards wrap the same criterion and rule in the same column on every card."""
    space = text_width(" ", bold, size)
    lines = []
    for paragraph in text.split("\n"):
        line, x = [], 0.0
        for word in paragraph.split():
            w = text_width(word, bold, size)
            while w > width:  # a word longer than the line: cut it where the line ends
                if line:
                    lines.append(" ".join(line))
                    line, x = [], 0.0
                cut = _fits(word, width, bold, size)
                lines.append(word[:cut])
                word = word[cut:]
                w = text_width(word, bold, size)
            if line and x + space + w > width:
                lines.append(" ".join(line))
                line, x = [], 0.0
            x += (space if line else 0.0) + w
            line.append(word)
        lines.append(" ".join(line))
    return tuple(lines)


def _fits(word: str, width: float, bold: bool, size: float) -> int:
    """How many leading characters of `word` fit in `width` (at least one)."""
    widths, x = _advances()[1 if bold else 0], 0.0
    for i, ch in enumerate(word):
        x += size * widths[ch]
        if x > width:
            return max(i, 1)
    return len(word)


class PrintedSheet:
    """A write-only worksheet whose rows, heights and page breaks are laid out for printing."""

    def __init__(self, book: PrintedBook, title: str, widths: list[float], *, landscape: bool = True):
        if not isinstance(book, PrintedBook):
            raise TypeError("a printed sheet belongs to a workbook of `new_book()`")
        self.ws = book.create_sheet(title)
        self.widths = widths
        self.points = [w * POINTS_PER_UNIT for w in widths]
        self.row = 0
        self.pages = 1
        paper = A4[::-1] if landscape else A4
        printable = paper[1] - 72 * (MARGINS["top"] + MARGINS["bottom"])
        self.page_height = PAGE_FILL * printable
        self.used = 0.0
        ws = self.ws
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        ws.page_setup.orientation = "landscape" if landscape else "portrait"
        ws.page_setup.paperSize = 9  # A4
        ws.page_setup.fitToWidth = 1
        ws.page_setup.fitToHeight = 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.print_options.horizontalCentered = True
        ws.page_margins = PageMargins(**MARGINS)
        ws.oddFooter.center.text = "Страница &P из &N"
        ws.oddFooter.center.size = 8
        self._styles = _styles(book)
        self._letters = [get_column_letter(i) for i in range(1, len(widths) + 1)]
        # rows go to the sheet as they are: (value, style id) per cell, written as XML text (see `_row_xml`)
        self._rows = sheet_rows(ws, _parts(book, (tuple(widths), landscape)), self._row_xml, self._styles.cell)

    # rows ------------------------------------------------------------------------------------------

    def _height(self, cells: list[tuple[object, int, bool]]) -> float:
        """Row height for cells given as (value, columns spanned from the cell's column, bold)."""
        lines, col = 1, 0
        for value, span, bold in cells:
            # numbers are never wrapped: their columns are made wide enough for them
            if value is not None and value != "" and not isinstance(value, int | float):
                width = sum(self.points[col:col + span])
                lines = max(lines, line_count(_shown(value), width, bold))
            col += span
        return lines * LINE_HEIGHT + ROW_PADDING

    def _emit(self, cells: list[tuple[object, int]], height: float) -> None:
        self.row += 1
        self._rows.append(cells, round(height, 2))
        self.used += height

    def _row_xml(self, cells: list[tuple[object, str]], row_idx: int, height: float) -> str:
        """One row of the sheet's XML, as text: a cell is its value and its style's id. This is what
        openpyxl writes for a styled cell (with non-ASCII characters as character references, as its XML
        writer does), without a cell object or an XML element per value: those were the most of the time
        for 50 000 employees, and a third of the cards' workbooks."""
        row = f'<row r="{row_idx}" ht="{height}" customHeight="1"'
        xml = []
        for letter, (value, style) in zip(self._letters, cells, strict=False):
            if value is None:
                xml.append(f'<c r="{letter}{row_idx}" s="{style}"/>')
            elif isinstance(value, str):
                if isinstance(value, Quoted):  # text that would read as a formula: marked as text, shown as it is
                    style = self._styles.quoted(style)
                xml.append(f'<c r="{letter}{row_idx}" s="{style}" t="inlineStr"><is><t>{_inline(value)}</t></is></c>')
            else:
                xml.append(f'<c r="{letter}{row_idx}" s="{style}" t="n"><v>{value!r}</v></c>')
        return f"{row}>{''.join(xml)}</row>" if xml else f"{row}/>"

    def _break(self) -> None:
        self.ws.row_breaks.append(Break(id=self.row))
        self.pages += 1
        self.used = 0.0

    def _room(self, height: float) -> None:
        """Start a new page unless `height` more points fit on this one."""
        if self.used and self.used + height > self.page_height:
            self._break()

    def line(self, text: str, *, bold: bool = False, align: str = "center", keep: float = 0.0) -> None:
        """A line of text across the whole width (a merged cell), wrapped; `keep`: points that must follow on the page."""
        height = self._height([(text, len(self.widths), bold)])
        self._room(height + keep)
        self._emit(self._across(text, "bold" if bold else "text", align), height)

    def blank(self, height: float = LINE_HEIGHT) -> None:
        if self.used:  # a page never starts with empty rows
            self._emit([], height)

    def block(self, lines: list[str]) -> None:
        """Lines that stay together on one page (signatures)."""
        heights = [self._height([(t, len(self.widths), False)]) for t in lines]
        self._room(sum(heights))
        for text, height in zip(lines, heights, strict=True):
            self._emit(self._across(text, "text", "left"), height)

    def table(self, title: str | None, columns: list[str], rows: list[list], *, spans: list[int] | None = None,
              empty: str = "—", formats: list[str] | None = None) -> None:
        """A bordered table whose header row is repeated on every page it runs onto; `spans`: sheet columns
        taken by each table column (default: one each, the last taking the rest); `formats`: each column's number
        format (default `GENERAL`)."""
        span = spans or self._spans(len(columns))
        head_height = self._height([(c, s, True) for c, s in zip(columns, span, strict=True)])
        head = [(_value(c), self._styles.get("head")) for c in columns]
        body = rows or [[empty] + [""] * (len(columns) - 1)]
        first = self._height([(v, s, False) for v, s in zip(body[0], span, strict=True)])
        title_height = self._height([(title, len(self.widths), True)]) if title else 0.0
        self._room(title_height + head_height + first)
        if title:
            self.line(title, bold=True, align="left")
        self._emit(self._spread(head, span), head_height)
        text = self._styles.get("body")
        numbers = [self._styles.get("number", None, f) for f in (formats or [GENERAL] * len(columns))]
        widths = [sum(self.points[col - s:col]) for col, s in zip(itertools.accumulate(span), span, strict=True)]
        for values in body:
            shown = list(map(_value, values))
            height = self._row_height(values, shown, widths)
            if self.used + height > self.page_height:
                self._break()
                self._emit(self._spread(head, span), head_height)
            cells = [(v, number if isinstance(v, int | float) or _DECIMAL_TEXT.fullmatch(str(v)) else text)
                     for v, number in zip(shown, numbers, strict=True)]
            self._emit(self._spread(cells, span), height)

    @staticmethod
    def _row_height(values: list, shown: list, widths: list[float]) -> float:
        """`_height` of a table's row of `values` (as `_value` shows them: `shown`) in cells `widths` pt wide: each
        value made and each cell's width summed once, not again for measuring."""
        lines = 1
        for value, text, width in zip(values, shown, widths, strict=True):
            if value is not None and value != "" and not isinstance(value, int | float):
                lines = max(lines, line_count(str(text), width, False))
        return lines * LINE_HEIGHT + ROW_PADDING

    # cells -----------------------------------------------------------------------------------------

    def _across(self, text: str, kind: str, align: str) -> list[tuple[object, str]]:
        """A cell merged across the sheet's width."""
        if len(self.widths) > 1:
            self._merge(1, len(self.widths), self.row + 1)
        return [(_value(text), self._styles.get(kind, align))]

    def _merge(self, first: int, last: int, row: int) -> None:
        # straight into the set: openpyxl's `add` checks every earlier range, quadratic over a long sheet
        self.ws.merged_cells.ranges.add(_cells(first, last, row))

    def _spans(self, n: int) -> list[int]:
        """A table of fewer columns than the sheet lets its last column take the rest."""
        return [1] * (n - 1) + [len(self.widths) - n + 1] if n < len(self.widths) else [1] * n

    def _spread(self, cells: list[tuple[object, str]], span: list[int]) -> list[tuple[object, str]]:
        out = []
        for cell, s in zip(cells, span, strict=True):
            out.append(cell)
            if s > 1:
                start = len(out)
                out += [(None, cell[1])] * (s - 1)
                self._merge(start, start + s - 1, self.row + 1)
        return out


@lru_cache(maxsize=1024)
def _cells(first: int, last: int, row: int) -> CellRange:
    """The range of columns `first` to `last` in `row`, made once: every card merges the same few rows."""
    return CellRange(min_col=first, min_row=row, max_col=last, max_row=row)


class PrintedBook(Workbook):
    """A write-only workbook whose `PrintedSheet`s are written in memory, saved by `sheets.save_deterministic`
    (openpyxl's own saving reads every sheet from a file)."""

    def save(self, filename) -> None:
        save_deterministic(self, filename)


_BOOK_PARTS: WeakKeyDictionary = WeakKeyDictionary()


def _parts(book: Workbook, layout: tuple) -> dict[str, list]:
    """The fixed parts of the XML of a book's sheets of one layout (column widths, orientation): every sheet of
    `PrintedSheet` sets them the same from openpyxl's defaults, so sheets of one layout share them."""
    return _BOOK_PARTS.setdefault(book, {}).setdefault(layout, {})


_BOOK_STYLES: WeakKeyDictionary = WeakKeyDictionary()


def _styles(book: Workbook) -> _Styles:
    """The workbook's styles, shared by its sheets: registering them for every sheet took a tenth of a card's."""
    if book not in _BOOK_STYLES:
        _BOOK_STYLES[book] = _Styles(book)
    return _BOOK_STYLES[book]


class _Styles:
    """The id of each kind of cell's style in the workbook, registered once."""

    def __init__(self, book: Workbook):
        # weakly: held by `_BOOK_STYLES` under the book, a strong reference kept every workbook, with all its sheets
        self.book = weakref.ref(book)
        self.cache: dict[tuple, str] = {}
        self.keys: dict[str, tuple] = {}  # style id -> its key

    def get(self, kind: str, align: str | None = None, number_format: str = GENERAL, quoted: bool = False) -> str:
        key = (kind, align, number_format, quoted)
        if key not in self.cache:
            cell = self._styled(WriteOnlyCell(self.book().worksheets[0]), key)  # never written: registers the style
            self.cache[key] = str(cell.style_id)
            self.keys.setdefault(self.cache[key], key)
        return self.cache[key]

    @staticmethod
    def _styled(cell: WriteOnlyCell, key: tuple) -> WriteOnlyCell:
        kind, align, number_format, quoted = key
        cell.font = Font(name=FONT_NAME, size=FONT_SIZE, bold=kind in ("head", "bold"))
        horizontal = align or {"head": "center", "number": "right"}.get(kind, "left")
        cell.alignment = Alignment(wrap_text=True, vertical="center" if kind == "head" else "top",
                                   horizontal=horizontal)
        if kind in ("head", "body", "number"):
            cell.border = _BOX
        if kind == "number":
            cell.number_format = number_format
        if quoted:
            cell.quotePrefix = True
        return cell

    def quoted(self, style: str) -> str:
        """The same style with Excel's quote prefix: the cell is text, also after someone edits it."""
        kind, align, number_format, _ = self.keys[style]
        return self.get(kind, align, number_format, quoted=True)

    def cell(self, ws, value: object, style: str) -> WriteOnlyCell:
        """A cell of `value` in the style of id `style` (openpyxl's public path: see `adapters.openpyxl_internals`)."""
        if isinstance(value, Quoted):
            style = self.quoted(style)
        cell = self._styled(WriteOnlyCell(ws, value), self.keys[style])
        if isinstance(value, Quoted):
            cell.data_type = "s"  # text, never a formula
        return cell


class Quoted(str):
    """Text that starts like a formula (=, +, −, @ …): written as text with the quote-prefix style, not as
    a formula and without an apostrophe in the text."""


def new_book() -> PrintedBook:
    """A write-only workbook whose default font is the one the rows are measured in."""
    book = PrintedBook(write_only=True)
    # the Normal style's font (the first): column widths are counted in its digits
    default_font(book, Font(name=FONT_NAME, size=FONT_SIZE, family=2))
    return book


def _xml(text: str) -> str:
    """Cleaned text (`safe.clean`: nothing XML cannot hold) as XML character data, escaped as the XML writer
    escapes it."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


@lru_cache(maxsize=4096)
def _inline(text: str) -> str:
    """`_xml` of the text with every non-ASCII character as a character reference, as the XML writer writes it,
    remembered: a card's sheet repeats its criteria, rules and headings, and each is escaped once."""
    return _xml(text).encode("ascii", "xmlcharrefreplace").decode("ascii")


# a figure written as text with a decimal comma (money, «1 234,56»; a coefficient, «0,7300»): aligned as a number
_DECIMAL_TEXT = re.compile(r"[−-]?\d{1,3}(?:\u00a0\d{3})*,\d+|[−-]?\d+,\d+")


def _value(v: object) -> object:
    """A value as the sheet holds it: numbers as numbers, text never a formula (text that starts like one is
    `Quoted`), no control characters, at most the 32 767 characters a cell holds."""
    if v is None:
        return None
    if isinstance(v, bool):
        return "да" if v else "нет"
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        if math.isnan(v):
            return None
        return int(v) if v.is_integer() else float(v)
    if hasattr(v, "item"):
        return _value(v.item())
    return _text(v if isinstance(v, str) else str(v))


@lru_cache(maxsize=4096)
def _text(text: str) -> str:
    """Text as the sheet holds it (see `_value`), remembered: a workbook repeats its criteria and rules."""
    text = clean(text)[:32767]
    return Quoted(text) if starts_formula(text) else text  # the quote-prefix style, not an apostrophe, says «text»


def _shown(v: object) -> str:
    """The text a cell shows, for measuring."""
    if isinstance(v, float):
        return f"{v:.10g}"
    return str(_value(v))


def sheet_title(text: str, taken: set[str]) -> str:
    """A valid sheet title (31 characters, none of []:*?/\\) unique in any case among `taken`, the titles given so
    far, which it joins (in lower case: each title is looked up once, not compared with every earlier one)."""
    text = clean(text)
    for ch in "[]:*?/\\'":
        text = text.replace(ch, " ")
    base = " ".join(text.split())[:31] or "Лист"
    title, n = base, 1
    while title.lower() in taken:
        n += 1
        title = f"{base[:31 - len(str(n)) - 1]} {n}"
    taken.add(title.lower())
    return title
