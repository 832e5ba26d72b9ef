"""Tables for notebooks that print whole in HTML and in the PDF.

`show(frame)` displays a DataFrame as an object with both an HTML and a LaTeX form. The LaTeX form
is a `longtable` whose column widths are shares of the line width, chosen from the lengths of the
header and the cells, with wrapping cells and a small font: a wide table breaks across pages but
is never cut at the page edge. A table without rows is never printed as an empty table: it shows
one sentence instead (`empty`), in every format.
"""

from __future__ import annotations

import datetime as dt
import html
import math

import pandas as pd

from ..safe import clean

_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
}


def fmt(value: object) -> str:
    """A cell as people read it: no trailing .0, decimal comma, empty for missing."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, float):
        text = f"{value:.2f}".rstrip("0").rstrip(".") if not value.is_integer() else f"{int(value)}"
        return text.replace(".", ",")
    if isinstance(value, (pd.Timestamp, dt.date)):
        return value.strftime("%d.%m.%Y")
    return clean(value)


def latex_escape(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in clean(text))


def _breakable(text: str, every: int = 12) -> str:
    """Escape a cell for LaTeX, letting long unbroken tokens (checksums, paths) wrap."""
    words = []
    for word in text.split(" "):
        if len(word) > 2 * every:
            word = r"\allowbreak{}".join(latex_escape(word[i:i + every]) for i in range(0, len(word), every))
        else:
            word = latex_escape(word)
        words.append(word)
    return " ".join(words)


NO_DATA = "Данных нет."


class Table:
    """A DataFrame with an HTML and a LaTeX representation for notebook output."""

    def __init__(self, frame: pd.DataFrame, caption: str | None = None, index: bool = False, empty: str = NO_DATA):
        self.frame = frame.reset_index() if index and len(frame) else frame
        self.caption = caption
        self.empty = empty

    @property
    def is_empty(self) -> bool:
        return len(self.frame) == 0 or len(self.frame.columns) == 0

    def _sentence(self) -> str:
        if not self.caption:
            return self.empty
        return f"{self.caption.rstrip(':')}: {self.empty[:1].lower()}{self.empty[1:]}"

    def _cells(self) -> list[list[str]]:
        return [[fmt(v) for v in row] for row in self.frame.itertuples(index=False)]

    def _repr_html_(self) -> str:
        if self.is_empty:
            return f'<p class="stomkpi-empty">{html.escape(self._sentence())}</p>'
        head = "".join(f"<th>{html.escape(str(c))}</th>" for c in self.frame.columns)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(v)}</td>" for v in row) + "</tr>" for row in self._cells()
        )
        caption = f"<caption>{html.escape(self.caption)}</caption>" if self.caption else ""
        return (f'<table class="stomkpi">{caption}<thead><tr>{head}</tr></thead>'
                f"<tbody>{body}</tbody></table>")

    def _repr_latex_(self) -> str:
        if self.is_empty:
            return "\n".join([r"\par\noindent", latex_escape(self._sentence()), r"\par"])
        cols = [str(c) for c in self.frame.columns]
        if not cols:  # a table with no columns (nothing to show): a dash, not an empty longtable preamble
            caption = rf"\textbf{{{latex_escape(self.caption)}}}\\" if self.caption else ""
            return rf"{{\footnotesize {caption}—}}"
        cells = self._cells()
        landscape = len(cols) > LANDSCAPE_COLUMNS
        widths = _widths(cols, cells, LINE_CHARS_LANDSCAPE if landscape else LINE_CHARS)
        spec = "".join(rf">{{\raggedright\arraybackslash}}p{{{w:.3f}\linewidth}}" for w in widths)
        # \hspace{0pt}: TeX never hyphenates a paragraph's first word, and a header cell is one paragraph
        head = " & ".join(rf"\textbf{{\hspace{{0pt}}{latex_escape(c)}}}" for c in cols) + r" \\ \hline"
        lines = [r"{\footnotesize", r"\setlength{\tabcolsep}{3pt}", rf"\begin{{longtable}}{{{spec}}}"]
        if self.caption:
            lines.append(rf"\multicolumn{{{len(cols)}}}{{l}}{{\textbf{{{latex_escape(self.caption)}}}}} \\")
        lines += [r"\hline", head, r"\endhead"]
        for row in cells:
            lines.append(" & ".join(_breakable(v) for v in row) + r" \\")
        lines += [r"\hline", r"\end{longtable}}"]
        if landscape:  # a wide table gets landscape pages of its own rather than cramped columns
            lines = [r"\begin{landscape}", *lines, r"\end{landscape}"]
        return "\n".join(lines)

    def __repr__(self) -> str:  # text/plain: stable, no memory address
        return self._sentence() if self.is_empty else self.frame.to_string(index=False)


LINE_CHARS = 100  # characters of the small table font across the text width of an A4 page
LINE_CHARS_LANDSCAPE = 150  # … and of a landscape A4 page
LANDSCAPE_COLUMNS = 9  # tables with more columns are set on landscape pages


def _widths(cols: list[str], cells: list[list[str]], line_chars: int = LINE_CHARS) -> list[float]:
    """Column widths as shares of the line. Each column gets at least room for its longest word (long
    header words are hyphenated by the Russian rules), then the room left goes to the columns whose
    cells are longer."""
    minimum, desired = [], []
    for i, c in enumerate(cols):
        header_word = max((len(w) for w in c.split()), default=1)
        cell_word = max((len(w) for r in cells for w in r[i].split()), default=1)
        longest_cell = max((len(r[i]) for r in cells), default=1)
        low = max(min(header_word, 9), min(cell_word, 20), 3) + 1  # long header words hyphenate
        minimum.append(low)
        desired.append(max(low, min(longest_cell, 40) + 1))
    if sum(desired) <= line_chars:
        chars = [d * line_chars / sum(desired) for d in desired]
    elif sum(minimum) < line_chars:
        spare, wish = line_chars - sum(minimum), sum(d - m for d, m in zip(desired, minimum, strict=True))
        chars = [m + spare * (d - m) / wish for d, m in zip(desired, minimum, strict=True)]
    else:
        chars = [m * line_chars / sum(minimum) for m in minimum]
    usable = 1.0 - 0.012 * len(cols)  # room for the space between columns
    return [usable * c / line_chars for c in chars]


def show(frame: pd.DataFrame, caption: str | None = None, index: bool = False, empty: str = NO_DATA) -> None:
    """Display a table that prints whole in both HTML and PDF; without rows, the sentence `empty`."""
    from IPython.display import display

    display(Table(frame, caption, index, empty))
