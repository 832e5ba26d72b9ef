"""A large clinic's month costs each person alike: the files for people and the cards' value trails take the same
time a person however many people there are, and give what the person-by-person way gave.

The person-by-person ways are kept here as the oracles: the trails filtered the month's whole tables for each person,
and the scores workbook looked up each row's cells by the sheet's extent (which scans every cell written so far).
"""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font

from stomkpi.derive import SOURCE_REVIEWS, SOURCE_STATS
from stomkpi.indicators import UKV_MET, UKV_NO_DATA, UKV_NO_NORM, quality_category
from stomkpi.report import files
from stomkpi.report.monthly import build_monthly
from stomkpi.report.trail import _listed, value_trails
from stomkpi.report.words import number
from stomkpi.safe import clean
from stomkpi.sheets import save_deterministic
from stomkpi.text import fmt

from ..conftest import PERIOD


def _old_trails(scored) -> dict[str, dict[str, str]]:
    """value_trails as it was: each person's rows found by filtering the whole tables."""
    out: dict[str, dict[str, str]] = {}
    for sid, criterion, source in scored.derived.sources[["staff_id", "criterion", "source"]].itertuples(index=False):
        if source == SOURCE_REVIEWS:
            out.setdefault(str(sid), {})[criterion] = _old_cases(scored, str(sid))
        elif source == SOURCE_STATS:
            out.setdefault(str(sid), {})[criterion] = _old_indicators(scored, str(sid))
    for (sid, criterion), events in scored.month.events.groupby(["staff_id", "criterion"], sort=True):
        shown = []
        for date, count, note in events.sort_values("date", kind="stable")[["date", "count", "note"]].itertuples(index=False):
            when = fmt(date) if not pd.isna(date) else "без даты"
            times = f", {number(float(count))} сл." if float(count) != 1 else ""
            said = f" — «{clean(note)}»" if isinstance(note, str) and note.strip() else " — без примечания"
            shown.append(f"{when}{times}{said}")
        total = number(float(events["count"].sum()))
        out.setdefault(str(sid), {})[str(criterion)] = f"лист «События», случаев: {total}: {_listed(shown)}."
    return out


def _old_cases(scored, staff_id: str) -> str:
    quality = scored.catalogs.indicators.quality
    reviewed = scored.derived.reviewed
    own = reviewed[reviewed["staff_id"].astype(str) == staff_id]
    low = own[own["below"].astype(bool)].sort_values(["coefficient", "case"], kind="stable")
    threshold = number(quality.kmp_min)
    checked = f"проверено случаев: {len(own)}"
    if low.empty:
        return f"лист «Экспертиза», случаев с коэффициентом ниже {threshold} нет ({checked})."
    reasons = {t.code: t.aliases[0] if t.aliases else t.name for t in quality.reasons}
    category = quality_category(low["coefficient"].astype(float), scored.catalogs.indicators)
    shown = []
    for (case, author, k, reason), cat in zip(low[["case", "author", "coefficient", "reason"]].itertuples(index=False),
                                              category, strict=True):
        whose = f" (таб. № {clean(author)})" if str(author) != staff_id else ""
        why = f", причина: {reasons.get(reason, clean(reason))}" if isinstance(reason, str) and reason else ""
        shown.append(f"№ {clean(case)}{whose} — {fmt(float(k))}, {cat}{why}")
    return f"лист «Экспертиза», случаи с коэффициентом ниже {threshold} ({checked}): {_listed(shown)}."


def _old_indicators(scored, staff_id: str) -> str:
    detail = scored.derived.ukv_detail
    own = detail[(detail["staff_id"].astype(str) == staff_id) & (detail["status"] != UKV_NO_NORM)]
    by_code = scored.catalogs.indicators.by_code
    missed = own[own["status"] != UKV_MET]
    head = f"лист «Статистика» и нормы года: не достигли нормы {len(missed)} из {len(own)} показателей УКВ"
    if missed.empty:
        return head + "."
    shown = []
    for code, value, norm, status in missed[["indicator", "value", "norm", "status"]].itertuples(index=False):
        ind = by_code[code]
        better = "меньше" if ind.direction == "lower" else "больше"
        figure = "нет данных" if status == UKV_NO_DATA or pd.isna(value) else number(round(float(value), 2))
        shown.append(f"{ind.name} — {figure} при норме {number(round(float(norm), 2))} ({ind.unit}; {better} — лучше)")
    return f"{head}: {_listed(shown)}."


