"""Input errors that name the nearest match: a position, a criterion, a sheet, a staff number that lost its zeros.

Each message stays one line that names the sheet, the row and the column."""

from __future__ import annotations

import pytest
from openpyxl import load_workbook

from stomkpi.errors import InputError
from stomkpi.month import read_month

from .conftest import person, write_month

NURSE = person("2", "Медицинская сестра", name="Сестрова Ольга Ивановна")


def problems(path, catalog) -> list[str]:
    with pytest.raises(InputError) as info:
        read_month(path, catalog)
    found = [str(p) for p in info.value.problems]
    assert all("\n" not in p for p in found)
    return found


def one(found: list[str], start: str) -> str:
    hits = [p for p in found if p.startswith(start)]
    assert len(hits) == 1, found
    return hits[0]


def test_position_spelt_near_a_catalog_one_names_it(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Администратор"), NURSE],
                       [("1", "plan", 100), ("2", "plan", 100)])
    message = one(problems(path, catalog), "лист «Сотрудники», строка 2, столбец «Должность»: ")
    assert "неизвестная должность «Администратор»" in message
    assert "«Регистратор»" in message and "Медицинские регистраторы" in message
    assert "на листе «Критерии» шаблона" in message  # where the template lists every position and its other names


def test_position_far_in_spelling_but_near_in_meaning(tmp_path, catalog):
    staff = [person("1", "Уборщица"), person("3", "Ассистент стоматолога"), NURSE]
    path = write_month(tmp_path / "2025-03.xlsx", staff, [("2", "plan", 100), ("3", "plan", 100)])
    found = problems(path, catalog)
    cleaner = one(found, "лист «Сотрудники», строка 2, столбец «Должность»: ")
    assert "Младший медицинский персонал" in cleaner
    assistant = one(found, "лист «Сотрудники», строка 3, столбец «Должность»: ")
    assert "Медицинские сёстры" in assistant
    assert "Врачи-стоматологи" not in assistant  # the nearest spelling is not the nearest meaning


def test_position_near_nothing_suggests_nothing(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Космонавт"), NURSE], [("2", "plan", 100)])
    message = one(problems(path, catalog), "лист «Сотрудники», строка 2, столбец «Должность»: ")
    assert "возможно" not in message and "на листе «Критерии» шаблона" in message


def test_criterion_spelt_near_names_it_and_the_criteria_sheet(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог"), NURSE],
                       [("1", "plan", 100), ("2", "plan", 100)], events=[("1", "Благодарности", 1)])
    message = one(problems(path, catalog), "лист «События», строка 2, столбец «Критерий»: ")
    assert "нет критерия «Благодарности»" in message
    assert "«Благодарность»" in message
    assert "на листе «Критерии» шаблона" in message and "Инструкция" not in message


def test_missing_sheet_names_the_sheet_that_looks_like_it(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог")], [("1", "plan", 100)])
    book = load_workbook(path)
    book["Показатели"].title = "Показатель"
    book.save(path)
    message = one(problems(path, catalog), "лист «Показатели»: ")
    assert "нет такого листа" in message and "«Показатель»" in message and "переименуйте" in message


def test_optional_sheet_under_a_near_name_is_not_silently_left_out(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог")], [("1", "plan", 100)],
                       events=[("1", "Благодарность", 1)])
    book = load_workbook(path)
    book["События"].title = "Событие"
    book.save(path)
    message = one(problems(path, catalog), "лист «Событие»: ")
    assert "«События»" in message and "переименуйте" in message


def test_template_sheets_are_not_taken_for_input_sheets(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог")], [("1", "plan", 100)])
    book = load_workbook(path)
    for name in ("Инструкция", "Критерии", "Поля", "Лист1"):
        book.create_sheet(name)
    book.save(path)
    assert len(read_month(path, catalog).staff) == 1


def test_number_that_lost_its_leading_zeros(tmp_path, catalog):
    # «Сотрудники» holds the staff number as text; «Показатели» as a number, so Excel dropped the zeros
    path = write_month(tmp_path / "2025-03.xlsx", [person("00102", "Врач-стоматолог"), NURSE],
                       [(102, "plan", 100), ("2", "plan", 100)])
    message = one(problems(path, catalog), "лист «Показатели», строка 2, столбец «Таб_номер»: ")
    assert "«102»" in message and "«00102»" in message
    assert "нули" in message and "Excel" in message and "текстов" in message


def test_number_that_lost_its_zeros_on_the_staff_sheet(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", [person(102, "Врач-стоматолог"), NURSE],
                       [("00102", "plan", 100), ("2", "plan", 100)])
    message = one(problems(path, catalog), "лист «Показатели», строка 2, столбец «Таб_номер»: ")
    assert "«00102»" in message and "«102»" in message and "«Сотрудники»" in message
    assert "нули" in message and "текстов" in message


def test_unrelated_unknown_number_has_no_zeros_hint(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", [person("00102", "Врач-стоматолог"), NURSE],
                       [("00102", "plan", 100), ("2", "plan", 100), ("103", "plan", 100)])
    message = one(problems(path, catalog), "лист «Показатели», строка 4, столбец «Таб_номер»: ")
    assert "нули" not in message
