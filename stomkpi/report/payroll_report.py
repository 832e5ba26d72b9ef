"""The month's fund in the monthly report: the section «Фонд стимулирующих выплат», the amounts the protocols and
cards print, and the payroll files with their control totals.

The amounts come from the exact engine (`payroll`) once per report; everything here only lays them out. The
control totals the CSV's writer returns go into `payroll-YYYY-MM.json` beside it, which `run.write_manifest`
folds into manifest.json (the notebook cannot add to the manifest itself; the file keeps the totals with the run
that made them, and a re-run by `verify` makes it again byte for byte).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pandas as pd

from stomkpi.payroll import MonthPayroll, snils_digits
from stomkpi.report.payroll_files import METHOD_WORDS, WEIGHT_QUANTITIES, write_payroll_csv, write_payroll_xlsx
from stomkpi.report.words import month_words
from stomkpi.text import decimals, rub, shown

METHOD_NAMES = {"coefficient": "по коэффициентам (доля — коэффициент сотрудника к сумме коэффициентов группы)",
                "points": "по баллам (стоимость балла: баллы × ставки ОМС × дни / план × (1 − лишение))"}


@dataclass(frozen=True)
class FundSection:
    """The month's fund shared: what the report shows and the files it writes."""

    period: str
    clinic: str
    method: str
    payroll: MonthPayroll
    staff: pd.DataFrame  # staff_id, title, coefficient, snils (`month_payroll.staff_columns`)

    @property
    def amounts(self) -> dict[str, Decimal]:
        """Each person's amount (roubles, two decimals); people in no group (coefficient 0) are absent."""
        people = self.payroll.people
        inside = people[people["group"].notna()]
        return dict(zip(inside["staff_id"], inside["amount"], strict=True))

    def paid(self) -> dict:
        """What the payroll file says of each person in a group (`diff.PaidAmount`), by staff number: how a revision's
        amounts are compared with the approved edition's file."""
        from stomkpi.revisions.diff import PaidAmount

        people = self.payroll.people[self.payroll.people["group"].notna()]
        snils = dict(zip(self.staff["staff_id"], self.staff["snils"], strict=True))
        return {p.staff_id: PaidAmount(p.amount, p.name, p.department, snils_digits(snils[p.staff_id])
                                       if isinstance(snils.get(p.staff_id), str) and snils[p.staff_id].strip() else "")
                for p in people.itertuples(index=False)}

    def stems(self) -> str:
        return f"payroll-{self.period}"

    def write(self, folder: Path) -> list[Path]:
        """`payroll-YYYY-MM.csv` (for payroll software), `.xlsx` (to sign) and `.json` (the control totals)."""
        csv = folder / f"{self.stems()}.csv"
        totals = write_payroll_csv(self.payroll, self.period, self.staff, csv)
        xlsx = write_payroll_xlsx(self.payroll, self.period, self.clinic, self.staff, self.method,
                                  folder / f"{self.stems()}.xlsx")
        control = folder / f"{self.stems()}.json"
        control.write_text(json.dumps(totals, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return [csv, xlsx, control]

    def markdown(self) -> str:
        """The section's heading and its opening: the funds, paid, unspent, the method, the files."""
        groups = self.payroll.groups
        fund, paid = sum(groups["fund"], Decimal(0)), sum(groups["paid"], Decimal(0))
        unspent = sum(groups["unspent"], Decimal(0))
        left = (f" **Не распределено {rub(unspent)} руб.**: в группе никто не может получить выплату (все лишены премии "
                "или достигли предела по окладу) — см. столбец «Не распределено»." if unspent else
                " Фонд каждой группы распределён полностью, до копейки.")
        return (f"## Фонд стимулирующих выплат\n\nЗа {month_words(self.period)}: групп {len(groups)}, фонд "
                f"**{rub(fund)} руб.**, начислено {rub(paid)} руб.{left} Распределение {METHOD_NAMES[self.method]}; "
                "копейки — по наибольшим остаткам (при равенстве — меньшему табельному номеру). Ведомость на подпись — "
                f"`{self.stems()}.xlsx`, файл для загрузки в 1С — `{self.stems()}.csv`.")

    def groups_table(self) -> pd.DataFrame:
        """A row per «Фонд» group: fund, the sum of weights, the unit value, paid, unspent, head count."""
        g = self.payroll.groups
        weights_word, unit_word = METHOD_WORDS[self.method]
        weights = WEIGHT_QUANTITIES[self.method][1]
        return pd.DataFrame({
            "Строка листа «Фонд»": g["row"], "Группа": g["group"],
            "Фонд, руб.": g["fund"].map(rub), weights_word: g["weights"].map(lambda w: shown(w, weights)),
            unit_word: g["unit_value"].map(lambda u: "—" if u is None else rub(Decimal(decimals(u, 2)))),
            "Начислено, руб.": g["paid"].map(rub), "Не распределено, руб.": g["unspent"].map(rub),
            "Сотрудников": g["people"]})

    def by_department(self) -> pd.DataFrame:
        """The amounts per department (roubles, exact), departments in alphabetical order."""
        people = self.payroll.people
        sums = {d: sum(p["amount"], Decimal(0)) for d, p in people.groupby("department", sort=True)}
        return pd.DataFrame({"department": list(sums), "amount": list(sums.values())})

    def department_table(self) -> pd.DataFrame:
        """The amounts per department as the report prints them, with a total row."""
        frame = self.by_department()
        total = sum(frame["amount"], Decimal(0))
        return pd.DataFrame({"Отделение": [*frame["department"], "Всего"],
                             "Начислено, руб.": [*frame["amount"].map(rub), rub(total)]})


def totals_lines(fund: FundSection, totals: dict, out: Path) -> list[str]:
    """What `stomkpi payroll` prints: a line per group, the total, the file and its checksum."""
    lines = [f"Фонд стимулирующих выплат за {month_words(fund.period)}:"]
    for g in fund.payroll.groups.itertuples(index=False):
        unspent = f", не распределено {rub(g.unspent)}" if g.unspent else ""
        lines.append(f"  {g.group}: фонд {rub(g.fund)} руб., начислено {rub(g.paid)} руб.{unspent} "
                     f"(сотрудников {g.people})")
    total = sum(fund.payroll.groups["paid"], Decimal(0))
    lines += [f"Итого начислено: {rub(total)} руб.",
              f"Записано: {out} (строк {totals['rows']}; SHA-256 {totals['sha256']})"]
    return lines
