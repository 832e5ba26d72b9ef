"""Bad monthly workbooks: every kind of problem of SPEC 8 is named with sheet, row and column."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest
from openpyxl import load_workbook

from stomkpi.errors import InputError, ParamsError
from stomkpi.month import read_month

from . import hostile
from .conftest import person, write_month

GOOD_STAFF = [person("1", "Врач-стоматолог"), person("2", "Медицинская сестра", name="Сестрова Ольга Ивановна")]
GOOD_VALUES = [("1", "plan", 100), ("2", "plan", 100)]


def problems(tmp_path, catalog, staff=GOOD_STAFF, values=GOOD_VALUES, events=(), deprivations=(), name="2025-03.xlsx"):
    path = write_month(tmp_path / name, staff, values, events, deprivations)
    with pytest.raises(InputError) as info:
        read_month(path, catalog)
    return [str(p) for p in info.value.problems]


def test_good_workbook_reads(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, GOOD_VALUES)
    month = read_month(path, catalog)
    assert list(month.staff["position"]) == ["dentist", "nurse"]
    assert month.period == "2025-03"


def test_unknown_employee_on_each_sheet(tmp_path, catalog):
    found = problems(tmp_path, catalog, values=[*GOOD_VALUES, ("9", "plan", 100)],
                     events=[("8", "Благодарность", 1)], deprivations=[("7", 10, "x")])
    # Показатели row 4 (header + two good rows), События row 2, Лишение row 2
    assert "лист «Показатели», строка 4, столбец «Таб_номер»: сотрудника с табельным номером «9» нет на листе «Сотрудники»" in found
    assert any(p.startswith("лист «События», строка 2, столбец «Таб_номер»") and "«8»" in p for p in found)
    assert any(p.startswith("лист «Лишение», строка 2, столбец «Таб_номер»") and "«7»" in p for p in found)
    assert len(found) == 3


def test_unknown_position(tmp_path, catalog):
    found = problems(tmp_path, catalog, staff=[person("1", "Космонавт")], values=[("1", "plan", 100)])
    assert found[0].startswith("лист «Сотрудники», строка 2, столбец «Должность»: неизвестная должность «Космонавт»")


def test_unknown_criterion_and_criterion_of_another_position(tmp_path, catalog):
    found = problems(tmp_path, catalog, values=[*GOOD_VALUES, ("1", "Полёт на Луну", 1), ("2", "ОКЛ", 1)])
    assert any(p.startswith("лист «Показатели», строка 4, столбец «Критерий»") and "Полёт на Луну" in p for p in found)
    # ОКЛ exists in the catalog but not for nurses
    assert any(p.startswith("лист «Показатели», строка 5, столбец «Критерий»") and "Медицинские сёстры" in p
               for p in found)


def test_wrong_types(tmp_path, catalog):
    staff = [dict(GOOD_STAFF[0], rates_oms="полторы", days_plan="двадцать")]
    found = problems(tmp_path, catalog, staff=staff, values=[("1", "plan", "сто")])
    assert "лист «Сотрудники», строка 2, столбец «Ставки_ОМС»: ожидалось число, а записано «полторы»" in found
    assert "лист «Сотрудники», строка 2, столбец «Дни_план»: ожидалось целое число, а записано «двадцать»" in found
    assert "лист «Показатели», строка 2, столбец «Значение»: ожидалось число, а записано «сто»" in found


def test_out_of_range_values(tmp_path, catalog):
    staff = [dict(GOOD_STAFF[0], days_plan=0), GOOD_STAFF[1]]
    found = problems(
        tmp_path, catalog, staff=staff,
        values=[("1", "plan", -5), ("1", "ОКЛ", -1), ("1", "Коэффициент интенсивности труда", 11), ("2", "plan", 100)],
        events=[("2", "Благодарность", -2)],
        deprivations=[("1", 120, "x")],
    )
    assert any(p.startswith("лист «Сотрудники», строка 2, столбец «Дни_план»") and "больше 0" in p for p in found)
    assert any(p.startswith("лист «Показатели», строка 2, столбец «Значение»") and "отрицательным" in p for p in found)
    assert any(p.startswith("лист «Показатели», строка 3, столбец «Значение»") and "не меньше 0" in p for p in found)
    # intensity for dentists is assigned within [1, 10]
    assert any(p.startswith("лист «Показатели», строка 4, столбец «Значение»") and "от 1 до 10" in p for p in found)
    assert any(p.startswith("лист «События», строка 2, столбец «Количество»") for p in found)
    assert any(p.startswith("лист «Лишение», строка 2, столбец «Процент»") and "не больше 100" in p for p in found)


def test_duplicate_employee(tmp_path, catalog):
    found = problems(tmp_path, catalog, staff=[*GOOD_STAFF, person("1", "Зубной врач", name="Двойник")])
    assert "лист «Сотрудники», строка 4, столбец «Таб_номер»: табельный номер «1» повторяется (уже в строке 2)" in found


def test_event_date_outside_the_month(tmp_path, catalog):
    found = problems(tmp_path, catalog, events=[("1", "Благодарность", 1, dt.date(2025, 4, 1)),
                                                ("1", "Благодарность", 1, dt.date(2025, 3, 31))])
    assert found == ["лист «События», строка 2, столбец «Дата»: дата 01.04.2025 вне отчётного месяца 01.03.2025–31.03.2025"]


def test_missing_sheet_and_column(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, GOOD_VALUES)
    book = load_workbook(path)
    del book["Показатели"]
    book["Сотрудники"].delete_cols(3)  # Должность
    book.save(path)
    with pytest.raises(InputError) as info:
        read_month(path, catalog)
    found = [str(p) for p in info.value.problems]
    assert "лист «Показатели»: нет такого листа в книге" in found
    assert "лист «Сотрудники», строка 1, столбец «Должность»: нет такого столбца в заголовке" in found


def test_missing_plan_percent(tmp_path, catalog):
    found = problems(tmp_path, catalog, values=[("1", "plan", 100)])
    assert len(found) == 1
    assert "нет процента выполнения плана" in found[0] and "таб. № 2" in found[0] and "строка 3" in found[0]


def test_versus_norm_without_norm(tmp_path, catalog):
    found = problems(tmp_path, catalog, values=[*GOOD_VALUES, ("1", "Коэффициент профилактической активности", 0.4)])
    assert any(p.startswith("лист «Показатели», строка 4, столбец «Норма»") for p in found)


def test_year_norm_fills_a_missing_norm(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF,
                       [*GOOD_VALUES, ("1", "Коэффициент профилактической активности", 0.4)])
    month = read_month(path, catalog, norms={"prevention_activity": 0.35})
    assert month.values.loc[month.values["criterion"] == "kpa", "norm"].item() == 0.35


def test_criterion_on_the_wrong_sheet_and_duplicates(tmp_path, catalog):
    found = problems(tmp_path, catalog, values=[*GOOD_VALUES, ("1", "Благодарность", 1), ("1", "plan", 90)],
                     events=[("1", "ОКЛ", 1)])
    assert any(p.startswith("лист «Показатели», строка 4, столбец «Значение»") and "«События»" in p for p in found)
    assert any(p.startswith("лист «Показатели», строка 5, столбец «Критерий»") and "второй раз" in p for p in found)
    assert any(p.startswith("лист «События», строка 2, столбец «Критерий»") and "«Показатели»" in p for p in found)


def test_all_problems_reported_together_in_sheet_order(tmp_path, catalog):
    staff = [person("1", "Космонавт"), dict(GOOD_STAFF[1], rates_oms="x")]
    path = write_month(tmp_path / "2025-03.xlsx", staff, [("9", "plan", 1), ("2", "plan", 100)],
                       deprivations=[("2", 101, "x")])
    with pytest.raises(InputError) as info:
        read_month(path, catalog)
    sheets = [p.sheet for p in info.value.problems]
    assert sheets == ["Сотрудники", "Сотрудники", "Показатели", "Лишение"]
    message = str(info.value)
    assert message.startswith(f"В файле {path} найдено ошибок: 4.")


def test_csv_folder_is_accepted(tmp_path, catalog):
    folder = tmp_path / "2025-03"
    folder.mkdir()
    pd.DataFrame(GOOD_STAFF).rename(columns={"staff_id": "Таб_номер", "name": "ФИО", "position": "Должность",
                                             "department": "Отделение", "rates_oms": "Ставки_ОМС",
                                             "rates_paid": "Ставки_платно", "days_plan": "Дни_план",
                                             "days_fact": "Дни_факт"}).to_csv(folder / "Сотрудники.csv", index=False)
    # English aliases for the sheet name and headers, a semicolon-separated file with a decimal comma
    (folder / "values.csv").write_text("staff_id;criterion;value\n1;plan;101,5\n2;plan;100\n", encoding="utf-8")
    month = read_month(folder, catalog)
    assert month.values["value"].tolist() == [101.5, 100.0]


# --- odd and hostile workbooks (generated by tests/hostile.py) -------------------------------------

def test_a_value_at_the_last_cell_of_an_unused_sheet_is_never_read(tmp_path, catalog):
    path = hostile.with_cell(write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, GOOD_VALUES), "Заметки", "XFD1048576", 1)
    assert len(read_month(path, catalog).staff) == 2


def test_a_value_at_the_last_cell_of_a_known_sheet_is_one_russian_problem(tmp_path, catalog):
    path = hostile.with_cell(write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, GOOD_VALUES), "Показатели", "XFD1048576", 1)
    found = problems_of(path, catalog)
    assert found == ["лист «Показатели»: заполненная область доходит до ячейки XFD1048576 (1048576 строк × 16384 столбцов), "
                     "а допускается не больше 500000 строк и 100 столбцов: удалите лишние ячейки ниже и правее таблицы"]


def problems_of(path, catalog, **kw):
    with pytest.raises(InputError) as info:
        read_month(path, catalog, **kw)
    return [str(p) for p in info.value.problems]


def test_error_cells_and_formulas_without_a_value_are_named(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, GOOD_VALUES)
    hostile.with_raw_cell(path, "Показатели", "C2", '<c r="C2" t="e"><v>#DIV/0!</v></c>')
    hostile.with_raw_cell(path, "Показатели", "C3", '<c r="C3"><f>1/0</f></c>')
    found = problems_of(path, catalog)
    assert "лист «Показатели», строка 2, столбец «Значение»: в ячейке ошибка формулы «#DIV/0!»: нужно значение" in found
    assert any(p.startswith("лист «Показатели», строка 3, столбец «Значение»: формула без сохранённого значения") for p in found)
    assert not any("пустая ячейка" in p for p in found)


def test_staff_numbers_typed_as_text_or_number_are_one_employee(tmp_path, catalog):
    # 101 (a number) on Сотрудники, «101.0» (text) on Показатели: one employee, not two
    staff = [person(101, "Врач-стоматолог"), person("01002", "Медицинская сестра", name="Сестрова Ольга Ивановна")]
    month = read_month(write_month(tmp_path / "2025-03.xlsx", staff, [("101.0", "plan", 100), ("01002", "plan", 100)]), catalog)
    assert month.staff["staff_id"].tolist() == ["101", "01002"]  # the leading zero of a text number is kept
    assert month.values["staff_id"].tolist() == ["101", "01002"]


@pytest.mark.parametrize(("column", "value", "words"), [
    ("rates_oms", 1e300, "столбец «Ставки_ОМС»: значение 1e+300 вне допустимого: нужно не больше 10"),
    ("days_plan", 40, "столбец «Дни_план»: значение 40 вне допустимого: нужно не больше 31"),
])
def test_numbers_without_sane_bounds_are_refused(tmp_path, catalog, column, value, words):
    staff = [{**person("1", "Врач-стоматолог"), column: value}]
    found = problems_of(write_month(tmp_path / "2025-03.xlsx", staff, [("1", "plan", 100)]), catalog)
    assert any(words in p for p in found), found


def test_plan_percent_beyond_1000_is_refused(tmp_path, catalog):
    found = problems_of(write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, [("1", "plan", 1e300), ("2", "plan", 100)]), catalog)
    assert any("столбец «Значение»" in p and "вне допустимого" in p for p in found), found


def test_department_spellings_are_one_department_with_a_warning(tmp_path, catalog):
    latin_a = "Терапевтическое отделение".replace("а", "a")  # a Latin «a» inside
    staff = [person("1", "Врач-стоматолог"), person("2", "Врач-стоматолог", department="терапевтическое  отделение"),
             person("3", "Медицинская сестра", department=latin_a), person("4", "Медицинская сестра")]
    month = read_month(write_month(tmp_path / "2025-03.xlsx", staff, [(s, "plan", 100) for s in "1234"]), catalog)
    assert month.staff["department"].unique().tolist() == ["Терапевтическое отделение"]
    assert len(month.warnings) == 1 and "«терапевтическое  отделение» (1)" in month.warnings[0]
    assert f"«{latin_a}» (1)" in month.warnings[0]


def test_missing_values_sheet_is_one_message_not_a_cascade(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, GOOD_VALUES)
    book = load_workbook(path)
    del book["Показатели"]
    book.save(path)
    assert problems_of(path, catalog) == ["лист «Показатели»: нет такого листа в книге"]


def test_missing_staff_sheet_is_one_message(tmp_path, catalog):
    path = write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, GOOD_VALUES, events=[("1", "Благодарность", 1)])
    book = load_workbook(path)
    del book["Сотрудники"]
    book.save(path)
    assert problems_of(path, catalog) == ["лист «Сотрудники»: нет такого листа в книге"]


def test_a_file_that_is_not_a_workbook_is_one_sentence(tmp_path, catalog):
    fake = tmp_path / "2025-03.xlsx"
    fake.write_text("это не книга", encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_month(fake, catalog)
    assert str(info.value).startswith("файл 2025-03.xlsx не удалось прочитать как книгу Excel .xlsx")
    other = tmp_path / "2025-03.ods"
    other.write_bytes(b"PK")
    with pytest.raises(InputError, match="не книга Excel: нужен файл .xlsx"):
        read_month(other, catalog)


def test_the_month_must_be_known(tmp_path, catalog):
    # «ноябрь.xlsx» holding a December event: no silent skip of the date check
    path = write_month(tmp_path / "ноябрь.xlsx", GOOD_STAFF, GOOD_VALUES, events=[("1", "Благодарность", 1, dt.date(2025, 12, 3))])
    with pytest.raises(ParamsError, match="укажите месяц: --month ГГГГ-ММ"):
        read_month(path, catalog)
    found = problems_of(path, catalog, period="2025-11")
    assert found == ["лист «События», строка 2, столбец «Дата»: дата 03.12.2025 вне отчётного месяца 01.11.2025–30.11.2025"]


# --- the «Фонд» sheet and the payroll columns of «Сотрудники» (SPEC §8, §11) ---

FUND_STAFF = [dict(GOOD_STAFF[0], snils="112-233-445 95", salary=40000),
              dict(GOOD_STAFF[1], snils="11223344595", salary="35 000,50")]


def test_funds_and_payroll_columns_read_exactly(tmp_path, catalog):
    from decimal import Decimal

    path = write_month(tmp_path / "2025-03.xlsx", FUND_STAFF, GOOD_VALUES,
                       funds=[("терапевтическое  отделение", "врачи", 1000.1), ("Терапевтическое отделение", "Средний",
                                                                              "2 500,05")])
    month = read_month(path, catalog)
    # 1000.1 is a number cell: read by its decimal form, exactly 1000.10, never 1000.0999999…
    assert [(f.row, f.department, f.category, f.amount) for f in month.funds] == [
        (2, "Терапевтическое отделение", "врачи", Decimal("1000.1")),
        (3, "Терапевтическое отделение", "средний", Decimal("2500.05"))]
    assert list(month.staff["salary"]) == [Decimal("40000"), Decimal("35000.50")]
    assert month.staff["snils"].tolist() == ["112-233-445 95", "11223344595"]


def test_no_fund_sheet_and_an_empty_one_are_no_fund(tmp_path, catalog):
    assert read_month(write_month(tmp_path / "2025-03.xlsx", GOOD_STAFF, GOOD_VALUES), catalog).funds is None
    assert read_month(write_month(tmp_path / "2025-04.xlsx", GOOD_STAFF, GOOD_VALUES, funds=[]), catalog).funds is None


def test_snils_with_a_wrong_control_number_names_the_row(tmp_path, catalog):
    # 112-233-445: 1×9 + 1×8 + 2×7 + 2×6 + 3×5 + 3×4 + 4×3 + 4×2 + 5×1 = 95, so 96 is wrong
    staff = [FUND_STAFF[0], dict(FUND_STAFF[1], snils="112-233-445 96")]
    found = problems(tmp_path, catalog, staff=staff)
    assert len(found) == 1
    assert found[0].startswith("лист «Сотрудники», строка 3, столбец «СНИЛС»: «112-233-445 96»: контрольное число СНИЛС 96")


def fund_problems(tmp_path, catalog, funds, staff=FUND_STAFF):
    path = write_month(tmp_path / "2025-03.xlsx", staff, GOOD_VALUES, funds=funds)
    with pytest.raises(InputError) as info:
        read_month(path, catalog)
    return [str(p) for p in info.value.problems]


def test_fund_with_three_decimals_and_a_negative_one(tmp_path, catalog):
    found = fund_problems(tmp_path, catalog, [("Все", "врачи", 100.005), ("Все", "средний", "-5"),
                                              ("Все", "младший", "100,125")])
    assert found == [
        "лист «Фонд», строка 2, столбец «Сумма»: ожидалось число рублей, не больше двух знаков после запятой (копейки), "
        "а записано «100.005»",
        "лист «Фонд», строка 3, столбец «Сумма»: значение -5 вне допустимого: нужно не меньше 0",
        "лист «Фонд», строка 4, столбец «Сумма»: ожидалось число рублей, не больше двух знаков после запятой (копейки), "
        "а записано «100,125»"]


def test_fund_of_an_unknown_department_category_and_a_repeated_group(tmp_path, catalog):
    found = fund_problems(tmp_path, catalog, [("Хирургическое отделение", None, 10), ("Все", "санитары", 10),
                                              ("Все", None, 10), ("все", None, 20)])
    assert found[0].startswith("лист «Фонд», строка 2, столбец «Отделение»: отделения «Хирургическое отделение» нет")
    assert found[1].startswith("лист «Фонд», строка 3, столбец «Категория»: неизвестная категория «санитары»")
    assert found[2] == "лист «Фонд», строка 5, столбец «Отделение»: группа повторяется (уже в строке 4)"
    assert len(found) == 3
