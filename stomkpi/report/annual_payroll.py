"""The year's money in the annual report (SPEC §11): each person's and each department's amounts by month and for
the year, and the money left unspent, with why.

The rule of this module: a month's amounts are never recomputed another way. Each month with a «Фонд» sheet is
shared by the same exact engine the monthly report uses (`month_payroll.scored_payroll`), from the inputs the
annual report took for it (an approved month: its latest approved edition's kept workbook and the payroll settings
of that edition's kept parameters), so its amounts are the ones of that edition's `payroll-YYYY-MM.csv`. Money stays
`Decimal` from the engine to the files; every total here is a sum of those Decimals, so a table's row sums, column
sums and grand total agree to the kopeck. Text for people is made last (`text.rub`).

Unspent money has exactly one reason per group, from what the engine saw: nobody in the group; everybody in it with
a weight of 0 (deprived in full, or a coefficient of 0); or everybody with a weight capped by their salary.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pandas as pd

from stomkpi.payroll import MonthPayroll, id_order
from stomkpi.report import words
from stomkpi.text import decimals, rub

ZERO = Decimal("0.00")
REASONS = {"deprived": "все в группе лишены премии (коэффициент 0)", "caps": "все в группе достигли предела по окладу",
           "nobody": "в группе нет ни одного сотрудника"}
REASON_COLUMNS = {"deprived": "из них: все лишены премии, руб.", "caps": "из них: предел по окладу, руб.",
                  "nobody": "из них: в группе никого, руб."}
HALF = 6  # months per printed table when the year's twelve do not fit the page's width
NO_FUND = ("Ни в одной книге месяца {year} года нет листа «Фонд»: суммы стимулирующих выплат за год не посчитаны "
           "(фонд вносится на лист «Фонд» книги месяца, см. «Инструкцию» шаблона).")


def _months_span(periods: list[str]) -> str:
    """«, янв–июн» (or «, июл» for one month): which months a half of a table holds."""
    first, last = words.month_short(periods[0]), words.month_short(periods[-1])
    return f", {first}" if first == last else f", {first}–{last}"


def unspent_reason(people: int, weights: Fraction) -> str:
    """Why a group's fund was not all paid: `nobody`, `deprived` (every weight 0) or `caps` (everyone capped)."""
    if people == 0:
        return "nobody"
    return "deprived" if weights == 0 else "caps"


