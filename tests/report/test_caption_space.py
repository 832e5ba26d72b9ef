"""A table's caption stands clear of the table's top rule in the PDF: measured on the rendered pages (pdfplumber's
word boxes and ruling lines), every caption line ends at least `CLEAR` pt above the rule under it."""

from __future__ import annotations

import re

from ..printed import read_pages
from .test_number_formats import _Tables

CLEAR = 2.0  # pt between a caption's lowest glyph box and the rule under it


def _captions(html_path) -> list[str]:
    parser = _Tables()
    parser.feed(html_path.read_text(encoding="utf-8"))
    return [re.sub(r"\s+", " ", caption) for caption, _, _ in parser.tables if caption]


def _caption_gaps(pdf, captions: list[str]) -> list[tuple[int, str, float]]:
    """(page, caption line, gap in pt to the rule right under it) of every caption line the PDF prints above a rule."""
    gaps = []
    for page in read_pages(pdf):
        for y in sorted({round(r["top"], 2) for r in page.rules}):
            line = sorted((w for w in page.words if y - 14 < w["bottom"] <= y + 1), key=lambda w: w["x0"])
            text = " ".join(w["text"] for w in line)
            if text and any(text in c for c in captions):
                gaps.append((page.number, text, round(y - max(w["bottom"] for w in line), 2)))
    return gaps


def test_captions_stand_clear_of_the_tables_top_rule(monthly):
    captions = _captions(monthly / f"{monthly.name}.html")
    gaps = _caption_gaps(monthly / f"{monthly.name}.pdf", captions)
    assert len({text for _, text, _ in gaps}) >= 8, gaps  # the captions were found above their tables
    close = [g for g in gaps if g[2] < CLEAR]
    assert not close, f"подпись таблицы лежит на её верхней линейке: {close[:5]}"
