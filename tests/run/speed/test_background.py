"""Work done aside (`stomkpi.run.speed.background`): the month's files are written in a forked process while the
notebook goes on; its result, its failure or its death come back to the notebook whole."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from stomkpi.errors import ParamsError, StomkpiError
from stomkpi.run.notebook import ReportError, execute
from stomkpi.run.speed.background import Background


def test_the_result_comes_back_and_the_work_ran_in_another_process(tmp_path):
    def work() -> list[Path]:
        target = tmp_path / f"{os.getpid()}.txt"
        target.write_text("протокол", encoding="utf-8")
        return [target]

    written = Background(work).wait()
    assert written[0].read_text(encoding="utf-8") == "протокол"
    assert written[0].name != f"{os.getpid()}.txt"  # written by the child, not by this process


def test_the_childs_own_error_is_raised_with_its_words():
    def work():
        raise ParamsError("лист «Сотрудники», строка 7, столбец «ФИО»: пусто")

    aside = Background(work)
    with pytest.raises(ParamsError, match="строка 7, столбец «ФИО»: пусто"):
        aside.wait()


def test_an_error_that_cannot_travel_is_still_named():
    class Odd(Exception):
        def __init__(self, a, b):  # pickles, but cannot be rebuilt from its args
            super().__init__(f"{a}-{b}")

    def work():
        raise Odd(1, 2)

    with pytest.raises(StomkpiError, match="Odd: 1-2"):
        Background(work).wait()


def test_a_child_that_dies_is_a_failure_not_a_hang():
    def work():
        os.kill(os.getpid(), signal.SIGKILL)

    with pytest.raises(StomkpiError, match="завершился аварийно"):
        Background(work).wait()


def test_in_a_notebook_the_child_prints_nothing_and_its_error_stops_the_report(tmp_path):
    nb = new_notebook(cells=[
        new_code_cell("from stomkpi.run.speed.background import Background\n"
                      "def work():\n"
                      "    print('ЭТОГО НЕ ДОЛЖНО БЫТЬ В ОТЧЁТЕ')\n"
                      "    import sys; print('И ЭТОГО', file=sys.stderr)\n"
                      "    return 42\n"
                      "aside = Background(work)\n"
                      "print('ячейка идёт дальше')"),
        new_code_cell("assert aside.wait() == 42\n"
                      "def broken():\n"
                      "    raise ValueError('диск полон')\n"
                      "Background(broken).wait()"),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    source = tmp_path / "aside.ipynb"
    nbformat.write(nb, source)
    with pytest.raises(ReportError, match="ошибка в ячейке 2 — ValueError: диск полон"):
        execute(source, {}, tmp_path / "out.ipynb", tmp_path, failed=tmp_path / "failed.ipynb")
    kept = nbformat.read(tmp_path / "failed.ipynb", as_version=4)
    text = "".join(str(o) for c in kept.cells for o in c.get("outputs", []))
    assert "ячейка идёт дальше" in text
    assert "ЭТОГО" not in text


def test_without_a_fork_the_work_runs_here_and_comes_back_at_wait(tmp_path):
    ran = []
    aside = Background(lambda: ran.append(os.getpid()) or ["готово"], fork=False)  # as in a batch's kernel
    assert ran == [os.getpid()]  # done at once, in this process
    assert aside.wait() == ["готово"]


def test_without_a_fork_the_error_is_raised_at_wait_as_the_childs_would_be():
    def work():
        raise ParamsError("лист «Сотрудники», строка 7, столбец «ФИО»: пусто")

    aside = Background(work, fork=False)  # the cell that starts the work does not fail
    with pytest.raises(ParamsError, match="строка 7, столбец «ФИО»: пусто"):
        aside.wait()
