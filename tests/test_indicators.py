"""Indicators from counts, УКВ and ОКЛ flowing into the monthly score, quality of care, the catalog,
the two new sheets' bad input and the rating command — worked by hand."""

from __future__ import annotations

import io
import shutil

import pandas as pd
import pytest
import yaml

from stomkpi.catalog import BUILTIN_DIR, load_indicators, load_positions
from stomkpi.errors import CatalogError, InputError, ParamsError
from stomkpi.indicators import indicator_values, quality_category, quality_tables, quality_vs_targets, ukv, ukv_summary
from stomkpi.month import read_month
from stomkpi.pipeline import score_workbook

from .conftest import person, write_month
from .test_catalog import SEED, _words
from .test_cli import run

IND = load_indicators()
THERAPY = "Терапевтическое отделение"


def test_department_indicator_is_ratio_of_sums_not_mean_of_ratios():
    counts = pd.DataFrame([
        ("A", THERAPY, "sanitized", 30), ("A", THERAPY, "primary_patients", 40),   # 75 %
        ("B", THERAPY, "sanitized", 10), ("B", THERAPY, "primary_patients", 60),   # 16.7 %
    ], columns=["staff_id", "department", "field", "value"])
    by_dept = indicator_values(counts, IND, by=["department"], codes=["sanitation_rate"])
    # (30 + 10) / (40 + 60) × 100 = 40 %, while the mean of the two ratios would be 45.8 %
    assert by_dept["value"].item() == pytest.approx(40.0)
    by_person = indicator_values(counts, IND, by=["staff_id"], codes=["sanitation_rate"]).set_index("staff_id")
    assert by_person.loc["A", "value"] == pytest.approx(75.0)


def test_zero_denominator_gives_no_value():
    counts = pd.DataFrame([("A", "sanitized", 3), ("A", "primary_patients", 0)], columns=["staff_id", "field", "value"])
    assert indicator_values(counts, IND, by=["staff_id"], codes=["sanitation_rate"])["value"].isna().all()


def ukv_norms():
    return pd.DataFrame([("therapy", "sanitation_rate", 70.0), ("therapy", "complicated_ratio", 0.20),
                         ("therapy", "uet_per_visit", 3.0)], columns=["unit", "indicator", "norm"])


DOCTOR_COUNTS = [
    ("1", "Санированные больные", 30), ("1", "Первичные больные", 40),     # 75 % vs norm 70 (higher): met → 10
    ("1", "caries_complicated", 25), ("1", "caries_uncomplicated", 100),   # 0.25 vs 0.20 (lower): 0.20/0.25 = 0.8 → 8
    ("1", "УЕТ", 600), ("1", "Посещения", 200),                            # 3.0 vs 3.0: met → 10
]


def test_ukv_by_hand():
    counts = pd.DataFrame([(s, IND.field(f), v) for s, f, v in DOCTOR_COUNTS], columns=["staff_id", "field", "value"])
    detail = ukv(counts, pd.DataFrame({"staff_id": ["1"], "department": [THERAPY]}), ukv_norms(), IND)
    points = detail.set_index("indicator")["points"]
    assert points["sanitation_rate"] == 10 and points["uet_per_visit"] == 10
    assert points["complicated_ratio"] == pytest.approx(8.0)
    s = ukv_summary(detail, IND).iloc[0]
    # УКВ = (10 + 8 + 10) / (10 × 3) = 0.9333; one indicator missed
    assert s["ukv"] == pytest.approx(28 / 30) and s["missed"] == 1


def _norms_file(tmp_path):
    units = {"therapy": {r.indicator: {"target": r.norm, "region_best": r.norm, "expert": r.norm}
                         for r in ukv_norms().itertuples()}}
    path = tmp_path / "norms-2025.yaml"
    path.write_text(yaml.safe_dump({"year": 2025, "units": units}, allow_unicode=True), encoding="utf-8")
    return path


