"""Report prose states the catalog's numbers: a clinic that edits its catalog reads its own numbers."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from stomkpi.catalog import load_indicators, load_nmo_rules
from stomkpi.nmo import status
from stomkpi.nmo_inputs import read_nmo
from stomkpi.report.words import month_short, month_words, nmo_at_risk_heading, nmo_headers, provenance_table, scale_explained

from ..test_nmo import SPEC, dpp, write_nmo

RULES = load_nmo_rules()
SCALE = load_indicators().scale


def _edited_rules():
    plans = RULES.plans
    admission = plans.admission.model_copy(update={"required": 150})
    portal = plans.portal.model_copy(update={"earlier_certificates": plans.portal.earlier_certificates.model_copy(
        update={"before": dt.date(2017, 1, 1)})})
    return RULES.model_copy(update={"filing_window_months": 6,
                                    "plans": plans.model_copy(update={"admission": admission, "portal": portal})})


def test_builtin_numbers():
    assert nmo_headers(RULES)["admission_ok"] == "Допуск 144 ч"
    assert "ближайшие 12 мес." in nmo_at_risk_heading(dt.date(2025, 12, 31), 3, RULES)
    text = scale_explained(SCALE)
    assert "1 — на 1–15 % хуже экспертного" in text and "Кэф = P / 4" in text


def test_edited_catalog_numbers_reach_the_text():
    rules = _edited_rules()
    assert nmo_headers(rules)["admission_ok"] == "Допуск 150 ч"
    assert "ближайшие 6 мес." in nmo_at_risk_heading(dt.date(2025, 12, 31), 3, rules)
    text = scale_explained(SCALE.model_copy(update={"target_score": 5, "one_point_margin": 0.2}))
    assert "1–20 %" in text and "P / 5" in text and "15" not in text


def test_the_scale_text_states_the_catalogs_steps():
    steps = SCALE.steps.model_copy(update={"region_best": 4, "expert": 3, "near_expert": 2, "below": 0})
    text = scale_explained(SCALE.model_copy(update={"target_score": 5, "steps": steps}))
    assert ("Балл P: 5 — целевой ориентир, 4 — лучший показатель по региону, 3 — экспертное значение, "
            "2 — на 1–15 % хуже экспертного, 0 — хуже.") in text


def test_earlier_certificate_flag_names_the_catalog_date(tmp_path):
    rules, on = _edited_rules(), dt.date(2018, 1, 1)
    path = write_nmo(tmp_path / "nmo.xlsx", [("1", SPEC, dt.date(2016, 6, 1))], [dpp(36, dt.date(2017, 5, 1))])
    row = status(read_nmo(path, rules, on), rules, on).iloc[0]
    assert "сертификат до 2017 г." in row["flags"] and row["required"] == rules.plans.portal.earlier_certificates.required


def test_months_and_provenance_table():
    assert month_words("2025-01") == "январь 2025 года" and month_short("2025-12") == "дек"
    table = provenance_table({"notebook": "monthly.ipynb", "parameters": {"period": "2025-12", "catalog_dir": None},
                              "inputs": {"workbook": {"path": "demo/2025-12.xlsx", "sha256": "ab"}},
                              "catalogs": {"positions.yaml": "cd"}, "versions": {"stomkpi": "0.1.0"}})
    assert isinstance(table, pd.DataFrame)
    assert table["Имя"].tolist() == ["monthly.ipynb", "Папка правил", "Месяц отчёта", "Книга месяца: demo/2025-12.xlsx",
                                     "Критерии должностей (Приложение 2)", "stomkpi"]
    assert table["Значение (SHA-256 / версия)"].tolist()[1] == "встроенные правила"


@pytest.mark.parametrize("n, text", [(1, "1 строка"), (2, "2 строки"), (4, "4 строки"), (5, "5 строк"), (11, "11 строк"),
                                     (12, "12 строк"), (21, "21 строка"), (22, "22 строки"), (111, "111 строк"),
                                     (0, "0 строк")])
def test_plural(n, text):
    from stomkpi.text import plural

    assert plural(n, "строка", "строки", "строк") == text
