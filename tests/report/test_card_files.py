"""The cards' files of a large clinic cost each person alike and hold what the one-file-a-department way held: a
department larger than `cards.PART` people goes in numbered parts whose sheets and pages are the whole file's in
order, the cards' record is the text `json.dumps` made of the whole record, and sheet titles are the ones the scan of
every earlier title gave.

The former ways are kept here as the oracles: every title compared with every earlier one, the record built whole.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import time
import weakref
from io import BytesIO

import pdfplumber
from openpyxl import load_workbook

from stomkpi.report import cards
from stomkpi.report.cards import ADDITIONAL, MAIN, Card, card_files, cards_xlsx, write_cards, write_record
from stomkpi.report.printable import PrintedSheet, new_book, sheet_title
from stomkpi.safe import clean

PERIOD, CLINIC = "2025-12", "Поликлиника «Улыбка»"


def _old_sheet_title(text: str, taken: set[str]) -> str:
    """`sheet_title` as it was: each candidate compared, in lower case, with every title taken before."""
    text = clean(text)
    for ch in "[]:*?/\\'":
        text = text.replace(ch, " ")
    base = " ".join(text.split())[:31] or "Лист"
    title, n = base, 1
    while title.lower() in {t.lower() for t in taken}:
        n += 1
        title = f"{base[:31 - len(str(n)) - 1]} {n}"
    taken.add(title)
    return title


TITLES = ["П3 Терапия", "п3 терапия", "П3 ТЕРАПИЯ", "", "[]:*?/", "Очень длинное название отделения поликлиники",
          "Очень длинное название отделения поликлиники", "Лист", "лист 2", "Лист", "a'b", "a b", "Ёж", "ёж"]


def test_sheet_titles_are_the_old_scans():
    old, new = set(), set()
    assert [sheet_title(t, new) for t in TITLES] == [_old_sheet_title(t, old) for t in TITLES]


def _title_seconds(n: int) -> float:
    taken: set[str] = set()
    start = time.process_time()
    for i in range(n):
        sheet_title(f"{i:06d} Иванова Мария Петровна", taken)
    return time.process_time() - start


def test_a_sheet_title_costs_alike_however_many_are_taken():
    """Sixteen times the titles take about sixteen times as long (the scan of every earlier title took 256)."""
    small = min(_title_seconds(500) for _ in range(3))
    large = _title_seconds(8000)
    assert large / small < 60, (small, large)


def _card(staff_id: str, name: str, department: str) -> Card:
    rows = [[1, "Процент выполнения плана", "95", "10 при 100 %", "100", "9,5"]]
    return Card(staff_id=staff_id, name=name, title="Врач-стоматолог", department=department,
                criteria={MAIN: rows, ADDITIONAL: [[1, "Жалобы", "1", "−5 за каждую", "—", "−5"]]}, total=4.5,
                norm_points=10, percent=45.0, rates=1, days_plan=22, days_fact=20, deprived_percent=10,
                deprivation_reasons=("опоздание \"дважды\"\\",), coefficient=0.37, sources=("введены",),
                revision=("Пересмотр: r1 → r2.",), payment=("Сумма: 1 000,00 ₽",))


PEOPLE = ([_card(f"{i:03d}", f"Сотрудник {i}", "Терапия") for i in range(1, 6)]
          + [_card("100", "Ортодонт", "Ортодонтия"), _card("101", "Ортодонт 2", "Ортодонтия")]
          + [_card("200", "Ещё один", "Терапия 1")])  # its stem is that of Терапия's first part


def test_a_department_larger_than_a_part_goes_in_numbered_parts_and_a_smaller_keeps_its_name():
    files = card_files(PERIOD, PEOPLE, part=2)
    assert [(stem, department, [c.staff_id for c in own]) for stem, department, own in files] == [
        ("cards-2025-12-Терапия-1", "Терапия", ["001", "002"]), ("cards-2025-12-Терапия-2", "Терапия", ["003", "004"]),
        ("cards-2025-12-Терапия-3", "Терапия", ["005"]), ("cards-2025-12-Ортодонтия", "Ортодонтия", ["100", "101"]),
        ("cards-2025-12-Терапия-1-2", "Терапия 1", ["200"])]
    assert [stem for stem, _, _ in card_files(PERIOD, PEOPLE)] == [  # the constant's parts: none so small a clinic
        "cards-2025-12-Терапия", "cards-2025-12-Ортодонтия", "cards-2025-12-Терапия-1"]
    assert cards.PART == 250


def _sheets(path) -> list[tuple[str, list]]:
    book = load_workbook(path)
    return [(ws.title, [[c.value for c in row] for row in ws.iter_rows()]) for ws in book.worksheets]


def test_the_parts_hold_the_whole_files_sheets_and_pages_in_order(tmp_path):
    written = write_cards(tmp_path, PERIOD, CLINIC, PEOPLE, part=2)
    assert [p.name for p in written] == [f"{stem}.{ext}" for stem, _, _ in card_files(PERIOD, PEOPLE, part=2)
                                         for ext in ("pdf", "xlsx")] + ["cards-2025-12.json"]
    therapy = [c for c in PEOPLE if c.department == "Терапия"]
    cards_xlsx(tmp_path / "whole.xlsx", PERIOD, CLINIC, therapy)
    parts = [s for n in (1, 2, 3) for s in _sheets(tmp_path / f"cards-2025-12-Терапия-{n}.xlsx")]
    assert parts == _sheets(tmp_path / "whole.xlsx")
    pages = []
    for n in (1, 2, 3):
        with pdfplumber.open(BytesIO((tmp_path / f"cards-2025-12-Терапия-{n}.pdf").read_bytes())) as doc:
            pages += [page.extract_text() for page in doc.pages]
    with pdfplumber.open(BytesIO(cards.cards_pdf(PERIOD, CLINIC, "Терапия", therapy))) as doc:
        assert pages == [page.extract_text() for page in doc.pages]


def _old_record(period: str, clinic: str, files: list[tuple[str, str, list[Card]]]) -> str:
    """The cards' record as it was written: the whole record built, then dumped."""
    record = {name: {"department": department, "cards": [dataclasses.asdict(c) for c in own]}
              for name, department, own in files}
    return json.dumps({"period": period, "clinic": clinic, "pdf": record}, ensure_ascii=False, indent=1,
                      sort_keys=True) + "\n"


def test_the_record_is_the_text_of_the_whole_record_dumped(tmp_path):
    write_cards(tmp_path, PERIOD, CLINIC, PEOPLE, part=2)
    files = [(f"{stem}.pdf", department, own) for stem, department, own in card_files(PERIOD, PEOPLE, part=2)]
    assert (tmp_path / "cards-2025-12.json").read_text(encoding="utf-8") == _old_record(PERIOD, CLINIC, files)
    for shown in ([], files[:1]):
        with open(tmp_path / "r.json", "w", encoding="utf-8") as text:
            write_record(text, PERIOD, CLINIC, shown)
        assert (tmp_path / "r.json").read_text(encoding="utf-8") == _old_record(PERIOD, CLINIC, shown)


def test_a_printed_workbook_is_let_go_once_written(tmp_path):
    """A workbook of cards, with every sheet's rows, is freed when its writer lets it go: the styles kept for each
    workbook held it, so that every department's workbook stayed in memory to the end."""
    book = new_book()
    PrintedSheet(book, "Лист", [10.0, 20.0]).line("Строка")
    book.save(tmp_path / "book.xlsx")
    kept = weakref.ref(book)
    del book
    gc.collect()
    assert kept() is None
