"""Accreditation readiness in the monthly, annual and regional reports, in Russian words: who must act in the
report's month and the next, the year's filings and their decisions, next year's calendar, the states per clinic.

The rule: the figures (states, dates, who acts, which filings) come from `stomkpi.accreditation`; this module picks,
orders and names them. Dates print as ДД.ММ.ГГГГ; input text (names, departments, titles, application numbers) goes
into tables only, which `display.show` escapes for HTML and LaTeX; the Markdown here holds numbers and dates alone.
A section whose input is absent says so in one sentence (`NO_BOOK`, the tables' `empty`), never with an empty table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd
from dateutil.relativedelta import relativedelta

from stomkpi.accreditation import EVENTS, STATE_WORDS, URGENCY, filings_in, must_act, state_counts, year_calendar
from stomkpi.records import NmoRecords
from stomkpi.report.accreditation_chart import calendar_chart
from stomkpi.report.accreditation_xlsx import EVENT_WORDS
from stomkpi.report.charts import Chart
from stomkpi.report.words import month_short
from stomkpi.text import date_words, month_in

NO_BOOK = "Книга НМО не указана в параметрах (ключ «nmo_workbook»): готовность к аккредитации не проверялась."
DECISION_WORDS = {"passed": "соответствует", "failed": "не соответствует"}
AWAITED = "решения ещё нет"
FALLS_WORDS = {"window_opens": "окно подачи с", "last_safe_date": "безопасно подать до", "deadline": "срок"}
STATE_HEADERS = {s: STATE_WORDS[s].capitalize() for s in URGENCY}


def counts_row(table: pd.DataFrame) -> dict[str, int]:
    """Plans in all and in each state, under the states' Russian headers."""
    return {"Планов": len(table), **{STATE_HEADERS[s]: n for s, n in state_counts(table).items()}}


@dataclass(frozen=True)
class MonthAccreditation:
    """The monthly report's accreditation section: the readiness at the month's end (`accreditation.readiness`)."""

    period: str  # YYYY-MM
    table: pd.DataFrame

    @property
    def on(self) -> dt.date:
        return self.last_of(0)

    @property
    def first(self) -> dt.date:
        return dt.date.fromisoformat(f"{self.period}-01")

    @property
    def last(self) -> dt.date:
        return self.last_of(1)

    def last_of(self, months_after: int) -> dt.date:
        """The last day of the report's month (0) or of a month after it."""
        return self.first + relativedelta(months=months_after + 1, days=-1)

    def acting(self) -> pd.DataFrame:
        """Who must act in the report's month and the next (codes; `accreditation.must_act`)."""
        return must_act(self.table, self.first, self.last)

    def markdown(self) -> str:
        """The section's opening: the date, the two months, how many must act."""
        acting = self.acting()
        return (f"На {date_words(self.on)} планов аккредитации (сотрудник × специальность): {len(self.table)}. Действовать "
                f"в {month_in(self.first)} и {month_in(self.last)} — {len(acting)}: у кого в эти месяцы открывается окно "
                "подачи, наступает последний безопасный день подачи или истекает срок, и все, кто опаздывает, под "
                "угрозой или с открытым окном и пробелами в портфолио. Подавать — не позже последнего безопасного дня "
                "(срок минус дни рассмотрения, рабочие дни производственного календаря).")

    def counts_table(self) -> pd.DataFrame:
        """One row: plans in all and in each state."""
        return pd.DataFrame([counts_row(self.table)])

    def acting_table(self) -> pd.DataFrame:
        """Who must act, the most urgent first, with the dates of the two months and what to do."""
        return acting_display(self.acting())


