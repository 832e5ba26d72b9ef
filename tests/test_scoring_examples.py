"""Worked examples for every position of Приложение 2, computed by hand from the regulation.

Each case goes through the whole path an analyst uses: a workbook written with the wording of
Приложение 2 (or a job title), read and checked by `read_month`, scored by the engine.
Rules used (SPEC 2.1, 3): plan = 10 + 0,01 × (percent − 100); deduction = max(0, max − penalty × n);
per-event = weight × n; assigned = the value; versus-norm = ±weight; percent = total / norm × 100;
coefficient = max(0, percent/100) × ставки ОМС × дни_факт / дни_план × (1 − лишение/100).
Rounding half away from zero: points 2 decimals, percent 1, coefficient 2.
"""

from __future__ import annotations

import pytest

from stomkpi.month import read_month
from stomkpi.scoring import score_month

from .conftest import person, write_month


def scored(tmp_path, catalog, staff, values=(), events=(), deprivations=()):
    path = write_month(tmp_path / "2025-03.xlsx", staff, values, events, deprivations)
    table = score_month(read_month(path, catalog), catalog).table
    return table.set_index("staff_id")


def check(row, main, additional, total, percent, coefficient):
    assert row["main_points"] == pytest.approx(main, abs=1e-9)
    assert row["additional_points"] == pytest.approx(additional, abs=1e-9)
    assert row["total_points"] == pytest.approx(total, abs=1e-9)
    assert row["percent"] == pytest.approx(percent, abs=1e-9)
    assert row["coefficient"] == pytest.approx(coefficient, abs=1e-9)


def test_dentist(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("1", "Врач-стоматолог-терапевт", days_plan=22, days_fact=20)],
        values=[("1", "Процент выполнения плана", 112), ("1", "Оценка качества лечения (ОКЛ)", 2),
                ("1", "УКВ", 1), ("1", "Коэффициент профилактической активности", 0.40, 0.35),
                ("1", "Удовлетворённость медицинской помощью", 93, 95), ("1", "Количество УЕТ в 1 пос.", 3.0, 3.0),
                ("1", "Коэффициент интенсивности труда", 3)],
        events=[("1", "Благодарность", 1), ("1", "Благодарность", 1), ("1", "Обоснованные жалобы", 1)],
    )
    # main: plan 10 + 0.01×12 = 10.12; ОКЛ 10 − 2×1 = 8; УКВ 10 − 1 = 9 → 27.12
    # additional: gratitude 2×(+1) = 2; complaint −5; КПА 0.40 > 0.35 → +1; satisfaction 93 < 95 → −1;
    #   УЕТ equal → 0; intensity assigned 3 → 2 − 5 + 1 − 1 + 0 + 3 = 0
    # total 27.12; percent 27.12/30 = 90.4 %; coefficient 0.904 × 1 × 20/22 = 0.8218 → 0.82
    check(t.loc["1"], 27.12, 0.0, 27.12, 90.4, 0.82)
    assert t.loc["1", "pts_satisfaction"] == -1.0
    assert t.loc["1", "pts_kpa"] == 1.0


def test_nurse(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("2", "Медицинская сестра", rates=0.5, days_plan=18)],
        values=[("2", "Процент выполнения плана", 95), ("2", "Производственный контроль", 1)],
        events=[("2", "Ассистирование врачу", 3), ("2", "Результаты административных обходов (замечания)", 2)],
        deprivations=[("2", 50, "Дисциплинарное взыскание")],
    )
    # main: plan 10 − 0.05 = 9.95; производственный контроль 10 − 5 = 5; санэпидрежим and запасы
    #   have no row → full 10 each → 34.95
    # additional: assisting 3×(+1) = 3; rounds 2×(−1) = −2 → 1; total 35.95
    # percent 35.95/40 = 89.875 → 89.9; coefficient 0.89875 × 0.5 × 18/18 × (1 − 0.5) = 0.2247 → 0.22
    check(t.loc["2"], 34.95, 1.0, 35.95, 89.9, 0.22)


def test_dental_practitioner(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("3", "Зубной врач", rates=1.25)],
        values=[("3", "Процент выполнения плана", 100), ("3", "Оценка качества лечения (ОКЛ)", 0),
                ("3", "Уровень качественных показателей работы врача (УКВ)", 3),
                ("3", "Количество УЕТ в 1 пос.", 2.8, 3.0)],
        events=[("3", "Необоснованная платная услуга", 1), ("3", "Применение высокотехнологичных методов лечения", 1)],
    )
    # main 10 + 10 + (10 − 3) = 27; additional −10 + 5 − 0.1 (УЕТ 2.8 < 3.0) = −5.1; total 21.9
    # percent 21.9/30 = 73.0; coefficient 0.73 × 1.25 = 0.9125 → 0.91
    check(t.loc["3"], 27.0, -5.1, 21.9, 73.0, 0.91)


