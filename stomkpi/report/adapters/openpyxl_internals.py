"""openpyxl's write-only sheet writer, for the printed workbooks: rows streamed into memory as XML text.

Rule: `sheet_rows(ws, parts, row_xml, cell)` is the only way a report streams rows into a write-only sheet,
and `default_font(book, font)` the only way it sets a workbook's default font. When `internals_hold()`, rows go
through `FastRows`: openpyxl's private `worksheet._writer.WorksheetWriter` subclassed to write into memory (the
parts its layout alone decides made once per book: `parts`), the sheet's private `_writer` and
`_values_to_row` replaced, each row written as the XML text `row_xml` makes; the default font is the
workbook's private `_fonts`. Otherwise, loudly, `PublicRows`: openpyxl's own writer, `WriteOnlyCell`s made by
`cell` and `row_dimensions` for the heights: the same cells, values, styles and heights, not the same bytes
(openpyxl keeps text in its shared strings), slower.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from functools import cache
from io import BytesIO
from pathlib import Path

from stomkpi.report.adapters import warn_changed

Cells = list[tuple[object, str]]  # a row's cells: (value, style id)
WRITER_NEEDS = ("write_top", "write_print", "write_margins", "write_page", "write_header", "write_merged_cells",
                "write_row", "cleanup")  # WorksheetWriter's methods the fast path overrides or calls


class PublicRows:
    """Rows through openpyxl's public write-only API: a `WriteOnlyCell` per value, the height as a row dimension."""

    def __init__(self, ws, cell: Callable[[object, object, str], object]):
        self.ws, self.cell, self.row = ws, cell, 0

    def append(self, cells: Cells, height: float) -> None:
        self.row += 1
        self.ws.row_dimensions[self.row].height = height
        self.ws.append([self.cell(self.ws, value, style) for value, style in cells])


class FastRows:
    """Rows written into the sheet's XML as text by `row_xml(cells, row, height)`, in memory."""

    def __init__(self, ws, parts: dict[str, list], row_xml: Callable[[Cells, int, float], str]):
        self.row_xml = row_xml
        self._heights: dict[int, float] = {}
        ws._values_to_row = lambda values, row_idx: values  # rows go to `_write` as they are: no cell objects
        ws._writer = _memory_writer()(ws, parts)
        ws._writer.write_top()
        ws._writer.write_row = self._write
        self.ws, self.row = ws, 0

    def append(self, cells: Cells, height: float) -> None:
        self.row += 1
        self._heights[self.row] = height
        self.ws.append(cells)

    def _write(self, xf, cells: Cells, row_idx: int) -> None:
        xf.flush()  # what the XML writer holds goes first
        self.ws._writer.out.write(self.row_xml(cells, row_idx, self._heights.pop(row_idx)).encode("ascii"))


def sheet_rows(ws, parts: dict[str, list], row_xml: Callable[[Cells, int, float], str],
               cell: Callable[[object, object, str], object]) -> FastRows | PublicRows:
    """The rows of write-only sheet `ws`: fast when openpyxl's internals hold, else through its public API."""
    return FastRows(ws, parts, row_xml) if internals_hold() else PublicRows(ws, cell)


def default_font(book, font) -> None:
    """Make `font` the workbook's default (the Normal style's, in whose digits column widths are counted); with
    openpyxl's internals changed, its own default stays."""
    if internals_hold():
        from openpyxl.utils.indexed_list import IndexedList

        book._fonts = IndexedList([font])


@cache
def _memory_writer() -> type:
    """openpyxl's writer of a write-only sheet, into memory rather than a temporary file of its own (made and
    removed for every sheet: a card's workbook has a sheet per person). The parts of the sheet's XML that its
    layout alone decides (properties, views, columns, print options, margins, page setup, footer) are made once
    for the sheets of a book that share the layout (`parts`): making them took a fifth of a card's sheet."""
    from openpyxl.worksheet._writer import WorksheetWriter
    from openpyxl.xml.functions import Element, SubElement

    class MemoryWriter(WorksheetWriter):
        def __init__(self, ws, parts: dict[str, list]):
            super().__init__(ws, out=BytesIO())
            self.parts = parts

        def _send(self, part: str, write) -> None:
            """The elements `write` sends, made by the first sheet of the layout and sent again by the others."""
            if part not in self.parts:
                made: list = []
                stream, self.xf = self.xf, _Collect(made)
                try:
                    write()
                finally:
                    self.xf = stream
                self.parts[part] = made
            for element in self.parts[part]:
                self.xf.send(element)

        def write_top(self) -> None:
            self._send("top", super().write_top)

        def write_print(self) -> None:
            self._send("print", super().write_print)

        def write_margins(self) -> None:
            self._send("margins", super().write_margins)

        def write_page(self) -> None:
            self._send("page", super().write_page)

        def write_header(self) -> None:
            self._send("header", super().write_header)

        def cleanup(self) -> None:
            """Nothing to remove."""

        def write_merged_cells(self) -> None:
            """The merged ranges as openpyxl writes them, without parsing each range's text again."""
            ranges = self.ws.merged_cells.ranges
            if ranges:
                merged = Element("mergeCells", count=str(len(ranges)))
                for cells in ranges:
                    SubElement(merged, "mergeCell", ref=cells.coord)
                self.xf.send(merged)

    return MemoryWriter


