"""An approval a folder cannot forget: the clinic's register of approvals (a hash chain outside the period folders),
the approved edition's code on paper, and every reader and writer of a month refusing a folder that is not what
was approved or computed — deleted or forged approval.json, a tampered file, a kept input outside the folder —
and nothing written into an approved folder, by `diff --xlsx` or by the notebook run with papermill directly.

One small clinic (the two people of tests/revisions/test_approval.py) is approved once for the module, with a draft revision
beside it; each attack works on a copy of it.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stomkpi.errors import StomkpiError

from ..test_cli import ROOT, run
from .test_approval import BY, PARAMS, PERIOD, hashes, pdf_text, write_clinic_month

REASON = "Вторая благодарность учтена как одна"
ZEROS = "0" * 64


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical(value) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


class Clinic:
    def __init__(self, root: Path):
        self.root = root
        self.params = str(root / "params" / "clinic.yaml")
        self.outputs = root / "outputs"
        self.approved = self.outputs / PERIOD
        self.draft = self.outputs / f"{PERIOD}.r2"
        self.register = self.outputs / "approvals.jsonl"

    def __call__(self, *args: str) -> subprocess.CompletedProcess:
        return run(*args, "--params", self.params)

    def record(self) -> dict:
        return json.loads((self.approved / "approval.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Clinic:
    """Revision 1 approved; the workbook corrected; revision 2 a draft beside it."""
    root = tmp_path_factory.mktemp("registered")
    (root / "params").mkdir()
    (root / "params" / "clinic.yaml").write_text(PARAMS, encoding="utf-8")
    (root / "data").mkdir()
    c = Clinic(root)
    write_clinic_month(root / "data" / f"{PERIOD}.xlsx")
    for args in (("monthly", "--month", PERIOD, "--quiet"), ("approve", "--month", PERIOD, "--by", BY)):
        result = c(*args)
        assert result.returncode == 0, result.stderr
    book = load_workbook(root / "data" / f"{PERIOD}.xlsx")
    book["События"]["C3"] = 2
    book.save(root / "data" / f"{PERIOD}.xlsx")
    result = c("monthly", "--month", PERIOD, "--quiet", "--revision", REASON)
    assert result.returncode == 0, result.stderr
    return c


@pytest.fixture
def copy(clinic, tmp_path) -> Clinic:
    """A copy of the clinic to attack (its approved folder read-only, as the original)."""
    target = tmp_path / "clinic"
    shutil.copytree(clinic.root, target, symlinks=True)
    return Clinic(target)


def writable(folder: Path) -> None:
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def refused(result: subprocess.CompletedProcess, *fragments: str) -> str:
    """The command refused with one Russian line (exit 2, no traceback) holding every fragment."""
    assert result.returncode == 2, (result.returncode, result.stdout, result.stderr)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Ошибка: "), result.stderr
    assert "Traceback" not in result.stderr and "нутренняя ошибка" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], (fragment, lines[0])
    return lines[0]


# --- the register ----------------------------------------------------------------------------------------------------


def test_approve_appends_a_chained_line_to_the_clinics_register(clinic):
    record = clinic.record()
    (line,) = clinic.register.read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert entry["previous"] == ZEROS  # the first line of the chain
    assert (entry["period"], entry["revision"], entry["folder"], entry["approved_by"]) == (PERIOD, 1, PERIOD, BY)
    assert entry["approved_at"] == record["approved_at"]
    assert entry["manifest_sha256"] == sha((clinic.approved / "manifest.json").read_bytes()) == record["manifest_sha256"]
    assert entry["approval_sha256"] == sha((clinic.approved / "approval.json").read_bytes())
    assert entry["files_sha256"] == sha(canonical(record["files"]))
    # the edition's code: the approval's own facts, fixed before the documents are stamped
    facts = {k: record[k] for k in ("period", "revision", "folder", "approved_by", "approved_at", "manifest_sha256",
                                    "supersedes")}
    assert entry["edition"] == record["edition"] == sha(canonical(facts))


def test_the_edition_code_is_on_the_title_page_and_every_protocol_sheet(clinic):
    code = clinic.record()["edition"][:12]
    assert f"Код редакции: {code}" in pdf_text(clinic.approved / f"{PERIOD}.pdf")
    assert f"Код редакции: {code}" in (clinic.approved / f"{PERIOD}.html").read_text(encoding="utf-8")
    book = load_workbook(clinic.approved / f"protocols-{PERIOD}.xlsx")
    for ws in book.worksheets:
        assert any(f"Код редакции: {code}" in str(c) for row in ws.iter_rows(values_only=True) for c in row if c), ws.title
        assert code in ws.oddHeader.right.text  # the printed page's header


def test_a_broken_chain_is_named_by_its_line(tmp_path):
    from stomkpi.revisions import register

    outputs = tmp_path / "outputs"
    for month in ("2025-10", "2025-11", "2025-12"):
        register.append(outputs, {"period": month, "revision": 1, "folder": month, "approved_by": BY,
                                  "approved_at": "2026-01-10T09:30:00+03:00", "manifest_sha256": "a" * 64,
                                  "supersedes": None, "approval_sha256": "b" * 64, "files_sha256": "c" * 64})
    assert [e.record["period"] for e in register.read(outputs)] == ["2025-10", "2025-11", "2025-12"]
    path = outputs / register.REGISTER
    lines = path.read_text(encoding="utf-8").splitlines()
    assert json.loads(lines[1])["previous"] == sha(lines[0].encode("utf-8"))
    cases = {
        "строка 3": [lines[0], lines[1].replace("b" * 64, "e" * 64), lines[2]],  # line 2 edited: line 3 no longer follows
        "строка 1": lines[1:],  # the first line removed
        "строка 2": [lines[0], lines[1].replace(BY, "Иванов И. И.")],  # the last line edited: its code no longer holds
        "строка 2 ": [lines[0], "{не JSON"],
    }
    for where, text in cases.items():
        path.write_text("\n".join(text) + "\n", encoding="utf-8")
        with pytest.raises(StomkpiError, match=f"{register.REGISTER}.*{where.strip()}\\b"):
            register.read(outputs)


def test_a_forged_line_in_the_register_stops_the_month(copy):
    line = json.loads(copy.register.read_text(encoding="utf-8"))
    with copy.register.open("a", encoding="utf-8") as f:
        f.write(json.dumps({**line, "folder": f"{PERIOD}.r2", "revision": 2}) + "\n")  # `previous` of line 1
    refused(copy("monthly", "--month", PERIOD, "--quiet"), "approvals.jsonl", "строка 2")


# --- an approval cannot be forgotten ----------------------------------------------------------------------------------


def test_deleting_approval_json_does_not_unapprove(copy):
    writable(copy.approved)
    (copy.approved / "approval.json").unlink()
    before = hashes(copy.approved)
    for args in (("monthly", "--month", PERIOD, "--quiet"), ("monthly", "--month", PERIOD, "--quiet", "--revision", "ещё"),
                 ("approve", "--month", PERIOD), ("diff", "--month", PERIOD)):
        refused(copy(*args), "approval.json", "журнал")
    assert hashes(copy.approved) == before


def test_deleting_the_whole_approved_folder_does_not_unapprove(copy):
    writable(copy.approved)
    shutil.rmtree(copy.approved)
    refused(copy("monthly", "--month", PERIOD, "--quiet"), "журнал", "нет")
    assert not copy.approved.exists()


def _tamper_scores(clinic: Clinic) -> None:
    writable(clinic.approved)
    path = clinic.approved / f"scores-{PERIOD}.csv"
    text = path.read_text(encoding="utf-8-sig")
    assert ",0.82," in text  # the dentist's coefficient (tests/revisions/test_approval.py, by hand)
    path.write_text(text.replace(",0.82,", ",0.99,"), encoding="utf-8-sig")


def test_diff_and_a_revision_refuse_a_tampered_approved_folder(copy):
    _tamper_scores(copy)
    refused(copy("diff", "--month", PERIOD), f"scores-{PERIOD}.csv", "изменён после утверждения")
    refused(copy("monthly", "--month", PERIOD, "--quiet", "--revision", "ещё"), f"scores-{PERIOD}.csv")
    # the forger updates the approval's checksum too: the register still knows the approval.json it wrote
    record = copy.record()
    record["files"][f"scores-{PERIOD}.csv"] = sha((copy.approved / f"scores-{PERIOD}.csv").read_bytes())
    (copy.approved / "approval.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    refused(copy("diff", "--month", PERIOD), "approval.json", "журнал")


def test_the_revisions_notebook_refuses_a_tampered_approved_folder(copy):
    """`revision_changes` is what the revision's notebook calls: it reads the approved folder, and checks it first."""
    import pandas as pd

    from stomkpi.catalog import load_catalogs
    from stomkpi.config import load_params
    from stomkpi.report.monthly import revision_changes

    _tamper_scores(copy)
    provenance = json.loads((copy.draft / "manifest.json").read_text(encoding="utf-8"))
    table = pd.read_csv(copy.draft / f"scores-{PERIOD}.csv", encoding="utf-8-sig")
    settings = load_params(copy.params)
    with pytest.raises(StomkpiError, match=f"scores-{PERIOD}.csv изменён после утверждения"):
        revision_changes(PERIOD, settings, provenance, table, load_catalogs(settings.catalog_dir))


