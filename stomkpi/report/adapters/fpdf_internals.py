"""fpdf2's page buffer, for the cards: lines of text and bordered boxes written as fpdf2's own `text` and `rect`
write them, without their checks and the encoding of the same line again for every card.

Rule: `page_writer(pdf)` is the only way a report writes onto an fpdf2 page by hand. It gives `FastWriter`
(fpdf2's private `_out` and `_set_font_for_page`, each line's encoding remembered) when `internals_hold()`,
else `PublicWriter` (fpdf2's `text` and `rect`). Both write the same bytes: the check draws a probe both ways
and compares the two documents, so a new fpdf2 that writes otherwise falls back to the public path, loudly.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager, nullcontext
from functools import cache

from stomkpi.report.adapters import warn_changed

NEEDED = ("_out", "_set_font_for_page")  # FPDF's private methods the fast path calls


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
