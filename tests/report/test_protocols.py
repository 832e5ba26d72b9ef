"""The protocol tables of Приложения 3 and 4: who is in which table, with the forms' columns."""

from __future__ import annotations

from collections import Counter

from openpyxl import load_workbook

from stomkpi.month import read_month
from stomkpi.protocols import (
    CLINIC_DEPRIVED,
    CLINIC_DOCTORS,
    CLINIC_NURSES,
    CLINIC_STAFF,
    DEPT_DOCTORS,
    DEPT_NURSES,
    DEPT_STAFF,
    clinic_protocol,
    department_protocol,
)
from stomkpi.report.monthly import build_monthly
from stomkpi.report.protocols_xlsx import write_protocols
from stomkpi.report.words import month_words
from stomkpi.scoring import score_month

from ..conftest import PERIOD, person, write_month
from ..printed import crossed, outside, overlaps, read_pages, to_pdf

THERAPY = "Терапевтическое отделение"
CHILDREN = "Детское отделение"


def scored_month(tmp_path, catalog):
    staff = [
        person("1", "Врач-стоматолог-терапевт", name="Яковлев Олег Петрович", rates=1.5),
        person("2", "Медицинская сестра", name="Антонова Анна Ивановна"),
        person("3", "Санитарка", name="Борисова Галина Юрьевна"),
        person("4", "Врач-стоматолог детский", name="Белова Ольга Сергеевна", department=CHILDREN),
        person("5", "Зубной врач", name="Андреев Иван Иванович"),
    ]
    values = [("1", "plan", 110), ("2", "plan", 100), ("4", "plan", 100), ("5", "plan", 90)]
    path = write_month(tmp_path / "2025-12.xlsx", staff, values, deprivations=[("2", 50, "Выговор")])
    month = read_month(path, catalog)
    return month, score_month(month, catalog).table


def test_department_protocol(tmp_path, catalog):
    month, table = scored_month(tmp_path, catalog)
    p = department_protocol(table, month.deprivations, catalog, THERAPY)
    assert list(p["Врачей"].columns) == DEPT_DOCTORS
    assert list(p["Медсестёр"].columns) == DEPT_NURSES
    # doctors sorted by name: Андреев (зубной врач, 90 % → 29.9/30... plan 9.9 + 10 + 10 = 29.9 → 99.7 %), Яковлев
    assert p["Врачей"]["Ф.И.О."].tolist() == ["Андреев Иван Иванович", "Яковлев Олег Петрович"]
    assert p["Врачей"]["№"].tolist() == [1, 2]
    assert p["Врачей"]["Занимаем. должность"].tolist() == ["Зубной врач", "Врач-стоматолог-терапевт"]
    # plan 10 + 0.01 × 10 = 10.1; ОКЛ 10; УКВ 10 → 30.1 / 30 = 100.33 → 100.3 %
    assert p["Врачей"]["Оценка показателей в % от ставки"].tolist() == [99.7, 100.3]
    assert p["Медсестёр"]["Ф.И.О."].tolist() == ["Антонова Анна Ивановна"]
    assert p["Лишить премии"].values.tolist() == [[1, "Антонова Анна Ивановна", "Медицинская сестра", "Выговор", 50.0]]
    assert p["Лишить премии"].columns[-1] == "Лишить, %"
    # the orderly in her own section, with the columns of the others; the children's department doctor elsewhere
    assert list(p) == ["Врачей", "Медсестёр", "Младший медицинский персонал", "Прочий персонал", "Лишить премии"]
    assert p["Младший медицинский персонал"].values.tolist() == [[1, "Борисова Галина Юрьевна", "Санитарка", 1.0, 0.0, 100.0]]
    assert list(p["Прочий персонал"].columns) == DEPT_STAFF and p["Прочий персонал"].empty
    every_name = {n for t in p.values() for n in t.iloc[:, 1]}
    assert "Белова Ольга Сергеевна" not in every_name


