"""«Ставки_платно»: collected and printed, but not in the coefficient — and the card and the instruction say why."""

from __future__ import annotations

from openpyxl import load_workbook

from stomkpi.month import read_month
from stomkpi.report.cards import person_cards
from stomkpi.scoring import score_month
from stomkpi.template import write_template

from ..conftest import person, write_month


def test_card_says_paid_rates_are_not_in_the_coefficient(tmp_path, catalog):
    staff = [person("1", "Врач-стоматолог-терапевт", name="Яковлев Олег Петрович"),
             person("2", "Врач-стоматолог-терапевт", name="Антонов Иван Петрович")]
    staff[0]["rates_paid"] = 0.5
    month = read_month(write_month(tmp_path / "2025-12.xlsx", staff, [("1", "plan", 100), ("2", "plan", 100)]), catalog)
    scored = score_month(month, catalog)
    cards = {c.staff_id: c for c in person_cards(scored.table, scored.details, month.deprivations, catalog.rules())}
    # both score alike: 1 rate by ОМС, whatever the paid rates
    assert scored.table.set_index("staff_id").loc["1", "coefficient"] == scored.table.set_index("staff_id").loc["2", "coefficient"]
    lines = " ".join(cards["1"].result_lines())
    assert "Ставки платно 0,5 в коэффициент не входят" in lines and "по ставкам ОМС" in lines
    assert "платно" not in " ".join(cards["2"].result_lines())


def test_instruction_says_paid_rates_are_not_in_the_coefficient(tmp_path, catalog):
    write_template(tmp_path / "t.xlsx", catalog)
    text = " ".join(str(v) for row in load_workbook(tmp_path / "t.xlsx")["Инструкция"].iter_rows(values_only=True)
                    for v in row if v)
    assert "в коэффициент не входят" in text and "по ставкам ОМС" in text