@pytest.mark.parametrize("kept", ["../../../../../../etc/passwd", "/etc/passwd", "inputs/../../2025-12/inputs/2025-12.xlsx"])
def test_diff_reads_no_kept_input_outside_the_folder(copy, kept):
    manifest = json.loads((copy.draft / "manifest.json").read_text(encoding="utf-8"))
    manifest["inputs"]["workbook"]["kept"] = kept
    (copy.draft / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False), encoding="utf-8")
    line = refused(copy("diff", "--month", PERIOD), kept, "manifest.json")
    assert "root:" not in line


def test_diff_follows_no_symbolic_link_out_of_the_folder(copy, tmp_path):
    kept = copy.draft / "inputs" / f"{PERIOD}.xlsx"
    outside = tmp_path / "elsewhere.xlsx"
    shutil.copyfile(kept, outside)  # the same bytes: the manifest's checksum holds
    kept.unlink()
    kept.symlink_to(outside)
    refused(copy("diff", "--month", PERIOD), f"inputs/{PERIOD}.xlsx", "ссылка")


def test_diff_checks_the_new_folder_too(copy):
    path = copy.draft / f"scores-{PERIOD}.csv"
    path.write_text(path.read_text(encoding="utf-8-sig").replace(",0.85,", ",0.15,"), encoding="utf-8-sig")
    refused(copy("diff", "--month", PERIOD), f"scores-{PERIOD}.csv", "изменён после расчёта")


