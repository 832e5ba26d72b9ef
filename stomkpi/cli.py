"""The command line: thin wrappers that parse arguments, call the library and print Russian errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import StomkpiError

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Оценка результативности сотрудников, рейтинг отделений и учёт НМО.",
)

CatalogOpt = Annotated[
    Optional[Path],
    typer.Option("--catalog", help="Папка с собственной копией каталога правил (YAML)."),
]


def main() -> None:
    """Entry point: user errors become a Russian message and exit status 2, never a traceback."""
    try:
        app(standalone_mode=False)
    except StomkpiError as exc:
        print(f"Ошибка: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except typer.Abort:
        raise SystemExit(1) from None
    except Exception as exc:  # click usage errors and the like
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            raise SystemExit(exc.exit_code) from None
        raise
