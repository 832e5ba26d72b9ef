"""A card explains every number: a derived ОКЛ names the reviewed cases below 0,8, a derived УКВ each
indicator that missed its norm with its value and the norm, an event-counted criterion each event's date and
note — read back from the card's PDF and its .xlsx, as the employee holds them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import subprocess

import pytest
import yaml
from openpyxl import load_workbook

from stomkpi.clinic import init_clinic
from stomkpi.report.monthly import build_monthly

from ..conftest import person, write_month

PERIOD = "2025-12"
THERAPY = "Терапевтическое отделение"


@pytest.fixture(scope="module")
def cards(tmp_path_factory, catalog):
    """A therapy doctor with reviewed cases, counts against three of the year's norms and two events; a nurse whose
    values were all typed. Returns the text of the department's card PDF and of each card's sheet."""
    root = tmp_path_factory.mktemp("trail")
    made = init_clinic(root / "clinic", dt.date(2025, 12, 5), catalog, clinic="Кабинет")
    norms = {"year": 2025, "units": {"therapy": {
        "sanitation_rate": {"target": 70, "region_best": 65, "expert": 60},
        "extracted_to_treated": {"target": 0.1, "region_best": 0.15, "expert": 0.2},
        "prevention_activity": {"target": 0.4, "region_best": 0.38, "expert": 0.35}}}}
    (made.workbook.parent / "norms-2025.yaml").write_text(yaml.safe_dump(norms, allow_unicode=True), encoding="utf-8")
    staff = [person("1", "Врач-стоматолог-терапевт", name="Яковлев Олег Петрович"),
             person("2", "Медицинская сестра", name="Антонова Анна Ивановна")]
    write_month(made.workbook, staff, [("1", "plan", 100), ("2", "plan", 100)],
                events=[("1", "Благодарность", 1, dt.date(2025, 12, 5)),
                        ("1", "Нарушение правил внутреннего распорядка", 1, dt.date(2025, 12, 10))],
                stats=[("1", "Санированные больные", 45), ("1", "Первичные больные", 100),
                       ("1", "Удалённые зубы", 5), ("1", "Вылеченные зубы", 50)],
                reviews=[("К-101", "1", 0.65, "медработник"), ("К-102", "1", 0.9), ("К-103", "1", 0.5, "пациент")])
    book = load_workbook(made.workbook)
    notes = book["События"]
    column = [c.value for c in notes[1]].index("Примечание") + 1
    notes.cell(2, column, "Благодарность пациента Смирнова")
    notes.cell(3, column, "Опоздание 40 минут")
    book.save(made.workbook)

    report = build_monthly(PERIOD, made.params_file)
    out = root / "out"
    report.write_files(out)
    pdf = next(out.glob(f"cards-{PERIOD}-*.pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = [" ".join(page.split()) for page in text.split("\f") if page.strip()]
    sheets = {ws.title: " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if c is not None)
              for ws in load_workbook(next(out.glob(f"cards-{PERIOD}-*.xlsx")), read_only=True)}
    return report, pages, sheets


# By hand: cases below 0,8 — К-103 (0,5, НМП) and К-101 (0,65, ДМП); К-102 (0,9) is КМП → ОКЛ 2.
# УКВ: sanitation 45 of 100 = 45 % < 60 (missed); extracted 5 / 50 = 0,1 ≤ 0,2 (met); prevention — no counts
# (missed: no data) → 2 of 3 missed.
EXPECTED = [
    "ОКЛ = 2",
    "№ К-103 — 0,5, НМП, причина: пациент",
    "№ К-101 — 0,65, ДМП, причина: медработник",
    "УКВ = 2",
    "не достигли нормы 2 из 3 показателей УКВ",
    "Процент санированных больных от числа первичных — 45 при норме 60",
    "Коэффициент профилактической активности — нет данных при норме 0,35",
    "05.12.2025 — «Благодарность пациента Смирнова»",
    "10.12.2025 — «Опоздание 40 минут»",
]


def test_the_doctors_card_pdf_names_the_cases_indicators_and_events(cards):
    report, pages, _ = cards
    doctor = next(p for p in pages if "Яковлев Олег Петрович" in p)
    for words in EXPECTED:
        assert words in doctor, words
    assert "К-102" not in doctor and "Отношение удалённых зубов" not in doctor  # a case of КМП, a norm met
    assert "Введено" not in doctor
    points = report.table.set_index("staff_id").loc["1"]
    assert points["pts_okl"] == 8 and points["pts_ukv"] == 8  # 10 − 2 each: the counts the card explains


def test_the_doctors_card_xlsx_names_them_too(cards):
    _, _, sheets = cards
    doctor = next(text for title, text in sheets.items() if title.startswith("1 "))
    for words in EXPECTED:
        assert words in doctor, words


def test_a_card_of_typed_values_says_they_were_typed(cards):
    _, pages, sheets = cards
    nurse = next(p for p in pages if "Антонова Анна Ивановна" in p)
    assert "Все значения введены на листе «Показатели»" in nurse and "Экспертиза" not in nurse
    assert "введены на листе «Показатели»" in next(t for title, t in sheets.items() if title.startswith("2 "))


def test_a_revised_card_names_the_reason_once_shortened_and_only_its_own_changes(cards):
    """A revision's reason of 190 characters about two people: each card prints its first 120 characters once, with
    «полностью — в отчёте», and only its own employee's figures."""
    from stomkpi.report.cards import REVISION_SHOWN, cards_pdf
    from stomkpi.revisions.diff import Changes, StaffChange

    report, _, _ = cards
    reason = ("Яковлеву учтён второй случай экспертизы К-103, принятый комиссией после пересмотра; "
              "Антоновой исправлены дни: по табелю 20 рабочих дней вместо 22, уточнено отделом кадров 12.01.2026")
    assert len(reason) > REVISION_SHOWN == 120
    changes = Changes(PERIOD, "редакция 1 (утверждена 10.01.2026)", "редакция 2 (не утверждена)", reason)
    changes.staff = [
        StaffChange("1", "Яковлев Олег Петрович", THERAPY, {"total_points": ("23", "22"), "percent": ("76.7", "73.3"),
                                                             "coefficient": ("0.77", "0.73")}, [], []),
        StaffChange("2", "Антонова Анна Ивановна", THERAPY, {"coefficient": ("1.0", "0.91")}, [],
                    [("дни по факту", "22", "20")])]
    pdf = cards_pdf(PERIOD, "Кабинет", THERAPY, dataclasses.replace(report, changes=changes).cards())
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    nurse, doctor = (" ".join(p.split()) for p in text.split("\f") if p.strip())
    for card in (nurse, doctor):
        assert card.count("Причина:") == 1
        assert f"Причина: {reason[:REVISION_SHOWN]}… (полностью — в отчёте)" in card
        assert "уточнено отделом кадров" not in card
    assert "выполнение 76,7 % → 73,3 %" in doctor and "дни по факту" not in doctor
    assert "дни по факту: 22 → 20" in nurse and "76,7" not in nurse
