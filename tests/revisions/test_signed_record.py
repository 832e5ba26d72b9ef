"""The signed month is the record: a clinic of two months (the dentist and the nurse of tests/revisions/test_approval.py)
run once for the module — December approved; the parameters changed after (the НМО book named); the approved
month still verifies; a revision with no change to the inputs gives the approved figures and names the added
book; the workbook corrected after approval leaves the annual report on the approved figures, November (never
approved) marked «не утверждён»; the annual report verifies, and names the month whose kept copy is altered;
the revision approved stamps its card PDFs and names the edition it replaces by number and date.

The figures by hand (tests/revisions/test_approval.py): the dentist 27,12 points, 90,4 %, coefficient 0,82; with the
second gratitude counted twice (the correction made after approval) 28,12, 93,7 %, 0,85.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from stomkpi.demo.nmo import write_nmo_workbook

from ..test_cli import run
from .test_approval import BY, PERIOD, hashes, pdf_text, write_clinic_month

NOVEMBER = "2025-11"
PARAMS = """clinic: Тестовая поликлиника
data_dir: data
workbook: "data/{month}.xlsx"
outputs: outputs
# nmo_workbook: nmo.xlsx
"""
REASON = "Книга НМО добавлена в параметры"


class Clinic:
    def __init__(self, root: Path):
        self.root = root
        self.params = root / "params" / "clinic.yaml"
        self.outputs = root / "outputs"
        self.approved = self.outputs / PERIOD
        self.revised = self.outputs / f"{PERIOD}.r2"
        self.annual = self.outputs / "2025"

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        result = run(*args, "--params", str(self.params))
        assert result.returncode == 0, result.stdout + result.stderr
        return result


def verify(notebook: Path) -> subprocess.CompletedProcess:
    return run("verify", str(notebook))


def dentist(folder: Path, name: str) -> pd.Series:
    scores = pd.read_csv(folder / name, dtype={"staff_id": str, "month": str})
    return scores[scores["staff_id"] == "1"].set_index("month" if "month" in scores else "staff_id")


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Clinic:
    root = tmp_path_factory.mktemp("signed")
    (root / "params").mkdir()
    (root / "data").mkdir()
    c = Clinic(root)
    c.params.write_text(PARAMS, encoding="utf-8")
    for period in (NOVEMBER, PERIOD):
        write_clinic_month(root / "data" / f"{period}.xlsx")
    c("monthly", "--month", PERIOD, "--quiet")
    c("approve", "--month", PERIOD, "--by", BY)
    c.at_approval = hashes(c.approved)
    # after approval: the НМО book is named in the parameters, as README says to
    write_nmo_workbook(root / "nmo.xlsx", pd.DataFrame([
        {"staff_id": "1", "name": "Сидорова Анна Петровна", "position": "dentist", "department": "Терапевтическое отделение"},
        {"staff_id": "2", "name": "Кравцова Ольга Ивановна", "position": "nurse", "department": "Терапевтическое отделение"}]),
        seed=1, on=dt.date(2025, 12, 31))
    c.params.write_text(PARAMS.replace("# nmo_workbook", "nmo_workbook"), encoding="utf-8")
    c.verified = verify(c.approved / f"{PERIOD}.ipynb")
    c("monthly", "--month", PERIOD, "--quiet", "--revision", REASON)
    # the workbook corrected in place after approval; the correction is in no approved edition
    book = load_workbook(root / "data" / f"{PERIOD}.xlsx")
    book["События"]["C3"] = 2
    book.save(root / "data" / f"{PERIOD}.xlsx")
    c("annual", "--year", "2025", "--quiet")
    return c


def test_the_approved_month_verifies_after_the_parameters_changed(clinic):
    result = clinic.verified
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Совпадает" in result.stdout
    # what changed is said, in words: the parameters file, the line that was uncommented
    assert "входной файл «params» (params/clinic.yaml) изменён после отчёта; проверено по его копии inputs/clinic.yaml" \
        in result.stdout
    assert "# nmo_workbook: nmo.xlsx → nmo_workbook: nmo.xlsx" in result.stdout
    manifest = json.loads((clinic.approved / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["params"] == {"path": "params/clinic.yaml", "kept": "inputs/clinic.yaml",
                                            "sha256": manifest["inputs"]["params"]["sha256"]}
    assert (clinic.approved / "inputs" / "clinic.yaml").read_text(encoding="utf-8") == PARAMS
    assert hashes(clinic.approved) == clinic.at_approval


def test_a_revision_without_changed_inputs_gives_the_approved_figures_and_names_the_added_book(clinic):
    approved = pd.read_csv(clinic.approved / f"scores-{PERIOD}.csv", dtype=str)
    revised = pd.read_csv(clinic.revised / f"scores-{PERIOD}.csv", dtype=str)
    pd.testing.assert_frame_equal(approved, revised)
    manifest = json.loads((clinic.revised / "manifest.json").read_text(encoding="utf-8"))
    assert set(manifest["inputs"]) == {"params", "workbook", "nmo"}
    text = pdf_text(clinic.revised / f"{PERIOD}.pdf")
    assert "Редакция 2 взамен утверждённой редакции 1" in text
    assert "добавлен файл nmo.xlsx (книга НМО)" in text
    assert "изменён файл params/clinic.yaml (файл параметров поликлиники; изменений: 1)" in text
    assert "Оценка результативности сотрудников. Редакция 2 (проект)" in text  # its title page, until approved


def test_annual_takes_the_approved_edition_and_marks_the_month_never_approved(clinic):
    scores = pd.read_csv(clinic.annual / "scores-2025.csv", dtype={"staff_id": str, "month": str})
    mine = scores[scores["staff_id"] == "1"].set_index("month")
    # December as approved (90,4 %, 0,82), not as the workbook now says (93,7 %, 0,85)
    assert mine.loc[PERIOD, "percent"] == pytest.approx(90.4)
    assert mine.loc[PERIOD, "coefficient"] == pytest.approx(0.82)
    assert mine.loc[PERIOD, "edition"].startswith("редакция 1, утверждена ")
    assert mine.loc[NOVEMBER, "edition"] == "не утверждён"
    manifest = json.loads((clinic.annual / "manifest.json").read_text(encoding="utf-8"))
    record = json.loads((clinic.approved / "approval.json").read_text(encoding="utf-8"))
    assert manifest["months"][PERIOD]["edition"] == record["edition"]
    assert manifest["months"][PERIOD]["revision"] == 1
    assert manifest["months"][NOVEMBER]["approved"] is False
    assert manifest["inputs"][f"workbook {PERIOD}"]["path"] == f"outputs/{PERIOD}/inputs/{PERIOD}.xlsx"
    assert (clinic.annual / "inputs" / f"{PERIOD}.xlsx").is_file()
    text = pdf_text(clinic.annual / "2025.pdf")
    assert "ноя (не утверждён)" in text
    assert "не утверждён (взят из текущей книги месяца): ноя" in text


def test_verify_of_the_annual_report_passes_and_names_the_month_of_an_altered_copy(clinic, tmp_path):
    result = verify(clinic.annual / "2025.ipynb")
    assert result.returncode == 0, result.stdout + result.stderr
    copy = tmp_path / "clinic"
    shutil.copytree(clinic.root, copy, symlinks=True)
    kept = copy / "outputs" / "2025" / "inputs" / f"{PERIOD}.xlsx"
    book = load_workbook(kept)
    book["События"]["C3"] = 5
    book.save(kept)
    result = verify(copy / "outputs" / "2025" / "2025.ipynb")
    assert result.returncode == 1
    assert f"изменена копия входного файла «workbook {PERIOD}»" in result.stdout
    assert "лист «События», строка 3 (таб. № 1), столбец «Количество» (C): 1 → 5" in result.stdout


def test_approval_stamps_the_card_pdfs_and_names_the_replaced_edition_by_number_and_date(clinic):
    record = json.loads((clinic.approved / "approval.json").read_text(encoding="utf-8"))
    cards = [n for n in record["stamped"] if n.startswith(f"cards-{PERIOD}-") and n.endswith(".pdf")]
    assert cards
    for name in cards:
        assert f"Утверждено: {BY}" in pdf_text(clinic.approved / name)
    clinic("approve", "--month", PERIOD, "--by", "Комиссия по контролю")
    when = pd.Timestamp(record["approved_at"]).strftime("%d.%m.%Y")
    text = pdf_text(clinic.revised / f"{PERIOD}.pdf")
    assert f"(взамен редакции 1, утверждённой {when})" in text and "из папки" not in text
    assert "Редакция 2 (проект)" not in text and "Оценка результативности сотрудников. Редакция 2" in text
    revised = json.loads((clinic.revised / "approval.json").read_text(encoding="utf-8"))
    for name in (n for n in revised["stamped"] if n.startswith("cards-") and n.endswith(".pdf")):
        assert f"(взамен редакции 1, утверждённой {when})" in pdf_text(clinic.revised / name)
    result = verify(clinic.revised / f"{PERIOD}.ipynb")
    assert result.returncode == 0, result.stdout + result.stderr
