"""The command line end to end, as the analyst runs it."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from stomkpi.catalog import load_positions
from stomkpi.demo.clinic import STAFFING

ROOT = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stomkpi", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300)


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("demo")
    result = run("demo", str(target))
    assert result.returncode == 0, result.stderr
    return target


def test_demo_writes_twelve_months_and_nmo(demo_dir):
    assert sorted(p.name for p in demo_dir.glob("*.xlsx")) == [f"2025-{m:02d}.xlsx" for m in range(1, 13)] + ["nmo.xlsx"]


def test_demo_is_deterministic(demo_dir, tmp_path):
    again = tmp_path / "again"
    assert run("demo", str(again)).returncode == 0
    for name in ("2025-01.xlsx", "2025-12.xlsx", "nmo.xlsx"):
        assert hashlib.sha256((demo_dir / name).read_bytes()).digest() == \
            hashlib.sha256((again / name).read_bytes()).digest()


def test_demo_covers_every_position_and_department():
    codes = {code for _, _, code, _ in STAFFING}
    assert codes == {p.code for p in load_positions().positions}
    assert 110 <= sum(n for *_, n in STAFFING) <= 130


def test_score_december_prints_everyone(demo_dir):
    result = run("score", str(demo_dir / "2025-12.xlsx"))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(io.StringIO(result.stdout), dtype={"staff_id": str})
    staff = pd.read_excel(demo_dir / "2025-12.xlsx", sheet_name="Сотрудники", dtype={"Таб_номер": str}, engine="calamine")
    assert sorted(table["staff_id"]) == sorted(staff["Таб_номер"])
    for column in ("staff_id", "name", "position", "department", "norm_points", "main_points",
                   "additional_points", "total_points", "percent", "coefficient", "pts_plan"):
        assert column in table.columns
    assert table["percent"].notna().all()
    # a realistic spread: most near 100 %, some below and above
    assert 0.5 < ((table["percent"] > 85) & (table["percent"] < 120)).mean() < 0.98
    assert (table["percent"] < 85).any() and (table["percent"] > 115).any()


def test_demo_has_deprivations_violations_and_gratitude(demo_dir):
    book = load_workbook(demo_dir / "2025-12.xlsx", read_only=True)
    deprivations = sum(1 for _ in book["Лишение"].iter_rows(min_row=2))
    events = [r[1] for r in book["События"].iter_rows(min_row=2, values_only=True)]
    assert deprivations >= 1
    assert "Благодарность" in events
    assert any(e.startswith("Нарушение") for e in events)


def test_score_to_file(demo_dir, tmp_path):
    out = tmp_path / "scores.csv"
    result = run("score", str(demo_dir / "2025-06.xlsx"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert len(pd.read_csv(out)) == sum(n for *_, n in STAFFING)


def test_bad_workbook_exits_2_lists_all_and_writes_nothing(demo_dir, tmp_path):
    bad = tmp_path / "2025-12.xlsx"
    book = load_workbook(demo_dir / "2025-12.xlsx")
    book["Сотрудники"]["C3"] = "Космонавт"
    book["Сотрудники"]["E5"] = "много"
    book["Показатели"]["A3"] = "99999"
    book.save(bad)
    out = tmp_path / "scores.csv"
    result = run("score", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "найдено ошибок: 3" in result.stderr
    assert "лист «Сотрудники», строка 3, столбец «Должность»" in result.stderr
    assert "лист «Сотрудники», строка 5, столбец «Ставки_ОМС»" in result.stderr
    assert "лист «Показатели», строка 3, столбец «Таб_номер»" in result.stderr
    assert not out.exists() and not list(tmp_path.glob("*.tmp"))


def test_missing_file_and_bad_month_option(tmp_path):
    result = run("score", str(tmp_path / "nope.xlsx"))
    assert result.returncode == 2 and "не найдены" in result.stderr and "Traceback" not in result.stderr
    result = run("score", str(tmp_path / "nope.xlsx"), "--month", "12.2025")
    assert result.returncode == 2 and "ГГГГ-ММ" in result.stderr


def test_template_lists_sheets_and_criteria(tmp_path):
    path = tmp_path / "blank.xlsx"
    assert run("template", str(path)).returncode == 0
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Инструкция", "Сотрудники", "Показатели", "События", "Лишение", "Статистика", "Экспертиза",
                               "Фонд", "Критерии", "Поля"]
    instructions = "\n".join(str(c) for row in book["Инструкция"].iter_rows(values_only=True) for c in row if c)
    for header in ("Таб_номер", "Ставки_ОМС", "Дни_план", "Критерий", "Норма", "Количество", "Процент", "Причина", "Поле",
                   "Коэффициент", "Влияние", "СНИЛС", "Оклад", "Категория", "Сумма"):
        assert header in instructions
    criteria = list(book["Критерии"].iter_rows(min_row=2, values_only=True))
    assert len(criteria) == sum(len(p.criteria) for p in load_positions().positions)
    # a file name without a month: the command asks for --month instead of skipping the date checks
    result = run("score", str(path))
    assert result.returncode == 2 and "укажите месяц: --month ГГГГ-ММ" in result.stderr
    # the blank workbook is reported as empty, not as a crash
    result = run("score", str(path), "--month", "2025-12")
    assert result.returncode == 2 and "нет ни одного сотрудника" in result.stderr


def test_custom_catalog_option(tmp_path, demo_dir):
    result = run("score", str(demo_dir / "2025-12.xlsx"), "--catalog", str(tmp_path))
    assert result.returncode == 2 and "positions.yaml" in result.stderr


# ---------------------------------------------------------------- usage slips: one Russian line, exit 2

USAGE_SLIPS = {
    "bare": ([], "не указана команда"),
    "missing argument": (["score"], "не указан аргумент КНИГА"),
    "missing option": (["monthly"], "не указан параметр --month"),
    "unknown option": (["score", "x.xlsx", "--bogus"], "нет параметра --bogus"),
    "option without value": (["score", "x.xlsx", "--out"], "у параметра --out не указано значение"),
    "not a number": (["annual", "--year", "двадцать"], "неверное значение «двадцать»: параметр --year"),
    "extra argument": (["score", "a.xlsx", "b.xlsx"], "лишний аргумент: b.xlsx"),
    "mistyped command": (["scroe", "x.xlsx"], "нет команды «scroe» — может быть, «score»?"),
    "bad month": (["monthly", "--month", "12.2025"], "ГГГГ-ММ"),
    "verify nothing": (["verify", "нет.ipynb"], "нет файла блокнота"),
}


def _one_russian_line(result: subprocess.CompletedProcess, expected: str) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "Error" not in result.stderr and "Usage" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Ошибка: "), result.stderr
    assert expected in lines[0], lines[0]


@pytest.mark.parametrize("case", list(USAGE_SLIPS))
def test_usage_slips_are_one_russian_line(case, tmp_path):
    args, expected = USAGE_SLIPS[case]
    _one_russian_line(run(*args, cwd=tmp_path), expected)


def test_version():
    from stomkpi import __version__

    result = run("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"stomkpi {__version__}"


def test_help_is_russian():
    result = run("--help")
    assert result.returncode == 0
    for word in ("Запуск: stomkpi", "Команды", "Параметры", "Показать эту справку и выйти", "init"):
        assert word in result.stdout, word
    for word in ("Usage", "Options", "Commands", "Show this message"):
        assert word not in result.stdout, word
    sub = run("score", "--help")
    assert "Аргументы" in sub.stdout and "[обязательно]" in sub.stdout and "Arguments" not in sub.stdout


def test_score_out_a_folder_and_template_into_a_folder(tmp_path, demo_dir):
    _one_russian_line(run("score", str(demo_dir / "2025-12.xlsx"), "--out", str(tmp_path)), "это папка, а нужен файл")
    folder = tmp_path / "книги"
    folder.mkdir()
    _one_russian_line(run("template", str(folder)), "это папка, а нужен файл")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["книги"]  # no stray «книги.tmp»
    assert list(folder.iterdir()) == []


def test_score_to_xlsx_has_russian_headers_and_text_staff_numbers(tmp_path, demo_dir):
    out = tmp_path / "баллы.xlsx"
    result = run("score", str(demo_dir / "2025-12.xlsx"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert re.search(r"\(\d+ строк[аи]?\)", result.stderr)
    rows = list(load_workbook(out, read_only=True).active.iter_rows(values_only=True))
    assert rows[0][:2] == ("Таб. номер", "ФИО") and "Баллы: Процент выполнения плана" in rows[0]
    assert all(isinstance(r[0], str) for r in rows[1:])


def test_nmo_status_word_is_one_per_format(tmp_path, demo_dir):
    csv, xlsx = tmp_path / "нмо.csv", tmp_path / "нмо.xlsx"
    for out in (csv, xlsx):
        assert run("nmo", str(demo_dir / "nmo.xlsx"), "--on", "2025-12-31", "--out", str(out)).returncode == 0
    assert csv.read_bytes().startswith(b"\xef\xbb\xbf")
    codes = set(pd.read_csv(csv, dtype=str)["status"])
    assert codes and codes <= {"done", "on_track", "behind", "overdue"}
    rows = list(load_workbook(xlsx, read_only=True).active.iter_rows(values_only=True))
    words = {r[rows[0].index("Состояние")] for r in rows[1:]}
    from stomkpi.report.words import STATUS_NAMES

    assert words == {STATUS_NAMES[c] for c in codes}
