"""Input text as data wherever it goes: one function per target (spreadsheet cell, CSV, HTML,
Markdown, LaTeX), so that no name, reason or department typed into a workbook becomes a formula,
markup or a TeX command.

Theory of operation: text from the workbooks and the params file is untrusted. Each place that
renders it calls the function of its target, and only that one: `spreadsheet_cell` for .xlsx and
CSV cells (the OWASP rule against formula injection: a cell that would start with = + - @, a tab
or a carriage return gets a leading apostrophe), `html_text`, `markdown_text` (backslash-escapes
every ASCII punctuation character, which both mistune and pandoc honour, so that neither HTML,
links, images nor `$…$` maths survive), `latex_text` (for raw LaTeX such as table cells). Control
characters, which openpyxl refuses and terminals interpret, are dropped everywhere; very long words
get break opportunities so that a 10 000-character name still typesets.

Editing rule: a new output format gets its own function here; callers never escape by hand.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

# control characters (tab and line breaks kept), and what no UTF-8 or XML file can hold: lone surrogates, U+FFFE/FFFF
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>$&~^\"'=:%])")
_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
                  "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}"}
_LATEX_RE = re.compile("|".join(re.escape(k) for k in _LATEX_SPECIAL))
LONG_WORD = 40  # characters between break opportunities in a word with no spaces


def clean(text: object) -> str:
    """The text without control characters (tab and line breaks kept) and what no UTF-8 or XML file can hold."""
    return _CONTROL.sub("", str(text))


def starts_formula(text: str) -> bool:
    """Whether a spreadsheet program could read the text as a formula (the OWASP list of first characters)."""
    return text.startswith(_FORMULA_START)


def spreadsheet_cell(value: object) -> object:
    """A value as an .xlsx or CSV cell may hold it: text never starts a formula, numbers pass as they are."""
    if not isinstance(value, str):
        return value
    text = clean(value)
    return "'" + text if starts_formula(text) else text


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of the table whose text cells never start a formula."""
    safe = frame.copy()
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column]):
            safe[column] = safe[column].map(spreadsheet_cell)
    return safe


def write_csv(frame: pd.DataFrame, path: Path | str) -> Path:
    """A CSV that Excel opens with Cyrillic intact (UTF-8 with BOM) and with no cell starting a formula."""
    path = Path(path)
    formula_safe(frame).to_csv(path, index=False, encoding="utf-8-sig", lineterminator="\n")
    return path


def html_text(text: object) -> str:
    """Text for an HTML page: markup characters as entities."""
    return html.escape(clean(text), quote=True)


def markdown_text(text: object) -> str:
    """Text for a Markdown cell: every punctuation character that could start markup is escaped,
    line breaks become spaces (a name cannot open a new block), long words may break."""
    flat = " ".join(clean(text).split())
    return _MD_SPECIAL.sub(r"\\\1", _break_long_words(flat, "\u200b"))


def latex_text(text: object) -> str:
    """Text for raw LaTeX: special characters as their text commands, long words with break points."""
    words = " ".join(clean(text).split()).split(" ")
    return " ".join(r"\allowbreak{}".join(_LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group(0)], part)
                                            for part in _chunks(word)) for word in words)


def _chunks(word: str) -> list[str]:
    return [word[i:i + LONG_WORD] for i in range(0, len(word), LONG_WORD)] or [""]


def _break_long_words(text: str, mark: str) -> str:
    return " ".join(mark.join(_chunks(word)) for word in text.split(" "))
