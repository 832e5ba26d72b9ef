"""TrueType fonts for fpdf2 documents, read once per process instead of once per document.

fpdf2's `add_font` parses the whole font file (DejaVu Sans: its glyph table, its character map and
the width of every glyph) for every document; a month's cards are six documents with two fonts each,
and the parsing was a third of their time. Here each font is parsed once, and a document gets a copy
of the parsed font with what belongs to one document made fresh: its number among the document's
fonts, the set of characters it used, its font descriptor object and the fontTools font that the
document's output subsets in place (opened lazily: only the tables the subsetting reads are parsed).

The subsetting itself was the next cost: each document's output cut its few dozen glyphs out of the
whole font (DejaVu Sans has 6 000 glyphs; reading its glyph names and offsets, and compiling the
outlines again, took some 50 ms a font). So the font a document subsets is a smaller one, cut once
per process from the file: the scripts a card holds (`SMALL_FONT`: Latin, Greek, Cyrillic,
punctuation, arrows, mathematical signs), in memory, with the glyphs' outlines kept as the file has
them. A document that used a character of the file outside it is subset from the whole file, as
before; a character the file lacks is left out and logged by fpdf2, as before.

Editing rule: this module relies on fpdf2's `TTFFont` attributes; when fpdf2 is upgraded, the cards'
byte-reproducibility test says whether it still holds.
"""

from __future__ import annotations

import copy
from functools import cache
from io import BytesIO
from pathlib import Path

# code point ranges of the smaller font: Basic Latin to Cyrillic Supplement (Latin-1, Latin Extended-A
# and -B, IPA, Greek, Cyrillic), Latin Extended Additional, and General Punctuation to Mathematical
# Operators (dashes, quotes, №, currency, arrows, ±, −, ×, ≤)
SMALL_FONT = ((0x0000, 0x052F), (0x1E00, 0x1EFF), (0x2000, 0x22FF))
# tables fpdf2 leaves out of every embedded font; left out of the smaller font too (so they are not read)
_DROPPED = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC", "EBSC",
            "SVG ", "CPAL", "COLR"]


@cache
def _parsed(path: str, family: str, style: str):
    """The font as fpdf2's `add_font` makes it, in a document of its own that is never written."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_font(family, style, path)
    return pdf.fonts[f"{family.lower()}{style}"]


_SMALL: dict[str, tuple[bytes, frozenset[str]]] = {}  # font file -> `_small` of it, made once per process


def _small(path: str) -> tuple[bytes, frozenset[str]]:
    """The font file cut to the `SMALL_FONT` characters (and the glyphs those are drawn with), as bytes, and
    the names of its glyphs. Glyph names are kept: fpdf2 finds a used glyph in the font it embeds by name.
    Outlines are copied as the file has them (no bounding boxes computed again), which keeps this cheap."""
    if path in _SMALL:
        return _SMALL[path]
    from fontTools import subset

    font = _open(path)
    codes = [code for code in font.getBestCmap() if any(low <= code <= high for low, high in SMALL_FONT)]
    # fpdf2's own options, glyph names kept
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += _DROPPED
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=codes)
    cutter.subset(font)
    out = BytesIO()
    font.save(out)
    _SMALL[path] = out.getvalue(), frozenset(font.getGlyphOrder())
    return _SMALL[path]


def _open(source: str | bytes):
    """A fontTools font for one document's subsetting: lazy, its outlines copied as they are."""
    from fontTools import ttLib

    return ttLib.TTFont(BytesIO(source) if isinstance(source, bytes) else source, recalcTimestamp=False,
                        recalcBBoxes=False, lazy=True)


def add_font(pdf, family: str, style: str, path: Path | str) -> None:
    """`pdf.add_font(family, style, path)`, with the font file parsed once per process."""
    from fpdf.fonts import SubsetMap

    parsed = _parsed(str(path), family, style)
    if parsed.color_font is not None:  # drawn with objects of its own document: parsed for each document
        pdf.add_font(family, style, path)
        return
    font = copy.copy(parsed)
    font.i = len(pdf.fonts) + 1
    font.ttfont = _open(_small(str(path))[0])
    font.desc = copy.copy(parsed.desc)
    font.subset = SubsetMap(font)
    font.missing_glyphs = []
    font.biggest_size_pt = 0
    font._hbfont = None
    pdf.fonts[font.fontkey] = font


def output(pdf) -> bytes:
    """The document as bytes; a font of `add_font` that drew a glyph the smaller font lacks is subset from
    its whole file instead."""
    for font in pdf.fonts.values():
        small = _SMALL.get(str(getattr(font, "ttffile", "")))
        if small is not None and not set(font.subset.get_all_glyph_names()) <= small[1]:
            font.ttfont = _open(str(font.ttffile))
    return bytes(pdf.output())
