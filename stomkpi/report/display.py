"""Tables for notebooks that print whole in HTML and in the PDF.

`show(frame)` displays a DataFrame as an object with both an HTML and a LaTeX form. The LaTeX form
is a `longtable` in DejaVu Sans whose column widths are measured, not guessed: with the font's own
advance widths (`printable.text_width`) every header word and every cell word gets room in its
column, at the largest of three small sizes where the table fits the portrait page; the rest of the
line goes to the columns with longer text, which wraps. A long table breaks across pages and
repeats its header (and its caption, which stands `CAPTION_SPACE` clear of the top rule); no table is turned
to landscape or cut at the page edge. A table without rows is never printed as an empty table: it shows one
sentence instead (`empty`), in every format. A number is printed with
its quantity's decimals (`text.PLACES`), the quantity named by the column's header (`text.column_quantity`) or, for
columns headed otherwise (months), by the table's `quantity`. A list of people that a file of the month holds whole
(`whole`: where) prints its first `LONG_TABLE` rows and a sentence naming the file: a report of 50 000 employees
would otherwise print every protocol row twice, 5 000 pages, that nobody signs (the protocols are signed as .xlsx).
"""

from __future__ import annotations

import html
import re

import pandas as pd

from stomkpi.report.printable import text_width
from stomkpi.safe import clean
from stomkpi.text import column_quantity, grouped, shown

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "\u00a0": "~",  # a no-break space (between thousands: 1 820 306,25) stays one: TeX's tie
}


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in clean(text))


def _breakable(text: str, width: float, size: float, bold: bool = False) -> str:
    """Escape a cell for LaTeX; a word wider than the column (a checksum, a path) gets break points."""
    words = []
    for word in clean(text).split(" "):
        parts = []
        for piece in _pieces(word) or [word]:  # a long hyphenated word may break after its hyphens
            measured = text_width(piece, bold, size)
            if measured > width:
                step = max(int(len(piece) * width / measured) - 1, 1)
                parts.append(r"\allowbreak{}".join(latex_escape(piece[i:i + step]) for i in range(0, len(piece), step)))
            else:
                parts.append(latex_escape(piece))
        words.append(r"\allowbreak{}".join(parts))
    return " ".join(words)


NO_DATA = "Данных нет."
LONG_TABLE = 1_000  # rows of a list of people printed when a file of the month holds it whole: more than any
# department of a clinic has, so that only a regional or very large month's report is cut


