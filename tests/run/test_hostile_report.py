"""A month whose names, departments, reasons and clinic name are hostile text: the report is built,
and in no output does the text become code — no live HTML, no TeX command, no spreadsheet formula."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook

from stomkpi.month import MAX_NAME_LENGTH

from ..hostile import TEXTS
from ..test_cli import run

PERIOD = "2025-12"
TOKEN = "SECRET-7f3a9c"
LONG_NAME = "Ж" * MAX_NAME_LENGTH  # the longest name a book may hold


@pytest.fixture(scope="module")
def hostile(project, tmp_path_factory) -> Path:
    """The demo clinic with hostile text in December's workbook and in the clinic's name; its report."""
    root = tmp_path_factory.mktemp("hostile")
    shutil.copytree(project / "demo", root / "demo")
    (root / "params").mkdir()
    secret = root / "secret.txt"
    secret.write_text(TOKEN, encoding="utf-8")
    data = yaml.safe_load((project / "params" / "demo.yaml").read_text(encoding="utf-8"))
    data["clinic"] = f"Поликлиника <script>alert(1)</script> \\input{{{secret}}} {TEXTS['control']}"
    (root / "params" / "demo.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    book_path = root / "demo" / f"{PERIOD}.xlsx"
    book = load_workbook(book_path)
    staff = book["Сотрудники"]
    control = TEXTS["control"].replace("\x1b", "_x001B_")  # how .xlsx stores a control character
    names = [f"Иванов \\input{{{secret}}} Иван", TEXTS["script"], TEXTS["formula"], control, LONG_NAME,
             TEXTS["tab_formula"], TEXTS["plus_cmd"], TEXTS["at_sum"], TEXTS["backslash"], TEXTS["catcode"],
             TEXTS["remote_md"]]
    for row, name in enumerate(names, start=2):
        staff.cell(row, 2).value = name
        staff.cell(row, 2).data_type = "s"  # text that looks like a formula, as typed after an apostrophe
    staff.cell(2, 4).value = TEXTS["img"]  # a department of its own: a Markdown heading and a protocol sheet
    staff.cell(3, 4).value = TEXTS["remote_md"]
    funds = book["Фонд"]  # the two new departments get a fund of their own: their names reach the fund section too
    for department in (TEXTS["img"], TEXTS["remote_md"]):
        funds.append([department, None, 1000])
    deprivations = book["Лишение"]
    deprivations.append([staff.cell(5, 1).value, 10, TEXTS["formula"]])
    deprivations.cell(deprivations.max_row, 3).data_type = "s"
    book.save(book_path)
    result = run("monthly", "--month", PERIOD, "--params", str(root / "params" / "demo.yaml"), "--quiet")
    assert result.returncode == 0, result.stderr
    return root / "outputs" / PERIOD


def test_html_holds_no_live_markup_and_requests_nothing(hostile):
    html = (hostile / f"{PERIOD}.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert not re.search(r"<img[^>]*onerror", html)
    assert not re.search(r"""(src|href)\s*=\s*["']?https?://""", html)


def test_pdf_shows_the_text_and_reads_no_file(hostile):
    text = subprocess.run(["pdftotext", str(hostile / f"{PERIOD}.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert TOKEN not in text
    assert "input{" in text.replace("\u200b", "")  # the command is printed as text, not executed


def test_the_latex_source_holds_no_command_from_the_inputs(hostile):
    # xelatex runs with file reading restricted, so a PDF without the secret does not prove the text was escaped:
    # the LaTeX that the PDF is typeset from must hold no \input, \catcode or unescaped brace from the inputs
    import nbformat

    from stomkpi.run.notebook import _latex

    source, _ = _latex(nbformat.read(hostile / f"{PERIOD}.ipynb", as_version=4))
    secret = str(hostile.parents[1] / "secret.txt")
    assert "\\input{" + secret not in source
    assert TEXTS["catcode"] not in source  # the template's own \\catcode lines aside, none from a name
    assert "\\textbackslash{}input" in source  # the name's command, printed as text


def test_no_cell_of_the_protocols_or_the_csv_starts_a_formula(hostile):
    book = load_workbook(hostile / f"protocols-{PERIOD}.xlsx")
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    assert cells and not [c.coordinate for c in cells if c.data_type == "f"]
    raw = (hostile / f"scores-{PERIOD}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel shows Cyrillic
    rows = list(csv.reader((hostile / f"scores-{PERIOD}.csv").open(encoding="utf-8-sig")))
    text_cells = [v for r in rows[1:] for v in r if v and not re.fullmatch(r"-?\d+(\.\d+)?", v)]
    assert not [v for v in text_cells if v.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert LONG_NAME in raw.decode("utf-8-sig")  # the long name is kept whole in the data


def test_the_hostile_report_verifies(hostile):
    result = run("verify", str(hostile / f"{PERIOD}.ipynb"))
    assert result.returncode == 0, result.stdout + result.stderr
