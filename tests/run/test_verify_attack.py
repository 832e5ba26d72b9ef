"""`verify` trusts nothing in the folder it checks: a recorded parameter is data (a name the packaged notebook does not
declare, or a value of the wrong kind, is refused before any kernel starts), it writes only into a temporary folder
of its own, and a document forged together with its checksum (in manifest.json, or in approval.json when approved)
is caught by the fresh run's bytes — for the PDF, the HTML, a workbook and the scores CSV alike."""

from __future__ import annotations

import csv
import hashlib
import json
import shutil
import stat
from pathlib import Path

import nbformat
import papermill
import pytest
from openpyxl import load_workbook

from stomkpi.revisions import approval
from stomkpi.run import approve
from stomkpi.run.notebook import ReportError
from stomkpi.run.verify import verify

from ..conftest import PERIOD, _clinic, _report
from ..test_cli import ROOT, run

BY = "Петрова Мария Сергеевна, главный врач"
RERUN = "повторный расчёт дал другое содержимое"
AS_APPROVED = "каждый файл папки — как утверждён"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> Path:
    """A clinic of its own: December's report kept as a draft (`draft`), then the month approved (`2025-12`)."""
    root = _clinic(tmp_path_factory.mktemp("attacked"), (ROOT / "params" / "demo.yaml").read_text(encoding="utf-8"))
    _report(root, "monthly", "--month", PERIOD)
    shutil.copytree(root / "outputs" / PERIOD, root / "outputs" / "draft")
    approve.approve(root / "outputs", PERIOD, BY)
    return root / "outputs"


def writable_copy(source: Path, name: str) -> Path:
    """A copy of a report folder beside it (the recorded relative paths hold), every file writable."""
    target = source.parent / name
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(source, target)
    for path in [target, *target.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)
    return target


def edit_parameters(folder: Path, change) -> Path:
    executed = folder / f"{PERIOD}.ipynb"
    nb = nbformat.read(executed, as_version=4)
    change(nb.metadata["papermill"]["parameters"])
    nbformat.write(nb, executed)
    return executed


def no_kernel(monkeypatch) -> None:
    def refused(*args, **kwargs):
        raise AssertionError("verify started the notebook of a report it should have refused")

    monkeypatch.setattr(papermill, "execute_notebook", refused)


# --- 1. parameters are data ------------------------------------------------------------------------------------


def _marker() -> Path:
    return ROOT / "verify-pwned.txt"


HOSTILE = {
    "a name that is code": lambda p: p.update({f"__import__('pathlib').Path({str(_marker())!r}).touch(); x": 1}),
    "a name the notebook does not declare": lambda p: p.update({"kernel_hook": "x"}),
    "a period that is not a month": lambda p: p.update(period="2025-13"),
    "a period of another kind": lambda p: p.update(period=202512),
    "an absolute parameters file": lambda p: p.update(params="/etc/passwd"),
    "a parameters file above the filesystem": lambda p: p.update(params="../" * 40 + "etc/passwd"),
    "a parameters file inside the report": lambda p: p.update(params="../hostile/params.yaml"),
    "parameters of another kind": lambda p: p.update(params=["../../params/demo.yaml"]),
    "a provenance that is not the recorded one": lambda p: p["provenance"].update(notebook="annual.ipynb"),
    "a missing parameter": lambda p: p.pop("params"),
}


@pytest.mark.parametrize("change", HOSTILE.values(), ids=HOSTILE.keys())
def test_a_hostile_parameter_is_refused_before_any_kernel_starts(outputs, monkeypatch, change):
    executed = edit_parameters(writable_copy(outputs / "draft", "hostile"), change)
    no_kernel(monkeypatch)
    with pytest.raises(ReportError, match="проверка не выполняет"):
        verify(executed)
    assert not _marker().exists()


def test_a_name_that_is_code_is_one_russian_line_and_runs_nothing(outputs):
    executed = edit_parameters(writable_copy(outputs / "draft", "hostile"), HOSTILE["a name that is code"])
    try:
        result = run("verify", str(executed))
        assert result.returncode == 2, result.stdout + result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert not _marker().exists()
    finally:
        _marker().unlink(missing_ok=True)