def acting_display(acting: pd.DataFrame) -> pd.DataFrame:
    """`must_act`'s rows with Russian headers and words, in few short columns so that the width goes to «что
    сделать», which holds the dates to act by (the last safe date; for the late and expired, the deadline too)."""
    falls = ["; ".join(f"{FALLS_WORDS[e]} {date_words(getattr(r, e))}" for e in EVENTS if e in r.falls) or "—"
             for r in acting.itertuples(index=False)]
    return pd.DataFrame({
        "ФИО (специальность)": [f"{n} ({s})" for n, s in zip(acting["full_name"], acting["specialty"], strict=True)],
        "Отделение": acting["department"], "Состояние": acting["state"].map(STATE_WORDS), "В эти два месяца": falls,
        "Что сделать": acting["action"]}).reset_index(drop=True)


@dataclass(frozen=True)
class YearAccreditation:
    """The annual report's accreditation section: the year's filings and next year's calendar, from the readiness
    at the year's end."""

    year: int
    table: pd.DataFrame  # readiness on 31.12 of the year
    filings: pd.DataFrame  # `accreditation.filings_in`
    events: pd.DataFrame  # next year's, `accreditation.year_calendar`
    months: pd.DataFrame

    @classmethod
    def build(cls, records: NmoRecords, table: pd.DataFrame, year: int) -> YearAccreditation:
        events, months = year_calendar(table, year + 1)
        return cls(year, table, filings_in(records, year), events, months)

    def markdown(self) -> str:
        """The section's opening: the filings by decision, the states at the year's end, next year's events."""
        decisions = self.filings["decision"].map(lambda d: DECISION_WORDS.get(d, AWAITED)).value_counts()
        said = ", ".join(f"{w} — {int(decisions[w])}" for w in (*DECISION_WORDS.values(), AWAITED) if w in decisions)
        counts = ", ".join(f"{STATE_WORDS[s]} — {n}" for s, n in state_counts(self.table).items() if n)
        return (f"Заявлений на периодическую аккредитацию, поданных в {self.year} году: {len(self.filings)}"
                + (f" ({said})" if said else "") + f". Планы на 31.12.{self.year}: {len(self.table)}"
                + (f" ({counts})" if counts else "") + f". В {self.year + 1} году событий календаря аккредитации: "
                f"{len(self.events)}.")

    def filings_table(self) -> pd.DataFrame:
        """The year's filings by date: who, the application's number, the decision and its date."""
        f = self.filings
        return pd.DataFrame({
            "Дата подачи": f["filed"].map(date_words), "ФИО": f["full_name"], "Отделение": f["department"],
            "Специальность": f["specialty"], "№ заявления": f["number"],
            "Решение": f["decision"].map(lambda d: DECISION_WORDS.get(d, AWAITED)),
            "Дата решения": f["decided"].map(date_words)})

    def filings_note(self) -> str:
        return (f"Заявлений на аккредитацию, поданных в {self.year} году, нет (лист «Подача» книги НМО не заполнен "
                "или его нет).")

    def calendar_table(self) -> pd.DataFrame:
        """Next year by month and department: whose window opens, whose last safe date and deadline fall (months
        without an event are left out; the chart shows every month)."""
        m = self.months[self.months[[f"n_{e}" for e in EVENTS]].sum(axis=1) > 0]
        return pd.DataFrame({"Месяц": [f"{month_short(p)} {p[:4]}" for p in m["month"]],
                             "Отделение": m["department"].replace("", "—"),
                             **{EVENT_WORDS[e].capitalize(): m[e].replace("", "—") for e in EVENTS}})

    def chart(self) -> Chart:
        """Next year's events per month, every month shown (`accreditation_chart.calendar_chart`)."""
        return calendar_chart(self.months)

    def calendar_note(self) -> str:
        return f"В {self.year + 1} году ни у кого не открывается окно подачи и не истекает срок."


def clinic_states(tables: dict[str, pd.DataFrame | None]) -> pd.DataFrame:
    """Per clinic (its label): plans in all and in each state; a clinic without an НМО book is left out."""
    rows = [{"Учреждение": clinic, **counts_row(table)} for clinic, table in tables.items() if table is not None]
    return pd.DataFrame(rows)


def clinic_states_note(year: int) -> str:
    return f"Ни у одной поликлиники нет книги НМО: готовность к аккредитации на 31.12.{year} не проверялась."
