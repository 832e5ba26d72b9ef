"""First use without guessing: the norms template, `init`'s words, the unfinished month, the plain flags of the help
and the README's explorer example that finds every lost point."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import pytest
import yaml

from stomkpi.catalog import load_indicators, load_positions
from stomkpi.clinic import init_clinic
from stomkpi.errors import ParamsError
from stomkpi.norms import load_norms

from .test_cli import ROOT, _one_russian_line, run

README = (ROOT / "README.md").read_text(encoding="utf-8")
NORM_KEYS = ("year", "units", "target", "region_best", "expert", "weight", "history", "quality", "region_best_file")


def _filled(text: str) -> str:
    """The template as a clinic fills it: every blank threshold gets a number in the indicator's order."""
    out = []
    for line in text.splitlines():
        if "{target: ," in line:
            higher = "больше — лучше" in out[-1]
            first, second, third = (30, 20, 10) if higher else (10, 20, 30)
            line = line.replace("{target: ,", f"{{target: {first},").replace("region_best: ,", f"region_best: {second},")
            line = line.replace("expert: ,", f"expert: {third},")
        out.append(line)
    return "\n".join(out) + "\n"


def test_norms_template_explains_every_key_and_lists_every_indicator(tmp_path):
    path = tmp_path / "norms-2027.yaml"
    result = run("template", "--norms", "2027", str(path))
    assert result.returncode == 0, result.stderr
    text = path.read_text(encoding="utf-8")
    comments = "\n".join(line for line in text.splitlines() if line.lstrip().startswith("#"))
    for key in NORM_KEYS:
        assert re.search(rf"\b{key}\b", comments), key  # each key is explained in a comment
    indicators = load_indicators()
    data = yaml.safe_load(text)
    assert data["year"] == 2027
    assert {u: set(v) for u, v in data["units"].items()} == {u.code: set(u.indicators) for u in indicators.units}
    with pytest.raises(ParamsError) as caught:  # as written: refused, naming the first key to fill
        load_norms(path, indicators)
    message = str(caught.value)
    assert len(message.splitlines()) == 1, message
    assert "units.clinic.sanitation_rate.target" in message and "впишите" in message
    path.write_text(_filled(text), encoding="utf-8")
    table = load_norms(path, indicators)
    assert len(table) == sum(len(u.indicators) for u in indicators.units)
    assert set(table["expert"]) <= {10.0, 30.0} and set(table["weight"]) == {1.0}


def test_norms_template_default_name_and_existing_file_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "stomkpi", "template", "--norms", "2031"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    path = tmp_path / "norms-2031.yaml"
    assert path.is_file() and "year: 2031" in path.read_text(encoding="utf-8")
    path.write_bytes(path.read_bytes() + b"# filled by the economist\n")
    before = path.read_bytes()
    again = run("template", "--norms", "2031", str(path))
    _one_russian_line(again, str(path))
    assert "уже есть" in again.stderr and path.read_bytes() == before


def test_init_writes_a_norms_sample_for_the_year(tmp_path):
    made = init_clinic(tmp_path / "c", dt.date(2031, 2, 3), load_positions(), "Клиника")
    sample = tmp_path / "c" / "data" / "norms-2031-образец.yaml"
    assert sample.is_file() and "year: 2031" in sample.read_text(encoding="utf-8")
    assert str(sample) in made.next_steps()
    assert not (tmp_path / "c" / "data" / "norms-2031.yaml").exists()  # not read until filled and renamed


def test_init_with_a_name_does_not_ask_for_it(tmp_path):
    named = run("init", str(tmp_path / "a"), "--clinic", "Стоматологическая поликлиника № 7")
    assert named.returncode == 0, named.stderr
    assert "Впишите название" not in named.stdout and "Заполните в книге" in named.stdout
    unnamed = run("init", str(tmp_path / "b"))
    assert "Впишите название поликлиники" in unnamed.stdout


def _last_day(day: dt.date) -> dt.date:
    return (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def test_init_says_the_month_is_not_over(tmp_path):
    today = dt.date.today()
    result = run("init", str(tmp_path / "c"))
    assert result.returncode == 0, result.stderr
    said = [line for line in result.stdout.splitlines() if "ещё не закончился" in line]
    assert len(said) == (1 if today < _last_day(today) else 0), result.stdout
    if said:
        assert f"{_last_day(today):%d.%m.%Y}" in said[0]


def test_unfinished_month_words():
    from stomkpi.cli import unfinished_month

    words = unfinished_month("2031-02", dt.date(2031, 2, 27))
    assert words.startswith("Внимание: февраль 2031 года ещё не закончился") and "28.02.2031" in words
    assert "\n" not in words
    assert unfinished_month("2031-02", dt.date(2031, 2, 28)) is None  # the last day: the month's data is in
    assert unfinished_month("2031-01", dt.date(2031, 2, 1)) is None
    assert unfinished_month("2031-03", dt.date(2031, 2, 1)) is not None  # a month to come is not over either


def test_monthly_of_an_unfinished_month_warns_and_still_builds(tmp_path):
    from .test_first_month import fill

    root = tmp_path / "Поликлиника"
    assert run("init", str(root), "--clinic", "Поликлиника № 2").returncode == 0
    book = next((root / "data").glob("*.xlsx"))
    fill(book)
    today = dt.date.today()
    result = run("monthly", "--month", book.stem, "--params", str(root / "params" / "clinic.yaml"), "--quiet")
    assert result.returncode == 0, result.stderr
    assert (root / "outputs" / book.stem / f"{book.stem}.pdf").is_file()
    warnings = [line for line in result.stderr.splitlines() if "ещё не закончился" in line]
    assert len(warnings) == (1 if today < _last_day(today) else 0), result.stderr


@pytest.mark.parametrize("args", [("--help",), ("template", "--help"), ("monthly", "--help")])
def test_help_shows_flags_without_a_type(args):
    result = subprocess.run([sys.executable, "-m", "stomkpi", *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60, env={"COLUMNS": "120", "PATH": "/usr/bin:/bin"})
    assert result.returncode == 0, result.stderr
    assert "<bool>" not in result.stdout, result.stdout
    assert "--help" in result.stdout


def test_help_version_line_is_a_plain_flag():
    result = run("--help")
    line = next(s for s in result.stdout.splitlines() if "--version" in s)
    assert re.search(r"--version\s+Показать версию", line), line


def test_readme_lost_points_example_finds_deductions_on_main_criteria(tmp_path):
    """01002 of the demo's December has 4 remarks on ОКЛ, a main criterion: 10 − 4 = 6 points, still positive."""
    import stomkpi

    assert run("demo", str(tmp_path / "demo")).returncode == 0
    query = re.search(r'details\.query\("([^"]+)"\)', README).group(1)
    details = stomkpi.score_workbook(tmp_path / "demo" / "2025-12.xlsx").scores.details
    found = details.query(query)
    okl = found[(found["staff_id"] == "01002") & (found["criterion"] == "okl")]
    assert len(okl) == 1 and okl["points"].iloc[0] == 6.0 and okl["group"].iloc[0] == "main"
    deducted = details[(details["kind"] == "deduction") & (details["value"] > 0)]
    assert len(deducted) and set(deducted.index) <= set(found.index)
    assert set(details.index[details["points"] < 0]) <= set(found.index)
