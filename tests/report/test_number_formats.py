"""One number format per quantity everywhere: coefficients and funds with 2 decimals, percents with 1, in the
reports' own tables (HTML; the PDF is typeset from the same cells), the cards, the protocols and the .xlsx files
for people. The columns' quantities are listed here by hand, from the headers people read."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stomkpi.report.cards import Card

from ..conftest import PERIOD

PERCENT = {"Процент", "Средний %", "Средний % за год", "Минимум %", "Максимум %", "Лишено, %", "Лишить, %",
           "% от случаев с дефектами", "Оценка показателей в %", "Оценка показателей в % от ставки",
           "Процент выполнения показателей", "Процент выполнения", "Лишение премии, %"}
TWO = {"Фонд коэффициентов", "Сумма коэффициентов", "Коэффициент денежных выплат", "Коэффициент выплат", "Кэф",
       "Коэффициент"}
# headers with «%» or «коэффициент» that hold no percent or coefficient
OTHERS = {"Ниже 100 %", "Оценок ниже 100 %"}
MONTH = re.compile(r"^(янв|фев|мар|апр|май|июн|июл|авг|сен|окт|ноя|дек)\b|^Год$")
NUMBER = re.compile(r"^[−-]?\d[\d\u00a0]*(,(\d+))?$")


class _Tables(HTMLParser):
    """Every <table class="stomkpi"> of a report's HTML: (caption, headers, rows of cell texts)."""

    def __init__(self):
        super().__init__()
        self.tables, self._cell, self._row = [], None, None

    def handle_starttag(self, tag, attrs):
        if tag == "table" and ("class", "stomkpi") in attrs:
            self.tables.append(["", [], []])
        elif self.tables and tag in ("caption", "th", "td"):
            self._cell = []
        elif self.tables and tag == "tr":
            self._row = []

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)

    def handle_endtag(self, tag):
        if tag in ("caption", "th", "td") and self._cell is not None:
            text = html.unescape("".join(self._cell)).strip()
            self._cell = None
            if tag == "caption":
                self.tables[-1][0] = text
            elif tag == "th":
                self.tables[-1][1].append(text)
            else:
                self._row.append(text)
        elif tag == "tr" and self._row:
            self.tables[-1][2].append(self._row)
            self._row = None


def _places(header: str, caption: str) -> int | None:
    """The decimals a column must show, by the hand-made lists above; None for other quantities."""
    if header.endswith("руб.") or (MONTH.search(header) and "руб" in caption):
        return 2
    if header in PERCENT or MONTH.search(header):
        return 1
    if header in TWO:
        return 2
    if header.startswith("Баллы") or header in OTHERS:
        return None
    assert "%" not in header and "оэффициент" not in header, f"столбец «{header}» ({caption}): чья это величина?"
    return None


def _wrong_cells(report: Path) -> list[str]:
    parser = _Tables()
    parser.feed(report.read_text(encoding="utf-8"))
    assert len(parser.tables) > 10
    wrong, checked = [], 0
    for caption, headers, rows in parser.tables:
        for i, header in enumerate(headers):
            places = _places(header, caption)
            if places is None:
                continue
            for row in rows:
                m = NUMBER.match(row[i]) if i < len(row) else None
                if m is None:
                    continue
                checked += 1
                if len(m.group(2) or "") != places:
                    wrong.append(f"{caption} / {header}: «{row[i]}»")
    assert checked > 100
    return wrong


@pytest.mark.parametrize("which", ["monthly", "annual"])
def test_report_tables_print_each_quantity_with_its_decimals(which, request):
    folder = request.getfixturevalue(which)
    wrong = _wrong_cells(folder / f"{folder.name}.html")
    assert not wrong, f"{len(wrong)} ячеек не в формате своей величины, например: {wrong[:8]}"


def _xlsx_wrong(path: Path, header_row: int | None = 1) -> tuple[int, list[str]]:
    """Numeric cells of a .xlsx under a percent or coefficient header whose number format shows other decimals;
    `header_row` None: any row whose cells are all text is a header row (the protocols' tables)."""
    wrong, checked = [], 0
    for ws in load_workbook(path).worksheets:
        headers: list = []
        for row in ws.iter_rows(min_row=1):
            values = [c.value for c in row]
            texts = [v for v in values if v is not None]
            if (header_row is not None and row[0].row == header_row) or (
                    header_row is None and len(texts) > 3 and all(isinstance(v, str) for v in texts)):
                headers = [str(v) if v is not None else "" for v in values]
                continue
            for cell, header in zip(row, headers, strict=False):
                if not isinstance(cell.value, int | float) or isinstance(cell.value, bool):
                    continue
                places = _places(header, "")
                if places is None:
                    continue
                checked += 1
                shown = re.search(r"0(\.(0+))?$", cell.number_format)
                if shown is None or len(shown.group(2) or "") != places or "[$-419]" not in cell.number_format:
                    wrong.append(f"{path.name} {ws.title}!{cell.coordinate} «{header}»: {cell.number_format}")
    return checked, wrong


def test_files_for_people_show_each_quantity_with_its_decimals(monthly, annual):
    for path, header_row in [(monthly / f"scores-{PERIOD}.xlsx", 1), (annual / "scores-2025.xlsx", 1),
                             (monthly / f"protocols-{PERIOD}.xlsx", None)]:
        checked, wrong = _xlsx_wrong(path, header_row)
        assert checked > 50, path.name
        assert not wrong, wrong[:5]


def test_a_card_prints_the_deprivation_with_one_decimal():
    card = Card(staff_id="1", name="Тестова Анна", title="Медсестра", department="Отделение", criteria={},
                total=30.0, norm_points=30.0, percent=100.0, rates=1.0, days_plan=22.0, days_fact=22.0,
                deprived_percent=25.0, deprivation_reasons=("прогул",), coefficient=0.75)
    text = "\n".join(card.result_lines())
    assert "(1 − 25,0 %) = 0,75" in text and "Лишение премии: 25,0 % (прогул)." in text
    assert "выполнение 100,0 %" in text