class _Collect:
    """Stands for a writer's XML stream while a sheet's fixed parts are made: keeps what is sent."""

    def __init__(self, made: list):
        self.made = made

    def send(self, element) -> None:
        self.made.append(element)


@cache
def internals_hold() -> bool:
    """Whether openpyxl's internals are as `FastRows` and `default_font` need them (checked once): the writer's
    methods, the sheet's hooks, and a small workbook written through them read back with its values, heights,
    merged cells and page setup; when not, warns naming openpyxl and its version."""
    import openpyxl

    try:
        from openpyxl.worksheet._write_only import WriteOnlyWorksheet
        from openpyxl.worksheet._writer import WorksheetWriter

        missing = [f"WorksheetWriter.{m}" for m in WRITER_NEEDS if not callable(getattr(WorksheetWriter, m, None))]
        missing += [f"WriteOnlyWorksheet.{m}" for m in ("_values_to_row", "_writer")
                    if not hasattr(WriteOnlyWorksheet, m)]
        holds = not missing and _probe()
    except Exception:  # noqa: BLE001 - any change of the internals' shape is a failed check
        missing, holds = [], False
    if not holds:
        what = ", ".join(missing) or "worksheet._writer.WorksheetWriter, Workbook._fonts"
        warn_changed("openpyxl", getattr(openpyxl, "__version__", "?"), what, "листы xlsx")
    return holds


def _probe() -> bool:
    """A two-sheet workbook written through the fast path reads back as written."""
    from openpyxl import Workbook, load_workbook
    from openpyxl.styles import Font
    from openpyxl.utils.indexed_list import IndexedList

    from stomkpi.sheets import save_deterministic

    book = Workbook(write_only=True)
    book._fonts = IndexedList([Font(name="DejaVu Sans", size=9)])
    parts: dict[str, list] = {}
    for title in ("a", "b"):
        ws = book.create_sheet(title)
        ws.page_setup.orientation = "landscape"
        rows = FastRows(ws, parts, lambda cells, r, h: f'<row r="{r}" ht="{h}" customHeight="1">' + "".join(
            f'<c r="{chr(65 + i)}{r}" s="0" t="inlineStr"><is><t>{v}</t></is></c>' for i, (v, _) in enumerate(cells))
            + "</row>")
        rows.append([("x", "0"), ("y", "0")], 12.5)
        ws.merged_cells.add("A2:B2")
        rows.append([("z", "0")], 20.0)
    with tempfile.TemporaryDirectory() as folder:
        save_deterministic(book, Path(folder) / "probe.xlsx")
        read = load_workbook(Path(folder) / "probe.xlsx")
    return all([[c.value for c in row] for row in read[t].iter_rows()] == [["x", "y"], ["z", None]]
               and read[t].row_dimensions[2].height == 20.0 and str(read[t].merged_cells) == "A2:B2"
               and read[t].page_setup.orientation == "landscape" for t in ("a", "b")) \
        and read._fonts[0].name == "DejaVu Sans"


def used_range(ws, ref: str) -> None:
    """Give a write-only sheet the used range `ref` («A1:D230») that a sheet held whole states in its <dimension>.

    openpyxl's writer writes that element when the sheet has a `calculate_dimension` (a normal sheet's method, which
    a write-only sheet lacks), so the streamed sheet is given one. Should openpyxl stop asking, only the element
    drops out and the file stays valid; tests/report/test_streamed_sheets.py compares the bytes with a sheet held
    whole and fails on any difference."""
    ws.calculate_dimension = lambda: ref