class Table:
    """A DataFrame with an HTML and a LaTeX representation for notebook output."""

    def __init__(self, frame: pd.DataFrame, caption: str | None = None, index: bool = False, empty: str = NO_DATA,
                 quantity: str | None = None, whole: str | None = None):
        self.frame = frame.reset_index() if index and len(frame) else frame
        self.caption = caption
        self.empty = empty
        self.quantity = quantity  # of the numbers in columns whose header names no quantity
        self.note = None  # with `whole` and more than `LONG_TABLE` rows: the sentence after the first of them
        if whole and len(self.frame) > LONG_TABLE:
            self.note = (f"Показаны первые {grouped(LONG_TABLE)} строк из {grouped(len(self.frame))}; все строки — "
                         f"{whole.rstrip('.')}.")
            self.frame = self.frame.head(LONG_TABLE)

    @property
    def is_empty(self) -> bool:
        return len(self.frame) == 0 or len(self.frame.columns) == 0

    def _sentence(self) -> str:
        if not self.caption:
            return self.empty
        return f"{self.caption.rstrip(':')}: {self.empty[:1].lower()}{self.empty[1:]}"

    def _cells(self) -> list[list[str]]:
        quantities = [column_quantity(c) or self.quantity for c in self.frame.columns]
        return [[shown(v, q) for v, q in zip(row, quantities, strict=True)] for row in self.frame.itertuples(index=False)]

    def _repr_html_(self) -> str:
        if self.is_empty:
            return f'<p class="stomkpi-empty">{html.escape(self._sentence())}</p>'
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.frame.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in self._cells()
        )
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        note = f'<p class="stomkpi-note">{html.escape(self.note)}</p>' if self.note else ""
        return (f'<table class="stomkpi">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>{note}")

    def _repr_latex_(self) -> str:
        if self.is_empty:
            return "\n".join([r"\par\noindent", latex_escape(self._sentence()), r"\par"])
        cols = [str(c) for c in self.frame.columns]
        if not cols:
            return r"\emph{Нет данных.}"
        cells = self._cells()
        size, widths = fit_columns(cols, cells)
        numeric = [bool(cells) and all(_is_number(r[i]) or not r[i] for r in cells) for i in range(len(cols))]
        align = {True: r"\raggedleft", False: r"\raggedright"}
        spec = "".join(rf">{{{align[n]}\arraybackslash}}p{{{w - 2 * SEP:.1f}pt}}" for w, n in zip(widths, numeric, strict=True))
        head = " & ".join(rf"\textbf{{{_breakable(c, w - 2 * SEP, size, True)}}}" for c, w in zip(cols, widths, strict=True))
        lines = [rf"{{{FONT_SIZES[size]}\sffamily", rf"\setlength{{\tabcolsep}}{{{SEP}pt}}",
                 rf"\begin{{longtable}}{{{spec}}}"]
        if self.caption:
            lines.append(rf"\multicolumn{{{len(cols)}}}{{@{{}}p{{{sum(widths):.1f}pt}}}}"
                         rf"{{\textbf{{{latex_escape(self.caption)}}}}} \\[{CAPTION_SPACE}pt]")
        lines += [r"\hline", head + r" \\ \hline", r"\endhead"]
        for row in cells:
            lines.append(" & ".join(_breakable(v, w - 2 * SEP, size) for v, w in zip(row, widths, strict=True)) + r" \\")
        lines += [r"\hline", r"\end{longtable}}"]
        if self.note:
            lines += [r"\par\noindent", latex_escape(self.note), r"\par"]
        return "\n".join(lines)

    def __repr__(self) -> str:  # text/plain: stable, no memory address
        if self.is_empty:
            return self._sentence()
        return self.frame.to_string(index=False) + (f"\n{self.note}" if self.note else "")


LINE_WIDTH = 510.0  # pt: the text width of the PDF's A4 page (210 mm less 2 × 15 mm)
SEP = 3.0  # pt of space either side of a column's text (\tabcolsep)
CAPTION_SPACE = 3.0  # pt between a caption's descenders and the table's top rule (without it they touch)
FONT_SIZES = {8.0: r"\footnotesize", 7.0: r"\scriptsize", 6.0: r"\tiny"}  # their sizes at the document's 10 pt
WORD_CAP = 110.0  # pt: a longer word (a checksum, a path) gets break points instead of a wider column
TEXT_CAP = 170.0  # pt: a text column wider than this wraps rather than widening further


def fit_columns(cols: list[str], cells: list[list[str]], line: float = LINE_WIDTH) -> tuple[float, list[float]]:
    """The largest table font at which every header word and every cell word fits its column whole,
    and the columns' widths in pt (text plus `SEP` each side), filling the line.

    Each column gets at least its longest word (bold for the header); the room left goes to the
    columns in proportion to their longest text (`_share`), so long text wraps in the widest columns."""
    for size in FONT_SIZES:
        low, want, text = [], [], []
        for i, c in enumerate(cols):
            head = max((text_width(w, True, size) for w in _pieces(c)), default=0.0)
            column = [r[i] for r in cells]
            word = max((text_width(w, False, size) for v in column for w in _pieces(v)), default=0.0)
            longest = max((text_width(v, False, size) for v in column), default=0.0)
            low.append(max(head, min(word, WORD_CAP), 3 * size) + 2 * SEP + 1.5)
            want.append(max(low[-1], min(longest, TEXT_CAP) + 2 * SEP + 1.5))
            text.append(max(low[-1], longest + 2 * SEP + 1.5))
        if sum(low) <= line:
            break
    else:  # too many columns for whole words even at the smallest size: every column shrinks alike, and a word
        return size, [lo * line / sum(low) for lo in low]  # wider than its column gets break points (`_breakable`)
    if sum(want) <= line:
        return size, [w * line / sum(want) for w in want]
    return size, _share(low, text, line)


def _share(low: list[float], text: list[float], line: float) -> list[float]:
    """Widths in proportion to each column's longest text, none below its least width, filling the line: a column
    of sentences (an action with its dates) and one of names then wrap to about as many lines, rather than the
    sentences running down the page in a column as narrow as the names'."""
    fixed: set[int] = set()
    while True:
        free = [i for i in range(len(low)) if i not in fixed]
        scale = (line - sum(low[i] for i in fixed)) / sum(text[i] for i in free)
        short = {i for i in free if scale * text[i] < low[i]}
        if not short:
            return [low[i] if i in fixed else scale * text[i] for i in range(len(low))]
        fixed |= short


def _pieces(text: str) -> list[str]:
    """The parts of a text that a line cannot break: words, and the parts of a long hyphenated word up to
    each hyphen («Врач-», «стоматолог-», «терапевт»), after which TeX may break the line."""
    return [piece for word in text.split(" ") if word  # a no-break space does not part words
            for piece in (re.split(r"(?<=\w-)(?=\w)", word) if len(word) > 12 else [word])]


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[−-]?(\d{1,3}(\u00a0\d{3})+|\d+)(,\d+)?( %)?", text))


class TitlePage:
    """A report's title page: the clinic, the title, the period, the date and the signatories' lines. In
    the PDF a page of its own; in HTML the page's heading block."""

    def __init__(self, clinic: str, title: str, period: str, date: str, signatories: list[str], note: str = ""):
        self.clinic, self.title, self.period, self.date = clinic, title, period, date
        self.signatories, self.note = signatories, note

    def _repr_html_(self) -> str:
        from stomkpi.safe import html_text

        signs = "".join(f"<p>{html_text(s)} ____________________ / ____________________ /</p>" for s in self.signatories)
        note = f"<p><small>{html_text(self.note)}</small></p>" if self.note else ""
        return (f'<div class="stomkpi-title"><p><b>{html_text(self.clinic)}</b></p><h1>{html_text(self.title)}</h1>'
                f"<p>{html_text(self.period)}</p><p>Дата отчёта: {html_text(self.date)}</p>{signs}{note}</div>")

    def _repr_latex_(self) -> str:
        from stomkpi.safe import latex_text

        signs = "\n".join(rf"\noindent {latex_text(s)} \hfill \rule{{45mm}}{{0.4pt}} / \rule{{45mm}}{{0.4pt}} /"
                          r"\par\vspace{9mm}" for s in self.signatories)
        note = rf"\vspace{{10mm}}{{\footnotesize {latex_text(self.note)}\par}}" if self.note else ""
        return "\n".join([
            r"\begin{titlepage}", r"\centering", r"\vspace*{10mm}",
            rf"{{\large\bfseries {latex_text(self.clinic)}\par}}", r"\vspace{25mm}",
            rf"{{\LARGE\bfseries {latex_text(self.title)}\par}}", r"\vspace{8mm}",
            rf"{{\Large {latex_text(self.period)}\par}}", r"\vspace{6mm}",
            rf"{{\large Дата отчёта: {latex_text(self.date)}\par}}", r"\vspace{6mm}",
            r"\stomkpiapproval", r"\vspace{20mm}", r"\raggedright",
            signs, note, r"\end{titlepage}"])

    def __repr__(self) -> str:
        return f"{self.clinic}. {self.title}, {self.period}. Дата отчёта: {self.date}"


class PageBreak:
    """The end of a section in the PDF: the next one starts on a new page. Nothing in HTML."""

    def _repr_latex_(self) -> str:
        return r"\clearpage"

    def _repr_html_(self) -> str:
        return '<hr class="stomkpi-section">'

    def __repr__(self) -> str:
        return "—"


def page_break() -> None:
    """Start the next section on a new page of the PDF."""
    from IPython.display import display

    display(PageBreak())
def show(frame: pd.DataFrame, caption: str | None = None, index: bool = False, empty: str = NO_DATA,
         quantity: str | None = None, whole: str | None = None) -> None:
    """Display a table that prints whole in both HTML and PDF; without rows, the sentence `empty`; `quantity`: that of
    the numbers in columns whose header names none (`text.PLACES`); `whole`: where all its rows are, when it prints
    only the first `LONG_TABLE` («в файле protocols-2025-12.xlsx»)."""
    from IPython.display import display

    display(Table(frame, caption, index, empty, quantity, whole))
