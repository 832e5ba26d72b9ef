"""Summaries: who lost points and why, and the department table."""

from __future__ import annotations

from stomkpi.month import read_month
from stomkpi.scoring import score_month
from stomkpi.summary import by_department, lost_by_criterion, lost_points

from .conftest import person, write_month


def test_lost_points_and_departments(tmp_path, catalog):
    staff = [person("1", "Врач-стоматолог", name="Первый Пётр Петрович"),
             person("2", "Медицинская сестра", name="Вторая Анна Ивановна", department="Детское отделение")]
    values = [("1", "plan", 95), ("1", "ОКЛ", 2), ("2", "plan", 100)]
    events = [("1", "Обоснованные жалобы", 1), ("1", "Благодарность", 1)]
    path = write_month(tmp_path / "2025-03.xlsx", staff, values, events)
    scores = score_month(read_month(path, catalog), catalog)
    lost = lost_points(scores.details, scores.table, catalog)
    # complaint −5 (lost 5), ОКЛ 10 − 2 = 8 (lost 2), plan 10 − 0.05 = 9.95 (lost 0.05); gratitude +1 is no loss
    assert lost[["Критерий", "Потеряно баллов"]].values.tolist() == [
        ["Обоснованные жалобы", 5.0], ["Оценка качества лечения (ОКЛ)", 2.0], ["Процент выполнения плана", 0.05]]
    assert set(lost["ФИО"]) == {"Первый Пётр Петрович"}
    assert lost_by_criterion(lost)["Сотрудников"].tolist() == [1, 1, 1]
    deps = by_department(scores.table)
    # dentist: 9.95 + 8 + 10 − 5 + 1 = 23.95 / 30 = 79.8 %; nurse 40 / 40 = 100 %
    assert deps.loc["Терапевтическое отделение", "Средний %"] == 79.8
    assert deps.loc["Детское отделение", "Ниже 100 %"] == 0
    assert deps.loc["Терапевтическое отделение", "Ниже 100 %"] == 1


def test_departments_with_the_deprived_and_a_clinic_row(tmp_path, catalog):
    """The clinic row is over people, not a mean of the departments' means; the deprived are counted per department."""
    staff = [person("1", "Врач-стоматолог", name="Первый Пётр Петрович"),
             person("2", "Врач-стоматолог", name="Второй Иван Иванович"),
             person("3", "Медицинская сестра", name="Третья Анна Ивановна", department="Детское отделение")]
    values = [("1", "plan", 95), ("2", "plan", 100), ("3", "plan", 100)]
    path = write_month(tmp_path / "2025-03.xlsx", staff, values, deprivations=[("2", 50, "замечание")])
    table = score_month(read_month(path, catalog), catalog).table
    deps = by_department(table, total="Всего")
    assert deps.index.tolist() == ["Детское отделение", "Терапевтическое отделение", "Всего"]
    assert deps["Сотрудников"].tolist() == [1, 2, 3]
    assert deps["Лишены премии"].tolist() == [0, 1, 1]
    assert deps["Ниже 100 %"].tolist() == [0, 1, 1]
    # the dentists: plan 9.95 + 20 = 29.95 / 30 = 99.8 % and 30 / 30 = 100 %; the nurse 100 %
    mean = (table["percent"].iloc[0] + table["percent"].iloc[1] + table["percent"].iloc[2]) / 3
    assert deps.loc["Всего", "Средний %"] == round(mean, 1) == 99.9
    assert deps.loc["Всего", "Минимум %"] == table["percent"].min()


def test_the_fund_of_coefficients_is_summed_exactly_as_printed():
    # 0,1 + 0,2 as floats is 0,30000000000000004; the fund the form prints adds the printed coefficients: 0,30 exactly,
    # and 0,29 + 0,57 + 0,14 = 1,00
    from decimal import Decimal

    from stomkpi.summary import exact_sum
    from stomkpi.text import fmt

    assert exact_sum([0.1, 0.2]) == Decimal("0.30")
    assert exact_sum([0.29, 0.57, 0.14]) == Decimal("1.00")
    assert exact_sum([]) == 0
    # printed like a float of the same value: no trailing zeros, a decimal comma
    assert [fmt(Decimal(x)) for x in ("1.00", "12.70", "6.94", "0")] == ["1", "12,7", "6,94", "0"]
