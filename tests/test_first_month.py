"""A real clinic's first month: `stomkpi init`, one month filled with three employees and no optional
sheet, then the monthly and annual reports; and the reports over combinations of present and absent
inputs (НМО book, norms, Статистика, Экспертиза), each section without data saying so in a sentence."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from stomkpi.catalog import load_indicators
from stomkpi.demo.indicators import write_norms
from stomkpi.demo.nmo import write_nmo_workbook

from .conftest import person, write_month
from .test_cli import run

THREE = [("01002", "Иванова Анна Петровна", "Врач-стоматолог", 1, 20, 20, 104),
         (101, "Петрова Мария Ивановна", "Медицинская сестра", 1, 20, 19, 96),
         ("103", "Сидорова Ольга Николаевна", "Санитарка", 0.5, 20, 20, None)]


def fill(book_path: Path) -> None:
    """Fill the blank book `init` wrote as an analyst does: Сотрудники and Показатели only."""
    book = load_workbook(book_path)
    for staff_id, name, title, rates, plan, fact, percent in THREE:
        book["Сотрудники"].append([staff_id, name, title, "Терапевтическое отделение", rates, 0, plan, fact])
        if percent is not None:
            book["Показатели"].append([staff_id, "Процент выполнения плана", percent])
    book.save(book_path)


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> dict:
    root = tmp_path_factory.mktemp("first-month") / "Поликлиника"
    init = run("init", str(root), "--clinic", "Городская стоматологическая поликлиника № 1")
    assert init.returncode == 0, init.stderr
    assert "Что дальше" in init.stdout
    books = sorted((root / "data").glob("*.xlsx"))
    assert len(books) == 1  # the blank book of the current month
    period = books[0].stem
    fill(books[0])
    params = root / "params" / "clinic.yaml"
    monthly, annual = both(("monthly", "--month", period, "--params", str(params)),
                           ("annual", "--year", period[:4], "--params", str(params)))
    return {"root": root, "period": period, "monthly": monthly, "annual": annual, "params": params}


def both(*commands: tuple[str, ...]) -> list[subprocess.CompletedProcess]:
    """Run commands two at a time (the machine has two cores): the reports of a fixture are independent."""
    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(lambda args: run(*args), commands))


def pdf_text(path: Path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(raw.split())


def test_init_writes_params_layout_and_a_blank_book(tmp_path):
    result = run("init", str(tmp_path / "новая"))
    assert result.returncode == 0, result.stderr
    text = (tmp_path / "новая" / "params" / "clinic.yaml").read_text(encoding="utf-8")
    for key in ("clinic:", "data_dir:", "workbook:", "outputs:", "norms:", "# nmo_workbook:", "# catalog_dir:"):
        line = next(i for i, s in enumerate(text.splitlines()) if s.startswith(key))
        assert text.splitlines()[line - 1].startswith("#"), key  # every key has its comment above it
    assert "seed" not in text and "year:" not in text
    assert (tmp_path / "новая" / "outputs").is_dir()
    assert f"stomkpi monthly --month {dt.date.today():%Y-%m} --params" in result.stdout
    again = run("init", str(tmp_path / "новая"))
    assert again.returncode == 2 and "ничего не перезаписывает" in again.stderr
    assert len(again.stderr.strip().splitlines()) == 1


def test_init_takes_the_date_as_a_parameter(tmp_path):
    from stomkpi.catalog import load_positions
    from stomkpi.clinic import init_clinic

    made = init_clinic(tmp_path / "c", dt.date(2031, 2, 3), load_positions(), "Клиника")
    assert made.workbook == tmp_path / "c" / "data" / "2031-02.xlsx" and made.workbook.is_file()
    assert "stomkpi monthly --month 2031-02" in made.next_steps()


def test_first_month_reports_exit_0_with_pdf_html_and_xlsx(clinic):
    period, root = clinic["period"], clinic["root"]
    for which in ("monthly", "annual"):
        result = clinic[which]
        assert result.returncode == 0, result.stderr
        assert "Traceback" not in result.stderr and "without encryption" not in result.stderr
        steps = re.findall(r"шаг (\d) из (\d): ", result.stderr)
        assert steps == [(str(i), "4") for i in range(1, 5)], result.stderr
    month, year = root / "outputs" / period, root / "outputs" / period[:4]
    assert {f"{period}.pdf", f"{period}.html", f"protocols-{period}.xlsx", f"scores-{period}.xlsx",
            f"scores-{period}.csv"} <= {p.name for p in month.iterdir()}
    assert {f"{period[:4]}.pdf", f"{period[:4]}.html", f"scores-{period[:4]}.xlsx"} <= {p.name for p in year.iterdir()}
    text = pdf_text(month / f"{period}.pdf")
    assert "Городская стоматологическая поликлиника № 1" in text and "Иванова Анна Петровна" in text
    assert "Книга НМО не указана в параметрах" in text
    assert "Лист «Статистика» не заполнен" in text
    year_text = pdf_text(year / f"{period[:4]}.pdf")
    assert "рейтинг подразделений не посчитан" in year_text and "Книга НМО не указана" in year_text


def test_files_opened_in_excel_keep_cyrillic_and_staff_numbers(clinic):
    folder = clinic["root"] / "outputs" / clinic["period"]
    raw = (folder / f"scores-{clinic['period']}.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    lines = raw.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("staff_id,") and any(line.startswith("01002,") for line in lines)
    sheet = load_workbook(folder / f"scores-{clinic['period']}.xlsx", read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == ("Таб. номер", "ФИО", "Должность по Положению")  # the position's name, not its code
    assert "01002" in [r[0] for r in rows[1:]] and "101" in [r[0] for r in rows[1:]]  # text, zeros kept
    assert all(isinstance(h, str) and not re.fullmatch(r"[a-z_]+", h) for h in rows[0])


# ---------------------------------------------------------------- present and absent inputs

@pytest.fixture(scope="module")
def combinations(tmp_path_factory) -> dict[str, dict]:
    """Three small clinics, one month each (and two for the year), over what is present:
    `all-but-nmo`: one doctor, Статистика, Экспертиза and norms, no НМО book;
    `nmo-only`: one nurse and an НМО book, no norms, Статистика or Экспертиза;
    `stats-no-norms`: Статистика without norms — refused before anything runs, in one message."""
    indicators = load_indicators()
    out = {}
    for name in ("all-but-nmo", "nmo-only", "stats-no-norms"):
        root = tmp_path_factory.mktemp(name)
        data = root / "data"
        data.mkdir()
        (root / "params").mkdir()
        text = f"clinic: Клиника «{name}»\n"
        if name == "all-but-nmo":
            doctor = [person("7", "Врач-стоматолог", name="Орлова Вера Игоревна")]
            stats = [("7", "Санированные больные", 30), ("7", "Первичные больные", 40), ("7", "УЕТ", 600),
                     ("7", "Посещения", 200), ("7", "caries_complicated", 25), ("7", "caries_uncomplicated", 100)]
            for m in ("2025-11", "2025-12"):
                write_month(data / f"{m}.xlsx", doctor, [("7", "plan", 100)], stats=stats,
                            reviews=[(f"{m}-1", "7", 1.0), (f"{m}-2", "7", 0.7, "медработник", "без влияния")])
            write_norms(data / "norms-2025.yaml", indicators, 2025, np.random.default_rng(1))
        elif name == "nmo-only":
            nurse = [person("0042", "Медицинская сестра", name="Белова Нина Петровна")]
            write_month(data / "2025-12.xlsx", nurse, [("0042", "plan", 97)])
            staff = pd.DataFrame([{"staff_id": "0042", "name": "Белова Нина Петровна", "position": "nurse",
                                   "department": "Терапевтическое отделение"}])
            write_nmo_workbook(data / "nmo.xlsx", staff, seed=3, on=dt.date(2025, 12, 31))
            text += "nmo_workbook: data/nmo.xlsx\n"
        else:
            write_month(data / "2025-12.xlsx", [person("1", "Врач-стоматолог")], [("1", "plan", 100)],
                        stats=[("1", "УЕТ", 600), ("1", "Посещения", 200)])
        params = root / "params" / "clinic.yaml"
        params.write_text(text, encoding="utf-8")
        out[name] = {"root": root, "params": params}
    commands = [(name, which, (which, "--month" if which == "monthly" else "--year",
                               "2025-12" if which == "monthly" else "2025", "--params", str(case["params"]), "--quiet"))
                for name, case in out.items() for which in ("monthly", "annual")]
    for (name, which, _), result in zip(commands, both(*(c for *_, c in commands)), strict=True):
        out[name][which] = result
    return out


@pytest.mark.parametrize("name", ["all-but-nmo", "nmo-only"])
@pytest.mark.parametrize("which", ["monthly", "annual"])
def test_reports_build_whatever_is_absent(combinations, name, which):
    case = combinations[name]
    result = case[which]
    assert result.returncode == 0, result.stderr
    folder = case["root"] / "outputs" / ("2025-12" if which == "monthly" else "2025")
    html = (folder / f"{folder.name}.html").read_text(encoding="utf-8")
    assert 'colspan="0"' not in html and "<tbody></tbody>" not in html
    nb = nbformat.read(folder / f"{folder.name}.ipynb", as_version=4)
    latex = [o["data"]["text/latex"] for c in nb.cells for o in c.get("outputs", []) if "text/latex" in o.get("data", {})]
    assert latex and not any(r"\begin{longtable}{}" in t for t in latex)
    text = pdf_text(folder / f"{folder.name}.pdf")
    if name == "all-but-nmo":
        assert "Книга НМО не указана" in text
        if which == "annual":
            assert "Результат (место) по кварталам и за год" in text  # the rating, from Статистика and norms
    else:
        assert "Белова Нина Петровна" in text
        assert "Лист «Статистика» не заполнен" in text
        if which == "annual":
            assert "рейтинг подразделений не посчитан" in text
            plans = pd.read_csv(folder / "nmo-2025.csv", dtype=str)
            words = load_workbook(folder / "nmo-2025.xlsx", read_only=True).active
            rows = list(words.iter_rows(values_only=True))
            status = rows[0].index("Состояние")
            assert set(plans["status"]) <= {"done", "on_track", "behind", "overdue"}
            shown = {r[status] for r in rows[1:]}
            assert shown <= {"выполнено", "по графику", "отстаёт", "просрочено"}
            assert all(word in text for word in shown)  # the report uses the xlsx's word


def test_statistics_without_norms_is_one_message_before_anything_runs(combinations):
    for which in ("monthly", "annual"):
        result = combinations["stats-no-norms"][which]
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.count("Ошибка:") == 1 and "нужен файл норм года" in result.stderr
    assert not (combinations["stats-no-norms"]["root"] / "outputs" / "2025-12").exists()


def test_manifest_lists_only_the_inputs_that_exist(combinations):
    manifest = json.loads((combinations["nmo-only"]["root"] / "outputs" / "2025-12" / "manifest.json").read_text("utf-8"))
    assert set(manifest["inputs"]) == {"params", "workbook", "nmo"}  # the parameters file is an input as well