def test_clinic_protocol(tmp_path, catalog):
    month, table = scored_month(tmp_path, catalog)
    p = clinic_protocol(table, month.deprivations, catalog)
    assert list(p["Врачи"].columns) == CLINIC_DOCTORS
    assert list(p["Медицинские работники со средним образованием"].columns) == CLINIC_NURSES
    assert list(p["Лишить денежных выплат"].columns) == CLINIC_DEPRIVED
    doctors = p["Врачи"].set_index("Ф И О врача")
    assert list(doctors.index) == ["Андреев Иван Иванович", "Белова Ольга Сергеевна", "Яковлев Олег Петрович"]
    # Яковлев: 30.1 points of 30, 100.3 %, coefficient 1.00333 × 1.5 × 22/22 = 1.505 → 1.51 (half away)
    assert doctors.loc["Яковлев Олег Петрович"].tolist()[1:] == ["Врач-стоматолог-терапевт", 22, 1.5, 30, 30.1, 100.3, 1.51]
    nurse = p["Медицинские работники со средним образованием"].iloc[0].tolist()
    # nurse: 40 of 40, 100 %, deprived 50 % → coefficient 1 × 1 × 1 × 0.5 = 0.5
    assert nurse == [1, "Антонова Анна Ивановна", 22, 1.0, 40, 40.0, 100.0, 0.5]
    # the orderly: 4 deductions at full points, 40 of 40 → coefficient 1
    junior = p["Младший медицинский персонал"]
    assert list(junior.columns) == CLINIC_STAFF
    assert junior.values.tolist() == [[1, "Борисова Галина Юрьевна", "Санитарка", 22, 1.0, 40, 40.0, 100.0, 1.0]]
    assert p["Прочий персонал"].empty
    assert p["Лишить денежных выплат"].values.tolist() == [[1, "Антонова Анна Ивановна", "Медицинская сестра", "Выговор", 50.0]]


def test_protocols_xlsx(tmp_path, catalog):
    month, table = scored_month(tmp_path, catalog)
    departments = {d: department_protocol(table, month.deprivations, catalog, d) for d in (THERAPY, CHILDREN)}
    path = tmp_path / "protocols.xlsx"
    write_protocols(path, "2025-12", "Поликлиника", departments, clinic_protocol(table, month.deprivations, catalog))
    book = load_workbook(path)
    assert book.sheetnames == ["П3 Терапевтическое отделение", "П3 Детское отделение", "П4 Комиссия"]
    cells = [c for row in book["П4 Комиссия"].iter_rows(values_only=True) for c in row if c is not None]
    assert "за декабрь 2025 года" in cells
    assert "Яковлев Олег Петрович" in cells and "Антонова Анна Ивановна" in cells
    assert CLINIC_DOCTORS[-1] in cells
    therapy = [c for row in book.worksheets[0].iter_rows(values_only=True) for c in row if c is not None]
    assert "Белова Ольга Сергеевна" not in therapy and "Выговор" in therapy


def test_month_words():
    assert month_words("2025-01") == "январь 2025 года"
    assert month_words("2025-12") == "декабрь 2025 года"


def test_forms_carry_every_deprivation_and_department(tmp_path, catalog):
    """A deprived orderly is in her department's «Лишить премии» and the clinic's; a department with only orderlies
    has its protocol."""
    staff = [person("1", "Врач-стоматолог-терапевт", name="Яковлев Олег Петрович"),
             person("3", "Санитарка", name="Борисова Галина Юрьевна"),
             person("6", "Санитарка", name="Серова Нина Ивановна", department="Хозяйственная служба")]
    path = write_month(tmp_path / "2025-12.xlsx", staff, [("1", "plan", 100)],
                       deprivations=[("3", 100, "Прогул"), ("6", 50, "Опоздания")])
    month = read_month(path, catalog)
    table = score_month(month, catalog).table
    therapy = department_protocol(table, month.deprivations, catalog, THERAPY)
    assert therapy["Лишить премии"].values.tolist() == [[1, "Борисова Галина Юрьевна", "Санитарка", "Прогул", 100.0]]
    service = department_protocol(table, month.deprivations, catalog, "Хозяйственная служба")
    assert service["Младший медицинский персонал"]["Ф.И.О."].tolist() == ["Серова Нина Ивановна"]
    assert service["Лишить премии"].values.tolist() == [[1, "Серова Нина Ивановна", "Санитарка", "Опоздания", 50.0]]
    deprived = clinic_protocol(table, month.deprivations, catalog)["Лишить денежных выплат"]
    assert deprived[["Ф И О", "Лишить, %"]].values.tolist() == [["Борисова Галина Юрьевна", 100.0],
                                                               ["Серова Нина Ивановна", 50.0]]


def test_hostile_text_stays_text(tmp_path, catalog):
    month, table = scored_month(tmp_path, catalog)
    table = table.copy()
    table.loc[table["staff_id"] == "1", "name"] = "=HYPERLINK(\"http://x\")\x1bЯковлев"
    table.loc[table["staff_id"] == "2", "name"] = "@SUM(A1)\x00Антонова"
    path = tmp_path / "protocols.xlsx"
    write_protocols(path, "2025-12", "+Поликлиника\x07", {THERAPY: department_protocol(table, month.deprivations, catalog, THERAPY)},
                    clinic_protocol(table, month.deprivations, catalog))
    book = load_workbook(path)
    cells = [c for ws in book for row in ws.iter_rows() for c in row if c.value is not None]
    assert not [c for c in cells if c.data_type == "f"]
    # kept as typed (control characters dropped), marked text by the quote-prefix style: no apostrophe shown
    quoted = {c.value for c in cells if c.quotePrefix and c.data_type == "s"}
    assert {"=HYPERLINK(\"http://x\")Яковлев", "@SUM(A1)Антонова", "+Поликлиника"} <= quoted
    assert not [c.value for c in cells if isinstance(c.value, str) and c.value.startswith(("=", "@", "+"))
                and not c.quotePrefix]


