"""Every scored person is on a signed form: Приложения 3 and 4, read back from the protocols' workbook, carry
each person exactly once, and the coefficients of Приложение 4's sections add up to the summary's fund."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd
from openpyxl import load_workbook

from stomkpi.clinic import init_clinic
from stomkpi.report.monthly import build_monthly

from ..conftest import PERIOD, person, write_month

STAFF_SECTIONS_3 = ["Врачей", "Медсестёр", "Младший медицинский персонал", "Прочий персонал"]
STAFF_SECTIONS_4 = ["Врачи", "Медицинские работники со средним образованием", "Младший медицинский персонал",
                    "Прочий персонал"]
DEPRIVED_3, DEPRIVED_4 = "Лишить премии", "Лишить денежных выплат"
COEFFICIENT = "Коэффициент денежных выплат"


def forms(path: Path) -> dict[str, dict[str, list[dict]]]:
    """Sheet -> section title -> its rows (header -> value), as the protocols' workbook prints them."""
    out: dict[str, dict[str, list[dict]]] = {}
    for ws in load_workbook(path, read_only=True):
        sections, title, header = out.setdefault(ws.title, {}), None, None
        for row in ws.iter_rows(values_only=True):
            cells = [c for c in row if c is not None]
            if len(cells) == 1 and isinstance(cells[0], str) and cells[0].endswith(":"):
                title, header = cells[0][:-1], None
            elif cells and str(cells[0]).startswith("№"):
                header = [str(c) for c in cells]
                sections.setdefault(title, [])
            elif header and cells and isinstance(cells[0], int):
                sections[title].append(dict(zip(header, cells, strict=True)))
    return out


def _name(row: dict) -> str:
    return next(v for k, v in row.items() if k.startswith("Ф"))


def check_forms(path: Path, scores: pd.DataFrame, fund: str) -> dict[str, dict[str, list[dict]]]:
    """The checks of both forms against the scores: each person once on Приложение 4 and once over the Приложения 3,
    in the section of their position's group; the sum of Приложение 4's coefficients is `fund` (as the summary
    prints it) and the scores' sum."""
    printed = forms(path)
    clinic = printed["П4 Комиссия"]
    assert [t for t in clinic if t in STAFF_SECTIONS_4 or t == DEPRIVED_4] == [*STAFF_SECTIONS_4, DEPRIVED_4]
    on_4 = Counter(_name(r) for t in STAFF_SECTIONS_4 for r in clinic[t])
    assert on_4 == Counter(scores["name"]) and set(on_4.values()) == {1}
    on_3 = Counter(_name(r) for sheet, sections in printed.items() if sheet.startswith("П3")
                   for t in STAFF_SECTIONS_3 for r in sections.get(t, []))
    assert on_3 == Counter(scores["name"])
    total = sum(Decimal(str(r[COEFFICIENT])) for t in STAFF_SECTIONS_4 for r in clinic[t])
    assert total == sum(Decimal(str(c)) for c in scores["coefficient"])
    assert f"{total:.2f}".replace(".", ",") == fund
    for sheet, sections in printed.items():
        deprived = sections.get(DEPRIVED_3 if sheet.startswith("П3") else DEPRIVED_4, [])
        assert all("Лишить, %" in r for r in deprived), sheet
    return printed


def _fund(summary: str) -> str:
    return re.search(r"Фонд коэффициентов[^*]*\*\*([\d,]+)\*\*", summary).group(1)


def test_demo_forms_add_up_to_the_fund(monthly):
    scores = pd.read_csv(monthly / f"scores-{PERIOD}.csv", dtype={"staff_id": str})
    notebook = json.loads((monthly / f"{PERIOD}.ipynb").read_text(encoding="utf-8"))
    shown = ["".join(o["data"]["text/markdown"]) for c in notebook["cells"] for o in c.get("outputs", [])
             if "text/markdown" in o.get("data", {})]
    summary = next(s for s in shown if "Фонд коэффициентов" in s)
    printed = check_forms(monthly / f"protocols-{PERIOD}.xlsx", scores, _fund(summary))
    clinic = printed["П4 Комиссия"]
    junior = scores.loc[scores["position"] == "junior_staff", "name"]
    assert sorted(_name(r) for r in clinic["Младший медицинский персонал"]) == sorted(junior)
    registrars = scores.loc[scores["position"] == "registrar", "name"]
    assert sorted(_name(r) for r in clinic["Прочий персонал"]) == sorted(registrars)


def test_a_small_clinic_with_orderlies_and_registrars(tmp_path, catalog):
    """Two orderlies and two registrars beside a doctor and a nurse. By hand: doctor 30 of 30 → 100 % × 1,5 = 1,5;
    nurse 40 of 40 → 1,0; orderlies (no criteria entered: every deduction at full points) 40 of 40 → 1 × 1 × (1 − 50 %)
    = 0,5 and 0,5 × 11/22 = 0,25; registrars 40 of 40 → 1,0 and 0,75; the fund 5,00."""
    made = init_clinic(tmp_path / "clinic", dt.date(2026, 11, 5), catalog, clinic="Кабинет")
    general = "Общеполиклинический персонал"
    staff = [
        person("1", "Врач-стоматолог-терапевт", name="Яковлев Олег Петрович", rates=1.5),
        person("2", "Медицинская сестра", name="Антонова Анна Ивановна"),
        person("3", "Санитарка", name="Борисова Галина Юрьевна", department=general),
        person("4", "Санитарка", name="Серова Нина Ивановна", department=general, rates=0.5, days_fact=11),
        person("5", "Медицинский регистратор", name="Орлова Мария Петровна", department=general),
        person("6", "Регистратор", name="Жукова Ольга Сергеевна", rates=0.75),
    ]
    write_month(made.workbook, staff, [("1", "plan", 100), ("2", "plan", 100)],
                deprivations=[("3", 50, "Опоздания")])
    report = build_monthly(made.period, made.params_file)
    report.write_files(tmp_path / "out")
    scores = report.table
    assert sorted(scores["coefficient"]) == [0.25, 0.5, 0.75, 1.0, 1.0, 1.5]
    assert _fund(report.summary()) == "5,00"
    printed = check_forms(tmp_path / "out" / f"protocols-{made.period}.xlsx", scores, "5,00")
    clinic = printed["П4 Комиссия"]
    assert [_name(r) for r in clinic["Младший медицинский персонал"]] == ["Борисова Галина Юрьевна",
                                                                         "Серова Нина Ивановна"]
    assert [(_name(r), r["должность"], r[COEFFICIENT]) for r in clinic["Прочий персонал"]] == [
        ("Жукова Ольга Сергеевна", "Регистратор", 0.75), ("Орлова Мария Петровна", "Медицинский регистратор", 1.0)]
    assert [(_name(r), r["Причина"], r["Лишить, %"]) for r in clinic[DEPRIVED_4]] == [
        ("Борисова Галина Юрьевна", "Опоздания", 50)]
    # the registrar of the therapy department is on its Приложение 3, the orderlies on the general staff's
    therapy = printed["П3 Терапевтическое отделение"]
    assert [_name(r) for r in therapy["Прочий персонал"]] == ["Жукова Ольга Сергеевна"]
    assert [_name(r) for r in printed[f"П3 {general}"[:31]]["Младший медицинский персонал"]] == [
        "Борисова Галина Юрьевна", "Серова Нина Ивановна"]
    assert [(_name(r), r["Лишить, %"]) for r in printed[f"П3 {general}"[:31]][DEPRIVED_3]] == [
        ("Борисова Галина Юрьевна", 50)]
