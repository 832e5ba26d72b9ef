"""Accreditation readiness as a printable workbook (A4 landscape, laid out by `printable.PrintedSheet`): «Готовность»
(every person and specialty with the state and what to do), «Календарь» (18 months by department), «90 дней».

Russian headers and words, dates as ДД.ММ.ГГГГ; the codes stay in the CSV of `stomkpi accreditation`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from stomkpi.accreditation import EVENTS, STATE_WORDS, calendar_events, calendar_months, next_days, readiness
from stomkpi.report.printable import PrintedSheet, new_book
from stomkpi.report.protocols_xlsx import column_widths
from stomkpi.report.words import month_words
from stomkpi.sheets import save_deterministic

EVENT_WORDS = {"window_opens": "открывается окно подачи", "last_safe_date": "последний безопасный день подачи",
               "deadline": "истекает срок"}
REPORT_WORDS = {"none": "нет", "ready": "готов", "agreed": "согласован"}


def _d(day: object) -> str:
    return f"{day:%d.%m.%Y}" if isinstance(day, dt.date) else ""


def readiness_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The readiness table with Russian headers and words, as printed."""
    report = [f"нужен: {REPORT_WORDS[s]}" if need else "не нужен (категория)"
              for need, s in zip(table["report_needed"], table["report_state"], strict=True)]
    return pd.DataFrame({
        "Таб. №": table["staff_id"], "ФИО": table["full_name"], "Отделение": table["department"],
        "Специальность": table["specialty"], "Срок": table["deadline"].map(_d),
        "Окно подачи с": table["window_opens"].map(_d), "Подать до (безопасно)": table["last_safe_date"].map(_d),
        "ДПП в ФРДО, ч": table["hours_dpp"], "ДПП не в ФРДО, ч": table["hours_dpp_pending"],
        "Прочие, ч": table["hours_other"], "Отчёт": report, "Состояние": table["state"].map(STATE_WORDS),
        "Что сделать": table["action"],
    })


def write_accreditation(path: Path | str, table: pd.DataFrame, months: pd.DataFrame, soon: pd.DataFrame,
                        on: dt.date, clinic: str = "") -> Path:
    """Write the three sheets; `months` and `soon` from `accreditation.calendar_months` and `next_days`."""
    book = new_book()
    rows = readiness_rows(table)
    sheet = PrintedSheet(book, "Готовность", column_widths(rows))
    sheet.line("Готовность к периодической аккредитации", bold=True)
    if clinic:
        sheet.line(clinic)
    sheet.line(f"на {_d(on)}; подавать — не раньше чем за 12 месяцев до срока и не позже последнего безопасного дня "
               "(срок минус дни рассмотрения, рабочие дни производственного календаря)", align="left")
    sheet.blank()
    sheet.table(None, list(rows.columns), rows.to_numpy(dtype=object).tolist(), empty="нет планов")
    sheet.blank()
    sheet.block(["Ответственный за кадровую работу ____________________ (ФИО)          Подпись ____________"])

    cal = pd.DataFrame({"Месяц": months["month"].map(month_words), "Отделение": months["department"].replace("", "—"),
                        **{EVENT_WORDS[e].capitalize(): months[e] for e in EVENTS}})
    sheet = PrintedSheet(book, "Календарь", column_widths(cal))
    sheet.line(f"Календарь аккредитации на 18 месяцев с {_d(on)}: чьё окно открывается, чей последний безопасный "
               "день и срок приходятся на месяц", bold=True)
    sheet.blank()
    sheet.table(None, list(cal.columns), cal.to_numpy(dtype=object).tolist())

    near = pd.DataFrame({"Дата": soon["date"].map(_d), "Событие": soon["event"].map(EVENT_WORDS),
                         "Отделение": soon["department"], "ФИО": soon["full_name"], "Специальность": soon["specialty"],
                         "Состояние": soon["state"].map(STATE_WORDS)})
    sheet = PrintedSheet(book, "90 дней", column_widths(near))
    sheet.line(f"Ближайшие 90 дней с {_d(on)}", bold=True)
    sheet.blank()
    sheet.table(None, list(near.columns), near.to_numpy(dtype=object).tolist(), empty="событий нет")
    save_deterministic(book, path)
    return Path(path)


def accreditation_files(workbook: Path, on: dt.date, out: Path | None, catalog: Path | None = None) -> list[str]:
    """`stomkpi accreditation`: read the НМО workbook, judge every plan at `on`; write `out` (.xlsx for people,
    .csv for programs) when given. Returns the summary lines for the screen."""
    from stomkpi.catalog import load_nmo_rules
    from stomkpi.errors import ParamsError
    from stomkpi.nmo_inputs import read_nmo
    from stomkpi.safe import write_csv

    if out is not None and out.suffix.lower() not in (".xlsx", ".csv"):
        raise ParamsError(f"--out: нужен файл .xlsx (для людей) или .csv (для программ), а указано «{out}»")
    rules = load_nmo_rules(catalog)
    table = readiness(read_nmo(workbook, rules, on), rules, on)
    lines = summary_lines(table, on)
    if out is not None:
        if out.suffix.lower() == ".csv":
            frame = table.copy()
            for column in ("deadline", "window_opens", "last_safe_date", "cycle_start", "filed"):
                frame[column] = frame[column].map(lambda d: d.isoformat() if isinstance(d, dt.date) else "")
            write_csv(frame, out)
        else:
            events = calendar_events(table, on)
            write_accreditation(out, table, calendar_months(events, on), next_days(events, on), on)
        lines.append(f"Записано: {out}")
    return lines


def summary_lines(table: pd.DataFrame, on: dt.date) -> list[str]:
    """What HR reads on the screen: how many plans in each state, and who must act (late, expired, gaps)."""
    lines = [f"Готовность к аккредитации на {_d(on)}: планов {len(table)}"]
    counts = table["state"].value_counts()
    lines += [f"  {STATE_WORDS[s]}: {int(counts[s])}" for s in STATE_WORDS if s in counts]
    order = {s: i for i, s in enumerate(["expired", "late", "window_open_gaps", "at_risk"])}
    urgent = table[table["state"].isin(list(order))]
    urgent = urgent.assign(_o=urgent["state"].map(order)).sort_values(["_o", "last_safe_date"], kind="stable")
    if len(urgent):
        lines.append("Кому действовать:")
        lines += [f"  {r.full_name or r.staff_id} ({r.specialty}) — {STATE_WORDS[r.state]}: {r.action}"
                  for r in urgent.itertuples(index=False)]
    return lines
