"""fpdf2's internals, for the cards: its page buffer, and its parsed TrueType fonts shared between documents.

The page buffer: lines of text and bordered boxes written as fpdf2's own `text` and `rect` write them, without
their checks and the encoding of the same line again for every card. Rule: `page_writer(pdf)` is the only way a
report writes onto an fpdf2 page by hand. It gives `FastWriter` (fpdf2's private `_out` and `_set_font_for_page`,
each line's encoding remembered) when `internals_hold()`, else `PublicWriter` (fpdf2's `text` and `rect`). Both
write the same bytes: the check draws a probe both ways and compares the two documents, so a new fpdf2 that
writes otherwise falls back to the public path, loudly.

The fonts: fpdf2's `TTFFont` parsed once (`parse_font`) and copied into each document with what belongs to one
document made fresh (`add_parsed_font`), and the characters a document's fonts lacked (`missing_glyphs`). Rule:
only `pdf_fonts` calls these, and only when `fonts_hold()`: a probe written with a copied font is the probe
written with fpdf2's own `add_font`, byte for byte; else `pdf_fonts` takes fpdf2's public `add_font`, loudly.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager, nullcontext
from functools import cache

from stomkpi.report.adapters import warn_changed

NEEDED = ("_out", "_set_font_for_page")  # FPDF's private methods the fast path calls
# what of one document a `TTFFont` holds, made fresh for each document a parsed font is copied into
FONT_NEEDED = ("i", "ttffile", "ttfont", "desc", "subset", "missing_glyphs", "biggest_size_pt", "_hbfont", "color_font",
               "fontkey")


class PublicWriter:
    """Black lines of text and bordered boxes through fpdf2's public `text` and `rect`."""

    def __init__(self, pdf):
        self.pdf = pdf

    def box(self, x: float, y: float, w: float, h: float) -> None:
        """A bordered box, its top left corner at (x, y), in the document's units."""
        self.pdf.rect(x, y, w, h)

    def line(self, x: float, y: float, text: str) -> None:
        """A line of text in the current font, starting at x on the baseline y, in the document's units."""
        self.pdf.text(x, y, text)

    def batch(self):
        """A context in which boxes and lines may be written in one piece (a table's row); nothing else is
        written onto the page inside it."""
        return nullcontext()


class FastWriter(PublicWriter):
    """What `PublicWriter` writes, straight into fpdf2's page buffer: each (font, line) encoded once."""

    def __init__(self, pdf):
        super().__init__(pdf)
        # the cards repeat their criteria, rules and headings in the same columns and rows on every page
        self._encoded: dict[tuple[int, str], str] = {}  # (font, line) -> its text operand
        self._placed: dict[tuple[int, str, float], tuple[str, str]] = {}  # (font, line, x) -> x and text operators
        self._baselines: dict[float, str] = {}  # y -> its operand
        self._pending: list[str] | None = None  # the operators of a `batch`, written at its end

    def _out(self, operators: str) -> None:
        if self._pending is None:
            self.pdf._out(operators)
        else:
            self._pending.append(operators)

    @contextmanager
    def batch(self):
        self._pending = []
        try:
            yield
        finally:
            pending, self._pending = self._pending, None
            if pending:
                self.pdf._out("\n".join(pending))

    def box(self, x: float, y: float, w: float, h: float) -> None:
        pdf = self.pdf
        self._out(f"{x * pdf.k:.2f} {(pdf.h - y) * pdf.k:.2f} {w * pdf.k:.2f} {-h * pdf.k:.2f} re S")

    def line(self, x: float, y: float, text: str) -> None:
        pdf = self.pdf
        font = "" if pdf.current_font_is_set_on_page else pdf._set_font_for_page(pdf.current_font,
                                                                                 pdf.font_size_pt) + "\n"
        place = (pdf.current_font.i, text, x)
        if place not in self._placed:  # a font's codes are given out as characters are first used: once per line
            key = place[:2]
            if key not in self._encoded:
                self._encoded[key] = pdf.current_font.encode_text(pdf.normalize_text(text))
            self._placed[place] = f"{x * pdf.k:.2f}", f"Td {self._encoded[key]} ET"
        start, shown = self._placed[place]
        if y not in self._baselines:
            self._baselines[y] = f"{(pdf.h - y) * pdf.k:.2f}"
        self._out(f"{font}BT {start} {self._baselines[y]} {shown}")


def page_writer(pdf) -> PublicWriter:
    """The writer of `pdf`'s pages: the fast one when fpdf2's internals hold, else the public one."""
    return FastWriter(pdf) if internals_hold() else PublicWriter(pdf)