def _printed_tokens(pages) -> Counter:
    return Counter(w["text"] for p in pages for w in p.words)


def _cell_tokens(path) -> Counter:
    out = Counter()
    for ws in load_workbook(path, read_only=True):
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None:
                    out.update(_shown(c.value, c.number_format).split())
    return out


def _shown(value, number_format: str) -> str:
    """A cell's text as its number format prints it (a decimal comma under any locale)."""
    if isinstance(value, str):
        return value
    places = {"[$-419]0.00": 2, "[$-419]0.0": 1}.get(number_format)
    assert places is not None or number_format == "[$-419]General", number_format
    return (f"{value:.{places}f}" if places is not None else f"{value:g}").replace(".", ",")


def test_demo_protocols_print_whole_through_libreoffice(project, monthly, tmp_path):
    """The notebook's protocols, printed by LibreOffice: the pages the layout cut, every header on every
    page, every cell's text whole (no word cut by a row's border, none missing, no «###»), inside the margins."""
    report = build_monthly(PERIOD, project / "params" / "demo.yaml")
    again = tmp_path / "protocols.xlsx"
    pages = write_protocols(again, report.period, report.params.clinic, report.department_protocols,
                            report.clinic_protocol)
    xlsx = monthly / f"protocols-{PERIOD}.xlsx"
    assert again.read_bytes() == xlsx.read_bytes()
    printed = read_pages(to_pdf(xlsx, tmp_path))
    assert len(printed) == sum(pages.values())
    for page in printed:
        assert overlaps(page) == [], page.number
        assert outside(page, 0.3 * 72, 0.3 * 72, 0.4 * 72, 0.2 * 72) == [], page.number
        assert crossed(page) == [], page.number
        assert "###" not in page.text
        body = [w for w in page.words if not w["text"].startswith("Страница")]
        if any(r for r in page.rules) and body:  # a page of a table starts with its header
            first_rule = min(r["top"] for r in page.rules)
            assert any(w["text"] in ("№", "Ф.И.О.", "ФИО") or w["text"].startswith("№") for w in page.words
                       if abs(w["top"] - first_rule) < 30), page.number
    assert "Страница 1 из" in " ".join(w["text"] for w in printed[0].words)
    missing = _cell_tokens(xlsx) - _printed_tokens(printed)
    assert not missing, list(missing)[:20]
    # a protocol of Приложение 3 for every department
    assert list(report.department_protocols) == sorted(report.table["department"].unique())
    book = load_workbook(xlsx, read_only=True)
    assert book.sheetnames == [f"П3 {d}"[:31] for d in report.department_protocols] + ["П4 Комиссия"]


def test_protocols_print_alike_under_russian_and_english_locales(tmp_path, catalog):
    """LibreOffice under ru-RU and under en-US prints the same figures: one format per quantity (coefficients with
    2 decimals, percents with 1), with a decimal comma under either locale."""
    import subprocess

    month, table = scored_month(tmp_path, catalog)
    path = tmp_path / "protocols.xlsx"
    write_protocols(path, "2025-12", "Поликлиника", {THERAPY: department_protocol(table, month.deprivations, catalog,
                                                                                  THERAPY)},
                    clinic_protocol(table, month.deprivations, catalog))
    texts = {}
    for locale in ("ru_RU.UTF-8", "en_US.UTF-8"):
        pdf = to_pdf(path, tmp_path / locale, locale)
        texts[locale] = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                                       text=True).stdout
    assert texts["ru_RU.UTF-8"] == texts["en_US.UTF-8"]
    lines = texts["en_US.UTF-8"].splitlines()
    # Яковлев: 22 days, 1,5 rates, 30 of 30,1 points, 100,3 %, coefficient 1,51; the nurse's 0,5 as 0,50
    yakovlev = [line.split() for line in lines if "Яковлев" in line]
    assert ["22", "1,5", "30", "30,1", "100,3", "1,51"] == yakovlev[-1][-6:]
    nurse = next(line.split() for line in lines if "Антонова" in line and "22" in line.split())
    assert nurse[-6:] == ["22", "1", "40", "40", "100,0", "0,50"]
    assert not any("." in w and w.replace(".", "").isdigit() for line in lines for w in line.split())
