"""A card for every employee: what a person sees when they dispute their bonus.

For each employee of a scored month: every criterion of their position with its value, the rule in
words, the norm and the points; where each value came from (`trail`: the cases, indicators and events
a derived count was made of; «введены» only for what was typed on «Показатели»); the total against the
position's norm, the percent, and the coefficient with its factors (percent, rates, days, deprivation)
— all taken from the scoring, none computed again — and a line to sign. Written per department as a PDF
(a page per person, fpdf2 with the DejaVu fonts matplotlib ships) and as an .xlsx (a sheet per person,
laid out by `printable`).

On a revision of an approved month, the card of every employee the revision changed shows both values:
the points of each criterion that moved as «было → стало» in its table, and a block naming the two
revisions, the reason once (shortened to `REVISION_SHOWN`: the report holds it whole, with other people's
matters) and this employee's own figures and factors before and after — all taken from the revision's
`Changes`, none computed again.

Both files are byte-identical for the same month: the PDF's dates are the period's last day.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import matplotlib
import pandas as pd

from stomkpi.report.adapters.fpdf_internals import page_writer
from stomkpi.report.pdf_fonts import add_font, lacks_glyphs
from stomkpi.report.printable import PrintedSheet, new_book, sheet_title, text_width, wrap
from stomkpi.report.trail import ALL_TYPED, TYPED
from stomkpi.report.words import month_words, rule_of, short
from stomkpi.revisions.diff import Changes, StaffChange, num_text, same_value
from stomkpi.safe import clean
from stomkpi.sheets import save_deterministic
from stomkpi.text import fmt, shown

MAIN, ADDITIONAL = "Основные критерии", "Дополнительные критерии"
COLUMNS = ["№", "Критерий", "Значение", "Правило", "Норма", "Баллы"]
SOURCES = "Откуда значения"
SIGNATURE = "С оценкой ознакомлен(а) ____________________ (подпись)     «___» ____________ 20___ г."
REASON_SHOWN = 300  # characters of a deprivation's reason or an approver a card prints (the report holds them all)
PART = 250  # people in one file of cards at most: a larger department's cards go in numbered parts (`card_files`)
REVISION_SHOWN = 120  # characters of a revision's reason a card prints: the reason speaks of the whole revision


# why the paid rates a card shows do not change its coefficient: the regulation's coefficient uses the ОМС rates
PAID_RATES = "Ставки платно {} в коэффициент не входят: по Положению он считается по ставкам ОМС."


@dataclass(frozen=True)
class Card:
    """One employee's month, as their card prints it."""

    staff_id: str
    name: str
    title: str
    department: str
    criteria: dict[str, list[list]]  # MAIN / ADDITIONAL -> rows of COLUMNS' values
    total: float
    norm_points: float
    percent: float
    rates: float
    days_plan: float
    days_fact: float
    deprived_percent: float
    deprivation_reasons: tuple[str, ...]
    coefficient: float
    revision: tuple[str, ...] = ()  # what a revision changed for this employee, in words; empty when nothing
    sources: tuple[str, ...] = ()  # where the values came from, in words: a line per derived value, then the typed
    payment: tuple[str, ...] = ()  # the stimulus amount and how it follows from the fund (`trail.payment_lines`)
    rates_paid: float = 0.0  # printed on the forms, never in the coefficient (`PAID_RATES`)

    def person_lines(self) -> list[str]:
        return [f"{self.name}, таб. № {self.staff_id}", f"{self.title}; {self.department}"]

    def result_lines(self) -> list[str]:
        """The total, the percent and the coefficient with its factors, in words."""
        deprived = f"{shown(self.deprived_percent, 'percent')} %"
        percent = shown(self.percent, "percent")
        reasons = f" ({'; '.join(self.deprivation_reasons)})" if self.deprivation_reasons else ""
        return [
            f"Сумма баллов: {fmt(self.total)} при норме {fmt(self.norm_points)} — выполнение {percent} %.",
            f"Коэффициент = выполнение × ставки ОМС × отработанные дни / дни по плану × (1 − лишение): "
            f"{percent} % × {fmt(self.rates)} × {fmt(self.days_fact)} / {fmt(self.days_plan)} × "
            f"(1 − {deprived}) = {shown(self.coefficient, 'coefficient')}.",
            *([PAID_RATES.format(fmt(self.rates_paid))] if self.rates_paid else []),
            f"Лишение премии: {deprived}{reasons}." if self.deprived_percent else "Лишения премии нет.",
            *self.payment,
        ]