def test_xray_technician_rounds_half_away(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("4", "Рентгенолаборант", days_plan=21)],
        values=[("4", "Процент выполнения плана", 104.5), ("4", "Правила радиационной безопасности", 1),
                ("4", "Правила санитарно-эпидемиологического режима", 1)],
        events=[("4", "Некачественное выполнение рентгенографии", 3),
                ("4", "Нарушение правил ТБ, радиационной и пожарной безопасности", 1)],
    )
    # main: plan 10 + 0.045 = 10.045; radiation 10 − 5 = 5; sanitary 10 − 10 = 0 → 15.045 → 15.05 (half away)
    # additional: 3 × (−0.5) − 5 = −6.5; total 8.545 → 8.55
    # percent 8.545/30 = 28.483 → 28.5; coefficient 0.28483 → 0.28
    check(t.loc["4"], 15.05, -6.5, 8.55, 28.5, 0.28)


def test_hygienist(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("5", "Гигиенист стоматологический", days_plan=19)],
        values=[("5", "plan", 120), ("5", "Ведение медицинской документации", 4), ("5", "ukv", 0)],
        events=[("5", "Сохранность оборудования и инструментария", 1), ("5", "Благодарность", 1)],
    )
    # main: 10 + 0.2 = 10.2; documentation 10 − 4 = 6; УКВ 10 → 26.2; additional −5 + 1 = −4
    # total 22.2; percent 74.0; coefficient 0.74
    check(t.loc["5"], 26.2, -4.0, 22.2, 74.0, 0.74)


def test_department_head(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("6", "Заведующий отделением")],
        values=[("6", "Процент выполнения плана", 98), ("6", "ОКЛ", 1),
                ("6", "Удовлетворённость населения медицинской помощью", 97, 95),
                ("6", "Средний срок ожидания медицинской помощи", 2.5, 2.0),
                ("6", "Количество УЕТ в 1 посещение", 3.2, 3.0),
                ("6", "Коэффициент профилактической активности", 0.35, 0.35)],
        events=[("6", "Нарушение правил внутреннего распорядка", 1),
                ("6", "Коэффициент использования медицинского оборудования", 1)],
    )
    # main: 9.98 + 9 + 10 = 28.98
    # additional: internal rules −1 (the department's own weight, not −5); satisfaction 97 > 95 → +1;
    #   waiting 2.5 > 2.0 is worse (lower is better) → −1; УЕТ 3.2 > 3.0 → +1 (weight 1 here);
    #   КПА equal → 0; equipment use −5 → −5
    # total 23.98; percent 79.933 → 79.9; coefficient 0.79933 → 0.80
    check(t.loc["6"], 28.98, -5.0, 23.98, 79.9, 0.80)


def test_physio_nurse(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("7", "Медсестра физиотерапевтического кабинета", rates=0.75, days_plan=21)],
        values=[("7", "Процент выполнения плана", 90), ("7", "Коэффициент интенсивности труда", 2)],
        events=[("7", "Некачественное выполнение процедур", 2)],
    )
    # main: 9.9 + 10 + 10 = 29.9; additional: 2 × (−0.5) + 2 = 1; total 30.9
    # percent 103.0; coefficient 1.03 × 0.75 = 0.7725 → 0.77
    check(t.loc["7"], 29.9, 1.0, 30.9, 103.0, 0.77)


def test_dental_technician(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("8", "Зубной техник", days_plan=22, days_fact=20)],
        values=[("8", "Процент выполнения плана", 130), ("8", "УКЗТ", 2)],
        events=[("8", "Переназначение и переделки", 4),
                ("8", "Применение современных и высокотехнологических методов изготовления протезов", 1)],
    )
    # main: 10.3 + 8 = 18.3; additional 4 × (−0.5) + 5 = 3; total 21.3 over norm 20
    # percent 106.5; coefficient 1.065 × 20/22 = 0.9682 → 0.97
    check(t.loc["8"], 18.3, 3.0, 21.3, 106.5, 0.97)


def test_anesthesiologist(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("9", "Врач-анестезиолог")],
        values=[("9", "Процент выполнения плана", 100), ("9", "Осложнения общей анестезии", 1),
                ("9", "Количество УЕТ в 1 посещение", 3.5, 3.0)],
        events=[("9", "Обоснованные претензии страховых компаний", 2)],
    )
    # main: 10 + 10 (назначения, no row) + 0 (complications 10 − 10) + 10 (ОКЛ, no row) = 30
    # additional: 2 × (−1) + 0.1 = −1.9; total 28.1; percent 70.25 → 70.3; coefficient 0.7025 → 0.70
    check(t.loc["9"], 30.0, -1.9, 28.1, 70.3, 0.70)


