"""The reports as printed pages: word boxes from the rendered PDFs (tests/printed.py) on the demo's
monthly and annual reports and on a clinic of one department — no two words overlap, nothing outside
the margins, no page left mostly blank inside a section; the order of the document (title page, the
summary first, the appendix last); Russian words where a person reads; charts that do not hide data."""

from __future__ import annotations

import re
import subprocess

import pandas as pd
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import to_hex

from stomkpi.report import charts
from stomkpi.report.display import Table, fit_columns
from stomkpi.report.words import nmo_action, rule_words

from ..conftest import PERIOD
from ..printed import read_pages, report_layout_problems


@pytest.fixture(scope="module")
def reports(monthly, annual, small_clinic):
    return {"monthly": monthly / f"{PERIOD}.pdf", "annual": annual / "2025.pdf",
            "small-monthly": small_clinic / PERIOD / f"{PERIOD}.pdf", "small-annual": small_clinic / "2025" / "2025.pdf"}


@pytest.mark.parametrize("which", ["monthly", "annual", "small-monthly", "small-annual"])
def test_pages_lay_out_cleanly(reports, which):
    assert report_layout_problems(reports[which]) == []


@pytest.mark.parametrize("which", ["monthly", "annual"])
def test_document_order(reports, which):
    """Title page with clinic, period, date and signatories; the summary next, on one page; the appendix last."""
    pages = read_pages(reports[which])
    title = pages[0].text
    assert "Демонстрационная стоматологическая поликлиника" in title and "Дата отчёта: 31.12.2025" in title
    assert "Главный врач" in title and "Председатель комиссии" in title
    assert re.match(r"Сводка (для комиссии|за 2025 год)", pages[1].text)
    assert "Фонд коэффициентов" in pages[1].text
    assert re.search(r"Сводка", pages[2].text) is None  # the summary is one page
    appendix = next(i for i, p in enumerate(pages) if p.text.startswith("Приложение: "))
    assert any("Происхождение данных" in p.text for p in pages[appendix:])
    assert not any("Происхождение данных" in p.text for p in pages[:appendix])


def test_summary_speaks_russian_numbers(reports):
    """Decimal comma on the summary page: no «93.7»."""
    text = read_pages(reports["monthly"])[1].text
    assert not re.search(r"\d\.\d", text), text


