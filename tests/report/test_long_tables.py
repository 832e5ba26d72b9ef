"""A list of people that a file of the month holds whole prints its first `LONG_TABLE` rows and one sentence naming
the file, in every format; a list of exactly `LONG_TABLE` rows, or one no file holds, prints whole."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from stomkpi.report import display
from stomkpi.report.display import LONG_TABLE, Table

WHOLE = "в файле protocols-2025-12.xlsx"


def _people(n: int) -> pd.DataFrame:
    return pd.DataFrame({"ФИО": [f"Сотрудник {i:05d}" for i in range(n)], "Процент": [50.0 + i % 40 for i in range(n)]})


def _rows_in_html(table: Table) -> list[str]:
    return re.findall(r"<tr><td>(.*?)</td>", table._repr_html_())


def test_one_row_more_than_the_limit_prints_the_limit_and_names_the_file():
    table = Table(_people(LONG_TABLE + 1), caption="Врачи", whole=WHOLE)
    # LONG_TABLE = 1 000: «1 000» and «1 001» with a no-break space between thousands, as the report's sums
    note = "Показаны первые 1\u00a0000 строк из 1\u00a0001; все строки — в файле protocols-2025-12.xlsx."
    assert LONG_TABLE == 1_000
    rows = _rows_in_html(table)
    assert len(rows) == LONG_TABLE
    assert rows[0] == "Сотрудник 00000" and rows[-1] == "Сотрудник 00999"  # the first rows, in the table's order
    assert table._repr_html_().endswith(f'</table><p class="stomkpi-note">{note}</p>')
    latex = table._repr_latex_()
    assert latex.count(r"\\") - 1 == LONG_TABLE + 1  # the header, the caption and the rows end with \\
    assert "Сотрудник 01000" not in latex
    assert latex.endswith("\\end{longtable}}\n\\par\\noindent\n" + note.replace("\u00a0", "~") + "\n\\par")
    plain = repr(table)
    assert plain.endswith("\n" + note) and "Сотрудник 01000" not in plain


def test_exactly_the_limit_prints_whole_without_a_sentence():
    table = Table(_people(LONG_TABLE), caption="Врачи", whole=WHOLE)
    assert len(_rows_in_html(table)) == LONG_TABLE
    assert "stomkpi-note" not in table._repr_html_()
    assert "Показаны" not in table._repr_latex_() and "Показаны" not in repr(table)


def test_a_list_no_file_holds_prints_whole():
    table = Table(_people(LONG_TABLE + 5), caption="Итоги")
    assert len(_rows_in_html(table)) == LONG_TABLE + 5
    assert "Показаны" not in table._repr_html_()


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", r"\input{/etc/passwd}", "a\x07b", "=1+1", "я" * 10_000])
def test_the_files_name_is_escaped_in_every_format(hostile):
    table = Table(_people(LONG_TABLE + 1), whole=hostile)
    assert "<script>" not in table._repr_html_()
    assert r"\input{" not in table._repr_latex_()
    assert "\x07" not in table._repr_latex_()


def test_an_empty_list_is_its_sentence_whatever_the_file():
    table = Table(_people(0), caption="Врачи", empty="нет.", whole=WHOLE)
    assert table._repr_html_() == '<p class="stomkpi-empty">Врачи: нет.</p>'


LISTS = {
    # the monthly notebook: all who are below 100 %, the protocols, НМО, accreditation
    "monthly": {"report.below_table()": "file_name('scores')", "show(table, caption=title, empty=": "file_name('protocols')",
                "report.nmo_table()": "stomkpi nmo", "report.accreditation.acting_table()": "stomkpi accreditation"},
    # the annual notebook: each department's people by month, the НМО plans, the year's filings
    "annual": {"show(table, caption=department": "file_name('scores')", "report.nmo_table()": "file_name('nmo')",
               "accreditation.filings_table()": "лист «Подача»"},
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_each_notebook_names_a_file_for_each_list_of_people(name):
    """Every list of people in a report says where it is whole; the short tables (sums, counts) need not."""
    notebook = json.loads((Path(display.__file__).parent / "notebooks" / f"{name}.ipynb").read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in notebook["cells"] if c["cell_type"] == "code"]
    shows = [line for cell in code for line in re.findall(r"show\((?:[^()]|\([^()]*\))*\)", cell, flags=re.S)]
    for start, where in LISTS[name].items():
        found = [s for s in shows if start in s and "below_table(10)" not in s]
        assert found and all("whole=" in s and where in s for s in found), start