def person_cards(table: pd.DataFrame, details: pd.DataFrame, deprivations: pd.DataFrame, rules: pd.DataFrame,
                 changes: Changes | None = None, criterion_names: dict[str, str] | None = None,
                 trails: dict[str, dict[str, str]] | None = None,
                 payments: dict[str, tuple[str, ...]] | None = None) -> list[Card]:
    """The cards of every employee of `table` (a scored month), by department and name; with `changes` (a
    revision's, whose criteria are named by `criterion_names`, code -> name), both values where they differ; with
    `trails` (`trail.value_trails`: staff_id -> criterion -> words), where each derived value came from; with
    `payments` (`trail.payment_lines`), the stimulus amount and how it follows from the fund."""
    revised = {s.staff_id: s for s in changes.staff} if changes is not None else {}
    names = criterion_names or {}
    by_key = {(r["position"], r["criterion"]): r for r in rules.to_dict("records")}
    said = {key: rule_of(r) for key, r in by_key.items()}
    # each person's rows as plain tuples, the columns read once: a frame or a row object per person took most
    # of the cards' time (the values are those `itertuples` gives: a column's own iteration)
    details = details.assign(staff_id=details["staff_id"].astype(str), criterion=details["criterion"].astype(str))
    by_person: dict[str, list[tuple]] = {}
    for row in zip(*(details[c] for c in ("staff_id", "criterion", "group", "kind", "value", "norm", "count",
                                             "points")), strict=True):
        by_person.setdefault(row[0], []).append(row)
    # shortened like a revision's reason: the card keeps its page; the protocols hold the reason whole
    reasons = deprivations.groupby("staff_id")["reason"].apply(lambda s: tuple(_short(r) for r in s if r)).to_dict()
    cards = []
    for p in table.sort_values(["department", "name", "staff_id"], kind="stable").itertuples(index=False):
        change = revised.get(str(p.staff_id))
        moved = {name: (a, b) for name, a, b in change.criteria} if change is not None else {}
        groups: dict[str, list] = {MAIN: [], ADDITIONAL: []}
        own_trail, sources = (trails or {}).get(str(p.staff_id), {}), []
        for _, criterion, group, kind, value, norm, count, points in by_person.get(str(p.staff_id), ()):
            entered = count if kind == "per_event" else value
            norm = norm if kind == "versus_norm" else (100.0 if kind == "plan" else None)
            rows = groups[MAIN if group == "main" else ADDITIONAL]
            rows.append([len(rows) + 1, by_key[(p.position, criterion)]["criterion_name"], _entered(entered, kind),
                         said[(p.position, criterion)], "—" if norm is None or pd.isna(norm) else fmt(float(norm)),
                         _points(float(points), moved.get(names.get(criterion, criterion)))])
            if criterion in own_trail:
                sources.append(f"{short(rows[-1][1])} = {rows[-1][2]}: {own_trail[criterion]}")
        cards.append(Card(
            staff_id=str(p.staff_id), name=clean(p.name), title=clean(p.title), department=clean(p.department),
            criteria=groups,
            total=float(p.total_points), norm_points=float(p.norm_points), percent=float(p.percent),
            rates=float(p.rates_oms), rates_paid=float(p.rates_paid), days_plan=float(p.days_plan), days_fact=float(p.days_fact),
            deprived_percent=float(p.deprived_percent), deprivation_reasons=reasons.get(p.staff_id, ()),
            coefficient=float(p.coefficient),
            revision=revision_lines(changes, change) if change is not None else (),
            payment=(payments or {}).get(str(p.staff_id), ()),
            sources=((*sources, TYPED) if sources else (ALL_TYPED,)) if trails is not None else ()))
    return cards


