"""The protocol tables of Приложения 3 and 4: who is in which table, with the forms' columns."""

from __future__ import annotations

from openpyxl import load_workbook

from stomkpi.month import read_month
from stomkpi.protocols import (
    CLINIC_DEPRIVED,
    CLINIC_DOCTORS,
    CLINIC_NURSES,
    DEPT_DOCTORS,
    DEPT_NURSES,
    clinic_protocol,
    department_protocol,
    other_staff,
)
from stomkpi.report.protocols_xlsx import write_protocols
from stomkpi.report.words import month_words
from stomkpi.scoring import score_month

from .conftest import person, write_month

THERAPY = "Терапевтическое отделение"
CHILDREN = "Детское отделение"


def scored_month(tmp_path, catalog):
    staff = [
        person("1", "Врач-стоматолог-терапевт", name="Яковлев Олег Петрович", rates=1.5),
        person("2", "Медицинская сестра", name="Антонова Анна Ивановна"),
        person("3", "Санитарка", name="Борисова Галина Юрьевна"),
        person("4", "Врач-стоматолог детский", name="Белова Ольга Сергеевна", department=CHILDREN),
        person("5", "Зубной врач", name="Андреев Иван Иванович"),
    ]
    values = [("1", "plan", 110), ("2", "plan", 100), ("4", "plan", 100), ("5", "plan", 90)]
    path = write_month(tmp_path / "2025-12.xlsx", staff, values, deprivations=[("2", 50, "Выговор")])
    month = read_month(path, catalog)
    return month, score_month(month, catalog).table


def test_department_protocol(tmp_path, catalog):
    month, table = scored_month(tmp_path, catalog)
    p = department_protocol(table, month.deprivations, catalog, THERAPY)
    assert list(p["Врачей"].columns) == DEPT_DOCTORS
    assert list(p["Медсестёр"].columns) == DEPT_NURSES
    # doctors sorted by name: Андреев (зубной врач, 90 % → 29.9/30... plan 9.9 + 10 + 10 = 29.9 → 99.7 %), Яковлев
    assert p["Врачей"]["Ф.И.О."].tolist() == ["Андреев Иван Иванович", "Яковлев Олег Петрович"]
    assert p["Врачей"]["№"].tolist() == [1, 2]
    assert p["Врачей"]["Занимаем. должность"].tolist() == ["Зубной врач", "Врач-стоматолог-терапевт"]
    # plan 10 + 0.01 × 10 = 10.1; ОКЛ 10; УКВ 10 → 30.1 / 30 = 100.33 → 100.3 %
    assert p["Врачей"]["Оценка показателей в % от ставки"].tolist() == [99.7, 100.3]
    assert p["Медсестёр"]["Ф.И.О."].tolist() == ["Антонова Анна Ивановна"]
    assert p["Лишить премии"].values.tolist() == [[1, "Антонова Анна Ивановна", "Медицинская сестра", "Выговор", 50.0]]
    # the children's department doctor is not in the therapy protocol, the orderly in neither table
    every_name = {n for t in p.values() for n in t.iloc[:, 1]}
    assert "Белова Ольга Сергеевна" not in every_name and "Борисова Галина Юрьевна" not in every_name


def test_clinic_protocol(tmp_path, catalog):
    month, table = scored_month(tmp_path, catalog)
    p = clinic_protocol(table, month.deprivations, catalog)
    assert list(p["Врачи"].columns) == CLINIC_DOCTORS
    assert list(p["Медицинские работники со средним образованием"].columns) == CLINIC_NURSES
    assert list(p["Лишить денежных выплат"].columns) == CLINIC_DEPRIVED
    doctors = p["Врачи"].set_index("Ф И О врача")
    assert list(doctors.index) == ["Андреев Иван Иванович", "Белова Ольга Сергеевна", "Яковлев Олег Петрович"]
    # Яковлев: 30.1 points of 30, 100.3 %, coefficient 1.00333 × 1.5 × 22/22 = 1.505 → 1.51 (half away)
    assert doctors.loc["Яковлев Олег Петрович"].tolist()[1:] == ["Врач-стоматолог-терапевт", 22, 1.5, 30, 30.1, 100.3, 1.51]
    nurse = p["Медицинские работники со средним образованием"].iloc[0].tolist()
    # nurse: 40 of 40, 100 %, deprived 50 % → coefficient 1 × 1 × 1 × 0.5 = 0.5
    assert nurse == [1, "Антонова Анна Ивановна", 22, 1.0, 40, 40.0, 100.0, 0.5]
    assert other_staff(table, catalog)["name"].tolist() == ["Борисова Галина Юрьевна"]


def test_protocols_xlsx(tmp_path, catalog):
    month, table = scored_month(tmp_path, catalog)
    departments = {d: department_protocol(table, month.deprivations, catalog, d) for d in (THERAPY, CHILDREN)}
    path = tmp_path / "protocols.xlsx"
    write_protocols(path, "2025-12", "Поликлиника", departments, clinic_protocol(table, month.deprivations, catalog))
    book = load_workbook(path)
    assert book.sheetnames == ["П3 Терапевтическое отделение", "П3 Детское отделение", "П4 Комиссия"]
    cells = [c for row in book["П4 Комиссия"].iter_rows(values_only=True) for c in row if c is not None]
    assert "за декабрь 2025 года" in cells
    assert "Яковлев Олег Петрович" in cells and "Антонова Анна Ивановна" in cells
    assert CLINIC_DOCTORS[-1] in cells
    therapy = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert "Белова Ольга Сергеевна" not in therapy and "Выговор" in therapy


def test_month_words():
    assert month_words("2025-01") == "январь 2025 года"
    assert month_words("2025-12") == "декабрь 2025 года"
