"""Writes notebooks/monthly.ipynb from the cell list below (the notebook is committed; this keeps
its source reviewable as plain Python). Run: python scripts/make_notebooks.py"""

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
    md("# Оценка результативности сотрудников за месяц"),
    code('''
# Параметры отчёта (papermill подставляет свои значения в ячейку ниже)
period = "2025-12"
workbook = "demo/2025-12.xlsx"
clinic = "Демонстрационная стоматологическая поликлиника"
catalog_dir = None
''', "parameters"),
    code('''
from IPython.display import Markdown, display

from stomkpi import charts
from stomkpi.reports import build_monthly, show

report = build_monthly(period, workbook, clinic=clinic, catalog_dir=catalog_dir)
display(Markdown(f"**{clinic}** — {report.period_words}. Сотрудников: {len(report.scores.table)}."))
'''),
    md("## Предупреждения по входным данным"),
    code('display(Markdown(report.warnings_markdown()))'),
    md("## Итоги по отделениям"),
    code("show(report.by_department)"),
    code("charts.department_comparison(report.scores.table);"),
    code("charts.percent_distribution(report.scores.table);"),
    md("## Кто и за что потерял баллы"),
    code("charts.lost_points_chart(report.lost_by_criterion);"),
    code("show(report.lost_points.head(30))"),
]
