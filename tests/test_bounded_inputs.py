"""Odd inputs of a month's report, each answered by one Russian line naming the input (exit 2), quickly.

The table `CASES` holds one mutation of a demo clinic per case: a FIFO, a device, a folder or an
oversized file where a file is expected; norms the parameters name but that cannot be read; НМО hours
and days out of bounds; merged cells, hostile path patterns, a UTF-16 or duplicate-keyed YAML file, a
file that is not a parameters file at all, huge cells. Every run has a timeout: a FIFO that is opened
hangs, and a device read whole fills the memory (the runs are also capped in address space).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from openpyxl import load_workbook

from .test_cli import ROOT, run

PERIOD = "2025-12"
MIB = 1024 * 1024


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Path:
    """A demo clinic, made once; each case works on a copy of it."""
    root = tmp_path_factory.mktemp("bounded") / "clinic"
    (root / "params").mkdir(parents=True)
    (root / "params" / "demo.yaml").write_text((ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"),
                                               encoding="utf-8")
    result = run("demo", "--params", str(root / "params" / "demo.yaml"))
    assert result.returncode == 0, result.stderr
    return root


def _limited() -> None:
    # 4 GB of address space: a device read whole stops there instead of filling the machine
    resource.setrlimit(resource.RLIMIT_AS, (4 * 1024 * MIB, 4 * 1024 * MIB))


def stomkpi(*args: str, timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stomkpi", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, preexec_fn=_limited)


# --- mutations of a clinic's copy ------------------------------------------------------------------------------


def _params(root: Path) -> Path:
    return root / "params" / "demo.yaml"


def set_key(key: str, value: str | None) -> Callable[[Path], None]:
    """Set (or, with None, drop) a key of the parameters file."""

    def mutate(root: Path) -> None:
        lines = [line for line in _params(root).read_text(encoding="utf-8").splitlines()
                 if not line.startswith(f"{key}:")]
        if value is not None:
            lines.append(f"{key}: {value}")
        _params(root).write_text("\n".join(lines) + "\n", encoding="utf-8")

    return mutate


def fifo(name: str) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        (root / name).unlink(missing_ok=True)
        os.mkfifo(root / name)

    return mutate


def sparse(name: str, size: int) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        with open(root / name, "r+b" if (root / name).exists() else "wb") as fh:
            fh.truncate(size)

    return mutate


def both(*mutations: Callable[[Path], None]) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        for m in mutations:
            m(root)

    return mutate


def cell(book: str, sheet: str, column: str, value: object, row: int = 2, **others: object) -> Callable[[Path], None]:
    """Write `value` into a cell (by header) of a workbook of the clinic, and `others` (header -> value) on the row."""

    def mutate(root: Path) -> None:
        wb = load_workbook(root / book)
        ws = wb[sheet]
        header = [c.value for c in ws[1]]
        for name, v in {column: value, **others}.items():
            ws.cell(row, header.index(name) + 1).value = v
        wb.save(root / book)

    return mutate


def merged(book: str, sheet: str, column: str, first: int, last: int) -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        wb = load_workbook(root / book)
        ws = wb[sheet]
        col = [c.value for c in ws[1]].index(column) + 1
        ws.merge_cells(start_row=first, start_column=col, end_row=last, end_column=col)
        wb.save(root / book)

    return mutate


def rewrite(name: str, edit: Callable[[str], str], encoding: str = "utf-8") -> Callable[[Path], None]:
    def mutate(root: Path) -> None:
        text = (root / name).read_text(encoding="utf-8")
        (root / name).write_text(edit(text), encoding=encoding)

    return mutate


# --- the cases -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    name: str
    mutate: Callable[[Path], None]
    expected: tuple[str, ...]  # words the one line must hold
    params: str | None = None  # another parameters file than the clinic's (absolute, or relative to the clinic)
    absent: tuple[str, ...] = ()  # words the line must not hold
    command: tuple[str, ...] = ("monthly", "--month", PERIOD)


NMO_ROW = {"Очное": "да"}  # «Дни» matter for an in-person event

CASES = [
    # bounded reading: a device, a FIFO, a folder, a file over its kind's limit — refused before it is opened
    Case("nmo_workbook_dev_zero", set_key("nmo_workbook", "/dev/zero"), ("/dev/zero", "nmo_workbook", "устройство")),
    Case("workbook_fifo", fifo(f"demo/{PERIOD}.xlsx"), (f"{PERIOD}.xlsx", "именованный канал")),
    Case("nmo_workbook_fifo", fifo("demo/nmo.xlsx"), ("nmo.xlsx", "nmo_workbook", "именованный канал")),
    Case("norms_fifo", fifo("demo/norms-2025.yaml"), ("norms-2025.yaml", "norms", "именованный канал")),
    Case("params_fifo", fifo("params/fifo.yaml"), ("fifo.yaml", "файл параметров", "именованный канал"),
         params="params/fifo.yaml"),
    Case("region_best_fifo", both(rewrite("demo/norms-2025.yaml", lambda t: t + "region_best_file: rb.yaml\n"),
                                  fifo("demo/rb.yaml")), ("rb.yaml", "region_best_file", "именованный канал")),
    Case("nmo_workbook_folder", set_key("nmo_workbook", "demo"), ("nmo_workbook", "папка")),
    Case("workbook_too_large", sparse(f"demo/{PERIOD}.xlsx", 60 * MIB), (f"{PERIOD}.xlsx", "больше допустимых", "МБ")),
    Case("nmo_workbook_too_large", sparse("demo/nmo.xlsx", 60 * MIB), ("nmo.xlsx", "nmo_workbook", "больше допустимых")),
    Case("params_too_large", sparse("params/demo.yaml", 2 * MIB), ("demo.yaml", "файл параметров", "больше допустимых")),
    Case("norms_too_large", sparse("demo/norms-2025.yaml", 2 * MIB), ("norms-2025.yaml", "norms", "больше допустимых")),
    Case("csv_sheet_fifo", both(lambda r: (r / "csv").mkdir(), fifo("csv/Сотрудники.csv")),
         ("Сотрудники.csv", "именованный канал"), command=("score", "csv", "--month", PERIOD)),
    # no silent fallback: norms the parameters name, unreadable, are an error, not norms found elsewhere
    Case("norms_names_a_folder", both(set_key("norms", '"elsewhere/{year}"'), lambda r: (r / "elsewhere/2025").mkdir(
        parents=True)), ("norms", "elsewhere/2025", "папка")),
    Case("norms_names_a_missing_file", set_key("norms", '"elsewhere/norms-{year}.yaml"'),
         ("norms", "elsewhere/norms-2025.yaml", "norms-2025.yaml")),
    # НМО numbers within bounds, like the month's
    Case("nmo_hours_1e308", cell("demo/nmo.xlsx", "Обучение", "Часы", 1e308),
         ("лист «Обучение», строка 2, столбец «Часы»", "не больше")),
    Case("nmo_hours_36000", cell("demo/nmo.xlsx", "Обучение", "Часы", 36000),
         ("лист «Обучение», строка 2, столбец «Часы»", "не больше")),
    Case("nmo_days_a_billion", cell("demo/nmo.xlsx", "Обучение", "Дни", 10**9, **NMO_ROW),
         ("лист «Обучение», строка 2, столбец «Дни»", "не больше")),
    # one Russian line, exit 2, for what used to be an internal error or an unhelpful message
    Case("merged_department_cells", merged(f"demo/{PERIOD}.xlsx", "Сотрудники", "Отделение", 2, 4),
         ("лист «Сотрудники», строка 3, столбец «Отделение»", "объединены")),
    Case("workbook_pattern_with_format", set_key("workbook", '"demo/{month:>999999999999}.xlsx"'),
         ("workbook", "{month}")),
    Case("braces_in_data_dir", both(set_key("workbook", None), set_key("data_dir", '"de{mo}"')),
         ("de{mo}/2025-12.xlsx",)),
    Case("params_in_utf16", rewrite("params/demo.yaml", lambda t: t, encoding="utf-16"), ("UTF-16", "UTF-8")),
    Case("params_duplicate_key", rewrite("params/demo.yaml", lambda t: t + "clinic: Другая\n"),
         ("файл параметров", "«clinic»", "строки 3 и 9")),
    Case("norms_duplicate_key", rewrite("demo/norms-2025.yaml", lambda t: t + "year: 2024\n"),
         ("файл норм", "«year»", "строки 4 и")),
    Case("params_not_a_params_file", lambda r: None, ("/etc/passwd", "файл параметров"), params="/etc/passwd",
         absent=("root:", "/bin/")),
    Case("huge_number_cell", cell(f"demo/{PERIOD}.xlsx", "Сотрудники", "Ставки_ОМС", "9" * 2_000_000),
         ("лист «Сотрудники», строка 2, столбец «Ставки_ОМС»", "…")),
    Case("huge_position_cell", cell(f"demo/{PERIOD}.xlsx", "Сотрудники", "Должность", "в" * 2_000_000),
         ("лист «Сотрудники», строка 2, столбец «Должность»", "знаков")),
    Case("department_of_27000_characters", cell(f"demo/{PERIOD}.xlsx", "Сотрудники", "Отделение", "Отделение" * 3000),
         ("лист «Сотрудники», строка 2, столбец «Отделение»", "27000 знаков", "не длиннее")),
]


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_odd_input_is_one_line_naming_it(case: Case, clinic: Path, tmp_path: Path):
    root = tmp_path / "clinic"
    shutil.copytree(clinic, root)
    case.mutate(root)
    params = str(root / case.params) if case.params and not case.params.startswith("/") else case.params
    if case.command[0] == "score":  # a workbook named on the command line, no parameters
        result = stomkpi("score", str(root / case.command[1]), *case.command[2:])
    else:
        result = stomkpi(*case.command, "--params", params or str(_params(root)), "--quiet")
    assert result.returncode == 2, result.stderr[-2000:]
    message = one_message(result.stderr)
    assert len(message) < 600, message[:2000]
    for word in case.expected:
        assert word in message
    for word in case.absent:
        assert word not in message
    assert not (root / "outputs" / PERIOD).exists()


def one_message(stderr: str) -> str:
    """The one error of a run: a single line, or a workbook's list («найдено ошибок: 1») holding one problem."""
    lines = stderr.strip().splitlines()
    assert lines and lines[0].startswith("Ошибка: "), stderr[-2000:]
    if len(lines) == 2:
        assert "найдено ошибок: 1." in lines[0] and lines[1].startswith("  1. "), stderr[-2000:]
        return " ".join(lines)
    assert len(lines) == 1, stderr[-2000:]
    return lines[0]


