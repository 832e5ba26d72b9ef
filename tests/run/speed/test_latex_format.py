"""A batch's xelatex format (`preamble.Format`): the reports' common preamble dumped once, each PDF typeset from it —
byte for byte the PDF typeset whole, for the demo's reports, for lists, verbatim text and hostile text (whose
layout depends on what the preamble measured), and through the early start; anything else is typeset whole."""

from __future__ import annotations

import time
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from stomkpi.run import latex
from stomkpi.run import notebook as run
from stomkpi.run.speed import preamble
from stomkpi.run.speed.runtime import Runtime

from ...hostile import TEXTS


def _ready(folder: Path, monkeypatch) -> Runtime:
    """A batch worker's runtime with a format built in `folder` for its PDFs, once xelatex has written it. It is built without the
    reports' SOURCE_DATE_EPOCH: nothing of the day it is made may reach a report."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    folder.mkdir()
    runtime = Runtime.batch_worker()
    runtime.use_format(str(folder), lambda: run.blank_latex(runtime))
    fmt = runtime.typesetter
    deadline = time.monotonic() + 60
    while not fmt.file.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fmt.file.exists(), "the format was not built"
    return runtime


def _odd_notebook() -> nbformat.NotebookNode:
    """What a report's layout measures in the preamble: list indents (in em), verbatim text (the typewriter font),
    a table; and the hostile texts as Markdown, as plain output and in a table."""
    hostile = " ".join(v for k, v in TEXTS.items() if k not in ("long", "control"))
    cells = [
        new_markdown_cell("## Списки и таблица\n\n- первый пункт\n  - вложенный пункт\n\n1. раз\n2. два\n\n"
                          "| Критерий | Баллы |\n|---|---|\n| Отказ — 100 % | 0,5 |\n"),
        new_code_cell("print()", outputs=[new_output("stream", name="stdout", text="моноширинный текст: x = 1 + 2\n"
                                                     + TEXTS["long"][:300] + "\n")]),
        new_code_cell("x", execution_count=1, outputs=[new_output("execute_result", execution_count=1,
                                                                  data={"text/plain": hostile})]),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["stomkpi"] = {"parameters": {"period": "2025-12"}}
    nb.metadata["title"], nb.metadata["date"] = "Проверка", "декабрь 2025 года"
    return nb


def test_a_pdf_from_the_format_is_the_pdf_typeset_whole(monthly, annual, tmp_path, monkeypatch):
    notebooks = {"monthly": nbformat.read(monthly / f"{monthly.name}.ipynb", as_version=4),
                 "annual": nbformat.read(annual / f"{annual.name}.ipynb", as_version=4),
                 "odd": _odd_notebook()}
    whole = {name: run.render_pdf(nb) for name, nb in notebooks.items()}  # no format in this process yet
    runtime = _ready(tmp_path / "format", monkeypatch)
    fmt = runtime.typesetter
    for name, nb in notebooks.items():
        body, _ = run._latex(nb, runtime)
        assert fmt.document(body) is not None, name  # typeset from the format, not whole
        assert run.render_pdf(nb, runtime=runtime) == whole[name], name
    # and through the early start, which reads its preamble from the format while the notebook runs
    nb = notebooks["monthly"]
    job = run.ReportJob("monthly", {}, tmp_path / "out", nb.metadata["stomkpi"], nb.metadata["title"],
                        nb.metadata["date"])
    with run._typesetter(job, runtime, pdf=True) as typeset:
        assert run.render_pdf(nb, runtime=runtime, typeset=typeset) == whole["monthly"]


def test_the_format_serves_only_its_own_head_and_an_error_is_told_by_the_whole_typeset(tmp_path, monkeypatch):
    fmt = preamble.Format(tmp_path)
    document, _ = run._latex(new_notebook())
    assert fmt.document(document) is None  # not built: typeset whole
    fmt = _ready(tmp_path / "format", monkeypatch).typesetter
    assert fmt.document("\\documentclass{article}\n\\begin{document}x\\end{document}\n") is None  # another head
    assert fmt.document(document)[1].startswith(preamble._RESUME)
    broken = document.replace("\\end{document}", "\\undefinedcommand\n\\end{document}")
    with pytest.raises(latex.LatexError) as error:
        preamble.typeset(broken, {}, preloaded=fmt)
    line = broken.splitlines().index("\\undefinedcommand") + 1
    assert f"строка {line} документа LaTeX" in str(error.value)  # the line of the whole document, not the format's


def test_only_the_first_claim_builds_and_a_template_without_the_mark_builds_nothing(tmp_path):
    fmt, other = preamble.Format(tmp_path), preamble.Format(tmp_path)
    assert fmt.claim() and not other.claim()
    fmt.build("\\documentclass{article}\n\\begin{document}x\\end{document}\n")
    assert not (tmp_path / "dump.tex").exists() and fmt.document("\\documentclass{article}") is None


def test_a_process_with_no_word_from_a_pool_builds_its_own_format_once(monkeypatch):
    """A Dask worker (no pool's initializer) makes a format of its own on its first report and keeps it; a lone
    pool's worker, told None, typesets whole."""
    runtime = Runtime.batch_worker()
    runtime.own_format(lambda: run.blank_latex(runtime))
    first = runtime.typesetter
    runtime.own_format(lambda: run.blank_latex(runtime))
    assert first is not None and runtime.typesetter is first and (first.folder / "claimed").is_dir()
    first.close()
    lone = Runtime.batch_worker()
    lone.use_format(None, lambda: run.blank_latex(lone))
    lone.own_format(lambda: run.blank_latex(lone))
    assert lone.typesetter is None
