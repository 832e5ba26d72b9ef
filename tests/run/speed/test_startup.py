"""A process that runs reports starts without the IRI grammar jsonschema would compile on import (1.5–2 CPU-s).

`import nbformat` imports jsonschema, whose format checks import `rfc3987_syntax` (installed with JupyterLab)
and compile its Earley parsers. The command line and a batch worker keep that module out; notebooks are
still validated as before.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

SLOW = "rfc3987_syntax.syntax_helpers"


def _imported(code: list[str]) -> str:
    """The `-X importtime` log of a fresh interpreter running `code`."""
    done = subprocess.run([sys.executable, "-X", "importtime", *code], capture_output=True, text=True, timeout=120)
    return done.stderr


def test_plain_nbformat_compiles_the_grammar():
    # the control: without the guard the slow module is imported (else the tests below would prove nothing)
    assert SLOW in _imported(["-c", "import nbformat.validator"])


def test_the_command_line_does_without_it(tmp_path):
    log = _imported(["-m", "stomkpi", "verify", str(tmp_path / "нет-такой-папки")])
    assert "nbformat" in log
    assert SLOW not in log


def test_a_batch_worker_does_without_it(tmp_path):
    code = ("from stomkpi.run.batch import Job, run_job\n"
            f"o = run_job(Job('2025-12', {str(tmp_path / 'нет.yaml')!r}, {str(tmp_path / 'out')!r}))\n"
            "assert o.status == 'failed', o\n")
    log = _imported(["-c", code])
    assert "nbformat" in log
    assert SLOW not in log


def test_notebooks_are_still_validated():
    code = ("from stomkpi.run.speed.startup import without_iri_grammar\nwithout_iri_grammar()\n"
            "import nbformat\nfrom nbformat.v4 import new_notebook\n"
            "nbformat.validate(new_notebook())\nbad = new_notebook()\nbad.cells = [{'cell_type': 'code'}]\n"
            "try:\n    nbformat.validate(bad)\nexcept nbformat.ValidationError:\n    print('rejected')\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "rejected", done.stderr


@pytest.mark.parametrize("already", [True, False])
def test_a_process_that_has_jsonschema_is_left_alone(already):
    code = ("import sys\n" + ("import jsonschema\n" if already else "") +
            "from stomkpi.run.speed.startup import without_iri_grammar\nwithout_iri_grammar()\n"
            "print('rfc3987_syntax' in sys.modules and sys.modules['rfc3987_syntax'] is None)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == str(not already), done.stderr
