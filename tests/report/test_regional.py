"""The regional summary: the region's best of each unit's indicator from the clinics' data, norms that
take it (`region_best: auto`), the demo region, and the report end to end with the annual report after it."""

from __future__ import annotations

import json
import re
import subprocess

import pandas as pd
import pytest
import yaml
from openpyxl import load_workbook

from stomkpi.catalog import load_indicators
from stomkpi.demo.region import clinic_profiles
from stomkpi.errors import ParamsError
from stomkpi.norms import load_norms, region_input
from stomkpi.pipeline import rate_counts

from ..printed import report_layout_problems
from ..test_cli import run

CATALOG = load_indicators()


def _norms(tmp_path, region: dict | None, region_best="auto", target=70.0, expert=60.0):
    head = {"year": 2025, "region_best_file": "region-best.yaml"}
    norms = {**head, "units": {"therapy": {"sanitation_rate": {"target": target, "region_best": region_best,
                                                               "expert": expert}}}}
    path = tmp_path / "norms-2025.yaml"
    path.write_text(yaml.safe_dump(norms, allow_unicode=True), encoding="utf-8")
    if region is not None:
        (tmp_path / "region-best.yaml").write_text(yaml.safe_dump(region, allow_unicode=True), encoding="utf-8")
    return path


def test_auto_takes_the_region_file_and_it_becomes_an_input_of_the_report(tmp_path):
    path = _norms(tmp_path, {"year": 2025, "clinics": ["a", "b"], "units": {"therapy": {"sanitation_rate": 75.5}}})
    norms = load_norms(path, CATALOG)
    assert norms.loc[0, "region_best"] == 75.5  # above the target: a fact of the region, not an input error
    assert region_input(path) == tmp_path / "region-best.yaml"
    assert load_norms(path, CATALOG, region_best={"therapy": {"sanitation_rate": 64.0}}).loc[0, "region_best"] == 64.0


def test_auto_before_the_regional_report_is_unknown_and_the_rating_refuses_it(tmp_path):
    path = _norms(tmp_path, None)
    norms = load_norms(path, CATALOG)  # the monthly report needs only the target and the expert value
    assert norms["region_best"].isna().all() and region_input(path) is None
    with pytest.raises(ParamsError, match=r"ещё не посчитан \(region_best: auto\): therapy.sanitation_rate. "
                                          r"Постройте сводный отчёт региона"):
        rate_counts(pd.DataFrame(), norms, CATALOG)


def test_auto_still_orders_target_and_expert_and_the_region_file_must_be_of_the_year(tmp_path):
    with pytest.raises(ParamsError, match="нужно цель ≥ экспертное, а указано 50, 60"):
        load_norms(_norms(tmp_path, None, target=50.0), CATALOG)
    path = _norms(tmp_path, {"year": 2024, "clinics": [], "units": {}})
    with pytest.raises(ParamsError, match="за 2024 год, а нормы за 2025"):
        load_norms(path, CATALOG)


def test_the_demo_region_has_clinics_of_different_sizes_and_strengths():
    profiles = clinic_profiles(5, 2025)
    assert [p["name"] for p in profiles] == [f"clinic-0{k}" for k in range(1, 6)]
    assert len({p["size"] for p in profiles}) == 5 and len({p["strength"] for p in profiles}) == 5
    assert min(p["size"] for p in profiles) < 0.5 < 1.5 < max(p["size"] for p in profiles)
    assert profiles == clinic_profiles(5, 2025)


