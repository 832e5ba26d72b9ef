"""The regional report reads the signed editions: a demo region of two clinics, December of clinic 1 approved and
its workbook changed after approval (an employee deprived of the whole bonus) — `region` still reports December as
approved; every other month of either clinic is marked «не утверждён»; the regional folder keeps its inputs and a
manifest naming, per clinic and month, the edition used and its approval checksum; `verify` passes, and names the
clinic and month of a kept copy altered.

The figure by hand: with 01005 deprived of 100 % their coefficient becomes 0, so the month's sum of coefficients read
from the current book would be the approved sum less 01005's approved coefficient (a positive number).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from ..revisions.test_approval import BY, pdf_text
from ..test_cli import run

PERIOD = "2025-12"
DEPRIVED = "01005"


class Region:
    def __init__(self, root: Path):
        self.root = root
        self.params = [root / "params" / f"clinic-0{k}.yaml" for k in (1, 2)]
        self.approved = root / "outputs" / PERIOD
        self.report = root / "outputs" / "region" / "2025"

    def __call__(self, *args: str) -> None:
        result = run(*args)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Region:
    r = Region(tmp_path_factory.mktemp("region-signed"))
    r("demo", "--clinics", "2", str(r.root))
    first = str(r.params[0])
    r("monthly", "--month", PERIOD, "--params", first, "--quiet")
    r("approve", "--month", PERIOD, "--params", first, "--by", BY)
    book_path = r.root / "data" / "clinic-01" / f"{PERIOD}.xlsx"
    book = load_workbook(book_path)  # after approval: 01005 deprived of the whole bonus, in no approved edition
    book["Лишение"].append([DEPRIVED, 100, "Нарушение трудовой дисциплины"])
    book.save(book_path)
    r("region", "--year", "2025", *[a for p in r.params for a in ("--params", str(p))], "--quiet")
    return r


def _approved_scores(region: Region) -> pd.DataFrame:
    return pd.read_csv(region.approved / f"scores-{PERIOD}.csv", dtype={"staff_id": str})


def test_region_reports_the_approved_december_not_the_changed_book(region):
    approved = _approved_scores(region)
    approved_sum = round(approved["coefficient"].sum(), 2)
    deprived = approved.loc[approved["staff_id"] == DEPRIVED, "coefficient"].sum()
    assert deprived > 0  # the change to the book would lower the month's sum by this much
    sheet = list(load_workbook(region.report / "region-2025.xlsx", read_only=True)["Фонды по месяцам"].iter_rows(
        values_only=True))
    head, rows = sheet[0], {r[0]: r for r in sheet[1:]}
    december = rows["Стоматологическая поликлиника № 1"][head.index("дек")]
    assert december == pytest.approx(approved_sum, abs=0.005)
    assert december != pytest.approx(round(approved_sum - deprived, 2), abs=0.005)
    assert rows["Стоматологическая поликлиника № 1"][head.index("Не утверждён")] == "янв–ноя"
    assert rows["Стоматологическая поликлиника № 2"][head.index("Не утверждён")] == "янв–дек"


def test_months_never_approved_are_marked_in_the_summary(region):
    text = pdf_text(region.report / "2025.pdf").replace("– ", "–")  # a line may break after a range's dash
    assert "Стоматологическая поликлиника № 1: из утверждённых редакций: дек — редакция 1, утверждена" in text
    assert "не утверждён (взят из текущей книги месяца): янв–ноя" in text
    assert "Стоматологическая поликлиника № 2: не утверждён (взят из текущей книги месяца): янв–дек" in text


def test_the_regional_folder_keeps_its_inputs_and_names_each_edition(region):
    manifest = json.loads((region.report / "manifest.json").read_text(encoding="utf-8"))
    record = json.loads((region.approved / "approval.json").read_text(encoding="utf-8"))
    december = manifest["months"]["clinic-01"][PERIOD]
    assert december["approved"] is True and december["revision"] == 1
    assert december["edition"] == record["edition"]
    import hashlib

    assert december["approval_sha256"] == hashlib.sha256((region.approved / "approval.json").read_bytes()).hexdigest()
    assert manifest["months"]["clinic-02"][PERIOD]["approved"] is False
    assert manifest["months"]["clinic-01"]["2025-11"]["approved"] is False
    kept = manifest["inputs"][f"clinic-01: workbook {PERIOD}"]
    assert kept["path"] == f"outputs/{PERIOD}/inputs/{PERIOD}.xlsx"  # the approved edition's copy, not data/
    assert (region.report / kept["kept"]).read_bytes() == (region.approved / "inputs" / f"{PERIOD}.xlsx").read_bytes()
    assert manifest["inputs"][f"clinic-02: workbook {PERIOD}"]["path"] == f"data/clinic-02/{PERIOD}.xlsx"
    assert all((region.report / rec["kept"]).is_file() for rec in manifest["inputs"].values())
    assert {"clinic-01: params", "clinic-02: params"} <= set(manifest["inputs"])


def test_verify_passes_and_names_the_clinic_and_month_of_an_altered_copy(region, tmp_path):
    result = run("verify", str(region.report / "2025.ipynb"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Совпадает" in result.stdout
    copy = tmp_path / "region"
    shutil.copytree(region.root, copy, symlinks=True)
    manifest = json.loads((region.report / "manifest.json").read_text(encoding="utf-8"))
    kept = copy / "outputs" / "region" / "2025" / manifest["inputs"][f"clinic-02: workbook {PERIOD}"]["kept"]
    book = load_workbook(kept)
    book["Лишение"].append([DEPRIVED.replace("01", "02", 1), 50, "Жалоба"])
    book.save(kept)
    result = run("verify", str(copy / "outputs" / "region" / "2025" / "2025.ipynb"))
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"изменена копия входного файла «clinic-02: workbook {PERIOD}»" in result.stdout