def test_ukv_and_okl_flow_into_the_monthly_score(tmp_path):
    staff = [person("1", "Врач-стоматолог-терапевт"), person("2", "Врач-стоматолог", name="Второй Иван Иванович")]
    reviews = [("c1", "1", 1.0), ("c2", "1", 0.8), ("c3", "1", 0.79, "медработник", "ресурсы"),
               ("c4", "1", 0.6, "медработник", "без влияния"), ("c5", "1", 0.59, "организация", "вред"),
               ("c6", "2", 0.5, "пациент", "вред")]
    path = write_month(tmp_path / "2025-03.xlsx", staff,
                       [("1", "plan", 100), ("2", "plan", 100), ("2", "ОКЛ", 1), ("2", "УКВ", 0)],
                       stats=DOCTOR_COUNTS + [("2", "Санированные больные", 1), ("2", "Первичные больные", 10)],
                       reviews=reviews)
    _norms_file(tmp_path)
    scored = score_workbook(path)  # norms-2025.yaml beside the workbook is found by the year
    assert scored.norms_file == tmp_path / "norms-2025.yaml"
    t = scored.scores.table.set_index("staff_id")
    # doctor 1: УКВ missed 1 → 10 − 1 = 9; ОКЛ: cases below 0.8 are 0.79, 0.6, 0.59 → 10 − 3 = 7
    assert t.loc["1", "pts_ukv"] == 9 and t.loc["1", "pts_okl"] == 7
    # main = 10 + 7 + 9 = 26 → 86.7 %
    assert t.loc["1", "percent"] == 86.7
    # doctor 2 has explicit values in Показатели: they win over the data (10.0 % sanitation would miss)
    assert t.loc["2", "pts_okl"] == 9 and t.loc["2", "pts_ukv"] == 10
    sources = scored.derived.sources.set_index(["staff_id", "criterion"])["source"]
    assert sources[("1", "ukv")] == "лист «Статистика» (УКВ)"
    assert sources[("1", "okl")] == "лист «Экспертиза» (ОКЛ)"
    assert sources[("2", "okl")] == "лист «Показатели»"


def test_month_without_norms_but_with_stats_is_refused(tmp_path):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог")], [("1", "plan", 100)],
                       stats=DOCTOR_COUNTS)
    with pytest.raises(ParamsError, match="нужен файл норм года"):
        score_workbook(path)


def test_department_head_uses_the_departments_counts(tmp_path):
    _norms_file(tmp_path)
    staff = [person("1", "Врач-стоматолог"), person("9", "Заведующий отделением", name="Главный Пётр Петрович")]
    # doctor 1 alone misses complicated_ratio; with the head's own counts the department is at
    # (25 + 5) / (100 + 100) = 0.15 ≤ 0.20 → met; sanitation (30 + 40) / (40 + 60) = 70 % → met
    stats = DOCTOR_COUNTS + [("9", "caries_complicated", 5), ("9", "caries_uncomplicated", 100),
                             ("9", "sanitized", 40), ("9", "primary_patients", 60)]
    path = write_month(tmp_path / "2025-03.xlsx", staff, [("1", "plan", 100), ("9", "plan", 100)], stats=stats,
                       reviews=[("c1", "1", 0.7, "врач", "ресурсы"), ("c2", "9", 0.9)])
    t = score_workbook(path).scores.table.set_index("staff_id")
    assert t.loc["1", "pts_ukv"] == 9 and t.loc["9", "pts_ukv"] == 10
    # ОКЛ of the department: its one case below 0.8 → 9 for the head, and for doctor 1 too
    assert t.loc["9", "pts_okl"] == 9 and t.loc["1", "pts_okl"] == 9


@pytest.mark.parametrize(("k", "category"), [(1.0, "КМП"), (0.8, "КМП"), (0.79, "ДМП"), (0.6, "ДМП"), (0.59, "НМП"), (0, "НМП")])
def test_quality_category_boundaries(k, category):
    assert quality_category(pd.Series([k]), IND).item() == category