def test_anesthetist_nurse_norm_exceeds_main_criteria(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("10", "Медсестра-анестезист")],
        values=[("10", "Процент выполнения плана", 100), ("10", "Коэффициент интенсивности труда", 0.1)],
        events=[("10", "Соблюдение норм хранения наркотических и психотропных веществ", 1)],
    )
    # main: 10 + 10 + 10 = 30 (the document gives the norm 40 all the same)
    # additional: −5 + 0.1 = −4.9; total 25.1; percent 25.1/40 = 62.75 → 62.8; coefficient 0.6275 → 0.63
    check(t.loc["10"], 30.0, -4.9, 25.1, 62.8, 0.63)


def test_registrar_has_no_plan(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("11", "Медицинский регистратор")],
        values=[("11", "Качество заполнения паспортной части амбулаторных карт", 3),
                ("11", "Своевременное и качественное оформление нарядов и договоров на платные услуги", 1),
                ("11", "Коэффициент интенсивности труда", -0.1)],
        events=[("11", "Благодарность", 1)],
    )
    # main: (10 − 3) + (10 − 5) + 10 + 10 = 32; additional −0.1 + 1 = 0.9; total 32.9
    # percent 82.25 → 82.3; coefficient 0.8225 → 0.82
    check(t.loc["11"], 32.0, 0.9, 32.9, 82.3, 0.82)


def test_junior_staff_deduction_floors_at_zero(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("12", "Санитарка", days_plan=20, days_fact=10)],
        values=[("12", "Результаты производственного контроля", 2), ("12", "Обеспечение рабочих мест мягким инвентарём", 3),
                ("12", "Коэффициент интенсивности труда", 5),
                ("12", "Коэффициент участия в выполнении плана платных услуг", 85)],
    )
    # main: санэпид 10 + production control 10 − 2×5 = 0 + documentation 10 + soft inventory
    #   max(0, 10 − 3×5) = 0 → 20; additional: intensity +5, paid-services share is info only → 5
    # total 25; percent 62.5; coefficient 0.625 × 10/20 = 0.3125 → 0.31
    check(t.loc["12"], 20.0, 5.0, 25.0, 62.5, 0.31)
    assert t.loc["12", "pts_paid_participation"] == 0.0


def test_head_nurse(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("13", "Главная медсестра")],
        values=[("13", "Выполнение модели конечных результатов", 1), ("13", "Коэффициент интенсивности труда", 10)],
        events=[("13", "Несоблюдение правил медицинской этики и деонтологии", 1),
                ("13", "За каждое не выполнение распоряжения руководителя (письменное и устное)", 1),
                ("13", "Не соблюдение договорной дисциплины", 2)],
    )
    # main: 5 + 10 + 10 + 10 = 35; additional: ethics has no points in the document (0),
    #   order −5, intensity +10, contract discipline 2 × (−2) = −4 → 1; total 36
    # percent 90.0; coefficient 0.9
    check(t.loc["13"], 35.0, 1.0, 36.0, 90.0, 0.90)


def test_negative_total_gives_zero_coefficient(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("14", "Врач-стоматолог")],
        values=[("14", "Процент выполнения плана", 100), ("14", "ОКЛ", 10), ("14", "УКВ", 12)],
        events=[("14", "Обоснованные жалобы", 3)],
    )
    # main 10 + 0 + max(0, 10 − 12) = 10; additional 3 × (−5) = −15; total −5
    # percent −5/30 = −16.667 → −16.7 (shown as it is); coefficient max(0, …) = 0
    check(t.loc["14"], 10.0, -15.0, -5.0, -16.7, 0.0)


def test_deprivations_add_up_and_cap_at_100(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("15", "Врач-стоматолог"), person("16", "Врач-стоматолог", name="Другова Ольга Петровна")],
        values=[("15", "plan", 100), ("16", "plan", 100)],
        deprivations=[("15", 60, "Причина 1"), ("15", 70, "Причина 2"), ("16", 20, "А"), ("16", 30, "Б")],
    )
    # 15: 60 + 70 = 130 → capped at 100 → coefficient 1 × 1 × 0 = 0
    # 16: 20 + 30 = 50 → coefficient 1.0 × (1 − 0.5) = 0.5
    assert t.loc["15", "deprived_percent"] == 100.0
    assert t.loc["15", "coefficient"] == 0.0
    assert t.loc["16", "coefficient"] == 0.5


def test_names_match_despite_case_dashes_and_punctuation(tmp_path, catalog):
    t = scored(
        tmp_path, catalog,
        [person("17", "МЕДСЕСТРЫ – АНЕСТЕЗИСТЫ")],
        values=[("17", "процент  выполнения плана.", 100), ("17", "правила санитарно – эпидемиологического режима", 1)],
    )
    # sanitary 10 − 10 = 0 → main 10 + 10 + 0 = 20
    assert t.loc["17", "position"] == "anesthetist_nurse"
    assert t.loc["17", "main_points"] == 20.0
