"""A signed month stays signed: approve → a re-run refused → a revision with one changed event → the diff names
exactly that event and that employee, with the figures computed by hand; the approved folder's bytes never
change (every file hashed), not even when a revision run is killed half-way.

The clinic is small enough to compute by hand: the dentist and the nurse of tests/test_scoring_examples.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stomkpi.revisions import approval
from stomkpi.revisions.diff import Changes, InputChange, StaffChange, staff_changes, text_changes, workbook_changes
from stomkpi.sheets import write_workbook

from ..conftest import person, write_month
from ..printed import outside, overlaps, read_pages
from ..test_cli import ROOT, run

PERIOD = "2025-12"
BY = "Петрова Мария Сергеевна, главный врач"
REASON = "Жалоба Сидоровой признана обоснованной: вторая благодарность за 12.12 учтена как одна"
PARAMS = """clinic: Тестовая поликлиника
data_dir: data
workbook: "data/{month}.xlsx"
outputs: outputs
"""


def write_clinic_month(path: Path) -> Path:
    """The dentist (таб. № 1) and the nurse (таб. № 2) of the worked examples, in one department."""
    return write_month(
        path,
        [person("1", "Врач-стоматолог-терапевт", name="Сидорова Анна Петровна", days_plan=22, days_fact=20),
         person("2", "Медицинская сестра", name="Кравцова Ольга Ивановна", rates=0.5, days_plan=18)],
        values=[("1", "Процент выполнения плана", 112), ("1", "Оценка качества лечения (ОКЛ)", 2),
                ("1", "УКВ", 1), ("1", "Коэффициент профилактической активности", 0.40, 0.35),
                ("1", "Удовлетворённость медицинской помощью", 93, 95), ("1", "Количество УЕТ в 1 пос.", 3.0, 3.0),
                ("1", "Коэффициент интенсивности труда", 3),
                ("2", "Процент выполнения плана", 95), ("2", "Производственный контроль", 1)],
        # rows 2–6 of «События»; row 3 is the event the revision changes
        events=[("1", "Благодарность", 1), ("1", "Благодарность", 1), ("1", "Обоснованные жалобы", 1),
                ("2", "Ассистирование врачу", 3), ("2", "Результаты административных обходов (замечания)", 2)],
        deprivations=[("2", 50, "Дисциплинарное взыскание")],
    )


def hashes(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under the folder, and the folder's own listing (so that nothing can be added)."""
    return {p.relative_to(folder).as_posix() + ("/" if p.is_dir() else ""):
            hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir"
            for p in sorted(folder.rglob("*"))}


def pdf_text(path: Path) -> str:
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(raw.split())


class Life:
    """The month's life, run once for the module: what each step left behind."""

    def __init__(self, root: Path):
        self.root = root
        self.params = str(root / "params" / "clinic.yaml")
        self.outputs = root / "outputs"
        self.approved = self.outputs / PERIOD
        self.revised = self.outputs / f"{PERIOD}.r2"
        self.workbook = root / "data" / f"{PERIOD}.xlsx"


@pytest.fixture(scope="module")
def life(tmp_path_factory) -> Life:
    root = tmp_path_factory.mktemp("clinic")
    (root / "params").mkdir()
    (root / "params" / "clinic.yaml").write_text(PARAMS, encoding="utf-8")
    (root / "data").mkdir()
    m = Life(root)
    write_clinic_month(m.workbook)

    m.first = run("monthly", "--month", PERIOD, "--params", m.params, "--quiet")
    assert m.first.returncode == 0, m.first.stderr
    m.computed = hashes(m.approved)
    m.approve = run("approve", "--month", PERIOD, "--params", m.params, "--by", BY)
    assert m.approve.returncode == 0, m.approve.stderr
    m.at_approval = hashes(m.approved)
    m.approve_again = run("approve", "--month", PERIOD, "--params", m.params)

    m.refused = run("monthly", "--month", PERIOD, "--params", m.params, "--quiet")
    m.after_refusal = hashes(m.approved)

    book = load_workbook(m.workbook)
    assert [c.value for c in book["События"][3]][:3] == ["1", "Благодарность", 1]
    book["События"]["C3"] = 2  # the second gratitude counted twice
    book.save(m.workbook)
    m.revision = run("monthly", "--month", PERIOD, "--params", m.params, "--quiet", "--revision", REASON)
    assert m.revision.returncode == 0, m.revision.stderr
    m.after_revision = hashes(m.approved)
    m.diff = run("diff", "--month", PERIOD, "--params", m.params, "--xlsx", str(root / "changes.xlsx"))
    assert m.diff.returncode == 0, m.diff.stderr
    return m