def _points(points: float, moved: tuple[str, str] | None) -> str:
    """A criterion's points; «было → стало» when a revision moved them."""
    return f"{_minus(num_text(moved[0]))} → {_minus(num_text(moved[1]))}" if moved is not None else _minus(fmt(points))


def _minus(number: str) -> str:
    """A negative number with a true minus sign, as the rules read (a department's hyphen stays)."""
    return "\u2212" + number[1:] if number.startswith("-") and number[1:2].isdigit() else number


def revision_lines(changes: Changes, change: StaffChange) -> tuple[str, ...]:
    """What a revision changed for one employee, in words: the revisions, the reason, the figures and the factors of
    the coefficient before and after (the factors as `stomkpi diff` words them; the criteria are in the table)."""
    # the new revision by its number only: its label's «(не утверждена)» stops being true once it is approved
    lines = [f"Пересмотр: {_short(changes.old)} → {_short(changes.new).split(' (')[0]}."]
    if changes.reason:
        lines.append(f"Причина: {_short(changes.reason, REVISION_SHOWN)}")
    if change.note:
        lines.append(f"Было → стало: {change.note} в этой редакции; в прежней редакции карточки не было.")
        return tuple(lines)
    figures = {"total_points": ("сумма баллов", "", None), "percent": ("выполнение", " %", "percent"),
               "coefficient": ("коэффициент", "", "coefficient")}
    moved = [f"{title} {_figure(a, quantity)}{unit} → {_figure(b, quantity)}{unit}"
             for key, (title, unit, quantity) in figures.items()
             for a, b in [change.figures.get(key, ("", ""))] if not same_value(a, b)]
    moved += [f"{title}: {_minus(num_text(a))} → {_minus(num_text(b))}" for title, a, b in change.factors]
    lines.append(f"Было → стало: {'; '.join(moved) or 'итоги те же'}.")
    return tuple(lines)


def _short(text: str, limit: int = REASON_SHOWN) -> str:
    """Input text (a reason, who approved) on one line, at most `limit` characters: a card keeps its page."""
    flat = " ".join(clean(text).split())
    if len(flat) <= limit:
        return flat
    return flat[:limit] + ("… (полностью — в отчёте)" if limit == REVISION_SHOWN else "…")


def _figure(text: str, quantity: str | None) -> str:
    """A figure of the scores CSV as the card prints it: with its `quantity`'s decimals like `result_lines`, else as
    `stomkpi diff` prints it."""
    try:
        return _minus(num_text(text) if quantity is None else shown(float(text), quantity))
    except ValueError:
        return num_text(text)


def _entered(value: float, kind: str) -> str:
    if value is None or pd.isna(value):
        return "не введено" if kind in ("assigned", "versus_norm", "info") else "0"
    return fmt(float(value))


def file_stem(department: str) -> str:
    """A department's name as part of a file name: letters and digits, words joined by «-»."""
    return re.sub(r"[^\w]+", "-", clean(department)).strip("-")[:60] or "отделение"


def card_files(period: str, cards: list[Card], part: int = PART) -> list[tuple[str, str, list[Card]]]:
    """The files the cards go in: (file stem, department, its cards) — `cards-<period>-<department>` for a department of
    at most `part` people, else its parts of `part` people in the cards' order, `cards-<period>-<department>-1`, `-2`…
    (a workbook of thousands of sheets is slow to write and to open: openpyxl and Excel check every title against
    every other). A stem taken already (in any case) gets «-2» appended until it is new."""
    departments: dict[str, list[Card]] = {}
    for card in cards:
        departments.setdefault(card.department, []).append(card)
    files, taken = [], set()
    for department, own in departments.items():
        stem = f"cards-{period}-{file_stem(department)}"
        pieces = [own] if len(own) <= part else [own[i:i + part] for i in range(0, len(own), part)]
        for number, piece in enumerate(pieces, start=1):
            name = stem if len(pieces) == 1 else f"{stem}-{number}"
            while name.lower() in taken:
                name += "-2"
            taken.add(name.lower())
            files.append((name, department, piece))
    return files