def test_section_7_tables():
    reviews = pd.DataFrame([("a", "1", 1.0, None, None), ("b", "1", 0.8, None, None), ("c", "1", 0.79, "worker", "waste"),
                            ("d", "1", 0.6, "worker", "none"), ("e", "2", 0.59, "organisation", "harm")],
                           columns=["case", "staff_id", "coefficient", "reason", "impact"])
    tables = quality_tables(reviews, finished_cases=50, catalog=IND)
    results = tables["Результаты контроля качества"].set_index("Показатель")["Значение"]
    assert results.iloc[1] == 5 and results.iloc[2] == 2 and results.iloc[3] == 1 and results.iloc[4] == 2
    assert results.iloc[5] == 10.0  # 5 reviewed of 50 finished = 10 %
    reasons = tables["Причины несоответствия"].set_index("Категория")["% от случаев с дефектами"]
    assert reasons.iloc[0] == pytest.approx(66.7) and reasons.iloc[3] == pytest.approx(33.3)  # 2 and 1 of 3 defective
    impacts = tables["Влияние дефектов"]["Случаев"].tolist()
    assert impacts == [0, 1, 1, 1]


def test_new_sheets_bad_input(tmp_path):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог")], [("1", "plan", 100)],
                       stats=[("1", "Звёзды на небе", 3), ("1", "УЕТ", -5), ("7", "УЕТ", 5)],
                       reviews=[("c1", "1", 1.2), ("c2", "1", 0.5, "луна", "вред"), ("c2", "1", 0.9), ("c3", "8", 0.9)])
    with pytest.raises(InputError) as info:
        read_month(path, load_positions())
    found = [str(p) for p in info.value.problems]
    expected = [
        "лист «Статистика», строка 2, столбец «Поле»: неизвестное поле «Звёзды на небе»",
        "лист «Статистика», строка 3, столбец «Значение»: значение -5 вне допустимого: нужно не меньше 0",
        "лист «Статистика», строка 4, столбец «Таб_номер»: сотрудника с табельным номером «7» нет",
        "лист «Экспертиза», строка 2, столбец «Коэффициент»: значение 1,2 вне допустимого: нужно не больше 1",
        "лист «Экспертиза», строка 3, столбец «Причина»: неизвестное значение «луна»",
        "лист «Экспертиза», строка 4, столбец «Случай»: случай «c2» указан второй раз",
        "лист «Экспертиза», строка 5, столбец «Таб_номер»: сотрудника с табельным номером «8» нет",
    ]
    for start in expected:
        assert any(p.startswith(start) for p in found), start
    assert len(found) == len(expected)


def test_catalog_has_every_indicator_of_appendix_1_and_section_7():
    text = SEED.read_text(encoding="utf-8")
    appendix = _words(text[text.index("Приложение № 1"):text.index("Приложение № 2")])
    section7 = _words(text[text.index("Качество КМП"):text.index("Приложение № 1")])
    listed = {"clinic": 13, "therapy": 10, "children": 10, "orthodontics": 4, "anesthesiology": 2, "orthopedics": 3}
    assert {u.code: len(u.indicators) for u in IND.units} == listed
    for unit in IND.units:
        for code in unit.indicators:
            assert _words(IND.by_code[code].name) in appendix, code
    sections = [i for i in IND.indicators if i.section]
    # nine general quality indicators and 7.1–7.7.3 (ten)
    assert len(sections) == 19
    for ind in sections:
        assert _words(ind.name) in section7, ind.code


def test_quality_indicators_of_the_year_against_the_norms_targets():
    """Counts are summed over the year before the ratio; «better» follows the direction; no target or no data: no verdict."""
    counts = pd.DataFrame([("2025-01", "positive_outcomes", 20), ("2025-02", "positive_outcomes", 25),
                           ("2025-01", "finished_cases", 30), ("2025-02", "finished_cases", 20),
                           ("2025-01", "primary_disability", 3), ("2025-01", "workers", 1000),
                           ("2025-01", "iatrogenic", 0)], columns=["month", "field", "value"])
    targets = {"q_positive_outcomes": 85.0, "q_primary_disability": 2.0}
    table = quality_vs_targets(counts, IND, targets, 2025).set_index("Показатель")
    assert len(table) == sum(1 for i in IND.indicators if i.section)
    assert list(table.columns) == ["Раздел", "Единица", "Значение", "Норма", "Лучше", "Норма достигнута"]
    name = IND.by_code
    # 45 / 50 = 90 % ≥ 85: met; 3 per 1000 workers, lower is better, target 2: missed
    assert table.loc[name["q_positive_outcomes"].name].tolist() == ["7", "%", 90.0, 85.0, "больше", "да"]
    assert table.loc[name["q_primary_disability"].name].tolist() == ["7", "на 1000", 3.0, 2.0, "меньше", "нет"]
    iatrogenic = table.loc[name["q_iatrogenic"].name]
    assert iatrogenic["Значение"] == 0.0 and pd.isna(iatrogenic["Норма"]) and iatrogenic["Норма достигнута"] == ""
    late = table.loc[name["q_oncology_late"].name]  # no counts at all
    assert pd.isna(late["Значение"]) and late["Норма достигнута"] == ""