def test_first_run_keeps_its_inputs_and_approval_stamps_a_rerender(life):
    manifest = json.loads((life.approved / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["inputs"]["workbook"]["kept"] == f"inputs/{PERIOD}.xlsx"
    assert life.computed[f"inputs/{PERIOD}.xlsx"] == manifest["inputs"]["workbook"]["sha256"]
    assert "revision" not in manifest  # the month's first report supersedes nothing
    record = json.loads((life.approved / "approval.json").read_text(encoding="utf-8"))
    assert record["approved_by"] == BY and record["revision"] == 1
    assert record["manifest_sha256"] == life.computed["manifest.json"]
    assert record["computed"] == manifest["outputs"]
    assert record["files"] == {k: v for k, v in life.at_approval.items() if not k.endswith("/") and k != "approval.json"}
    # the same execution re-rendered: the notebook, the data and the manifest are untouched; the documents carry the stamp
    assert [n for n in record["stamped"] if not n.startswith(f"cards-{PERIOD}-")] == [
        f"{PERIOD}.html", f"{PERIOD}.pdf", f"protocols-{PERIOD}.xlsx", f"scores-{PERIOD}.xlsx"]
    assert [n for n in record["stamped"] if n.startswith(f"cards-{PERIOD}-")]  # the cards' workbooks too
    for name in (f"{PERIOD}.ipynb", f"scores-{PERIOD}.csv", "manifest.json", f"inputs/{PERIOD}.xlsx"):
        assert life.at_approval[name] == life.computed[name], name
    for name in record["stamped"]:
        assert life.at_approval[name] != life.computed[name], name
    assert f"Утверждено: {BY}" in pdf_text(life.approved / f"{PERIOD}.pdf")
    assert f"Утверждено: {BY}" in (life.approved / f"{PERIOD}.html").read_text(encoding="utf-8")
    book = load_workbook(life.approved / f"protocols-{PERIOD}.xlsx")
    for ws in book.worksheets:
        cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
        assert any(str(c).startswith(f"Утверждено: {BY}") for c in cells), ws.title
        assert record["manifest_sha256"] in " ".join(map(str, cells))
    assert "Утверждено" in life.approve.stdout and "только для чтения" in life.approve.stdout


def test_approved_folder_is_read_only(life):
    for path in [life.approved, *life.approved.rglob("*")]:
        assert path.stat().st_mode & 0o222 == 0, path
    with pytest.raises(approval.ApprovedError):
        approval.ensure_writable(life.approved)


def test_rerun_of_an_approved_month_is_refused_in_one_russian_line(life):
    assert life.refused.returncode == 2
    lines = life.refused.stderr.strip().splitlines()
    assert len(lines) == 1, life.refused.stderr
    assert lines[0].startswith("Ошибка: отчёт за декабрь 2025 года утверждён (редакция 1 утверждена")
    assert BY in lines[0] and '--revision "причина"' in lines[0]
    assert life.after_refusal == life.at_approval


def test_approving_twice_is_refused(life):
    assert life.approve_again.returncode == 2
    assert life.approve_again.stderr.strip().startswith("Ошибка: редакция 1 отчёта за декабрь 2025 года уже утверждена")
    assert life.after_refusal == life.at_approval


def test_revision_is_written_beside_the_approved_one(life):
    assert life.after_revision == life.at_approval  # not one byte of the approved folder changed
    manifest = json.loads((life.revised / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["revision"] == {
        "number": 2, "reason": REASON, "supersedes": PERIOD, "supersedes_number": 1,
        "supersedes_manifest_sha256": life.at_approval["manifest.json"]}
    names = {p.name for p in life.revised.iterdir()}
    assert {f"{PERIOD}.pdf", f"protocols-{PERIOD}.xlsx", f"scores-{PERIOD}.csv", f"changes-{PERIOD}.xlsx", "inputs",
            "manifest.json"} <= names
    assert "approval.json" not in names


# The dentist by hand (tests/test_scoring_examples.py::test_dentist): main 27,12; additional: gratitude 2 × (+1),
# complaint −5, КПА +1, satisfaction −1, УЕТ 0, intensity 3 → 0; total 27,12; percent 27,12 / 30 = 90,4 %;
# coefficient 0,904 × 1 × 20/22 = 0,8218 → 0,82.
# Revision 2: the second gratitude counts 2 → gratitude 3 × (+1) = 3, additional 1, total 28,12;
# percent 28,12 / 30 = 93,733… → 93,7 %; coefficient 0,93733 × 1 × 20/22 = 0,8521 → 0,85.
# The nurse (35,95; 89,9 %; 0,22) does not change and is not listed.


def test_diff_names_exactly_that_event_and_that_employee(life):
    lines = life.diff.stdout.strip().splitlines()
    assert lines[0].startswith("Изменения отчёта за декабрь 2025 года: редакция 1 (утверждена")
    assert lines[0].endswith(f"→ редакция 2 (не утверждена). Причина: {REASON}.")
    assert lines[1:] == [
        "Изменённые входные данные (1):",
        f"  {PERIOD}.xlsx, лист «События», строка 3 (таб. № 1), столбец «Количество» (C): 1 → 2",
        "Сотрудники, у которых изменились баллы, процент или коэффициент (1):",
        "  Сидорова Анна Петровна (таб. № 1, Терапевтическое отделение): баллы 27,12 → 28,12; процент 90,4 → 93,7; "
        "коэффициент 0,82 → 0,85. Изменилось: «Благодарность»: 2 → 3",
    ]


def test_diff_as_a_sheet_and_as_a_section_of_the_revision(life):
    for path in (life.root / "changes.xlsx", life.revised / f"changes-{PERIOD}.xlsx"):
        book = load_workbook(path, read_only=True)
        assert book.sheetnames == ["Входные данные", "Сотрудники"]
        inputs = [r for r in book["Входные данные"].iter_rows(min_row=4, values_only=True)]
        assert inputs == [(f"{PERIOD}.xlsx", "События", 3, "1", "Количество (C)", "1", "2")]
        staff = [r for r in book["Сотрудники"].iter_rows(min_row=4, values_only=True)]
        assert staff == [("1", "Сидорова Анна Петровна", "Терапевтическое отделение", 27.12, 28.12, 90.4, 93.7, 0.82, 0.85,
                          "«Благодарность»: 2 → 3")]
    text = pdf_text(life.revised / f"{PERIOD}.pdf")
    assert "Редакция 2 взамен утверждённой редакции 1" in text
    assert "Изменения по сравнению с утверждённой редакцией" in text
    assert "Сидорова Анна Петровна" in text and "Кравцова" in text  # the nurse is in the protocols, not in the changes
    changes_part = text[text.index("Изменения по сравнению"):text.index("Предупреждения по входным данным")]
    assert "Сидорова" in changes_part and "Кравцова" not in changes_part


def card_pages(folder: Path) -> dict[str, str]:
    """Each employee's card as the department's PDF prints it (pdfplumber's lines) and as its workbook holds it
    (the sheet's non-empty cells, row by row, joined by « | »), by таб. №."""
    import pdfplumber

    (pdf,) = folder.glob(f"cards-{PERIOD}-*.pdf")
    (xlsx,) = folder.glob(f"cards-{PERIOD}-*.xlsx")
    cards: dict[str, str] = {}
    with pdfplumber.open(pdf) as doc:
        for page in doc.pages:
            text = page.extract_text()
            staff_id = text.split("таб. № ", 1)[1].split()[0]
            cards[f"pdf {staff_id}"] = text
    for ws in load_workbook(xlsx).worksheets:
        rows = [" | ".join(str(v) for v in row if v is not None) for row in ws.iter_rows(values_only=True)]
        cards[f"xlsx {ws.title.split()[0]}"] = "\n".join(r for r in rows if r)
    return cards


def test_cards_of_a_revision_show_both_values_of_the_changed_employee(life):
    revised, approved = card_pages(life.revised), card_pages(life.approved)
    assert sorted(revised) == sorted(approved) == ["pdf 1", "pdf 2", "xlsx 1", "xlsx 2"]  # a page, a sheet each
    for kind in ("pdf", "xlsx"):
        dentist = revised[f"{kind} 1"]
        lines = dentist.splitlines()
        # the gratitude row: 2 events × (+1) = 2 approved, 3 × (+1) = 3 in revision 2 (the hand computation above)
        (gratitude,) = [line for line in lines if "Благодарность" in line and "«События»" not in line]  # not its source
        assert gratitude.endswith("| 2 → 3" if kind == "xlsx" else " 2 → 3"), gratitude  # the «Баллы» column
        # the other criteria did not move: one «→» in the table, the rest in the block below it
        assert sum("→" in line for line in lines[:lines.index(next(x for x in lines if x.startswith("Пересмотр:")))]) == 1
        flat = " ".join(dentist.split())
        assert "Пересмотр: редакция 1 (утверждена " in flat and f"{BY}) → редакция 2." in flat
        assert f"Причина: {REASON}" in flat
        # total 27,12 → 28,12; percent 27,12 / 30 = 90,4 % → 28,12 / 30 = 93,7 %; coefficient × 20/22: 0,82 → 0,85
        assert ("Было → стало: сумма баллов 27,12 → 28,12; выполнение 90,4 % → 93,7 %; коэффициент 0,82 → 0,85."
                in flat), flat  # no factor moved: rates, days and deprivation are those of the approved revision
        assert "Сумма баллов: 28,12 при норме 30 — выполнение 93,7 %." in flat  # the card's own figures are the new ones
        for card in (revised[f"{kind} 2"], approved[f"{kind} 1"], approved[f"{kind} 2"]):
            # the nurse did not change; the approved revision has nothing to compare with
            assert "Пересмотр" not in card and "Было → стало" not in card and "→" not in card, card
    (pdf,) = life.revised.glob(f"cards-{PERIOD}-*.pdf")
    for page in read_pages(pdf):  # still a page each, nothing overlapping or outside the margins
        assert overlaps(page) == [] and outside(page, 40, 40, 40, 40) == [], page.number


def test_a_long_hostile_deprivation_reason_keeps_the_card_on_its_page(tmp_path):
    """A deprivation reason as long as a book allows, with markup and TeX (control characters: test_hostile_report): the nurse's
    card is still one page, clean, with the reason shortened to `REASON_SHOWN` characters and «…»."""
    from stomkpi.catalog import load_catalogs
    from stomkpi.pipeline import read_inputs, score_inputs
    from stomkpi.report.cards import REASON_SHOWN, cards_pdf, person_cards
    from stomkpi.sheets import MAX_TEXT_LENGTH

    catalogs = load_catalogs()
    reason = "<script>alert(1)</script> \\input{/etc/passwd} "
    reason += "ж" * (MAX_TEXT_LENGTH - len(reason))
    book = write_month(tmp_path / f"{PERIOD}.xlsx", [person("2", "Медицинская сестра", name="Кравцова Ольга Ивановна")],
                       values=[("2", "Процент выполнения плана", 95)], deprivations=[("2", 50, reason)])
    scored = score_inputs(read_inputs(book, catalogs, period=PERIOD), catalogs)
    cards = person_cards(scored.scores.table, scored.scores.details, scored.month.deprivations, catalogs.positions.rules())
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(cards_pdf(PERIOD, "Тестовая поликлиника", "Терапевтическое отделение", cards))
    pages = read_pages(pdf)
    assert len(pages) == 1
    assert overlaps(pages[0]) == [] and outside(pages[0], 40, 40, 40, 40) == []
    assert 0 < pages[0].text.count("ж") < REASON_SHOWN and "\\input{/etc/passwd}" in pages[0].text


def test_a_card_takes_the_revisions_text_as_data(tmp_path):
    """A reason and an approver that look like a formula, markup or TeX, with control characters and 10 000
    characters: the PDF builds, a page per person; no cell starts a formula; an added employee is said to be new."""
    from stomkpi.catalog import load_catalogs
    from stomkpi.pipeline import read_inputs, score_inputs
    from stomkpi.report.cards import REASON_SHOWN, cards_pdf, cards_xlsx, person_cards

    catalogs = load_catalogs()
    month = read_inputs(write_clinic_month(tmp_path / f"{PERIOD}.xlsx"), catalogs, period=PERIOD)
    scored = score_inputs(month, catalogs)
    hostile = '=HYPERLINK("http://x";"y") <script>alert(1)</script> \\input{/etc/passwd} \x07\x1b[31m' + "ж" * 10_000
    changes = Changes(PERIOD, "редакция 1 (утверждена 10.01.2026 09:30, =cmd|' /C calc'!A0)", "редакция 2 (не утверждена)",
                      hostile)
    changes.staff = [
        StaffChange("1", "Сидорова Анна Петровна", "Терапевтическое отделение",
                    {"total_points": ("27.12", "28.12"), "percent": ("90.4", "93.7"), "coefficient": ("0.82", "0.82")},
                    [("Благодарность", "2", "3")], [("ставки ОМС", "1.0", "0.5")]),
        StaffChange("2", "Кравцова Ольга Ивановна", "Терапевтическое отделение",
                    {"total_points": ("—", "35.95"), "percent": ("—", "89.9"), "coefficient": ("—", "0.22")}, [], [],
                    "добавлен(а) в книгу месяца")]
    cards = person_cards(scored.scores.table, scored.scores.details, scored.month.deprivations,
                         catalogs.positions.rules(), changes, catalogs.positions.criterion_names())
    pdf = tmp_path / "cards.pdf"
    pdf.write_bytes(cards_pdf(PERIOD, "Тестовая поликлиника", "Терапевтическое отделение", cards))
    pages = read_pages(pdf)
    assert len(pages) == 2
    for page in pages:
        assert overlaps(page) == [] and outside(page, 40, 40, 40, 40) == [], page.number
    nurse, dentist = (" ".join(p.text.split()) for p in pages)
    assert "Причина: =HYPERLINK" in dentist and "\\input{/etc/passwd}" in dentist and "[31m" in dentist
    assert 0 < dentist.count("ж") < REASON_SHOWN and "ж…" in dentist.replace(" ", "")  # shortened, not 10 000
    # the coefficient did not move, so it is not listed; the rates did
    assert "Было → стало: сумма баллов 27,12 → 28,12; выполнение 90,4 % → 93,7 %; ставки ОМС: 1 → 0,5." in dentist
    assert "Благодарность 2 +1 за каждый случай — 2 → 3" in dentist  # the workbook as approved: 2 entered
    assert "Было → стало: добавлен(а) в книгу месяца в этой редакции; в прежней редакции карточки не было." in nurse
    cards_xlsx(tmp_path / "cards.xlsx", PERIOD, "Тестовая поликлиника", cards)
    objects = [c for ws in load_workbook(tmp_path / "cards.xlsx").worksheets for row in ws.iter_rows() for c in row
               if isinstance(c.value, str)]
    cells = [c.value for c in objects]
    assert any(c.startswith("Причина: =HYPERLINK") for c in cells)
    # text that starts like a formula («+1 за каждый случай») is text with Excel's quote prefix, never a formula
    like_formula = [c for c in objects if c.value.startswith(("=", "+", "-", "@"))]
    assert like_formula and all(c.data_type == "s" and c.quotePrefix for c in like_formula)
    assert not any(ch in c for c in cells for ch in "\x07\x1b")


def test_verify_reproduces_the_approved_report_from_its_kept_inputs(life):
    # the workbook was corrected in place for revision 2: the approved report re-runs from the copy it kept
    result = run("verify", str(life.approved / f"{PERIOD}.ipynb"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"проверено по его копии inputs/{PERIOD}.xlsx" in result.stdout
    assert "Совпадает" in result.stdout
    result = run("verify", str(life.revised / f"{PERIOD}.ipynb"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert hashes(life.approved) == life.at_approval


def test_a_killed_revision_run_leaves_the_approved_folder_intact(life):
    draft = hashes(life.revised)
    proc = subprocess.Popen([sys.executable, "-m", "stomkpi", "monthly", "--month", PERIOD, "--params", life.params,
                             "--quiet", "--revision", "ещё одна правка"], cwd=ROOT, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and proc.poll() is None:
            if any((t / f"{PERIOD}.ipynb").exists() for t in life.outputs.glob(f".{PERIOD}.r2.*")):
                break  # the notebook is running in its temporary folder
            time.sleep(0.2)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.killpg(proc.pid, signal.SIGKILL)  # the run and its kernel, as a power cut would
    finally:
        proc.wait(timeout=60)
    assert hashes(life.approved) == life.at_approval
    assert hashes(life.revised) == draft  # the draft revision is replaced only by a finished run
    assert approval.approved_problems(approval.revision(life.outputs, PERIOD, 1)) == []


def test_the_revision_is_approved_in_turn_and_still_diffs_against_the_one_it_replaced(life):
    result = run("approve", "--month", PERIOD, "--params", life.params, "--by", "Комиссия по контролю")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Редакция 2 отчёта за {PERIOD} утверждена")
    record = json.loads((life.revised / "approval.json").read_text(encoding="utf-8"))
    assert record["supersedes"] == PERIOD and f"changes-{PERIOD}.xlsx" in record["stamped"]
    when = json.loads((life.approved / "approval.json").read_text(encoding="utf-8"))["approved_at"]
    text = pdf_text(life.revised / f"{PERIOD}.pdf")  # the edition replaced by its number and date, never a folder
    assert f"(взамен редакции 1, утверждённой {when[8:10]}.{when[5:7]}.{when[:4]})" in text and "папк" not in text
    assert hashes(life.approved) == life.at_approval
    again = run("diff", "--month", PERIOD, "--params", life.params)
    assert again.stdout.splitlines()[1:] == life.diff.stdout.splitlines()[1:]
    assert "→ редакция 2 (утверждена" in again.stdout.splitlines()[0]
    refused = run("monthly", "--month", PERIOD, "--params", life.params, "--quiet")
    assert refused.returncode == 2 and "редакция 2 утверждена" in refused.stderr


# --- units: where a run writes, diffs of rows and text ---------------------------------------------------------------


def _fake_revision(outputs: Path, name: str, approved: bool) -> None:
    folder = outputs / name
    folder.mkdir(parents=True)
    (folder / "manifest.json").write_text("{}", encoding="utf-8")
    if approved:  # a whole approval of that folder (its one file, the manifest, as approved)
        manifest = hashlib.sha256(b"{}").hexdigest()
        (folder / "approval.json").write_text(json.dumps({
            "period": PERIOD, "revision": 1, "folder": name, "approved_at": "2026-01-10T09:30:00+03:00", "approved_by": BY,
            "manifest_sha256": manifest, "files": {"manifest.json": manifest}, "stamped": []}), encoding="utf-8")


def test_plan_run_numbers_revisions(tmp_path):
    out = tmp_path / "outputs"
    assert approval.plan_run(out, PERIOD, None).out_dir == out / PERIOD
    with pytest.raises(approval.ParamsError, match="ещё не утверждён"):
        approval.plan_run(out, PERIOD, "причина")
    _fake_revision(out, PERIOD, approved=True)
    _fake_revision(out, "2025-11", approved=True)  # another month does not count
    (out / f"{PERIOD}.failed.ipynb").write_text("{}", encoding="utf-8")
    (out / f".{PERIOD}.r2.tmpabc").mkdir()  # a killed run's temporary folder is not a revision
    with pytest.raises(approval.ApprovedError, match="утверждена 10.01.2026 09:30"):
        approval.plan_run(out, PERIOD, None)
    with pytest.raises(approval.ParamsError, match="причина редакции пуста"):
        approval.plan_run(out, PERIOD, "  ")
    plan = approval.plan_run(out, PERIOD, "  жалоба\nудовлетворена ")
    assert plan.out_dir == out / f"{PERIOD}.r2"
    assert plan.revision["reason"] == "жалоба удовлетворена" and plan.revision["supersedes"] == PERIOD
    _fake_revision(out, f"{PERIOD}.r2", approved=False)  # a draft revision is replaced, not piled up
    assert approval.plan_run(out, PERIOD, "ещё").out_dir == out / f"{PERIOD}.r2"
    (out / f"{PERIOD}.r2" / "approval.json").write_text((out / PERIOD / "approval.json").read_text(encoding="utf-8"))
    plan = approval.plan_run(out, PERIOD, "третья")
    assert plan.out_dir == out / f"{PERIOD}.r3" and plan.revision["supersedes"] == f"{PERIOD}.r2"
    assert [r.number for r in approval.revisions(out, PERIOD)] == [1, 2]


def test_workbook_diff_aligns_inserted_rows_and_names_cells(tmp_path):
    old = write_clinic_month(tmp_path / "old.xlsx")
    rows = [("Таб_номер", "Критерий", "Количество"), ("1", "Благодарность", 1), ("1", "Жалоба", 1), ("2", "Обход", 2)]
    changed = [rows[0], rows[1], ("1", "Благодарность", 1), rows[2], ("2", "Обход", 3)]
    import pandas as pd

    from stomkpi.month import EVENTS
    write_workbook(old, [(EVENTS, pd.DataFrame(rows[1:], columns=["staff_id", "criterion", "count"]))])
    new = tmp_path / "new.xlsx"
    write_workbook(new, [(EVENTS, pd.DataFrame(changed[1:], columns=["staff_id", "criterion", "count"]))])
    found = [str(c) for c in workbook_changes("2025-12.xlsx", old, new)]
    # the inserted row 3 shifts nothing: the old row 4 («Обход») is compared with the new row 5
    assert found == [
        "2025-12.xlsx, лист «События», строка 3 (таб. № 1): нет строки → 1; Благодарность; 1",
        "2025-12.xlsx, лист «События», строка 5 (таб. № 2), столбец «Количество» (C): 2 → 3",
    ]


def test_text_diff_and_unchanged_staff_are_not_listed(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("year: 2025\nnorms:\n  ukv: 0.8\n", encoding="utf-8")
    b.write_text("year: 2025\nnorms:\n  ukv: 0.85\n", encoding="utf-8")
    assert [str(c) for c in text_changes("norms-2025.yaml", a, b)] == ["norms-2025.yaml, строка 3: ukv: 0.8 → ukv: 0.85"]
    import pandas as pd

    cols = ["staff_id", "name", "department", "total_points", "percent", "coefficient", "pts_plan"]
    old = pd.DataFrame([["1", "А", "Т", "30.0", "100.0", "1.0", "10.0"], ["2", "Б", "Т", "20.0", "50.0", "0.5", "5.0"]],
                       columns=cols)
    new = old.copy()
    new.loc[0, "pts_plan"] = "10.00"  # the same number written otherwise is no change
    new.loc[1, ["total_points", "percent", "pts_plan"]] = ["21.0", "52.5", "6.0"]
    changes = staff_changes(old, new, {"plan": "Процент выполнения плана"})
    assert [(s.staff_id, s.figures["total_points"], s.criteria) for s in changes] == [
        ("2", ("20.0", "21.0"), [("Процент выполнения плана", "5.0", "6.0")])]
    assert isinstance(changes[0], StaffChange)
    text = Changes(PERIOD, "редакция 1", "редакция 2", None,
                   [InputChange("f.xlsx", "События", 3, "Количество (C)", "1", "2")], changes).lines()
    assert text[-1] == "  Б (таб. № 2, Т): баллы 20 → 21; процент 50 → 52,5; коэффициент 0,5 → 0,5. Изменилось: " \
                       "«Процент выполнения плана»: 5 → 6"


def test_an_approved_card_lists_the_main_criteria_first(life):
    # approval draws the cards again from their JSON, whose keys are sorted («Дополнительные» < «Основные»): the
    # stamped card must keep the order of the card the run drew, main criteria first
    pages = card_pages(life.approved)
    for staff_id in ("1", "2"):
        text = pages[f"pdf {staff_id}"]
        assert "Утверждено" in text
        assert text.index("Основные критерии") < text.index("Дополнительные критерии"), staff_id