def write_cards(folder: Path | str, period: str, clinic: str, cards: list[Card], part: int = PART) -> list[Path]:
    """A PDF and an .xlsx of cards for every department, or part of one of `part` people (`card_files`); and the cards as data,
    `cards-<period>.json`, from which approval draws the PDFs again with its stamp (`stamp_pdfs`). Each file is
    written and let go before the next is made: a clinic's cards are never all held as bytes at once."""
    folder = Path(folder)
    files, record = [], []
    for stem, department, own in card_files(period, cards, part):
        files.append(folder / f"{stem}.pdf")
        files[-1].write_bytes(cards_pdf(period, clinic, department, own))
        record.append((files[-1].name, department, own))
        files.append(folder / f"{stem}.xlsx")
        cards_xlsx(files[-1], period, clinic, own)
    files.append(folder / f"cards-{period}.json")
    with files[-1].open("w", encoding="utf-8") as out:
        write_record(out, period, clinic, record)
    return files


def write_record(out: TextIO, period: str, clinic: str, files: list[tuple[str, str, list[Card]]]) -> None:
    """`cards-<period>.json`: {"clinic", "pdf": {file name: {"department", "cards"}}, "period"}, as `json.dumps` with
    `indent=1, sort_keys=True` writes it whole, written a file's cards at a time (their dictionaries made for that
    file only: for 50 000 cards, the whole record in memory took a gigabyte)."""
    def dump(value: object) -> str:
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)

    out.write(f'{{\n "clinic": {dump(clinic)},\n "pdf": {{')
    for i, (name, department, own) in enumerate(sorted(files, key=lambda f: f[0])):
        part = dump({"department": department, "cards": [dataclasses.asdict(c) for c in own]})
        out.write(f'{"," if i else ""}\n  {dump(name)}: {part.replace(chr(10), chr(10) + "  ")}')
    out.write(f'{chr(10) + " " if files else ""}}},\n "period": {dump(period)}\n}}\n')


def stamp_pdfs(folder: Path, period: str, outputs: dict[str, str], stamp: str) -> list[str]:
    """Draw the cards' PDFs of a report folder again from its `cards-<period>.json` (nothing is scored again), with
    the approval's line at the top of every page. Returns the PDFs drawn."""
    from stomkpi.revisions.checked import json_file

    name = f"cards-{period}.json"
    if name not in outputs:  # a report made before the cards were kept as data: its PDFs stay as they are
        return []
    data = json_file(Path(folder) / name, "карточки сотрудников")
    drawn = []
    for pdf, part in sorted(data["pdf"].items()):
        if pdf not in outputs or "/" in pdf:
            continue
        cards = [_card(c) for c in part["cards"]]
        (Path(folder) / pdf).write_bytes(cards_pdf(period, data["clinic"], part["department"], cards, stamp))
        drawn.append(pdf)
    return drawn


def _card(data: dict) -> Card:
    """A card read back from its JSON (lists where the card holds tuples)."""
    tuples = ("deprivation_reasons", "revision", "sources")
    card = {k: tuple(v) if k in tuples else v for k, v in data.items()}
    # the JSON keeps its keys sorted («Дополнительные» before «Основные»): the card lists the main criteria first
    order = (MAIN, ADDITIONAL)
    card["criteria"] = dict(sorted(card["criteria"].items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 2))
    return Card(**card)


def _heading(period: str) -> str:
    return f"Карточка оценки результативности за {month_words(period)}"


# PDF ------------------------------------------------------------------------------------------------

PDF_WIDTHS = (18, 160, 50, 185, 42, 40)  # pt: 495 of the 511 between the margins
PDF_ALIGN = ("R", "L", "R", "L", "R", "R")
MARGIN = 42.0  # pt
TABLE_SIZE, TABLE_LINE, PAD = 7.5, 9.0, 2.0  # pt
_FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"


