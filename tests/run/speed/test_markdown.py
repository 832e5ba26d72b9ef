"""Markdown to LaTeX in one pandoc run: the same pieces as one run per piece, and a safe fallback."""

from __future__ import annotations

import re

import nbformat
from nbconvert import LatexExporter
from nbconvert.utils.pandoc import pandoc
from nbformat.v4 import new_markdown_cell, new_notebook

from stomkpi.run.notebook import _LATEX_OPTIONS
from stomkpi.run.speed import markdown

MD = "markdown+tex_math_double_backslash"
PIECES = ["## Итоги по отделениям\n\nПроцент — **сумма** баллов, 100 %.", "- первый\n- второй", "Формула $a_1$ и `код`",
          "### Итоги по отделениям"]


def test_one_run_gives_what_a_run_per_piece_gives():
    batched = markdown.convert([(p, MD, "latex", ()) for p in PIECES])
    # headings named alike get distinct anchors in one run («…-1»): compare all but the anchors' names
    for piece, out in zip(PIECES, batched, strict=True):
        assert _anchors(out) == _anchors(pandoc(piece, MD, "latex"))
    assert "ux43c-1}" in batched[3]


def _anchors(text: str) -> str:
    return re.sub(r"\\(hypertarget|label)\{[^}]*\}", r"\\\1{}", text)


def test_a_piece_that_swallows_the_separator_is_converted_alone():
    pieces = ["```\nне закрытый блок кода", "после него"]
    out = markdown.convert([(p, MD, "latex", ()) for p in pieces])
    assert out == [pandoc(p, MD, "latex") for p in pieces]


def test_the_exported_document_is_the_one_nbconvert_writes():
    nb = new_notebook(cells=[new_markdown_cell(p) for p in PIECES[:3]])
    ours, _ = markdown.export(LatexExporter, nb, **_LATEX_OPTIONS)
    theirs, _ = LatexExporter(**_LATEX_OPTIONS).from_notebook_node(nbformat.from_dict(nb))
    assert ours == theirs


def test_an_exporter_used_again_gives_what_a_new_one_gives():
    # a batch worker renders report after report with the same exporters (their templates compiled once)
    from stomkpi.run import notebook as run

    first = new_notebook(cells=[new_markdown_cell(p) for p in PIECES[:2]])
    second = new_notebook(cells=[new_markdown_cell(p) for p in PIECES[2:]])
    used = markdown.Batched(LatexExporter, **_LATEX_OPTIONS)
    used.export(first)
    assert used.export(second) == markdown.Batched(LatexExporter, **_LATEX_OPTIONS).export(second)
    assert used.pieces == [(p, MD, "latex", ()) for p in PIECES[2:]]  # only the second notebook's pieces
    from stomkpi.run.speed import nbconvert_html
    from stomkpi.run.speed.runtime import Runtime

    fresh = nbconvert_html.exporter_class()(template_name="stomkpi_html", extra_template_basedirs=[str(run.TEMPLATES)],
                                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    runtime = Runtime()
    run.render_html(first, runtime)
    assert run.render_html(second, runtime) == fresh.from_notebook_node(second)[0]
    assert "Формула" in run.render_html(second, runtime) and "Формула" not in run.render_html(first, runtime)
