"""Writes the report notebooks in notebooks/ from the cell lists below. The notebooks are committed;
this script keeps their source reviewable as plain Python. Run: python scripts/make_notebooks.py"""

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parents[1]


def code(src: str, *tags: str):
    cell = new_code_cell(src.strip())
    if tags:
        cell.metadata["tags"] = list(tags)
    return cell


def md(src: str):
    return new_markdown_cell(src.strip())


MONTHLY = [
    code('''
# Параметры отчёта: papermill подставляет свои значения ниже этой ячейки
period = "2025-12"
workbook = "demo/2025-12.xlsx"
clinic = "Демонстрационная стоматологическая поликлиника"
catalog_dir = None
norms_file = None
nmo_workbook = None
''', "parameters"),
    code('''
from IPython.display import Markdown, display

from stomkpi import charts
from stomkpi.display import show
from stomkpi.provenance import provenance_table
from stomkpi.reports import build_monthly

report = build_monthly(period, workbook, clinic=clinic, catalog_dir=catalog_dir, norms_file=norms_file,
                       nmo_workbook=nmo_workbook)
display(Markdown(report.heading()))
'''),
    md("## Происхождение данных\n"
       "Параметры запуска, контрольные суммы (SHA-256) входных файлов и каталогов правил, версии программ."),
    code('''
show(provenance_table({"period": period, "clinic": clinic, "catalog_dir": catalog_dir},
                      {"Книга месяца": workbook, "Нормы года": report.scored.norms_file, "Книга НМО": nmo_workbook},
                      catalog_dir))
'''),
    md("## Предупреждения по входным данным"),
    code("display(Markdown(report.warnings_markdown()))"),
    md("## Итоги по отделениям\nПроцент выполнения показателей — сумма баллов к нормативному количеству баллов должности."),
    code("show(report.by_department, index=True)"),
    code("charts.department_comparison(report.scores.table)"),
    code("charts.percent_distribution(report.scores.table)"),
    md("## Кто и за что потерял баллы"),
    code("charts.lost_points_chart(report.lost_by_criterion)"),
    code('show(report.lost_points.head(40), caption="Наибольшие потери баллов (до 40 строк; полностью — в CSV)")'),
    md("## Протоколы совета трудового коллектива отделений (Приложение № 3)"),
    code('''
for department, tables in report.department_protocols.items():
    display(Markdown(report.department_protocol_heading(department)))
    for title, table in tables.items():
        show(table, caption=title)
'''),
    md("## Протокол комиссии поликлиники (Приложение № 4)"),
    code('''
display(Markdown(report.clinic_protocol_heading()))
for title, table in report.clinic_protocol.items():
    show(table, caption=title)
'''),
    md("### Прочий персонал\nДолжности без медицинского образования не входят в формы Приложений 3–4; их оценка — для сведения."),
    code("show(report.other_staff.rename(columns=report.SCORE_HEADERS))"),
    md("## Качество медицинской помощи за месяц (раздел 7)"),
    code('''
if report.quality:
    for title, table in report.quality.items():
        show(table, caption=title)
else:
    display(Markdown("Листа «Экспертиза» в книге месяца нет."))
'''),
    md("### Уровень качественных показателей работы врача (УКВ, раздел 4)"),
    code("show(report.ukv_table())"),
    md("## НМО: кто отстаёт или подходит к сроку аккредитации"),
    code("display(Markdown(report.nmo_heading()))\nshow(report.nmo_table())"),
    md("## Приложение: правила и замечания к каталогу\nЧто в Положении противоречиво или не сказано, и как это решено."),
    code("show(report.lint_all())"),
    code('show(report.rules_table(), caption="Критерии и баллы по должностям (Приложение № 2)")'),
]

ANNUAL = [
    code('''
# Параметры отчёта: papermill подставляет свои значения ниже этой ячейки
year = 2025
data_dir = "demo"
clinic = "Демонстрационная стоматологическая поликлиника"
catalog_dir = None
norms_file = "demo/norms-2025.yaml"
nmo_workbook = "demo/nmo.xlsx"
''', "parameters"),
    code('''
from IPython.display import Markdown, display

from stomkpi import charts
from stomkpi.annual import build_annual
from stomkpi.display import show
from stomkpi.provenance import provenance_table

report = build_annual(year, data_dir, clinic=clinic, catalog_dir=catalog_dir, norms_file=norms_file,
                      nmo_workbook=nmo_workbook)
display(Markdown(report.heading()))
'''),
    md("## Происхождение данных"),
    code("show(provenance_table(report.parameters(), report.inputs(), catalog_dir))"),
    md("## Динамика за год по отделениям"),
    code("charts.monthly_dynamics(report.by_month)"),
    code("show(report.by_month_table(), index=True)"),
    md("## Динамика за год по сотрудникам\nПроцент выполнения показателей по месяцам."),
    code("show(report.by_person_table())"),
    md("## Рейтинг подразделений по шкале 0–4 (раздел 6)\n"
       "Балл P: 4 — целевой ориентир, 3 — лучший показатель по региону, 2 — экспертное значение, "
       "1 — на 1–15 % хуже экспертного, 0 — хуже. Кэф = P / 4, Пр = Кэф × Ув, результат — сумма Пр (от 0 до 1). "
       "Для показателей «меньше — лучше» шкала зеркальна (раздел 6.4 нумерует её наоборот; "
       "здесь 4 всегда означает достижение цели)."),
    code("charts.rating_chart(report.rating.summary)"),
    code('show(report.rating_table(), caption="Результат и место по кварталам и за год")'),
    code('''
for unit, table in report.rating_detail_tables().items():
    show(table, caption=unit)
'''),
    md("## Показатели качества (раздел 7) за год в сравнении с нормами"),
    code("show(report.quality_indicators())"),
    code('''
for title, table in report.quality.items():
    show(table, caption=title)
'''),
    md("## НМО: состояние планов всех сотрудников на конец года"),
    code("charts.nmo_status_chart(report.nmo)"),
    code("show(report.nmo_table())"),
    md("## Приложение: замечания к каталогу правил"),
    code("show(report.lint_all())"),
]

EXPLORE = [
    md("# Исследование данных stomkpi\nОтправная точка для работы в JupyterLab: загрузите месяц, посмотрите баллы, "
       "сгруппируйте как нужно."),
    code('''
workbook = "demo/2025-12.xlsx"  # книга месяца; `stomkpi demo` пишет демонстрационные
''', "parameters"),
    code('''
import pandas as pd

from stomkpi.reports import score_workbook

scored = score_workbook(workbook)
scores = scored.scores.table
scores.head()
'''),
    md("Средний процент по отделениям и должностям:"),
    code('scores.pivot_table(index="department", columns="position_name", values="percent", aggfunc="mean").round(1)'),
    md("Все баллы по критериям (одна строка — сотрудник × критерий):"),
    code('scored.scores.details.query("points < 0").head(20)'),
    md("УКВ и откуда взяты счётчики УКВ и ОКЛ:"),
    code("scored.derived.ukv.head(), scored.derived.sources.head()"),
]


def write(name: str, cells: list, title: str) -> None:
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    nb.metadata["title"] = title
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{name}-{i:02d}"
    nbformat.write(nb, ROOT / "notebooks" / f"{name}.ipynb")


if __name__ == "__main__":
    write("monthly", MONTHLY, "Оценка результативности сотрудников за месяц")
    write("annual", ANNUAL, "Итоги года: динамика, рейтинг подразделений, качество, НМО")
    write("explore", EXPLORE, "Исследование данных")