# --- nothing writes into an approved folder -----------------------------------------------------------------------------


def test_diff_writes_no_workbook_into_an_approved_folder(copy):
    before = hashes(copy.approved)
    for target in (copy.approved / "extra.xlsx", copy.approved / "inputs" / "extra.xlsx"):
        refused(copy("diff", "--month", PERIOD, "--xlsx", str(target)), "утверждённый отчёт")
        assert not target.exists()
    assert hashes(copy.approved) == before
    ok = copy("diff", "--month", PERIOD, "--xlsx", str(copy.root / "extra.xlsx"))  # beside it: written
    assert ok.returncode == 0 and (copy.root / "extra.xlsx").is_file(), ok.stderr


def test_the_notebook_run_by_papermill_refuses_an_approved_month(copy, tmp_path):
    """The README's papermill line, its notebook written elsewhere: the data files would go into outputs/2025-12."""
    before = hashes(copy.approved)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run([sys.executable, "-m", "papermill", str(ROOT / "notebooks" / "monthly.ipynb"),
                             str(tmp_path / "out.ipynb"), "-k", "python3", "-p", "period", PERIOD,
                             "-p", "params", "params/clinic.yaml"], cwd=copy.root, env=env, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode != 0
    assert f"папка {copy.approved.resolve()} — утверждённый отчёт" in result.stderr + result.stdout
    assert hashes(copy.approved) == before


# --- a corrupt approval.json -----------------------------------------------------------------------------------------------


def _corruptions(record: dict) -> dict[str, str]:
    partial = {k: v for k, v in record.items() if k != "files"}
    return {"не JSON": '{"approved_at": ', "нет ключа": json.dumps(partial),
            "не тот тип": json.dumps({**record, "revision": "первая", "files": ["scores.csv"]}),
            "не дата": json.dumps({**record, "approved_at": "вчера"}), "не объект": "[1, 2]"}


def test_a_corrupt_approval_json_is_one_russian_line_in_every_command(copy):
    writable(copy.approved)
    path = copy.approved / "approval.json"
    for what, text in _corruptions(copy.record()).items():
        path.write_text(text, encoding="utf-8")
        for args in (("monthly", "--month", PERIOD, "--quiet"), ("monthly", "--month", PERIOD, "--quiet", "--revision", "ещё"),
                     ("approve", "--month", PERIOD), ("diff", "--month", PERIOD)):
            refused(copy(*args), str(path), "повреждён")
        assert not (copy.outputs / f"{PERIOD}.r3").exists(), what
