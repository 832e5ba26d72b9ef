"""Looking at a printed page the way a reader does: word boxes from the PDF (pdfplumber), and the
checks the documents must pass — no two words overlap, nothing outside the margins, no word crossed
by a table's ruling (text cut by a row too short), pages filled.

Theory: a PDF knows where every glyph is. Words that run together («КоличествоОценка») or a column
that runs over its neighbour show as overlapping word boxes; a header past the page edge as a box
outside the margins; a wrapped cell whose row did not grow as a word crossed by the row's border.
"""

from __future__ import annotations

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
    """Words whose boxes cross the given margins (in pt from each edge)."""
    return [w["text"] for w in page.words
            if w["x0"] < left - 0.5 or w["x1"] > page.width - right + 0.5
            or w["top"] < top - 0.5 or w["bottom"] > page.height - bottom + 0.5]


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


def to_pdf(xlsx: Path, out_dir: Path) -> Path:
    """The workbook printed by LibreOffice headless, with a profile of its own (runs never share one)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "pdf", "--outdir", str(out_dir), str(xlsx)],
                       check=True, capture_output=True, timeout=300)
    return out_dir / (xlsx.stem + ".pdf")
