"""The .xlsx files for people: Russian headers and words, no codes, numbers shown rounded as people read them."""

from __future__ import annotations

import datetime as dt
import re

from openpyxl import load_workbook

from stomkpi.report.annual import build_annual
from stomkpi.report.monthly import build_monthly

from ..conftest import PERIOD
from ..printed import read_pages, to_pdf

CODE = re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*")  # a machine key or code: days_left, sanitation_rate, dentist
SHOWN = re.compile(r"\[\$-419\](#,##)?0(\.0{1,3})?|\[\$-419\]0\.0##")  # a figure with at most 3 decimals (money grouped)


def _problems(path) -> list[str]:
    out = []
    book = load_workbook(path)
    for ws in book:
        for cell in ws[1]:
            if cell.value is None or CODE.fullmatch(str(cell.value)) or re.search(r"[a-z]_[a-z]", str(cell.value)):
                out.append(f"{path.name}: заголовок {cell.value!r}")
        for row in ws.iter_rows(min_row=2):
            for cell in row:
                v = cell.value
                if isinstance(v, str) and CODE.fullmatch(v):
                    out.append(f"{path.name} {cell.coordinate}: код {v!r}")
                if isinstance(v, float) and not v.is_integer() and not SHOWN.fullmatch(cell.number_format):
                    out.append(f"{path.name} {cell.coordinate}: {v!r} в формате {cell.number_format!r}")
                if isinstance(v, dt.datetime | dt.date) and cell.number_format != "DD.MM.YYYY":
                    out.append(f"{path.name} {cell.coordinate}: дата в формате {cell.number_format!r}")
    return out


def test_files_for_people_speak_russian_and_round(project, tmp_path):
    params = project / "params" / "demo.yaml"
    written = build_annual(2025, params).write_files(tmp_path)
    report = build_monthly(PERIOD, params)
    from stomkpi.report.files import write_both

    written += write_both(report.table, tmp_path, f"scores-{PERIOD}", report.catalogs.positions.criterion_names())
    books = sorted(p for p in written if p.suffix == ".xlsx")
    assert {p.name for p in books} == {"nmo-2025.xlsx", "rating-2025.xlsx", "rating-detail-2025.xlsx",
                                      "scores-2025.xlsx", f"scores-{PERIOD}.xlsx", "payroll-2025.xlsx"}
    problems = [p for book in books for p in _problems(book)]
    assert not problems, problems[:20]
    detail = load_workbook(tmp_path / "rating-detail-2025.xlsx").active
    head = [c.value for c in detail[1]]
    assert "Подразделение" in head and "Показатель" in head
    units = {row[head.index("Подразделение")] for row in detail.iter_rows(min_row=2, values_only=True)}
    assert "Поликлиника" in units and "clinic" not in units
    nmo = [c.value for c in load_workbook(tmp_path / "nmo-2025.xlsx").active[1]]
    assert "Осталось дней" in nmo and "Не хватает ЗЕТ" in nmo and "Не представлено" not in nmo


def test_files_for_people_print_with_their_header_on_every_page_and_page_numbers(tmp_path):
    import pandas as pd

    from stomkpi.report.files import write_table

    frame = pd.DataFrame({"name": [f"Сотрудник {i}" for i in range(300)], "percent": [99.5] * 300})
    ws = load_workbook(write_table(frame, tmp_path / "scores-2025-12.xlsx")).active
    assert ws.print_title_rows == "$1:$1"  # the header row again on every printed page
    assert int(ws.page_setup.paperSize) == 9 and ws.page_setup.orientation == "landscape"
    pages = read_pages(to_pdf(tmp_path / "scores-2025-12.xlsx", tmp_path))
    assert len(pages) > 1
    for page in pages:
        assert "ФИО" in page.text and f"Страница {page.number} из {len(pages)}" in page.text
