"""The demo clinic for benchmarks: the demo as written by `stomkpi demo`, or its one month cloned to N employees.

A clone repeats every row of the month's workbook and of the НМО book `copies` times; copy 0 keeps the demo's
staff numbers, copy k > 0 prefixes them with k in three digits (8 characters, never a demo number), and the
expert cases likewise, so that every number stays unique. Departments and positions stay the demo's (a
department of the clone has `copies` times the demo's people), and each group's fund is `copies` times the demo's.
A department keeps its one head (a position scored on its department's counts): the copies leave the heads' rows
out: a large clinic has more people in its departments, not more heads of one department, and each head's score and
card take every case and count of the department (heads copied with it would make the work grow as its square).
A sheet holds whole copies up to the readers' limit of rows (`stomkpi.sheets.MAX_ROWS`): 50 000 people have more
«Статистика» rows (14 a person) and НМО «Обучение» rows than one sheet may, and the copies past it go without them.

The demo's НМО book holds each person's latest certificate only, while its categories («Аттестация») may be
older; a report for a month before such a certificate drops it (it is not yet issued) and then finds the category
without a certificate. `complete_certificates` gives every certificate issued in the demo's year its predecessor
five years earlier, so that every month of the year reads the book.
"""

from __future__ import annotations

import datetime as dt
import shutil
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook

from stomkpi.sheets import MAX_ROWS

DEMO_PARAMS = Path(__file__).resolve().parents[1] / "params" / "demo.yaml"
STAFF_SHEET, STAFF_HEADER = "Сотрудники", "Таб_номер"
CASE_HEADER = "Случай"
FUND_SHEET, FUND_AMOUNT = "Фонд", "Сумма"


def demo_clinic(root: Path) -> Path:
    """Write the demo clinic under `root` (params/demo.yaml, demo/…) with a complete НМО book; its parameters file."""
    from stomkpi.config import load_params
    from stomkpi.demo.clinic import write_demo

    (root / "params").mkdir(parents=True, exist_ok=True)
    params_file = root / "params" / "demo.yaml"
    shutil.copyfile(DEMO_PARAMS, params_file)
    params = load_params(params_file)
    write_demo(params.data_dir)
    complete_certificates(params.nmo_workbook)
    return params_file


def complete_certificates(path: Path, year: int = 2025) -> None:
    """Give every certificate of the НМО book issued in `year` after January 1 its predecessor, five years earlier."""
    book = load_workbook(path)
    sheet = book["Сертификаты"]
    header = [c.value for c in sheet[1]]
    date = header.index("Дата")
    rows = [list(r) for r in sheet.iter_rows(min_row=2, values_only=True)]
    first = dt.datetime(year, 1, 1)
    for row in rows:
        issued = row[date]
        if isinstance(issued, dt.datetime) and issued > first:
            sheet.append([*row[:date], issued.replace(year=issued.year - 5), *row[date + 1:]])
    book.save(path)


@dataclass
class Clone:
    params_file: Path
    people: int
    cut: dict[str, int] = field(default_factory=dict)  # sheet -> copies written, where fewer (`MAX_ROWS`)


def clone_month(source_params: Path, period: str, copies: int, root: Path) -> Clone:
    """A clinic under `root` whose month `period` is the source clinic's cloned `copies` times."""
    from stomkpi.config import load_params

    params = load_params(source_params)
    (root / "params").mkdir(parents=True, exist_ok=True)
    params_file = root / "params" / "demo.yaml"
    shutil.copyfile(source_params, params_file)
    clone = load_params(params_file)
    clone.data_dir.mkdir(parents=True, exist_ok=True)
    heads = _heads(params.month_workbook(period))
    made = Clone(params_file, 0)
    made.people = _clone_book(params.month_workbook(period), clone.month_workbook(period), copies, heads, made.cut)
    _clone_book(params.nmo_workbook, clone.nmo_workbook, copies, heads, made.cut)
    for norms in params.data_dir.glob("norms-*.yaml"):
        shutil.copyfile(norms, clone.data_dir / norms.name)
    return made


def _heads(workbook: Path) -> set[str]:
    """The staff numbers of the month's people whose position is scored on its department's counts (the heads)."""
    from stomkpi.catalog import load_positions
    from stomkpi.text import match_key

    titles = {match_key(n) for p in load_positions().positions if p.scope == "department" for n in (p.name, *p.aliases)}
    book = load_workbook(workbook, read_only=True)
    rows = list(book[STAFF_SHEET].iter_rows(values_only=True))
    book.close()
    sid, title = rows[0].index(STAFF_HEADER), rows[0].index("Должность")
    return {r[sid] for r in rows[1:] if isinstance(r[title], str) and match_key(r[title]) in titles}


def _clone_book(source: Path, target: Path, copies: int, heads: set[str], cut: dict[str, int]) -> int:
    """`source` with the rows of every sheet repeated `copies` times, the `heads`' rows once (`cut`: sheet -> copies
    written, where fewer); the rows of its staff sheet written."""
    book = load_workbook(source, read_only=True)
    out = Workbook(write_only=True)
    people = 0
    for sheet in book.worksheets:
        rows = list(sheet.iter_rows(values_only=True))
        header, body = rows[0], [r for r in rows[1:] if any(v is not None for v in r)]
        keyed = [i for i, name in enumerate(header) if name in (STAFF_HEADER, CASE_HEADER)]
        ws = out.create_sheet(sheet.title)
        ws.append(header)
        if sheet.title == FUND_SHEET:  # one row a group, its sum for all the copies
            amount = header.index(FUND_AMOUNT)
            for row in body:
                ws.append([*row[:amount], float(Decimal(str(row[amount])) * copies), *row[amount + 1:]])
            continue
        staff = header.index(STAFF_HEADER) if STAFF_HEADER in header else None
        others = [r for r in body if staff is None or r[staff] not in heads]
        written = 0
        for k in range(copies):
            rows = body if k == 0 else others
            if written + len(rows) >= MAX_ROWS:  # the readers' limit of a sheet: the later copies go without
                cut[f"{target.name}: «{sheet.title}»"] = k
                break
            written += len(rows)
            if sheet.title == STAFF_SHEET:
                people = written
            for row in rows:
                row = list(row)
                for i in keyed:
                    row[i] = _numbered(row[i], k)
                ws.append(row)
    book.close()
    out.save(target)
    return people


def _numbered(value: object, copy: int) -> object:
    if copy == 0 or value is None:
        return value
    return f"{copy:03d}{value}"
