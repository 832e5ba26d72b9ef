"""TrueType fonts for fpdf2 documents, read once per process instead of once per document.

fpdf2's `add_font` parses the whole font file (DejaVu Sans: its glyph table, its character map and
the width of every glyph) for every document; a month's cards are six documents with two fonts each,
and the parsing was a third of their time. Here each font is parsed once, and a document gets a copy
of the parsed font with what belongs to one document made fresh: its number among the document's
fonts, the set of characters it used, its font descriptor object and the fontTools font that the
document's output subsets in place (opened lazily: only the tables the subsetting reads are parsed).

The subsetting itself was the next cost: each document's output cut its few dozen glyphs out of the
whole font (DejaVu Sans has 6 000 glyphs; reading its glyph names and offsets, and compiling the
outlines again, took some 50 ms a font). So a document's font is a smaller one, cut once per process
from the file: the scripts a card holds (`SMALL_FONT`: Latin, Cyrillic, punctuation, arrows,
mathematical signs), in memory, with the glyphs' outlines kept as the file has them; and kept in the
user's cache folder, named by what it is cut from, for the next processes (cutting it is a fifth of a
CPU-second per report). fpdf2 leaves a character its font lacks out of the text: a document that
asked for a character the cut font lacks and the file has (`lacks_glyphs`) is drawn again with the
whole files (`add_font(whole=True)`); a character the file lacks is left out and logged, as fpdf2 does.

Editing rule: fpdf2's parsed fonts are shared through its adapter (`adapters.fpdf_internals`), never touched here;
when its check fails (a new fpdf2), every document adds the whole font files through fpdf2's public `add_font`:
the cards are still drawn, slower.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from functools import cache
from io import BytesIO
from pathlib import Path

from stomkpi.report.adapters import fpdf_internals

# code point ranges of the smaller font: Basic Latin, Latin-1, Latin Extended-A and -B, combining accents,
# Cyrillic and its Supplement, General Punctuation (dashes, quotes), currency signs, letterlike symbols (№),
# arrows and mathematical operators (±, −, ×, ≤). Every glyph more costs each document's subsetting: Greek,
# IPA or Vietnamese letters are drawn from the whole file
SMALL_FONT = ((0x0000, 0x024F), (0x0300, 0x036F), (0x0400, 0x052F), (0x2000, 0x206F), (0x20A0, 0x20CF),
              (0x2100, 0x214F), (0x2190, 0x22FF))
# tables fpdf2 leaves out of every embedded font; left out of the smaller font too (so they are not read)
_DROPPED = ["FFTM", "GDEF", "GPOS", "GSUB", "MATH", "hdmx", "meta", "sbix", "CBDT", "CBLC", "EBDT", "EBLC", "EBSC",
            "SVG ", "CPAL", "COLR"]


@cache
def _parsed(path: str, family: str, style: str, whole: bool):
    """The font as fpdf2's `add_font` makes it from the cut font (or the `whole` file), in a document of its own
    that is never written: its character map, the width of each glyph and its descriptor."""
    return fpdf_internals.parse_font(path if whole else BytesIO(_small(path)), f"{family.lower()}{style}", style)


@cache
def _characters(path: str) -> frozenset[int]:
    """The characters the whole font file draws."""
    return frozenset(_open(path).getBestCmap())


@cache
def _small(path: str) -> bytes:
    """The font file cut to the `SMALL_FONT` characters (and the glyphs those are drawn with), as bytes, made once
    per process. Kept in the user's cache folder too: cutting it took a fifth of a CPU-second per report, reading
    it takes a few milliseconds."""
    kept = _kept(path)
    return (_read(kept) if kept is not None else None) or _fresh(path, kept)


def _fresh(path: str, kept: Path | None) -> bytes:
    """`_small` cut now, and kept for the next processes."""
    data = _cut(path)
    if kept is not None:
        _keep(kept, data)
    return data


def _cut(path: str) -> bytes:
    """The font file cut to the `SMALL_FONT` characters, with fpdf2's own options; outlines copied as the file
    has them (no bounding boxes computed again), which keeps this cheap. Glyph names are kept: without them,
    every document's subsetting makes them up again from the character map."""
    from fontTools import subset

    font = _open(path)
    codes = [code for code in font.getBestCmap() if any(low <= code <= high for low, high in SMALL_FONT)]
    options = subset.Options(notdef_outline=True, recommended_glyphs=True, glyph_names=True)
    options.drop_tables += _DROPPED
    cutter = subset.Subsetter(options)
    cutter.populate(unicodes=codes)
    cutter.subset(font)
    # the Windows Unicode map alone (fpdf2's, and what every reader of an embedded font needs): the other two
    # are the same characters, read again by every document's subsetting
    font["cmap"].tables = [table for table in font["cmap"].tables if (table.platformID, table.platEncID) == (3, 1)]
    out = BytesIO()
    font.save(out)
    return out.getvalue()


