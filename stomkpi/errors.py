"""Errors a user can act on: each carries a Russian message, and the command line prints it without a traceback."""

from __future__ import annotations

from dataclasses import dataclass


class StomkpiError(Exception):
    """Base of every error whose message is meant for the user (exit status 2)."""


class CatalogError(StomkpiError):
    """A rule catalog (YAML) is malformed; the message names the file, the entry and the field."""


class ParamsError(StomkpiError):
    """A parameters file or a command-line parameter is invalid."""


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in an input: where it is (sheet, spreadsheet row, column) and what was expected."""

    sheet: str | None  # None: the file as a whole (missing, unreadable)
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        if self.sheet is None:
            return self.message
        where = [f"лист «{self.sheet}»"]
        if self.row is not None:
            where.append(f"строка {self.row}")
        if self.column:
            where.append(f"столбец «{self.column}»")
        return f"{', '.join(where)}: {self.message}"


class InputError(StomkpiError):
    """All problems found in one input, reported together."""

    def __init__(self, source: str, problems: list[Problem], sheet_order: tuple[str, ...] = ()):
        self.source = source
        rank = {name: i for i, name in enumerate(sheet_order)}
        self.problems = sorted(set(problems), key=lambda p: (rank.get(p.sheet, len(rank)), *_problem_order(p)))
        super().__init__(self.render())

    def render(self) -> str:
        n = len(self.problems)
        if n == 1 and self.problems[0].sheet is None:
            return f"{self.problems[0]}. Ничего не посчитано и не записано."
        head = f"В файле {self.source} найдено ошибок: {n}. Ничего не посчитано и не записано."
        return "\n".join([head, *(f"  {i}. {p}" for i, p in enumerate(self.problems, 1))])


def _problem_order(p: Problem) -> tuple:
    return (p.sheet or "", p.row if p.row is not None else -1, p.column or "", p.message)