@pytest.fixture(scope="module")
def demo_month(project):
    return build_monthly(PERIOD, project / "params" / "demo.yaml").scored


def test_the_trails_of_the_whole_month_are_the_person_by_person_ones(demo_month):
    new, old = value_trails(demo_month), _old_trails(demo_month)
    assert new == old
    lines = [line for person in new.values() for line in person.values()]
    assert any("случаи с коэффициентом ниже" in line for line in lines)  # every kind of trail is compared
    assert any("не достигли нормы" in line and ": " in line.split("УКВ", 1)[1] for line in lines)
    assert any(line.startswith("лист «События»") for line in lines)


def _old_sheet(ws, frame: pd.DataFrame, formats: list[str | None]) -> None:
    """files._sheet's rows as they were written: each row's cells looked up at the sheet's last row."""
    ws.append([files._cell(str(c)) for c in frame.columns])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in frame.itertuples(index=False):
        ws.append([files._cell(v) for v in row])
        for cell, shown in zip(ws[ws.max_row], formats, strict=False):
            if isinstance(cell.value, dt.date):
                cell.number_format = files.DATE_FORMAT
            elif shown and isinstance(cell.value, int | float) and not isinstance(cell.value, bool):
                cell.number_format = shown
    rows = list(frame.itertuples(index=False))
    for i, column in enumerate(frame.columns, start=1):
        longest = max([len(str(column)) // 2, *(len(str(row[i - 1])) for row in rows[:200])], default=8)
        ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(8, longest + 2), 50)


def _table(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame({
        "Таб_номер": [f"{i:05d}" for i in range(rows)],
        "ФИО": ["Иванова Анна"] * rows,
        "Процент": rng.uniform(80, 120, rows).round(1),
        "Баллы": rng.integers(0, 20, rows),
        "Дата": [pd.Timestamp(2025, 12, 1 + i % 28) for i in range(rows)],
        "Флаг": [i % 2 == 0 for i in range(rows)],
        "Примечание": [None if i % 3 else "=нет" for i in range(rows)],
    })


def test_the_table_sheet_is_the_old_ways_byte_for_byte(tmp_path):
    frame = _table(60)
    formats = [None, None, "[$-419]0.0", "[$-419]0.0##", None, None, None]
    files.write_sheets({"Таблица": frame}, tmp_path / "new.xlsx", {"Таблица": formats})
    book = Workbook()
    book.remove(book.active)
    ws = book.create_sheet("Таблица")
    _old_sheet(ws, frame, formats)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    files._print_setup(ws)
    save_deterministic(book, tmp_path / "old.xlsx")
    assert (tmp_path / "new.xlsx").read_bytes() == (tmp_path / "old.xlsx").read_bytes()
    shown = {c.number_format for row in load_workbook(tmp_path / "new.xlsx")["Таблица"].iter_rows() for c in row}
    assert shown >= {files.DATE_FORMAT, "[$-419]0.0", "[$-419]0.0##"}  # every kind of format is compared


def _cpu_seconds(rows: int, tmp_path) -> float:
    frame = _table(rows)
    start = time.process_time()
    files.write_sheets({"Таблица": frame}, tmp_path / f"t{rows}.xlsx", {"Таблица": [None, None, "0.0"] + [None] * 4})
    return time.process_time() - start


def test_the_table_sheet_costs_each_row_alike(tmp_path):
    """Eight times the rows take about eight times as long (a scan of the sheet per row took sixty-odd)."""
    small = min(_cpu_seconds(300, tmp_path) for _ in range(3))
    large = _cpu_seconds(2400, tmp_path)
    assert large / small < 20, (small, large)