class _Pdf:
    """fpdf2 with text wrapped by `printable.wrap` (the same metrics as the workbooks) and tables drawn
    cell by cell: fpdf2's own table and multi_cell measure every character again for every line, which
    took seconds per department. Lines and borders are written as fpdf2's `text` and `rect` write them
    (black, the line width set once), by the writer of `adapters.fpdf_internals` (fpdf2's page buffer
    when its internals are as expected, else `text` and `rect` themselves: the same bytes)."""

    def __init__(self, title: str, author: str, date: dt.date, *, whole_fonts: bool = False):
        from fpdf import FPDF

        pdf = self.pdf = FPDF(orientation="P", unit="pt", format="A4")
        pdf.set_creation_date(dt.datetime(date.year, date.month, date.day, tzinfo=dt.UTC))
        pdf.set_title(title)
        pdf.set_author(author)
        pdf.set_creator("stomkpi")
        pdf.set_producer("stomkpi")
        pdf.set_lang("ru")
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_auto_page_break(False)
        pdf.set_line_width(0.5)
        add_font(pdf, "DejaVu", "", _FONTS / "DejaVuSans.ttf", whole=whole_fonts)
        add_font(pdf, "DejaVu", "B", _FONTS / "DejaVuSans-Bold.ttf", whole=whole_fonts)
        self.out = page_writer(pdf)
        self.width = pdf.w - 2 * MARGIN
        self.bottom = pdf.h - MARGIN
        self._font: tuple[bool, float] | None = None  # (bold, size) last set, so that `set_font` is called on a change only
        # (line, x, width, size, bold, align) -> the line's left edge: the cards repeat their criteria, rules and
        # headings in the same columns on every page
        self._starts: dict[tuple, float] = {}
        # each table column's left edge and width
        x, self._columns = MARGIN, []
        for w in PDF_WIDTHS:
            self._columns.append((x, w))
            x += w

    def page(self) -> None:
        self.pdf.add_page()

    def _set_font(self, bold: bool, size: float) -> None:
        """fpdf2's `set_font`, only when the font or size changes (when neither does, it does nothing)."""
        if self._font != (bold, size):
            self.pdf.set_font("DejaVu", "B" if bold else "", size)
            self._font = (bold, size)

    def text(self, text: str, size: float = 9.0, bold: bool = False, align: str = "L", gap: float = 1.3) -> None:
        pdf = self.pdf
        self._set_font(bold, size)
        for line in wrap(text, self.width, bold, size):
            self._room(size * gap)
            top = pdf.get_y()
            self.out.line(self._start(line, MARGIN, self.width, size, bold, align),
                          self._baseline(top, size * gap, size), line)
            pdf.ln(size * gap)

    def space(self, points: float) -> None:
        self.pdf.ln(points)

    def _room(self, height: float) -> bool:
        if self.pdf.get_y() + height > self.bottom:
            self.pdf.add_page()
            return True
        return False

    def table(self, columns: list[str], rows: list[list[str]]) -> None:
        """A bordered table; its header row starts every page it runs onto."""
        head = self._wrapped(columns, True)
        self._room(self._height(head) + self._height(self._wrapped(rows[0], False)) if rows else 0)
        self._row(head, True, ["C"] * len(columns))
        for values in rows:
            cells = self._wrapped(values, False)
            if self._room(self._height(cells)):
                self._row(head, True, ["C"] * len(columns))
            self._row(cells, False, PDF_ALIGN)

    def _wrapped(self, values: list, bold: bool) -> list[list[str]]:
        return [wrap(str(v), w - 2 * PAD, bold, TABLE_SIZE) for v, w in zip(values, PDF_WIDTHS, strict=True)]

    @staticmethod
    def _height(cells: list[list[str]]) -> float:
        return max(len(c) for c in cells) * TABLE_LINE + 2 * PAD

    def _row(self, cells: list[list[str]], bold: bool, align) -> None:
        """A table row: each cell's border, then its lines, written in one piece."""
        pdf, out = self.pdf, self.out
        self._set_font(bold, TABLE_SIZE)
        y, height = pdf.get_y(), self._height(cells)
        baselines = [self._baseline(y + PAD + i * TABLE_LINE, TABLE_LINE, TABLE_SIZE)
                     for i in range(max(len(c) for c in cells))]
        with out.batch():
            for lines, (x, w), a in zip(cells, self._columns, align, strict=True):
                out.box(x, y, w, height)
                for line, baseline in zip(lines, baselines, strict=False):
                    out.line(self._start(line, x + PAD, w - 2 * PAD, TABLE_SIZE, bold, a), baseline, line)
        pdf.set_xy(MARGIN, y + height)

    @staticmethod
    def _baseline(top: float, height: float, size: float) -> float:
        """The baseline of a line of `size` pt centred in a box `height` pt high from `top`."""
        return top + (height - size) / 2 + 0.8 * size

    def _start(self, line: str, x: float, width: float, size: float, bold: bool, align: str) -> float:
        """A line's left edge in its box, aligned by its measured width; once per line and box."""
        place = (line, x, width, size, bold, align)
        if place not in self._starts:
            shift = 0.0 if align == "L" else {"C": 0.5, "R": 1.0}[align] * (width - text_width(line, bold, size))
            self._starts[place] = x + shift
        return self._starts[place]


