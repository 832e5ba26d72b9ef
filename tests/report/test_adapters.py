"""The adapters to fpdf2's and openpyxl's internals check them once and, when a library changed, say so and fall
back to its public API: the cards' PDF and workbook and the protocols' workbook are still written and readable
(the PDF byte-identical where fpdf2's public path writes what the fast one does)."""

from __future__ import annotations

import sys
from io import BytesIO

import pdfplumber
import pytest
from openpyxl import load_workbook

from stomkpi.protocols import clinic_protocol, department_protocol
from stomkpi.report.adapters import InternalsChanged, fpdf_internals, openpyxl_internals
from stomkpi.report.cards import cards_pdf, cards_xlsx
from stomkpi.report.protocols_xlsx import write_protocols

from .test_cards import NAMES, card
from .test_protocols import THERAPY, scored_month

PEOPLE = [card(str(i), name) for i, name in enumerate(NAMES[:2], start=1)] + [card("7", "=HYPERLINK(\"x\") Иванов")]


@pytest.fixture
def checked_again():
    """Each adapter's check made again in the test, and again after it (the library restored)."""
    checks = (fpdf_internals.internals_hold, fpdf_internals.fonts_hold, openpyxl_internals.internals_hold)
    for check in checks:
        check.cache_clear()
    yield
    for check in checks:
        check.cache_clear()


def test_the_installed_libraries_pass_their_checks(checked_again, recwarn):
    assert fpdf_internals.internals_hold() and openpyxl_internals.internals_hold() and fpdf_internals.fonts_hold()
    assert not [w for w in recwarn if issubclass(w.category, InternalsChanged)]


def test_fpdf_public_path_writes_the_same_cards_pdf(monkeypatch):
    fast = cards_pdf("2025-12", "Поликлиника", "Отделение", PEOPLE)
    monkeypatch.setattr(fpdf_internals, "internals_hold", lambda: False)
    assert cards_pdf("2025-12", "Поликлиника", "Отделение", PEOPLE) == fast


def test_a_changed_fpdf_is_said_and_the_cards_pdf_still_written(checked_again, monkeypatch):
    """A stand-in fpdf2 whose `text` writes otherwise than the adapter's page buffer does: the check fails, the
    cards are drawn by the library's own `text`."""
    from fpdf import FPDF

    own = FPDF.text

    def text(self, x, y, text=""):  # a release that marks each text with a comment
        self._out("% text")
        own(self, x, y, text)

    monkeypatch.setattr(FPDF, "text", text)
    with pytest.warns(InternalsChanged, match=r"^fpdf2 \d[\d.]*: FPDF\._out, FPDF\._set_font_for_page"):
        pdf = cards_pdf("2025-12", "Поликлиника", "Отделение", PEOPLE)
    assert not fpdf_internals.internals_hold()
    with pdfplumber.open(BytesIO(pdf)) as doc:
        pages = [page.extract_text() for page in doc.pages]
    assert [f"{name}, таб. №" in page for page, name in zip(pages, NAMES[:2], strict=False)] == [True, True]
    assert "Процент выполнения плана" in pages[0] and len(pages) == len(PEOPLE)
    assert cards_pdf("2025-12", "Поликлиника", "Отделение", PEOPLE) == pdf  # still the same bytes twice


def test_a_changed_fpdf_font_is_said_and_the_cards_pdf_drawn_with_fpdfs_own_fonts(checked_again, monkeypatch):
    """A stand-in fpdf2 whose `TTFFont` sets its attributes up elsewhere than in its constructor (so a copy of a
    parsed font might share what must be each document's own): the check fails, loudly, and every document adds
    its fonts by fpdf2's public `add_font`; the cards are drawn all the same."""
    from fpdf.fonts import TTFFont

    own = TTFFont.__init__

    def __init__(self, *args, **kwargs):  # a release that builds its font in a helper
        own(self, *args, **kwargs)

    monkeypatch.setattr(TTFFont, "__init__", __init__)
    with pytest.warns(InternalsChanged, match=r"^fpdf2 \d[\d.]*: TTFFont \(i, ttffile"):
        pdf = cards_pdf("2025-12", "Поликлиника", "Отделение", PEOPLE)
    assert not fpdf_internals.fonts_hold()
    with pdfplumber.open(BytesIO(pdf)) as doc:
        pages = [page.extract_text() for page in doc.pages]
        fonts = {char["fontname"] for page in doc.pages for char in page.chars}
    assert [f"{name}, таб. №" in page for page, name in zip(pages, NAMES[:2], strict=False)] == [True, True]
    assert len(pages) == len(PEOPLE) and all("DejaVu" in font for font in fonts)
    assert cards_pdf("2025-12", "Поликлиника", "Отделение", PEOPLE) == pdf  # still the same bytes twice


def _sheets(path) -> dict:
    """What a reader sees of a workbook: each sheet's cells (value, text or number, bold, quote prefix, number
    format, border), row heights, merged cells, breaks and page setup."""
    book = load_workbook(path)
    empty = (None, "")  # an empty text cell (the fast path's) and a cell without a value (openpyxl's) print alike
    return {ws.title: ([[(None if c.value in empty else c.value, None if c.value in empty else c.data_type, c.font.b, c.quotePrefix, c.number_format, c.border.left.style)
                         for c in row] for row in ws.iter_rows()],
                       {r: d.height for r, d in ws.row_dimensions.items() if d.height},
                       sorted(str(m) for m in ws.merged_cells.ranges), [b.id for b in ws.row_breaks.brk],
                       ws.page_setup.orientation, ws.oddFooter.center.text) for ws in book}


def test_a_changed_openpyxl_is_said_and_the_workbooks_still_written(checked_again, tmp_path, catalog, monkeypatch):
    """A stand-in openpyxl without its `worksheet._writer` module: the check fails, the protocols and the cards are
    written through openpyxl's public write-only cells, and read back as the fast path's files do."""
    month, table = scored_month(tmp_path, catalog)
    table.loc[table["staff_id"] == "1", "name"] = "=HYPERLINK(\"http://x\")Яковлев"

    def write(folder):
        folder.mkdir()
        write_protocols(folder / "protocols.xlsx", "2025-12", "+Поликлиника",
                        {THERAPY: department_protocol(table, month.deprivations, catalog, THERAPY)},
                        clinic_protocol(table, month.deprivations, catalog))
        cards_xlsx(folder / "cards.xlsx", "2025-12", "Поликлиника", PEOPLE)

    write(tmp_path / "fast")
    monkeypatch.setitem(sys.modules, "openpyxl.worksheet._writer", None)
    openpyxl_internals.internals_hold.cache_clear()
    with pytest.warns(InternalsChanged, match=r"^openpyxl \d[\d.]*: worksheet\._writer\.WorksheetWriter"):
        write(tmp_path / "public")
    for name in ("protocols.xlsx", "cards.xlsx"):
        fast, public = _sheets(tmp_path / "fast" / name), _sheets(tmp_path / "public" / name)
        assert public == fast
        assert (tmp_path / "fast" / name).read_bytes() != (tmp_path / "public" / name).read_bytes()  # the public path
    quoted = [c for row in _sheets(tmp_path / "public" / "protocols.xlsx")["П4 Комиссия"][0] for c in row if c[3]]
    assert ("=HYPERLINK(\"http://x\")Яковлев", "s", False, True, "General", "thin") in quoted
