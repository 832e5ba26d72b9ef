"""TrueType fonts for fpdf2 documents, read once per process instead of once per document.

fpdf2's `add_font` parses the whole font file (DejaVu Sans: its glyph table, its character map and
the width of every glyph) for every document; a month's cards are six documents with two fonts each,
and the parsing was a third of their time. Here each font is parsed once, and a document gets a copy
of the parsed font with what belongs to one document made fresh: its number among the document's
fonts, the set of characters it used, its font descriptor object and the fontTools font that the
document's output subsets in place (opened lazily: only the tables the subsetting reads are parsed).
The PDF is byte-identical to one whose fonts were added by `add_font`.

Editing rule: this module relies on fpdf2's `TTFFont` attributes; when fpdf2 is upgraded, the cards'
byte-reproducibility test says whether it still holds.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path


@cache
def _parsed(path: str, family: str, style: str):
    """The font as fpdf2's `add_font` makes it, in a document of its own that is never written."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font(family, style, path)
    return pdf.fonts[f"{family.lower()}{style}"]


def add_font(pdf, family: str, style: str, path: Path | str) -> None:
    """`pdf.add_font(family, style, path)`, with the font file parsed once per process."""
    from fontTools import ttLib
    from fpdf.fonts import SubsetMap

    parsed = _parsed(str(path), family, style)
    if parsed.color_font is not None:  # drawn with objects of its own document: parsed for each document
        pdf.add_font(family, style, path)
        return
    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.ttfont = ttLib.TTFont(str(path), recalcTimestamp=False, lazy=True)
    font.desc = copy.copy(parsed.desc)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    pdf.fonts[font.fontkey] = font