# --- 2. verify writes only into a folder of its own ------------------------------------------------------------


def test_a_recorded_out_dir_gets_nothing_written(outputs, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    executed = edit_parameters(writable_copy(outputs / "draft", "hostile"), lambda p: p.update(out_dir=str(elsewhere)))
    with pytest.raises(ReportError, match="проверка не выполняет"):
        verify(executed)
    assert list(elsewhere.iterdir()) == []


def test_verify_works_in_a_temporary_folder_outside_the_clinic(outputs, monkeypatch):
    folder = writable_copy(outputs / "draft", "pristine")
    before = sorted(p.relative_to(outputs.parent) for p in outputs.parent.rglob("*"))
    places = []
    real = papermill.execute_notebook

    def watched(*args, cwd=None, **kwargs):
        places.append(Path(cwd))
        return real(*args, cwd=cwd, **kwargs)

    monkeypatch.setattr(papermill, "execute_notebook", watched)
    result = verify(folder / f"{PERIOD}.ipynb")
    assert result.ok, result.messages
    assert len(places) == 1 and outputs.parent not in places[0].parents
    assert sorted(p.relative_to(outputs.parent) for p in outputs.parent.rglob("*")) == before
    assert not places[0].exists()  # removed afterwards


# --- 3. a forged document never passes -------------------------------------------------------------------------


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def forge_pdf(path: Path) -> None:
    path.write_bytes(path.read_bytes() + b"\n% forged\n")


def forge_html(path: Path) -> None:
    path.write_text(path.read_text(encoding="utf-8").replace("</body>", "<script>alert(1)</script></body>"),
                    encoding="utf-8")


def forge_xlsx(path: Path) -> None:
    book = load_workbook(path)
    ws = book.worksheets[0]
    cell = next(c for row in ws.iter_rows(min_row=2) for c in row if isinstance(c.value, (int, float)))
    cell.value += 1
    book.save(path)


def forge_csv(path: Path) -> None:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    column = rows[0].index("coefficient")
    rows[1][column] = str(float(rows[1][column]) + 0.5)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


FORGED = {f"{PERIOD}.pdf": forge_pdf, f"{PERIOD}.html": forge_html, f"protocols-{PERIOD}.xlsx": forge_xlsx,
          f"scores-{PERIOD}.csv": forge_csv}


def forge(folder: Path) -> None:
    """Edit every file of FORGED and write its new checksum where the folder keeps them."""
    for name, edit in FORGED.items():
        edit(folder / name)
    record_file = folder / approval.APPROVAL
    if record_file.exists():  # approved: the approval's checksums are the ones checked
        record = json.loads(record_file.read_text(encoding="utf-8"))
        record["files"].update({name: _sha(folder / name) for name in FORGED})
        record_file.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    else:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        manifest["outputs"].update({name: _sha(folder / name) for name in FORGED})
        (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")


@pytest.mark.parametrize("source", ["draft", PERIOD], ids=["draft", "approved"])
def test_every_forged_document_is_named_though_its_checksum_was_updated(outputs, source):
    folder = writable_copy(outputs / source, "forged")
    forge(folder)
    result = verify(folder / f"{PERIOD}.ipynb")
    assert not result.ok
    said = "\n".join(result.messages)
    assert "контрольная сумма" not in said and "изменён после утверждения" not in said  # the checksums were forged too
    for name in FORGED:
        assert f"файл {name}: {RERUN}" in said, name
    assert said.count(RERUN) == len(FORGED), said  # and no other file
    assert AS_APPROVED not in said


def test_a_forged_notebook_and_an_added_document_are_named(outputs):
    """A text of the executed notebook edited, a page added to the folder, every checksum written anew: each is named."""
    folder = writable_copy(outputs / "draft", "forged")
    executed = folder / f"{PERIOD}.ipynb"
    nb = nbformat.read(executed, as_version=4)
    index = next(i for i, c in enumerate(nb.cells) if c.cell_type == "markdown")
    nb.cells[index].source += " (исправлено)"
    nbformat.write(nb, executed)
    (folder / "note.html").write_text("<script>alert(1)</script>", encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"].update({name: _sha(folder / name) for name in (executed.name, "note.html")})
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    result = verify(executed)
    assert not result.ok
    assert f"ячейка {index + 1}: текст изменён" in result.messages
    assert f"файл {executed.name}: {RERUN}" in result.messages
    assert "файл note.html: повторный расчёт такого файла не даёт" in result.messages
    assert not [m for m in result.messages if "контрольная сумма" in m]


def test_a_notebook_whose_parameters_cell_alone_was_forged_is_named(outputs):
    """The cell Jupyter would run first, given a line of code: the notebook is not the one the run wrote."""
    folder = writable_copy(outputs / "draft", "forged")
    executed = folder / f"{PERIOD}.ipynb"
    nb = nbformat.read(executed, as_version=4)
    injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    injected.source += "\n__import__('os').system('id')"
    nbformat.write(nb, executed)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["outputs"][executed.name] = _sha(executed)
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    result = verify(executed)
    assert not result.ok and result.messages[1:] == [f"файл {executed.name}: {RERUN}"], result.messages


def test_the_untouched_approved_copy_matches_as_approved(outputs):
    result = verify(writable_copy(outputs / PERIOD, "approved-copy") / f"{PERIOD}.ipynb")
    assert result.ok, result.messages
    assert any(AS_APPROVED in m for m in result.messages)


def test_a_tampered_approved_folder_is_not_said_to_be_as_approved(outputs):
    folder = writable_copy(outputs / PERIOD, "tampered")
    with (folder / f"scores-{PERIOD}.csv").open("a", encoding="utf-8") as fh:
        fh.write("999,Подставной\n")
    result = verify(folder / f"{PERIOD}.ipynb")
    assert not result.ok
    assert f"файл scores-{PERIOD}.csv изменён после утверждения" in result.messages
    assert not [m for m in result.messages if AS_APPROVED in m]


# --- 4. a broken manifest or approval is one Russian line -------------------------------------------------------


def _with(key: str, value):
    return lambda text: json.dumps({**json.loads(text), key: value})


BROKEN = {
    "outputs that are a number": ("draft", "manifest.json", _with("outputs", 5)),
    "outputs of numbers": ("draft", "manifest.json", _with("outputs", {f"{PERIOD}.pdf": 5})),
    "a manifest cut short": ("draft", "manifest.json", lambda text: text[: len(text) // 2]),
    "a manifest that is a list": ("draft", "manifest.json", lambda text: "[]"),
    "an approval cut short": (PERIOD, "approval.json", lambda text: text[: len(text) // 2]),
    "an approval whose files are a number": (PERIOD, "approval.json", _with("files", 5)),
    "an approval whose time is a word": (PERIOD, "approval.json", _with("approved_at", "вчера")),
    "an approval without its manifest": (PERIOD, "approval.json",
                                         lambda text: json.dumps({"files": json.loads(text)["files"]})),
    "an approval that is a string": (PERIOD, "approval.json", lambda text: '"утверждено"'),
}


@pytest.mark.parametrize("source, name, change", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_manifest_or_approval_is_one_russian_line(outputs, source, name, change):
    folder = writable_copy(outputs / source, "broken")
    path = folder / name
    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
    result = run("verify", str(folder / f"{PERIOD}.ipynb"))
    assert result.returncode == 2, result.stdout + result.stderr
    line = result.stderr.strip()
    assert len(line.splitlines()) == 1 and "Traceback" not in line and "Внутренняя ошибка" not in line, line
    assert name in line, line


def test_a_folder_the_register_lists_is_not_verified_without_its_approval(outputs):
    # approval.json deleted from the approved folder: the register outside it still says the folder was approved
    folder = outputs / PERIOD
    aside = outputs / "approval-aside.json"
    folder.chmod(0o755)
    shutil.move(folder / "approval.json", aside)
    try:
        result = verify(folder / f"{PERIOD}.ipynb")
    finally:
        shutil.move(aside, folder / "approval.json")
        folder.chmod(0o555)
    assert not result.ok
    assert any("нет файла approval.json, а журнал утверждений" in m for m in result.messages), result.messages