@dataclass(frozen=True)
class YearPayroll:
    """The months of a year whose books have a «Фонд» sheet, shared; `headings` and `editions` for every month of the
    report (column heading, «не утверждён» included; the edition in words)."""

    year: int
    months: dict[str, MonthPayroll]
    headings: dict[str, str]
    editions: dict[str, str]

    @property
    def periods(self) -> list[str]:
        return sorted(self.months)

    def amounts(self) -> pd.DataFrame:
        """One row per person and month in a «Фонд» group: period, edition, staff_id, name, department, group,
        amount (Decimal)."""
        rows = []
        for period in self.periods:
            people = self.months[period].people
            for p in people[people["group"].notna()].itertuples(index=False):
                rows.append((period, self.editions.get(period, ""), p.staff_id, p.name, p.department, p.group,
                             p.amount))
        return pd.DataFrame(rows, columns=["period", "edition", "staff_id", "name", "department", "group", "amount"])

    def person_sums(self) -> dict[tuple[str, str], dict[str, Decimal]]:
        """(department, staff_id) -> period -> amount, departments and people in order (a person who moved
        department has a row in each)."""
        sums: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(dict)
        for r in self.amounts().itertuples(index=False):
            sums[(r.department, r.staff_id)][r.period] = sums[(r.department, r.staff_id)].get(r.period, ZERO) + r.amount
        return dict(sorted(sums.items(), key=lambda kv: (kv[0][0], id_order(kv[0][1]))))

    def names(self) -> dict[str, str]:
        """Each staff number's name as the latest month gives it."""
        frame = self.amounts()
        return dict(zip(frame["staff_id"], frame["name"], strict=True))

    def department_sums(self) -> dict[str, dict[str, Decimal]]:
        """department -> period -> amount (Decimal): every person's amount, and nothing else."""
        out: dict[str, dict[str, Decimal]] = defaultdict(dict)
        for (department, _), months in self.person_sums().items():
            for period, amount in months.items():
                out[department][period] = out[department].get(period, ZERO) + amount
        return dict(sorted(out.items()))

    def fund_rows(self) -> pd.DataFrame:
        """Per month: fund, paid, unspent and the unspent by reason (Decimals), and a «Год» row of their sums."""
        rows = []
        for period in self.periods:
            groups = self.months[period].groups
            row = {"period": period, "fund": sum(groups["fund"], ZERO), "paid": sum(groups["paid"], ZERO),
                   "unspent": sum(groups["unspent"], ZERO)} | dict.fromkeys(REASONS, ZERO)
            for g in groups.itertuples(index=False):
                if g.unspent:
                    row[unspent_reason(g.people, g.weights)] += g.unspent
            rows.append(row)
        frame = pd.DataFrame(rows, columns=["period", "fund", "paid", "unspent", *REASONS])
        year = {"period": str(self.year)} | {c: sum(frame[c], ZERO) for c in frame.columns[1:]}
        return pd.concat([frame, pd.DataFrame([year])], ignore_index=True)

    def unspent_rows(self) -> pd.DataFrame:
        """Every group of every month that left money unspent: period, group, fund, unspent, reason (words)."""
        rows = [(period, g.group, g.fund, g.unspent, REASONS[unspent_reason(g.people, g.weights)])
                for period in self.periods for g in self.months[period].groups.itertuples(index=False) if g.unspent]
        return pd.DataFrame(rows, columns=["period", "group", "fund", "unspent", "reason"])

    # --- the tables, exact (Decimals) ----------------------------------------------------------------------------

    def people_table(self) -> pd.DataFrame:
        """A row per person (and department): ФИО, таб. №, отделение, a column per month, «Год»; a last row «Итого»
        of the column sums. Amounts are Decimals; a month the person was paid nothing in is 0,00."""
        names = self.names()
        rows = [[department, names[sid], sid, *self._money(months)] for (department, sid), months in self.person_sums().items()]
        return self._with_total(pd.DataFrame(rows, columns=["Отделение", "ФИО", "Таб. №", *self._money_heads()]))

    def departments_table(self) -> pd.DataFrame:
        """A row per department and a column per month, «Год», and the «Итого» row (Decimals)."""
        rows = [[department, *self._money(months)] for department, months in self.department_sums().items()]
        return self._with_total(pd.DataFrame(rows, columns=["Отделение", *self._money_heads()]))

    def funds_table(self) -> pd.DataFrame:
        """Per month and for the year: the fund given, paid, unspent and why (Decimals)."""
        f = self.fund_rows()
        return pd.DataFrame({"Месяц": [self.headings.get(p, "Год") for p in f["period"]],
                             "Фонд, руб.": f["fund"], "Начислено, руб.": f["paid"], "Не распределено, руб.": f["unspent"],
                             **{REASON_COLUMNS[r]: f[r] for r in REASONS}})

    def unspent_table(self) -> pd.DataFrame:
        """Every group that left money unspent, with why (Decimals)."""
        u = self.unspent_rows()
        return pd.DataFrame({"Месяц": [self.headings[p] for p in u["period"]], "Группа": u["group"],
                             "Фонд, руб.": u["fund"], "Не распределено, руб.": u["unspent"], "Причина": u["reason"]})

    def _money_heads(self) -> list[str]:
        return [*(self.headings[p] for p in self.periods), "Год"]

    def _money(self, months: dict[str, Decimal]) -> list[Decimal]:
        values = [months.get(p, ZERO) for p in self.periods]
        return [*values, sum(values, ZERO)]

    def _with_total(self, frame: pd.DataFrame) -> pd.DataFrame:
        money = self._money_heads()
        total = {c: "" for c in frame.columns} | {c: sum(frame[c], ZERO) for c in money}
        total[frame.columns[0]] = "Итого"
        return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)

    # --- what the report shows ------------------------------------------------------------------------------------

    def markdown(self) -> str:
        """The section's heading and opening: the year's fund, paid, unspent; the months without a «Фонд» sheet."""
        year = self.fund_rows().iloc[-1]
        without = [self.headings[p] for p in sorted(self.headings) if p not in self.months]
        left = (f" Не распределено **{rub(year['unspent'])} руб.** — причины в таблице ниже." if year["unspent"]
                else " Фонд каждой группы каждого месяца распределён полностью, до копейки.")
        missing = f" Без листа «Фонд» (выплаты не рассчитывались): {', '.join(without)}." if without else ""
        return (f"## Стимулирующие выплаты за {self.year} год\n\nСуммы каждого месяца — те же, что в ведомости "
                "`payroll-ГГГГ-ММ` его утверждённой редакции (месяц, не утверждённый ни разу, взят из текущей книги и "
                f"помечен «не утверждён»). Фонд за год **{rub(year['fund'])} руб.**, начислено "
                f"{rub(year['paid'])} руб.{left}{missing} Таблицы — в `payroll-{self.year}.xlsx` и `.csv`.")

    def shown(self, frame: pd.DataFrame) -> pd.DataFrame:
        """A table as the report prints it: every Decimal as roubles (1 234,56)."""
        return frame.map(lambda v: rub(v) if isinstance(v, Decimal) else v)

    def person_tables(self) -> dict[str, pd.DataFrame]:
        """Per department (and half of the year when more than six months): each person's amounts, the months'
        columns, the year's total, and the department's «Итого» row — as the report prints them."""
        people = self.people_table().iloc[:-1]
        out = {}
        for department, part in people.groupby("Отделение", sort=True):
            part = self._with_total(part.drop(columns="Отделение"))
            part.loc[part.index[-1], ["ФИО", "Таб. №"]] = ["Итого по отделению", ""]
            out |= {f"{department}{label}": table for label, table in self._split(part, ["ФИО", "Таб. №"]).items()}
        return out

    def department_tables(self) -> dict[str, pd.DataFrame]:
        """The departments' amounts by month as the report prints them (in two halves of the year when need be)."""
        return self._split(self.departments_table(), ["Отделение"])

    def _split(self, frame: pd.DataFrame, keys: list[str]) -> dict[str, pd.DataFrame]:
        return {label: self.shown(frame[[*keys, *columns]]) for label, columns in self._halves()}

    def _halves(self) -> list[tuple[str, list[str]]]:
        """The money columns of each printed table: all of them with the year's total, or the first six months and
        then the rest with the year's total (twelve months and a total do not fit the page's width)."""
        heads = [self.headings[p] for p in self.periods]
        if len(heads) <= HALF:
            return [("", [*heads, "Год"])]
        return [(_months_span(self.periods[:HALF]), heads[:HALF]), (_months_span(self.periods[HALF:]), [*heads[HALF:], "Год"])]

    # --- the files ------------------------------------------------------------------------------------------------

    def csv_rows(self) -> pd.DataFrame:
        """`payroll-YYYY.csv`: a row per person and month, the amount with a decimal point (from its Decimal)."""
        a = self.amounts()
        return pd.DataFrame({"period": a["period"], "edition": a["edition"], "staff_id": a["staff_id"],
                             "full_name": a["name"], "department": a["department"], "group": a["group"],
                             "amount": [decimals(v, 2) for v in a["amount"]]}, dtype=object)

    def write(self, folder: Path) -> list[Path]:
        """`payroll-YYYY.csv` (a row per person and month) and `payroll-YYYY.xlsx` (sheets «Сотрудники», «Отделения»,
        «Фонд», «Не распределено»; money as numbers shown to 2 decimals)."""
        from stomkpi.safe import write_csv

        csv = write_csv(self.csv_rows(), folder / f"payroll-{self.year}.csv")
        xlsx = write_money_book({"Сотрудники": self.people_table(), "Отделения": self.departments_table(),
                                 "Фонд": self.funds_table(), "Не распределено": self.unspent_table()},
                                folder / f"payroll-{self.year}.xlsx")
        return [csv, xlsx]


