"""The annual report's section 7 quality indicators without their counts: one sentence, not a table of empty rows."""

from __future__ import annotations

from openpyxl import load_workbook

from stomkpi.catalog import load_indicators
from stomkpi.report.annual import build_annual
from stomkpi.report.display import Table

from ..conftest import _clinic
from ..test_cli import ROOT


def _without_quality_counts(folder) -> None:
    """Every month's «Статистика» without the counts of the section 7 indicators."""
    catalog = load_indicators()
    fields = {catalog.fields[f] for i in catalog.indicators if i.section for f in (i.numerator, i.denominator)}
    for path in sorted(folder.glob("2025-*.xlsx")):
        book = load_workbook(path)
        ws = book["Статистика"]
        head = [c.value for c in ws[1]]
        kept = [r for r in ws.iter_rows(min_row=2, values_only=True) if r[head.index("Поле")] not in fields]
        ws.delete_rows(2, ws.max_row)
        for r in kept:
            ws.append(list(r))
        book.save(path)


def test_quality_indicators_without_counts_are_one_sentence(tmp_path):
    root = _clinic(tmp_path, (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    _without_quality_counts(root / "demo")
    report = build_annual(2025, root / "params" / "demo.yaml")
    table = Table(report.quality_indicators(), empty=report.quality_note())
    assert table.is_empty
    sentence = table._repr_html_()
    assert sentence.count("<p") == 1 and "<table" not in sentence
    assert "раздела 7" in sentence and "Законченные случаи" in sentence
    assert "<table" not in table._repr_latex_() and "longtable" not in table._repr_latex_()