@pytest.fixture(scope="module")
def regional(region):
    params = sorted((region / "params").glob("clinic-*.yaml"))
    result = run("region", "--year", "2025", *[a for p in params for a in ("--params", str(p))], "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    return region / "outputs" / "region" / "2025"


def test_the_regional_report_shows_every_clinic_side_by_side(regional, region):
    names = {p.name for p in regional.iterdir()}
    assert names == {"2025.ipynb", "2025.html", "2025.pdf", "manifest.json", "region-2025.xlsx",
                     "region-rating-2025.csv", "region-best-2025.yaml", "inputs"}
    text = " ".join(subprocess.run(["pdftotext", str(regional / "2025.pdf"), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    for words in ("Сводный отчёт региона за 2025 год", "Подразделения поликлиник рядом", "Лучшие показатели региона",
                  "Фонды стимулирующих выплат", "Стоматологическая поликлиника № 1", "СП № 1 — Стоматологическая",
                  "Терапевтическое отделение"):
        assert words in text, words
    book = load_workbook(regional / "region-2025.xlsx", read_only=True)
    assert book.sheetnames == ["Результаты", "Баллы P", "Лучшие в регионе", "Фонды", "Фонды по месяцам", "НМО"]
    results = list(book["Результаты"].iter_rows(values_only=True))
    assert results[0][:3] == ("Учреждение", "Поликлиника", "Терапевтическое отделение")  # a column per unit
    clinics = ["Стоматологическая поликлиника № 1", "Стоматологическая поликлиника № 2"]  # by name, not by file
    assert [r[0] for r in results[1:]] == clinics  # a row per clinic: any number of them fits
    assert "clinic-01" not in text.split("Происхождение данных")[0]  # the files are named in the provenance only
    funds = list(book["Фонды"].iter_rows(values_only=True))
    assert [r[0] for r in funds[1:]] == clinics and funds[1][2] != funds[2][2]  # sizes differ
    rating = pd.read_csv(regional / "region-rating-2025.csv", encoding="utf-8-sig")
    year = rating[rating["period"] == "2025"]
    assert set(year["clinic"]) == {"clinic-01", "clinic-02"} and year["region_place"].min() == 1


def test_no_word_of_the_regional_report_is_broken_inside(regional):
    """The unit tables lay indicators in rows and clinics in columns: every word stays whole (none broken letter by
    letter across a cell's lines, as «Учре ждение», «Проц ент»)."""
    from stomkpi.catalog import load_indicators

    catalog = load_indicators()
    known = {w.strip("(),.«»:;") for text in ["Учреждение Показатель Подразделение",
                                              *(i.name for i in catalog.indicators), *(u.name for u in catalog.units)]
             for w in text.split()}
    known = {w for w in known if len(w) >= 4}
    tokens = subprocess.run(["pdftotext", str(regional / "2025.pdf"), "-"], capture_output=True, text=True,
                            check=True).stdout.split()
    broken = [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)
              if (a + b).strip("(),.«»:;") in known and a.strip("(),.«»:;") not in known]
    assert broken == []
    assert any(t.startswith("Показатель") for t in tokens)  # the indicators' tables: a row per indicator


def test_the_regional_report_reads_as_a_document(regional):
    """Like the clinics' reports: a title page with the signatories' lines, the summary next, the provenance last."""
    def page(n: int) -> str:
        out = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(regional / "2025.pdf"), "-"],
                             capture_output=True, text=True, check=True).stdout
        return " ".join(out.split())

    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(["pdfinfo", str(regional / "2025.pdf")], capture_output=True,
                                                             text=True, check=True).stdout)[1])
    assert "Сводный отчёт региона за 2025 год" in page(1) and "Руководитель органа управления здравоохранением" in page(1)
    assert "Поликлиник в сводке: 2" in page(1) and "Дата отчёта: 31.12.2025" in page(1)
    assert page(2).startswith("Сводка за 2025 год") and "Фонд коэффициентов за год" in page(2)
    assert "SHA-256" not in page(1) + page(2)  # the checksums are in the appendix, not in front
    assert "Происхождение данных" in page(pages - 1) + page(pages)
    assert report_layout_problems(regional / "2025.pdf") == []  # the clinics' reports' checks: no overlaps, margins, fill


def test_the_region_best_is_computed_from_the_clinics_and_taken_by_their_annual_reports(regional, region):
    best = yaml.safe_load((regional / "region-best-2025.yaml").read_text(encoding="utf-8"))
    assert best["clinics"] == ["clinic-01", "clinic-02"]
    assert set(best["units"]) == {u.code for u in CATALOG.units}
    result = run("annual", "--year", "2025", "--params", str(region / "params" / "clinic-01.yaml"), "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    annual = region / "outputs" / "2025"
    detail = pd.read_csv(annual / "rating-detail-2025.csv")
    for r in detail.drop_duplicates(["unit", "indicator"]).itertuples():
        assert r.region_best == best["units"][r.unit][r.indicator]
    manifest = json.loads((annual / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["region_best"]["path"] == "outputs/region/2025/region-best-2025.yaml"
    # the clinic that holds a region's best gets at least 3 for it in the year
    year = detail[detail["period"] == "2025"]
    mine = [(u, i) for u, held in best["holders"].items() for i, c in held.items() if c == "clinic-01"]
    scores = year.set_index(["unit", "indicator"])["score"]
    assert mine and all(scores[k] >= 3 for k in mine if k in scores.index)


def test_the_regional_report_verifies(regional):
    result = run("verify", str(regional / "2025.ipynb"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Совпадает" in result.stdout