MONEY_FORMAT = "[$-419]#,##0.00"  # roubles to the kopeck, thousands apart, a decimal comma in any program


def write_money_book(tables: dict[str, pd.DataFrame], path: Path) -> Path:
    """A sheet per table laid out as the report's other files (bold wrapped headers, frozen header row, a filter,
    printed landscape to the page's width); every Decimal a number cell shown with two decimals that keeps the
    exact amount, text never a formula, the «Итого» row bold."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from stomkpi.report.files import _print_setup
    from stomkpi.safe import spreadsheet_cell
    from stomkpi.sheets import save_deterministic

    book = Workbook()
    book.remove(book.active)
    for name, frame in tables.items():
        ws = book.create_sheet(name[:31])
        ws.append([str(c) for c in frame.columns])
        for cell in ws[1]:
            cell.font, cell.alignment = Font(bold=True), Alignment(wrap_text=True, vertical="top")
        for row in frame.itertuples(index=False):
            ws.append([spreadsheet_cell(v) if isinstance(v, str | Decimal) else v for v in row])
            for cell in ws[ws.max_row]:
                if isinstance(cell.value, Decimal):
                    cell.number_format = MONEY_FORMAT
            if str(row[0]).startswith("Итого"):
                for cell in ws[ws.max_row]:
                    cell.font = Font(bold=True)
        for i, column in enumerate(frame.columns, start=1):
            longest = max([len(str(column)) // 2, *(len(str(v)) + 2 for v in frame.iloc[:200, i - 1])], default=8)
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(max(8, longest + 2), 50)
        ws.freeze_panes = "A2"
        if len(frame.columns):
            ws.auto_filter.ref = ws.dimensions
        _print_setup(ws)
    save_deterministic(book, path)
    return Path(path)


def year_payroll(year: int, scored: dict, settings: dict, headings: dict[str, str],
                 editions: dict[str, str]) -> YearPayroll:
    """Share each month's «Фонд» (`scored`: period -> `pipeline.ScoredMonth`) by that month's payroll settings
    (`settings`: period -> `config.PayrollParams`), with the engine of the monthly report; months without the sheet
    are left out."""
    from stomkpi.month_payroll import scored_payroll

    months = {}
    for period, month in sorted(scored.items()):
        shared = scored_payroll(month.scores.table, month.month, month.catalog, settings[period])
        if shared is not None:
            months[period] = shared
    return YearPayroll(year, months, headings, editions)