def test_malformed_indicator_catalog(tmp_path):
    target = tmp_path / "catalog"
    shutil.copytree(BUILTIN_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = yaml.safe_load((target / "indicators.yaml").read_text(encoding="utf-8"))
    data["indicators"][0]["numerator"] = "no_such_field"
    (target / "indicators.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match="indicators.yaml.*\\n.*неизвестное поле «no_such_field»"):
        load_indicators(target)


def test_the_scale_steps_must_fall_from_the_target(tmp_path):
    """A catalog whose region's best scores above the target would rank a worse result higher: refused, named."""
    target = tmp_path / "catalog"
    shutil.copytree(BUILTIN_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    data = yaml.safe_load((target / "indicators.yaml").read_text(encoding="utf-8"))
    data["scale"]["steps"]["region_best"] = 5
    (target / "indicators.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"indicators.yaml.*\n.*поле scale: баллы шкалы должны убывать от целевого "
                                           r"ориентира: 4, 5, 2, 1, 0"):
        load_indicators(target)


def test_rating_command_on_the_demo(tmp_path):
    assert run("demo", str(tmp_path)).returncode == 0
    result = run("rating", "--year", "2025", "--data", str(tmp_path), "--detail", str(tmp_path / "detail.csv"))
    assert result.returncode == 0, result.stderr
    summary = pd.read_csv(io.StringIO(result.stdout))
    year = summary[summary["period"].astype(str) == "2025"]
    assert set(year["unit"]) == {u.code for u in IND.units}
    assert year["result"].between(0, 1).all()
    assert year["result"].nunique() == len(year)  # departments differ: no tie
    assert set(summary["period"].astype(str)) == {"2025", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"}
    detail = pd.read_csv(tmp_path / "detail.csv")
    assert detail["score"].between(0, 4).all()


def test_year_norm_for_versus_norm_criteria_comes_from_the_departments_norms(tmp_path):
    # therapy's КПА norm (expert) is 0.30, the clinic's 0.40: a therapy dentist with 0.35 and no Норма
    # is above his department's norm → +1, not below the clinic's → −1
    units = {"therapy": {"prevention_activity": {"target": 0.4, "region_best": 0.35, "expert": 0.30}},
             "clinic": {"prevention_activity": {"target": 0.5, "region_best": 0.45, "expert": 0.40}}}
    (tmp_path / "norms-2025.yaml").write_text(yaml.safe_dump({"year": 2025, "units": units}, allow_unicode=True),
                                              encoding="utf-8")
    staff = [person("1", "Врач-стоматолог"), person("2", "Зубной врач", department="Поликлиника", name="Б Б Б")]
    path = write_month(tmp_path / "2025-03.xlsx", staff,
                       [("1", "plan", 100), ("1", "Коэффициент профилактической активности", 0.35),
                        ("2", "plan", 100), ("2", "Коэффициент профилактической активности", 0.35)])
    t = score_workbook(path).scores.table.set_index("staff_id")
    assert t.loc["1", "pts_kpa"] == 1.0
    assert t.loc["2", "pts_kpa"] == -1.0  # «Поликлиника» is the clinic unit: 0.35 < 0.40


def test_ukv_divides_by_the_normative_sum_of_the_specialty(tmp_path):
    # item 4.3: an orthodontist's УКВ indicators are ortho_fixed_share and uet_per_visit (norms 50 % and 3.0)
    norms = pd.DataFrame([("orthodontics", "ortho_fixed_share", 50.0), ("orthodontics", "uet_per_visit", 3.0)],
                         columns=["unit", "indicator", "norm"])
    # 40 fixed of 100 appliances = 40 % vs 50 % (higher): achievement 0.8 → 8 points; no УЕТ data at all → 0 points
    counts = pd.DataFrame([("1", "ortho_fixed", 40), ("1", "ortho_all", 100)], columns=["staff_id", "field", "value"])
    detail = ukv(counts, pd.DataFrame({"staff_id": ["1"], "department": ["Ортодонтия"]}), norms, IND)
    status = detail.set_index("indicator")["status"]
    assert status["uet_per_visit"] == "нет данных" and status["ortho_fixed_share"] == "не достигнут"
    s = ukv_summary(detail, IND).iloc[0]
    # УКВ = (8 + 0) / (10 × 2) = 0.4 — not 8 / 10 = 0.8 with the missing indicator left out
    assert s["ukv"] == pytest.approx(0.4)
    # both count as missed for the main criterion «УКВ»: 10 − 2 = 8
    assert s["missed"] == 2 and s["no_data"] == 1


def test_an_indicator_without_a_norm_is_left_out_and_marked():
    counts = pd.DataFrame([("1", "ortho_fixed", 40), ("1", "ortho_all", 100)], columns=["staff_id", "field", "value"])
    norms = pd.DataFrame([("orthodontics", "uet_per_visit", 3.0)], columns=["unit", "indicator", "norm"])
    detail = ukv(counts, pd.DataFrame({"staff_id": ["1"], "department": ["Ортодонтия"]}), norms, IND)
    assert detail.set_index("indicator").loc["ortho_fixed_share", "status"] == "нет нормы"
    s = ukv_summary(detail, IND).iloc[0]
    # only uet_per_visit is judged, and it has no data: 0 / (10 × 1) = 0, one missed
    assert s["indicators"] == 1 and s["ukv"] == 0 and s["missed"] == 1


@pytest.mark.parametrize(("coefficient", "impact", "refused"), [
    (0.7, "вред", True), (0.6, "вред и ресурсы", True),    # ДМП cannot have harmed the patient
    (0.59, "вред", False), (0.7, "ресурсы", False),         # НМП may; ДМП without harm is fine
])
def test_dmp_case_that_harmed_the_patient_is_an_input_error(tmp_path, coefficient, impact, refused):
    path = write_month(tmp_path / "2025-03.xlsx", [person("1", "Врач-стоматолог")], [("1", "plan", 100)],
                       reviews=[("c1", "1", coefficient, "медработник", impact)])
    if not refused:
        read_month(path, load_positions())
        return
    with pytest.raises(InputError) as info:
        read_month(path, load_positions())
    assert "лист «Экспертиза», строка 2, столбец «Влияние»: коэффициент" in str(info.value)
    assert "это ДМП" in str(info.value)


def test_ukv_summary_counts_as_per_doctor_counting_does():
    """The summary's counts in one pass against counting each doctor's rows, on every status and a doctor
    whose indicators all lack a norm."""
    from stomkpi.indicators import UKV_MET, UKV_MISSED, UKV_NO_DATA, UKV_NO_NORM

    statuses = [UKV_MET, UKV_MISSED, UKV_NO_DATA, UKV_NO_NORM]
    detail = pd.DataFrame({"staff_id": [f"{n % 7:03d}" for n in range(40)] + ["900", "900"],
                           "status": [statuses[(n * 3) % 4] for n in range(40)] + [UKV_NO_NORM] * 2,
                           "points": [float(n % 11) for n in range(42)]})
    judged = detail[detail["status"] != UKV_NO_NORM]
    g = judged.groupby("staff_id")
    want = pd.DataFrame({"indicators": g.size(),
                         "missed": g["status"].apply(lambda s: int((s != UKV_MET).sum())),
                         "no_data": g["status"].apply(lambda s: int((s == UKV_NO_DATA).sum())),
                         "points": g["points"].sum()})
    want["ukv"] = want["points"] / (IND.ukv_points * want["indicators"])
    got = ukv_summary(detail, IND)
    pd.testing.assert_frame_equal(got, want.reset_index(), check_exact=True)
    assert "900" not in set(got["staff_id"]) and got["missed"].sum() > 0 and got["no_data"].sum() > 0