def test_rules_in_words_and_parameters_named(monthly):
    text = subprocess.run(["pdftotext", str(monthly / f"{PERIOD}.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    for code in ("deduction", "per_event", "assigned", "versus_norm", "catalog_dir"):
        assert code not in flat, code
    assert "за каждое замечание" in flat and "за каждый случай" in flat and "к норме" in flat
    assert "Месяц отчёта" in flat and "встроенные правила" in flat


def test_charts_have_russian_alt_text(monthly, annual):
    for html in (monthly / f"{PERIOD}.html", annual / "2025.html"):
        images = re.findall(r"<img [^>]*>", html.read_text(encoding="utf-8"))
        assert images
        for img in images:
            alt = re.search(r'alt="([^"]*)"', img)
            assert alt and re.search("[а-яА-Я]", alt.group(1)), img[:200]


def test_rule_words():
    assert rule_words("deduction", max=10, penalty=1) == "10, −1 за каждое замечание"
    assert rule_words("per_event", weight=1) == "+1 за каждый случай"
    assert rule_words("per_event", weight=-5) == "−5 за каждый случай"
    assert rule_words("versus_norm", weight=1, direction="higher").startswith("±1 к норме")
    assert rule_words("versus_norm", weight=0.1, direction="lower") == "±0,1 к норме: +0,1 ниже нормы, −0,1 выше"
    assert rule_words("assigned", low=1, high=10) == "назначает руководитель: от 1 до 10"
    assert rule_words("plan", max=10, step=0.01).startswith("10 при 100 %, ±0,01")


def test_nmo_figures_a_person_can_act_on():
    """With less than a year left: days left and points still needed, not an annual rate."""
    assert nmo_action(3, 54.3, 6610.5, False) == "осталось 3 дн.; набрать 54,3 ЗЕТ"
    assert nmo_action(800, 100, 45.6, False) == "по 45,6 ЗЕТ в год"
    assert nmo_action(0, 12, 0, False) == "срок истёк; не хватает 12 ЗЕТ"
    assert nmo_action(100, 0, 0, True) == "выполнено"


def test_columns_fit_every_header_word():
    """The words of the forms' headers get columns wide enough for them, at a size where the table fits."""
    cols = ["№ п/п", "Ф И О врача", "должность", "Факт. дни", "К-во ставок", "Оценка деятельности в баллах: норма",
            "Оценка деятельности в баллах: факт", "Процент выполнения показателей", "Коэффициент денежных выплат"]
    cells = [["1", "Константинопольская Александра Владимировна", "Врач-стоматолог-терапевт", "22", "1,5", "30",
              "30,1", "100,3", "1,51"]]
    from stomkpi.report.printable import text_width

    size, widths = fit_columns(cols, cells)
    assert sum(widths) == pytest.approx(510.0)
    for c, w in zip(cols, widths, strict=True):
        assert max(text_width(word, True, size) for word in c.split()) <= w - 6
    assert "landscape" not in Table(pd.DataFrame(cells, columns=cols))._repr_latex_()


def test_a_column_of_sentences_gets_the_room_left():
    """Four columns of names and short phrases beside one of long sentences (what to do, with dates). At 8 pt the
    texts are about 275, 118, 120, 137 and 857 pt long; the line of 510 pt is shared in proportion to them once the
    three short columns keep their least width (their longest word), so the name and the sentences wrap to about as
    many lines: the sentences' column is the widest, over 200 pt (857 / (275 + 857) of what is left, about 295 pt),
    where before it got 159 pt and ran to ten lines."""
    action = ("подать заявление немедленно: последний безопасный день подачи был 11.11.2025, срок — 02.01.2026; "
              "внести в ФРДО удостоверение № 772400000154 («Актуальные вопросы стоматологии детской»)")
    cols = ["ФИО (специальность)", "Отделение", "Состояние", "В эти два месяца", "Что сделать"]
    cells = [["Михайлова Надежда Сергеевна (Стоматология ортопедическая)", "Ортопедическое отделение",
              "окно открыто, есть пробелы", "безопасно подать до 16.12.2025", action]]
    size, widths = fit_columns(cols, cells)
    assert sum(widths) == pytest.approx(510.0)
    assert widths[-1] == max(widths)
    assert widths[-1] > 200
    assert widths[0] < widths[-1] / 2


def test_too_many_columns_for_whole_words_share_the_line():
    """Twelve columns headed by 17-letter words: even at the smallest size their bold words need more than the
    line (12 × «Удовлетворённость» ≈ 12 × 56 pt at 6 pt), so every column shrinks alike, the line is filled
    exactly, and the LaTeX still builds (a word wider than its column gets break points)."""
    cols = [f"Удовлетворённость{i}" for i in range(12)]
    cells = [["1,5"] * 12]
    size, widths = fit_columns(cols, cells)
    assert size == 6.0
    assert sum(widths) == pytest.approx(510.0)
    assert max(widths) < 1.1 * min(widths)  # headers of nearly the same width: columns of nearly the same width
    assert "longtable" in Table(pd.DataFrame(cells, columns=cols))._repr_latex_()


def test_charts_keep_colours_and_legends_off_the_data():
    table = pd.DataFrame({"department": ["Б", "А", "В", "А"], "percent": [90.0, 101.0, 95.5, 99.0]})
    palette = charts.colours(["В", "А", "Б"])
    boxes = charts.department_comparison(table, palette=palette).figure
    by_month = pd.DataFrame([[90, 95], [100, 99], [97, 98]], index=["А", "Б", "В"], columns=["2025-01", "2025-02"])
    lines = charts.monthly_dynamics(by_month, palette=palette).figure
    box_colours = [to_hex(p.get_facecolor(), keep_alpha=False) for p in boxes.axes[0].patches]
    assert box_colours == [palette["А"], palette["Б"], palette["В"]]
    assert {line.get_label(): to_hex(line.get_color()) for line in lines.axes[0].get_lines()
            if not line.get_label().startswith("_")} == palette
    FigureCanvasAgg(lines).draw()
    renderer = lines.canvas.get_renderer()
    legend = lines.legends[0].get_window_extent(renderer)
    assert not legend.overlaps(lines.axes[0].get_window_extent(renderer))
    hist = charts.percent_distribution(table).figure
    assert all(float(t).is_integer() for t in hist.axes[0].get_yticks())


def test_roubles_with_thousands_stay_whole_and_right_aligned():
    # «1 820 306,25» is written with no-break spaces between thousands: a table of the PDF keeps it on one line
    # (TeX's tie, no break point) and aligns its column right, like every other number
    frame = pd.DataFrame({"Отделение": ["Терапевтическое отделение", "Всего"],
                          "Начислено, руб.": ["633\u00a0031,88", "1\u00a0820\u00a0306,25"]})
    latex = Table(frame)._repr_latex_()
    assert "1~820~306,25" in latex and "633~031,88" in latex
    assert "820\\allowbreak" not in latex and "1\\allowbreak" not in latex
    assert latex.count("\\raggedleft") == 1  # the amounts' column; the departments' stays ragged right
