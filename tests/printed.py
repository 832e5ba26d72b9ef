"""Looking at a printed page the way a reader does: word boxes from the PDF (pdfplumber), and the
checks the documents must pass — no two words overlap, nothing outside the margins, no word crossed
by a table's ruling (text cut by a row too short), pages filled.

Theory: a PDF knows where every glyph is. Words that run together («КоличествоОценка») or a column
that runs over its neighbour show as overlapping word boxes; a header past the page edge as a box
outside the margins; a wrapped cell whose row did not grow as a word crossed by the row's border.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pdfplumber
import pytest

MM = 72 / 25.4
OVERLAP = 0.5  # pt: boxes closer than this are not counted as overlapping (glyph outlines touch)


@dataclass
class Page:
    number: int
    width: float
    height: float
    words: list[dict]
    rules: list[dict]  # horizontal ruling lines
    images: list[dict]

    @property
    def text(self) -> str:
        return " ".join(w["text"] for w in self.words)

    def content_bottom(self) -> float:
        bottoms = [w["bottom"] for w in self.words] + [i["bottom"] for i in self.images]
        return max(bottoms, default=0.0)

    def content_top(self) -> float:
        tops = [w["top"] for w in self.words] + [i["top"] for i in self.images]
        return min(tops, default=self.height)


def read_pages(pdf: Path) -> list[Page]:
    pages = []
    with pdfplumber.open(pdf) as doc:
        for p in doc.pages:
            # a gap of 1.5 pt separates words: two cells side by side are two words, not one
            words = p.extract_words(x_tolerance=1.5, keep_blank_chars=False, use_text_flow=False, extra_attrs=["size"])
            rules = [e for e in p.edges if e["orientation"] == "h" and e["x1"] - e["x0"] > 20]
            pages.append(Page(p.page_number, float(p.width), float(p.height), words, rules, list(p.images)))
    return pages


def overlaps(page: Page) -> list[tuple[str, str]]:
    """Pairs of words whose boxes overlap by more than `OVERLAP` both ways."""
    words = sorted(page.words, key=lambda w: w["x0"])
    out = []
    for i, a in enumerate(words):
        for b in words[i + 1:]:
            if b["x0"] >= a["x1"] - OVERLAP:
                break
            if min(a["bottom"], b["bottom"]) - max(a["top"], b["top"]) > OVERLAP:
                out.append((a["text"], b["text"]))
    return out


def outside(page: Page, left: float, right: float, top: float, bottom: float) -> list[str]:
    """Words whose boxes cross the given margins (in pt from each edge). At the foot the baseline counts:
    a last line sits on the text's bottom edge and its descenders hang below it, as in any book, and
    a long table's last row may pass it by a couple of points (TeX's \\maxdepth)."""
    return [w["text"] for w in page.words
            if w["x0"] < left - 0.5 or w["x1"] > page.width - right + 0.5
            or w["top"] < top - 0.5 or w["bottom"] - 0.3 * w.get("size", 0) > page.height - bottom + 2.5]


def crossed(page: Page) -> list[str]:
    """Words that a horizontal ruling line runs through: a cell's text cut by its row's border."""
    out = []
    for w in page.words:
        for r in page.rules:
            if r["x0"] < w["x1"] and w["x0"] < r["x1"] and w["top"] + 1.0 < r["top"] < w["bottom"] - 1.0:
                out.append(w["text"])
                break
    return out


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        pytest.skip("LibreOffice не установлен (bash scripts/system-deps.sh)")
    return path


def to_pdf(xlsx: Path, out_dir: Path, locale: str | None = None) -> Path:
    """The workbook printed by LibreOffice headless, with a profile of its own (runs never share one); with
    `locale` (ru_RU.UTF-8, en_US.UTF-8), under that locale: LibreOffice takes its default locale, which decides
    how a number in a plain format is printed (0,6 or 0.6), from LC_ALL and LANG."""
    env = None if locale is None else {**os.environ, "LC_ALL": locale, "LANG": locale}
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(out_dir), str(xlsx)],
                       check=True, capture_output=True, timeout=300, env=env)
    return out_dir / (xlsx.stem + ".pdf")


# The report PDFs (stomkpi_latex template): A4, 1.5 cm left and right, 1.6 cm top and bottom, the page
# number in the footer below the text.
REPORT_MARGINS = {"left": 15 * MM, "right": 15 * MM, "top": 16 * MM, "bottom": 16 * MM}
# Why a page must be at least half full: the largest block that cannot break across pages is a chart
# (at most 0.55 of the text height: the tallest, the department comparison, with its title) or a table's
# caption, header and first row (a few lines). A page ending earlier than half its height was left by
# something larger than any such block — a forced break, a landscape float, a table held whole — which
# is the fault to catch. A section's last page, the title page and the document's last page may end anywhere.
MIN_FILL = 0.5
SECTION_HEADING = 11.5  # pt: \subsection and larger; the next page opening with one ends a section here


def report_layout_problems(pdf: Path) -> list[str]:
    """Every layout fault of a report PDF, one line each: overlapping words, words outside the margins,
    pages filled less than `MIN_FILL` that do not end a section."""
    pages = read_pages(pdf)
    m = REPORT_MARGINS
    text_height = pages[0].height - m["top"] - m["bottom"]
    problems = []
    for i, page in enumerate(pages):
        body = Page(page.number, page.width, page.height,
                    [w for w in page.words if not (w["top"] > page.height - m["bottom"] and w["text"].isdigit())],
                    page.rules, page.images)
        for a, b in overlaps(body):
            problems.append(f"стр. {page.number}: слова наложились: «{a}» и «{b}»")
        for w in outside(body, m["left"], m["right"], m["top"] - 2, m["bottom"]):
            problems.append(f"стр. {page.number}: за полем: «{w}»")
        last = i == len(pages) - 1
        next_opens_section = not last and _opens_section(pages[i + 1], m["top"])
        if i == 0 or last or next_opens_section:
            continue
        fill = (body.content_bottom() - m["top"]) / text_height
        if fill < MIN_FILL:
            problems.append(f"стр. {page.number}: заполнена на {fill:.0%}, а раздел продолжается на следующей")
    return problems


def _opens_section(page: Page, top: float) -> bool:
    first = [w for w in page.words if w["top"] < top + 40]
    return any(w.get("size", 0) >= SECTION_HEADING for w in first)
