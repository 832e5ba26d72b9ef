"""The fund shared to the kopeck (SPEC §11): worked examples computed by hand, and properties for random groups."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stomkpi.payroll import (
    Fund,
    Share,
    assign_groups,
    group_problems,
    id_order,
    month_payroll,
    share_fund,
    snils_problem,
    to_kopecks,
)

D = Decimal


def shares(**weights) -> list[Share]:
    return [Share(k.lstrip("_"), Fraction(str(w))) for k, w in weights.items()]


def test_three_people_share_100_roubles_equally():
    # 10 000 kopecks / 3 = 3 333⅓ each: floors 3 333 × 3 = 9 999, one kopeck left; the remainders tie, so the
    # lowest табельный номер (001) gets it: 33,34 + 33,33 + 33,33 = 100,00
    result = share_fund(D("100.00"), [Share("003", Fraction(1)), Share("001", Fraction(1)), Share("002", Fraction(1))])
    assert result.amounts == {"003": D("33.33"), "001": D("33.34"), "002": D("33.33")}
    assert result.unspent == D("0.00")


def test_one_rouble_among_seven_people():
    # 100 kopecks / 7 = 14 2/7 each: floors 14 × 7 = 98, two kopecks left, to the two lowest табельные номера
    people = [Share(str(n), Fraction(1)) for n in range(1, 8)]
    result = share_fund(D("1"), people)
    assert [result.amounts[str(n)] for n in range(1, 8)] == [D("0.15"), D("0.15")] + [D("0.14")] * 5
    assert sum(result.amounts.values()) == D("1.00")


def test_shares_follow_the_coefficients():
    # 1 000 ₽ by coefficients 1,20 / 0,80 / 0,50 (Σ 2,50): 480 / 320 / 200 ₽ exactly; a unit of coefficient is 400 ₽
    result = share_fund(D("1000"), shares(a="1.20", b="0.80", c="0.50"))
    assert result.amounts == {"a": D("480.00"), "b": D("320.00"), "c": D("200.00")}
    assert result.unit_value == Fraction(400)


def test_a_cap_cuts_one_person_and_spreads_over_two_others():
    # 300 ₽ among three equal coefficients: 100 ₽ each; A's cap is 50 ₽ (10 % of a salary of 500 ₽), so A gets
    # 50 and the 250 left are shared by B and C in their shares (equal): 125 each
    people = [Share("A", Fraction(1), cap=D("50")), Share("B", Fraction(1)), Share("C", Fraction(1))]
    result = share_fund(D("300"), people)
    assert result.amounts == {"A": D("50.00"), "B": D("125.00"), "C": D("125.00")}
    assert result.capped == ("A",) and result.unspent == 0


def test_a_cap_reached_in_the_second_round():
    # 300 ₽, weights 2 / 1 / 1, caps A 120 ₽, B 85 ₽. Round 1: 150 / 75 / 75 — A over, gets 120; 180 ₽ left for B, C
    # (1 : 1): 90 each — B over its 85, gets 85; 95 ₽ left all to C (no cap): 120 + 85 + 95 = 300
    people = [Share("A", Fraction(2), cap=D("120")), Share("B", Fraction(1), cap=D("85")), Share("C", Fraction(1))]
    result = share_fund(D("300"), people)
    assert result.amounts == {"A": D("120.00"), "B": D("85.00"), "C": D("95.00")}


def test_what_nobody_can_take_is_unspent():
    # 300 ₽ between two people capped at 100 ₽ and 50,005 ₽; a cap is never rounded up, so B's is 50,00 ₽ (5 000
    # whole kopecks). Both are capped in the first round: 300 − 100 − 50 = 150,00 ₽ stay unspent
    people = [Share("A", Fraction(1), cap=D("100")), Share("B", Fraction(1), cap=D("50.005"))]
    result = share_fund(D("300"), people)
    assert result.amounts == {"A": D("100.00"), "B": D("50.00")}
    assert result.unspent == D("150.00")


def test_a_group_with_everyone_deprived_leaves_its_fund_unspent():
    # every coefficient 0 (deprived 100 %): nobody can be paid, the whole 500 ₽ stay unspent, no unit value
    result = share_fund(D("500"), shares(a=0, b=0))
    assert result.amounts == {"a": D("0.00"), "b": D("0.00")}
    assert result.unspent == D("500.00") and result.unit_value is None


def test_a_person_deprived_in_full_gets_nothing_and_the_others_share():
    # 90 ₽, coefficients 0 (deprived 100 %), 1, 2: 0 / 30 / 60
    result = share_fund(D("90"), shares(a=0, b=1, c=2))
    assert result.amounts == {"a": D("0.00"), "b": D("30.00"), "c": D("60.00")}


def test_points_method_weights():
    # стоимость балла: points × ставки × дни/план × (1 − лишение):
    #   A 30 × 1 × 20/20 × 1 = 30; B 45 × 0,5 × 10/20 × 1 = 11,25; C 40 × 1 × 20/20 × 0,5 = 20; Σ 61,25
    # 1 000 ₽ = 100 000 kopecks: A 48 979,59…, B 18 367,34…, C 32 653,06…; floors 99 999, one kopeck left to the
    # largest remainder (A, ,59…): 489,80 + 183,67 + 326,53 = 1 000,00
    people = [Share("A", Fraction(30)), Share("B", Fraction(45) * Fraction(1, 2) * Fraction(10, 20)),
              Share("C", Fraction(40) * Fraction(1, 2))]
    result = share_fund(D("1000"), people)
    assert result.amounts == {"A": D("489.80"), "B": D("183.67"), "C": D("326.53")}


def test_a_fund_with_three_decimals_is_refused():
    with pytest.raises(ValueError, match="двух знаков"):
        share_fund(D("100.005"), shares(a=1))
    assert to_kopecks(D("100.50")) == 10050


def test_ties_by_staff_number_as_people_read_it():
    assert sorted(["10", "9", "0102", "102", "A7"], key=id_order) == ["9", "10", "0102", "102", "A7"]


@pytest.mark.parametrize(("snils", "problem"), [
    ("112-233-445 95", None),  # 1·9+1·8+2·7+2·6+3·5+3·4+4·3+4·2+5·1 = 95: the control number is the sum
    ("11223344595", None),
    ("112-233-445 94", "контрольное число СНИЛС 94"),
    ("001-001-998 00", None),  # issued before control numbers: not checked
    ("123-456-789 64", None),  # 1·9+2·8+3·7+4·6+5·5+6·4+7·3+8·2+9·1 = 165; 165 mod 101 = 64
    ("1122334459", "11 цифр"),
    ("112-233-445 9X", "11 цифр"),
])
def test_snils_control_number(snils, problem):
    found = snils_problem(snils)
    assert (found is None) if problem is None else (problem in found)


def test_snils_control_number_at_the_sums_100_101_and_above():
    # weights 9, 8, …, 1 on the first nine digits:
    #   «222 222 248»: 2·(9+8+7+6+5+4+3) + 4·2 + 8·1 = 84 + 8 + 8 = 100 → 00
    #   «222 222 249»: 84 + 8 + 9 = 101 → 00
    #   «222 222 339»: 2·(9+8+7+6+5+4) + 3·3 + 3·2 + 9·1 = 78 + 9 + 6 + 9 = 102 → 102 mod 101 = 01
    #   «990 000 000»: 9·9 + 9·8 = 153 → 153 mod 101 = 52
    assert snils_problem("222-222-248 00") is None
    assert snils_problem("222-222-248 01") is not None
    assert snils_problem("222-222-249 00") is None
    assert snils_problem("222-222-339 01") is None
    assert snils_problem("222-222-339 02") is not None
    assert snils_problem("990-000-000 52") is None


people_strategy = st.lists(
    st.tuples(st.integers(min_value=0, max_value=500), st.one_of(st.none(), st.integers(min_value=0, max_value=10**7))),
    min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(people_strategy, st.integers(min_value=0, max_value=10**9))
def test_amounts_are_whole_kopecks_add_up_and_follow_the_shares(rows, fund_kopecks):
    people = [Share(f"{i:03d}", Fraction(w, 100), None if cap is None else Decimal(cap) / 100)
              for i, (w, cap) in enumerate(rows)]
    fund = Decimal(fund_kopecks) / 100
    result = share_fund(fund, people)
    amounts = [result.amounts[p.staff_id] for p in people]
    assert all(a >= 0 and a == a.quantize(Decimal("0.01")) for a in amounts)
    assert sum(amounts) + result.unspent == fund  # the fund closes to the kopeck
    assert result.unspent >= 0
    for p, a in zip(people, amounts, strict=True):
        if p.cap is not None:
            assert a <= p.cap
        if p.weight == 0:
            assert a == 0
    if all(p.cap is None for p in people):
        assert result.unspent == (fund if all(p.weight == 0 for p in people) else 0)
        # a larger weight never gets less than a smaller one
        for p, a in zip(people, amounts, strict=True):
            for q, b in zip(people, amounts, strict=True):
                if p.weight > q.weight:
                    assert a >= b
        # and each amount is within one kopeck of its exact share
        total = sum(p.weight for p in people)
        if total:
            for p, a in zip(people, amounts, strict=True):
                assert abs(Fraction(a) - Fraction(fund) * p.weight / total) < Fraction(1, 100)


FUNDS = [Fund(2, "Терапевтическое", None, D("1000")), Fund(3, "Все", "младший", D("300")),
         Fund(4, "Хирургическое", "врачи", D("500"))]


def test_every_person_in_exactly_one_group():
    # a nurse of Терапевтическое: row 2 (its whole department); a санитарка of Хирургическое: row 3 («Все», младший);
    # a surgeon: row 4; a санитарка of Терапевтическое: rows 2 and 3 — in two groups
    groups = assign_groups(["Терапевтическое", "Хирургическое", "Хирургическое", "Терапевтическое"],
                           ["средний", "младший", "врачи", "младший"], FUNDS)
    assert groups == [[0], [1], [2], [0, 1]]
    problems = group_problems(["Иванова", "Петрова", "Сидоров", "Кузнецова"], [True] * 4, groups, FUNDS)
    assert problems == ["Кузнецова: входит в несколько групп листа «Фонд» (строка 2 (Терапевтическое), "
                        "строка 3 (Все отделения, младший)) — группы не должны пересекаться"]


def test_a_fund_of_a_whole_department_and_of_one_category_inside_it_overlap():
    # «Терапевтическое» (all of it) and «Терапевтическое, врачи»: a doctor there is in both, a nurse in one
    funds = [Fund(2, "Терапевтическое", None, D("1000")), Fund(3, "Терапевтическое", "врачи", D("500"))]
    groups = assign_groups(["Терапевтическое", "Терапевтическое"], ["врачи", "средний"], funds)
    assert groups == [[0, 1], [0]]
    assert len(group_problems(["Врач", "Сестра"], [True, True], groups, funds)) == 1


def test_a_person_in_no_group_is_named_unless_nothing_is_due():
    groups = assign_groups(["Ортопедическое", "Ортопедическое"], ["врачи", "средний"], FUNDS)
    assert groups == [[], []]
    # the nurse's coefficient is 0 (deprived in full): nothing to pay, no group needed
    assert group_problems(["Орлов", "Белова"], [True, False], groups, FUNDS) == [
        "Орлов: не входит ни в одну группу листа «Фонд» — добавьте строку его отделения или «Все»"]


def scores_table(rows):
    columns = ["staff_id", "name", "department", "total_points", "rates_oms", "days_fact", "days_plan",
               "deprived_percent", "coefficient"]
    return pd.DataFrame(rows, columns=columns)


MONTH = scores_table([
    # id, name, department, points, ставки, дни факт, дни план, лишение %, coefficient (as scoring rounds it)
    ("01", "Анисимова", "Терапевтическое", 30.0, 1.0, 20, 20, 0.0, 1.00),
    ("02", "Белов", "Терапевтическое", 45.0, 0.5, 10, 20, 0.0, 0.38),
    ("03", "Волкова", "Терапевтическое", 40.0, 1.0, 20, 20, 50.0, 0.50),
    ("04", "Гусева", "Хирургическое", -5.0, 1.0, 20, 20, 0.0, 0.00),  # a negative total: nothing due
])


def test_month_payroll_by_points_and_by_coefficient():
    funds = [Fund(2, "Терапевтическое", None, D("1000")), Fund(3, "Хирургическое", None, D("10"))]
    cats = ["врачи", "врачи", "средний", "младший"]
    # points (the worked example above): 30 / 11,25 / 20 → 489,80 / 183,67 / 326,53; Гусева's −5 points count as 0,
    # so Хирургическое's 10 ₽ stay unspent
    by_points = month_payroll(MONTH, cats, funds, "points")
    assert by_points.people["amount"].tolist() == [D("489.80"), D("183.67"), D("326.53"), D("0.00")]
    assert by_points.groups["unspent"].tolist() == [D("0.00"), D("10.00")]
    # coefficients 1,00 / 0,38 / 0,50 (Σ 1,88), 100 000 kopecks: 53 191,489… / 20 212,766… / 26 595,745…;
    # floors 99 998, two kopecks to the largest remainders (,766 Белов and ,745 Волкова, not ,489): 531,91 / 202,13 /
    # 265,96
    by_coefficient = month_payroll(MONTH, cats, funds)
    assert by_coefficient.people["amount"].tolist()[:3] == [D("531.91"), D("202.13"), D("265.96")]
    assert by_coefficient.groups.loc[0, "unit_value"] == Fraction(1000) / Fraction(188, 100)


def test_month_payroll_names_who_is_in_no_group():
    # only Терапевтическое's средний персонал has a fund there: its doctors Анисимова and Белов are in no group
    funds = [Fund(2, "Терапевтическое", "средний", D("100")), Fund(3, "Хирургическое", None, D("1"))]
    with pytest.raises(ValueError) as error:
        month_payroll(MONTH, ["врачи", "врачи", "средний", "младший"], funds)
    assert [line.split(":")[0] for line in str(error.value).splitlines()] == ["Анисимова", "Белов"]


def test_payroll_csv_for_payroll_software(tmp_path):
    from stomkpi.report.payroll_files import write_payroll_csv, write_payroll_xlsx
    from stomkpi.text import decimals

    month = MONTH.assign(staff_id=["01", "02", "03", "0004"], name=["=Анисимова", "Белов", "Волкова", "Гусева"],
                         snils=["112-233-445 95", "", None, "123-456-789 64"], title="Врач-стоматолог")
    funds = [Fund(2, "Терапевтическое", None, D("1000")), Fund(3, "Хирургическое", None, D("10"))]
    payroll = month_payroll(month, ["врачи", "врачи", "средний", "младший"], funds)
    totals = write_payroll_csv(payroll, "2025-12", month, tmp_path / "payroll-2025-12.csv")
    raw = (tmp_path / "payroll-2025-12.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # a BOM, for Excel
    rows = pd.read_csv(tmp_path / "payroll-2025-12.csv", dtype=str, encoding="utf-8-sig", keep_default_na=False)
    assert list(rows.columns) == ["period", "staff_id", "snils", "full_name", "department", "indicator", "value"]
    assert set(rows["period"]) == {"2025-12-01"}
    assert rows["staff_id"].tolist() == ["01", "01", "02", "02", "03", "03", "0004", "0004"]  # zeros kept
    assert rows["full_name"][0] == "'=Анисимова"  # never a formula
    assert rows["snils"].tolist()[:2] == ["11223344595"] * 2 and rows["snils"][6] == "12345678964"
    amounts = rows[rows["indicator"] == "stimulus_amount"]["value"].tolist()
    # the coefficient example above: 531,91 / 202,13 / 265,96; Гусева's coefficient 0: 0,00 of Хирургическое's 10 ₽
    assert amounts == ["531.91", "202.13", "265.96", "0.00"]
    assert rows[rows["indicator"] == "stimulus_coefficient"]["value"].tolist() == ["1.0000", "0.3800", "0.5000", "0.0000"]
    assert totals["total"] == "1000.00" and totals["rows"] == 8
    assert decimals(Fraction(1, 3), 4) == "0.3333" and decimals(Fraction(2, 3), 2) == "0.67" and decimals(0, 2) == "0.00"
    write_payroll_xlsx(payroll, "2025-12", "Поликлиника", month, "coefficient", tmp_path / "payroll-2025-12.xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "payroll-2025-12.xlsx").active
    text = [c for row in sheet.iter_rows(values_only=True) for c in row if c]
    # amounts and coefficients are text with a decimal comma (printed alike in any locale) and align right as numbers
    amount = next(c for row in sheet.iter_rows() for c in row if c.value == "531,91")
    name = next(c for row in sheet.iter_rows() for c in row if c.value == "Белов")
    assert amount.alignment.horizontal == "right" and name.alignment.horizontal != "right"
    assert "Итого по группе: 1\u00a0000,00 руб." in text and "Итого по группе: 0,00 руб.; не распределено 10,00 руб." in text
    assert any(str(c).startswith("Главный бухгалтер") for c in text)