def cards_pdf(period: str, clinic: str, department: str, cards: list[Card], stamp: str | None = None) -> bytes:
    """A department's cards as a PDF, a page per person, dated the period's last day; `stamp`: the approval's line,
    at the top of every page."""
    from stomkpi.month import month_bounds

    clinic, department = clean(clinic), clean(department)  # no control character reaches the PDF
    title, date = f"{_heading(period)}: {department}", month_bounds(period)[1]
    pdf = _draw(_Pdf(title, clinic, date), period, clinic, cards, stamp)
    if lacks_glyphs(pdf.pdf):  # a letter outside the fonts cut to a card's scripts: drawn from the whole fonts
        pdf = _draw(_Pdf(title, clinic, date, whole_fonts=True), period, clinic, cards, stamp)
    return bytes(pdf.pdf.output())


def _draw(pdf: _Pdf, period: str, clinic: str, cards: list[Card], stamp: str | None = None) -> _Pdf:
    """The cards drawn into `pdf`, a page per person."""
    for card in cards:
        pdf.page()
        if stamp:
            pdf.text(clean(stamp), size=7.5, bold=True)
        pdf.text(clinic, size=8, align="R")
        pdf.text(_heading(period), size=11, bold=True, align="C")
        pdf.space(4)
        pdf.text(card.person_lines()[0], size=10, bold=True)
        pdf.text(card.person_lines()[1])
        for title, rows in card.criteria.items():
            if rows:
                pdf.space(5)
                pdf.text(title, bold=True)
                pdf.table(COLUMNS, [[str(v) for v in row] for row in rows])
        if card.sources:
            pdf.space(5)
            pdf.text(SOURCES, bold=True)
            for line in card.sources:
                pdf.text(line, size=8)
        pdf.space(8)
        for line in card.result_lines():
            pdf.text(line)
        if card.revision:
            pdf.space(6)
            for i, line in enumerate(card.revision):
                pdf.text(line, bold=i == 0)
        pdf.space(24)
        pdf.text(SIGNATURE)
    return pdf


# xlsx -----------------------------------------------------------------------------------------------

XLSX_WIDTHS = [4.5, 38.0, 11.0, 40.0, 9.0, 9.0]  # column units: a portrait A4 page


def cards_xlsx(path: Path, period: str, clinic: str, cards: list[Card]) -> None:
    """A department's cards as a workbook, a sheet per person, each printing on a portrait page."""
    book = new_book()
    taken: set[str] = set()
    for card in cards:
        sheet = PrintedSheet(book, sheet_title(f"{card.staff_id} {card.name}", taken), XLSX_WIDTHS, landscape=False)
        sheet.line(clinic, align="right")
        sheet.line(_heading(period), bold=True)
        sheet.line(card.person_lines()[0], bold=True, align="left")
        sheet.line(card.person_lines()[1], align="left")
        for title, rows in card.criteria.items():
            if rows:
                sheet.blank()
                sheet.table(title, COLUMNS, rows)
        if card.sources:
            sheet.blank()
            sheet.line(SOURCES, bold=True, align="left")
            for line in card.sources:
                sheet.line(line, align="left")
        sheet.blank()
        for line in card.result_lines():
            sheet.line(line, align="left")
        if card.revision:
            sheet.blank()
            for i, line in enumerate(card.revision):
                sheet.line(line, bold=i == 0, align="left")
        sheet.blank()
        sheet.block([SIGNATURE])
    save_deterministic(book, path)
