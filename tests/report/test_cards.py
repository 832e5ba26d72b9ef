"""A card's PDF draws every letter of a name with the font's own glyph: Cyrillic beyond Russian, Latin with
diacritics, a script the cards' smaller font leaves out (then subset from the whole font file), and a
character the font lacks (left out, the card still made); and the same cards give the same bytes."""

from __future__ import annotations

from io import BytesIO

import pdfplumber
from fontTools.ttLib import TTFont
from pdfminer.pdftypes import PDFStream, resolve1

from stomkpi.report.cards import ADDITIONAL, MAIN, Card, cards_pdf

NAMES = ["Әлия Ңөүһ", "Łukasz Żółć Ğüneş", "Ảnh Nguyễn", "Անի Ղազարյան"]
LACKING = "王"  # DejaVu Sans has no CJK


def card(staff_id: str, name: str) -> Card:
    rows = [[1, "Процент выполнения плана", "95", "10 при 100 %", "100", "9,5"]]
    return Card(staff_id=staff_id, name=name, title="Врач-стоматолог", department="Отделение",
                criteria={MAIN: rows, ADDITIONAL: []}, total=9.5, norm_points=10, percent=95.0, rates=1,
                days_plan=22, days_fact=22, deprived_percent=0, deprivation_reasons=(), coefficient=0.95)


def embedded_glyphs(pdf: bytes) -> dict[str, bool]:
    """Every character the PDF's embedded fonts map, and whether its glyph has an outline."""
    drawn: dict[str, bool] = {}
    with pdfplumber.open(BytesIO(pdf)) as doc:
        for xref in doc.doc.xrefs:
            for objid in xref.get_objids():
                obj = resolve1(doc.doc.getobj(objid))
                if isinstance(obj, dict) and "FontFile2" in obj:
                    stream = resolve1(obj["FontFile2"])
                    assert isinstance(stream, PDFStream)
                    font = TTFont(BytesIO(stream.get_data()))
                    for code, glyph in font.getBestCmap().items():
                        drawn[chr(code)] = drawn.get(chr(code), False) or font["glyf"][glyph].numberOfContours != 0
    return drawn


def test_every_letter_of_a_name_is_drawn_with_its_glyph():
    people = [card(str(i), name) for i, name in enumerate(NAMES, start=1)] + [card("9", f"Ли{LACKING}н")]
    pdf = cards_pdf("2025-12", "Поликлиника", "Отделение", people)
    with pdfplumber.open(BytesIO(pdf)) as doc:
        pages = [page.extract_text() for page in doc.pages]
    for page, name in zip(pages, NAMES, strict=False):
        assert f"{name}, таб. №" in page
    assert "Лин, таб. № 9" in pages[-1]  # the lacking character left out
    drawn = embedded_glyphs(pdf)
    for letter in set("".join(NAMES)) - {" "}:
        assert drawn.get(letter), letter
    assert LACKING not in drawn
    assert cards_pdf("2025-12", "Поликлиника", "Отделение", people) == pdf


def test_the_cut_font_is_kept_for_the_next_process_and_an_unwritable_cache_is_no_failure(tmp_path, monkeypatch):
    """The fonts cut to a card's scripts are kept in the cache folder, read back by the next process to the
    same PDF bytes; a cache folder that cannot be made leaves the fonts uncached, the PDF the same."""
    from stomkpi.report import pdf_fonts

    people = [card("1", NAMES[0])]

    def made_by_a_new_process(cache) -> bytes:
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
        pdf_fonts._small.cache_clear()
        return cards_pdf("2025-12", "Поликлиника", "Отделение", people)

    first = made_by_a_new_process(tmp_path / "cache")
    kept = sorted((tmp_path / "cache" / "stomkpi").iterdir())
    assert [p.suffix for p in kept] == [".ttf", ".ttf"]
    assert made_by_a_new_process(tmp_path / "cache") == first
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    assert made_by_a_new_process(blocked) == first
    kept[0].write_bytes(b"not a font")  # damaged: cut again
    assert made_by_a_new_process(tmp_path / "cache") == first


def test_sheets_of_one_layout_share_their_fixed_parts_to_the_same_bytes(tmp_path, monkeypatch):
    """A card's workbook writes the parts of a sheet that its layout decides (page setup, margins, footer, columns)
    once per book: the file is the one each sheet writing its own parts makes."""
    from stomkpi.report import printable
    from stomkpi.report.cards import cards_xlsx

    people = [card(str(i), name) for i, name in enumerate(NAMES, start=1)]
    cards_xlsx(tmp_path / "shared.xlsx", "2025-12", "Поликлиника", people)
    monkeypatch.setattr(printable, "_parts", lambda book, layout: {})
    cards_xlsx(tmp_path / "own.xlsx", "2025-12", "Поликлиника", people)
    assert (tmp_path / "shared.xlsx").read_bytes() == (tmp_path / "own.xlsx").read_bytes()
