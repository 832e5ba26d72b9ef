"""The monthly report's appendix of rules: the clinic's own positions of Приложение 2, and where the rest are."""

from __future__ import annotations

from stomkpi.catalog import load_positions
from stomkpi.report.monthly import build_monthly

from ..conftest import PERIOD, _clinic, keep_department
from ..test_cli import ROOT


def test_appendix_prints_the_rules_of_the_clinics_own_positions(tmp_path):
    root = _clinic(tmp_path, (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    keep_department(root / "demo", "Отделение ортодонтии")
    report = build_monthly(PERIOD, root / "params" / "demo.yaml")
    catalog = load_positions()
    own = {p.name for p in catalog.positions if p.code in set(report.table["position"])}
    every = {p.name for p in catalog.positions}
    assert own and own < every  # the orthodontics department has some of the catalog's positions, not all
    rules = report.rules_table()
    assert set(rules["Должность"]) == own
    assert "Врач-анестезиолог" in every - own
    # the rest of Приложение 2 is one file away, named in the appendix
    note = report.rules_note()
    assert "stomkpi/catalog/positions.yaml" in note and f"{len(own)} из {len(every)}" in note