@cache
def internals_hold() -> bool:
    """Whether `FastWriter` writes what `PublicWriter` does with the installed fpdf2 (checked once); when not,
    warns naming fpdf2 and its version."""
    import fpdf

    missing = [name for name in NEEDED if not callable(getattr(fpdf.FPDF, name, None))]
    try:
        same = not missing and _probe(FastWriter) == _probe(PublicWriter)
    except Exception:  # noqa: BLE001 - any change of the internals' shape is a failed check
        same = False
    if not same:
        what = ", ".join(f"FPDF.{name}" for name in missing or NEEDED)
        warn_changed("fpdf2", getattr(fpdf, "__version__", "?"), what, "карточки PDF")
    return same


def _probe(writer: type[PublicWriter]) -> bytes:
    """A small document drawn by `writer`: lines in two fonts and sizes, boxes, on two pages."""
    from fpdf import FPDF

    pdf = FPDF(unit="pt", format="A4")
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    out = writer(pdf)
    for page in range(2):
        pdf.add_page()
        pdf.set_font("helvetica", "", 9)
        out.line(40.5, 60.25, f"page {page}")
        with out.batch():
            out.box(40.0, 70.0, 100.0, 12.5)
            out.line(42.0, 80.0, "(text)")
        pdf.set_font("helvetica", "B", 7.5)
        out.line(42.0, 80.0, "(text)")
        out.line(150.0, 90.0, "")
    return bytes(pdf.output())


def parse_font(source, fontkey: str, style: str):
    """fpdf2's parsed font (`TTFFont`) of `source` (a path or the font's bytes as a file), made in a document of its
    own that is never written: its character map, the width of each glyph and its descriptor."""
    from fpdf import FPDF
    from fpdf.fonts import TTFFont

    return TTFFont(FPDF(), source, fontkey, style)


def is_color(parsed) -> bool:
    """Whether the parsed font draws with objects of its own document (a colour font): not to be shared."""
    return parsed.color_font is not None


def add_parsed_font(pdf, parsed, ttffile: str, ttfont) -> None:
    """A copy of `parsed` (`parse_font`) added to `pdf` as `add_font` adds a font: its number among the document's
    fonts, the set of characters it used, its descriptor and `ttfont` (a fontTools font the document's output
    subsets in place) its own; `ttffile`: the file it stands for."""
    import copy

    from fpdf.fonts import SubsetMap

    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.ttffile = ttffile
    font.ttfont = ttfont
    font.desc = copy.copy(parsed.desc)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    pdf.fonts[font.fontkey] = font


def missing_glyphs(pdf) -> list[tuple[str, list[int]]]:
    """(the file a font of `pdf` stands for, the characters it was asked for and lacked), for each font that lacked
    any."""
    return [(str(font.ttffile), font.missing_glyphs) for font in pdf.fonts.values()
            if getattr(font, "missing_glyphs", None)]


@cache
def fonts_hold() -> bool:
    """Whether a document with a parsed font copied in (`add_parsed_font`) is the one fpdf2's `add_font` writes, with
    the installed fpdf2 (checked once); when not, warns naming fpdf2 and its version."""
    import fpdf

    try:
        from fpdf.fonts import TTFFont

        # each attribute made fresh is one fpdf2's font sets up (else a copy would share a renamed one unseen)
        same = (set(FONT_NEEDED) <= set(TTFFont.__init__.__code__.co_names)
                and _font_probe(True) == _font_probe(False))
    except Exception:  # noqa: BLE001 - any change of the internals' shape is a failed check
        same = False
    if not same:
        warn_changed("fpdf2", getattr(fpdf, "__version__", "?"), "TTFFont (" + ", ".join(FONT_NEEDED) + ")",
                     "шрифты карточек PDF")
    return same


def _font_probe(copied: bool) -> bytes:
    """A small document in a TrueType font of the cards' family, its font copied in or added by fpdf2."""
    from pathlib import Path

    import matplotlib
    from fpdf import FPDF

    path = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSerifDisplay.ttf"  # 20 glyphs: quick
    pdf = FPDF(unit="pt", format="A4")
    pdf.set_creation_date(dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
    if copied:  # a fresh parse: its own fontTools font is as fpdf2 opens the file
        parsed = parse_font(path, "probe", "")
        add_parsed_font(pdf, parsed, str(path), parsed.ttfont)
    else:
        pdf.add_font("probe", "", path)
    pdf.add_page()
    pdf.set_font("probe", "", 9)
    pdf.text(40, 60, "„–“ ‘—’ ‹∑›")
    return bytes(pdf.output())
