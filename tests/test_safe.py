"""Input text stays data in every target: spreadsheet cells, CSV, HTML, Markdown, LaTeX."""

from __future__ import annotations

import csv
import re

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from stomkpi.safe import LONG_WORD, clean, html_text, latex_text, markdown_text, spreadsheet_cell, write_csv

from .hostile import TEXTS


@pytest.mark.parametrize("text", [TEXTS[k] for k in ("formula", "tab_formula", "plus_cmd", "at_sum", "minus")])
def test_no_cell_can_start_a_formula(text):
    cell = spreadsheet_cell(text)
    assert cell.startswith("'") and cell.lstrip("'").lstrip("\t") == text.lstrip("\t")


def test_numbers_and_plain_text_pass_unchanged():
    assert spreadsheet_cell(12.5) == 12.5 and spreadsheet_cell("Иванов Иван") == "Иванов Иван"


def test_every_hostile_text_writes_to_xlsx_as_text(tmp_path):
    book = Workbook()
    for text in TEXTS.values():
        book.active.append([spreadsheet_cell(text)])  # openpyxl refuses control characters: cleaned first
    book.save(tmp_path / "x.xlsx")
    cells = [row[0] for row in load_workbook(tmp_path / "x.xlsx").active.iter_rows()]
    assert all(c.data_type == "s" for c in cells)  # «s»: a string; a formula would be «f»
    assert cells[list(TEXTS).index("long")].value == "Ж" * 10_000  # nothing lost


def test_printed_sheets_mark_formula_like_text_as_text(tmp_path):
    """The protocols and cards: a text that starts like a formula is kept as typed (no apostrophe shown) and
    marked text by Excel's quote prefix, so that not even editing the cell makes it a formula."""
    from stomkpi.report.printable import PrintedSheet, new_book

    book = new_book()
    sheet = PrintedSheet(book, "Лист", [20, 40])
    keys = ["formula", "plus_cmd", "at_sum", "minus"]
    sheet.table(None, ["Текст", "Правило"], [[TEXTS[k], "+1 за каждый случай"] for k in keys] + [["Иванов", "—"]])
    book.save(tmp_path / "p.xlsx")
    rows = list(load_workbook(tmp_path / "p.xlsx").active.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == [TEXTS[k] for k in keys] + ["Иванов"]
    assert all(c.data_type == "s" and c.quotePrefix for r in rows[:-1] for c in r)
    assert not rows[-1][0].quotePrefix  # plain text keeps the plain style


def test_csv_has_a_bom_and_no_formula(tmp_path):
    path = write_csv(pd.DataFrame({"name": list(TEXTS.values()), "n": range(len(TEXTS))}), tmp_path / "x.csv")
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(path.open(encoding="utf-8-sig")))[1:]
    assert not any(r[0].startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows)
    assert rows[list(TEXTS).index("control")][0] == "ИвановИван"


def test_html_has_no_live_markup():
    assert html_text(TEXTS["script"]) == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert "<" not in html_text(TEXTS["img"]) and '"' not in html_text(TEXTS["img"])


@pytest.mark.parametrize("key", ["script", "img", "remote_md", "latex_input", "formula"])
def test_markdown_escapes_every_markup_character(key):
    out = markdown_text(TEXTS[key])
    unescaped = re.sub(r"\\.", "", out)  # drop every backslash pair: what is left must hold no markup character
    assert not set(unescaped) & set("<>[]()!$\\{}`*_#|")
    assert re.sub(r"\\(.)", r"\1", out).replace("\u200b", "") == TEXTS[key]  # nothing lost but break points


def test_markdown_keeps_a_name_on_one_line_and_breaks_long_words():
    assert markdown_text("Иванов\n# Заголовок") == "Иванов \\# Заголовок"
    long = markdown_text(TEXTS["long"])
    assert all(len(part) <= LONG_WORD for part in long.split("\u200b")) and long.replace("\u200b", "") == TEXTS["long"]


def test_latex_commands_become_text():
    assert latex_text(TEXTS["latex_input"]) == r"Иванов \textbackslash{}input\{/etc/hostname\} Иван"
    assert latex_text("50% & $5 #1 a_b ~ ^") == r"50\% \& \$5 \#1 a\_b \textasciitilde{} \textasciicircum{}"
    assert "\\catcode" not in latex_text(TEXTS["catcode"])


def test_latex_breaks_long_words_without_splitting_an_escape():
    out = latex_text("\\" * 100)
    assert out.count(r"\textbackslash{}") == 100 and r"\allowbreak{}" in out
    assert latex_text(TEXTS["long"]).count(r"\allowbreak{}") == 10_000 // LONG_WORD - 1


def test_control_characters_are_dropped():
    assert clean("a\x00b\x1bc\x7fd\te\nf") == "abcd\te\nf"


def test_what_no_utf8_or_xml_file_holds_is_dropped():
    # a lone surrogate (from a badly decoded file) and the two non-characters U+FFFE, U+FFFF; «ё» and № stay
    assert clean("ё\ud800№\udfff\ufffe!\uffff") == "ё№!"