# --- every input read is an input recorded ---------------------------------------------------------------------


def test_norms_beside_the_book_are_an_input_of_the_report(clinic: Path, tmp_path: Path):
    """Without a `norms` key and without data_dir's norms, the norms beside the book are read: so they are recorded."""
    from stomkpi.config import load_params
    from stomkpi.report.annual import annual_inputs
    from stomkpi.report.monthly import monthly_inputs

    root = tmp_path / "clinic"
    shutil.copytree(clinic, root)
    (root / "elsewhere").mkdir()
    both(set_key("norms", None), set_key("data_dir", "elsewhere"))(root)
    params = load_params(_params(root))
    beside = root / "demo" / "norms-2025.yaml"
    assert monthly_inputs(PERIOD, params)["norms"] == beside
    assert annual_inputs(2025, params)["norms"] == beside


def test_a_month_book_that_is_a_fifo_is_refused_by_the_annual_report_not_skipped(clinic: Path, tmp_path: Path):
    from stomkpi.config import load_params
    from stomkpi.errors import StomkpiError
    from stomkpi.report.annual import annual_inputs

    root = tmp_path / "clinic"
    shutil.copytree(clinic, root)
    fifo("demo/2025-03.xlsx")(root)
    with pytest.raises(StomkpiError, match="2025-03.xlsx — это именованный канал"):
        annual_inputs(2025, load_params(_params(root)))