def _kept(path: str) -> Path | None:
    """Where the cut font of `path` is kept between processes: `$XDG_CACHE_HOME/stomkpi` (~/.cache/stomkpi),
    named by the font file's bytes, the fontTools version and the cut's ranges, so that a change of any of them
    makes a new one; None when the file cannot be read."""
    import fontTools

    try:
        digest = hashlib.sha256(Path(path).read_bytes())
    except OSError:
        return None
    digest.update(f"{fontTools.version} {SMALL_FONT} {_DROPPED} cmap (3, 1)".encode())
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "stomkpi"
    return root / f"font-{digest.hexdigest()[:40]}.ttf"


def _read(kept: Path) -> bytes | None:
    """The kept cut font; None when there is none (or it is not a font: then it is cut again)."""
    try:
        data = kept.read_bytes()
        _open(data).getGlyphOrder()
    except Exception:  # noqa: BLE001 - missing, unreadable or damaged
        return None
    return data


def _keep(kept: Path, data: bytes) -> None:
    """The cut font written for the next processes, whole or not at all (a sibling file renamed into place);
    a folder that cannot be written leaves it uncached."""
    tmp = None
    try:
        kept.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=kept.parent, prefix=f".{kept.name}.", delete=False) as out:
            tmp = Path(out.name)
            out.write(data)
        os.replace(tmp, kept)
    except OSError:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


def _open(source: str | bytes):
    """A fontTools font for one document's subsetting: lazy, its outlines copied as they are."""
    from fontTools import ttLib

    return ttLib.TTFont(BytesIO(source) if isinstance(source, bytes) else source, recalcTimestamp=False,
                        recalcBBoxes=False, lazy=True)


def add_font(pdf, family: str, style: str, path: Path | str, *, whole: bool = False) -> None:
    """`pdf.add_font(family, style, path)` with the font cut to `SMALL_FONT` (or the `whole` file), parsed once
    per process; see `lacks_glyphs` for a document that used a character outside the cut font. Where fpdf2's fonts
    cannot be shared (`fpdf_internals.fonts_hold`), fpdf2's own `add_font` of the whole file."""
    if not fpdf_internals.fonts_hold():
        pdf.add_font(family, style, path)
        return
    parsed = _parsed(str(path), family, style, whole)
    if fpdf_internals.is_color(parsed):  # drawn with objects of its own document: parsed for each document
        pdf.add_font(family, style, path)
        return
    fpdf_internals.add_parsed_font(pdf, parsed, str(path), _open(str(path) if whole else _small(str(path))))


def lacks_glyphs(pdf) -> bool:
    """Whether a font of `add_font` was asked for a character its whole file has and it lacks (one cut to
    `SMALL_FONT`): the document is then to be drawn again with the whole files, as fpdf2 leaves a character
    its font lacks out of the text. Never where the whole files were added already."""
    if not fpdf_internals.fonts_hold():
        return False
    return any(not _characters(ttffile).isdisjoint(missing) for ttffile, missing in fpdf_internals.missing_glyphs(pdf))
