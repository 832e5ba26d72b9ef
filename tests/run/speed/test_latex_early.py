"""xelatex started on the preamble while the notebook runs: the same bytes as typesetting the whole
document, and a plain typeset whenever the early one cannot serve."""

from __future__ import annotations

import time

from stomkpi.run import latex
from stomkpi.run.speed.preamble import Early

PREAMBLE = ("\\documentclass{article}\n\\usepackage{fontspec}\n\\setmainfont{DejaVu Serif}\n")
BODY = "\\begin{document}\nПривет, мир: 100~\\%.\n\\end{document}\n"
ENV = {"SOURCE_DATE_EPOCH": "1735689600", "FORCE_SOURCE_DATE": "1"}


def test_the_early_pdf_is_the_whole_pdf(monkeypatch):
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    early = Early(lambda: PREAMBLE, ENV)
    try:
        time.sleep(0.5)  # the notebook would be running
        pdf = early.typeset(PREAMBLE + BODY, {})
    finally:
        early.close()
    assert pdf is not None and pdf == latex.typeset(PREAMBLE + BODY, {})
    assert not early.work.exists()


def test_another_preamble_or_a_failed_start_gives_none_and_leaves_nothing_running():
    early = Early(lambda: PREAMBLE, ENV)
    try:
        assert early.typeset("\\documentclass{report}\n" + BODY, {}) is None
    finally:
        early.close()
    assert early.proc is None and not early.work.exists()

    def broken() -> str:
        raise RuntimeError("шаблон не нашёлся")

    early = Early(broken, ENV)
    try:
        assert early.typeset(PREAMBLE + BODY, {}) is None
    finally:
        early.close()


def test_an_error_in_the_body_is_left_to_the_whole_typeset_which_quotes_the_line():
    early = Early(lambda: PREAMBLE, ENV)
    try:
        assert early.typeset(PREAMBLE + "\\begin{document}\n\\undefinedcommand\n\\end{document}\n", {}) is None
    finally:
        early.close()
