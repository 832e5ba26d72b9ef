"""Odd command lines get one Russian line naming what is wrong, exit 2, before anything is read or written."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from .test_cli import ROOT, run

UNDECODABLE = "\udcff\udcfeКлиника"  # bytes 0xFF 0xFE on the command line: not UTF-8, as a misconfigured terminal sends


@pytest.fixture(autouse=True)
def this_stomkpi(monkeypatch):
    """The command run in another folder is still this copy of stomkpi, not an installed one."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Path:
    """A new clinic made by `stomkpi init`, with its blank book of the current month."""
    root = tmp_path_factory.mktemp("clinic")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PYTHONPATH", str(ROOT))
        result = run("init", str(root))
    assert result.returncode == 0, result.stderr
    return root


@dataclass(frozen=True)
class Case:
    args: tuple[str, ...]  # {clinic}, {params}, {month} (the month of its book), {tmp} are filled in
    says: tuple[str, ...]  # fragments of the one line, each naming the input or what to do
    cwd: str = "{clinic}"
    nothing_in: str = ""  # a folder that must be left empty or absent


CASES = {
    "a scheduler address that is no address": Case(
        ("monthly", "--months", "{month}..{month}", "--params", "{params}", "--scheduler", "не адрес"),
        ("--scheduler", "«не адрес»", "tcp://")),
    "a scheduler port out of range": Case(
        ("monthly", "--months", "{month}..{month}", "--params", "{params}", "--scheduler", "tcp://localhost:99999"),
        ("--scheduler", "«tcp://localhost:99999»")),
    "a clinic name not in UTF-8": Case(
        ("init", "{tmp}/new", "--clinic", UNDECODABLE), ("--clinic", "UTF-8"), nothing_in="{tmp}"),
    "an empty clinic folder name": Case(("init", ""), ("ПАПКА", "пуст"), cwd="{tmp}", nothing_in="{tmp}"),
    "a blank clinic folder name": Case(("init", "  "), ("ПАПКА", "пуст"), cwd="{tmp}", nothing_in="{tmp}"),
    "a 3000-letter word in --by": Case(
        ("approve", "--month", "2025-12", "--params", "{params}", "--by", "Ж" * 3000), ("--by", "60")),
    "a --by of 350 characters": Case(
        ("approve", "--month", "2025-12", "--params", "{params}", "--by", "Иванова Анна, врач " * 18), ("--by", "200")),
    "a --by not in UTF-8": Case(
        ("approve", "--month", "2025-12", "--params", "{params}", "--by", UNDECODABLE), ("--by", "UTF-8")),
    "an option taken as the reason of --revision": Case(
        ("monthly", "--month", "2025-12", "--params", "{params}", "--revision", "--quiet"),
        ("--revision", "«--quiet»", "кавычк")),
    "--revision=--params taken as the reason": Case(
        ("monthly", "--month", "2025-12", "--params", "{params}", "--revision=--params"),
        ("--revision", "«--params»", "кавычк")),
    "a range of 120 000 months": Case(
        ("monthly", "--months", "0001-01..9999-12", "--params", "{params}", "--quiet"),
        ("«0001-01..9999-12»", "119988", "1200")),
}


@pytest.mark.parametrize("name", list(CASES))
def test_an_odd_command_line_is_one_russian_line(name, clinic, tmp_path):
    case = CASES[name]
    fill = {"clinic": str(clinic), "params": str(clinic / "params" / "clinic.yaml"), "tmp": str(tmp_path),
            "month": next((clinic / "data").glob("*.xlsx")).stem}
    result = run(*(a.format(**fill) for a in case.args), cwd=Path(case.cwd.format(**fill)))
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr and "внутренняя ошибка" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Ошибка: "), result.stderr
    assert len(lines[0]) < 400, lines[0]  # what was typed is not echoed whole
    for fragment in case.says:
        assert fragment in lines[0], (fragment, lines[0])
    assert result.stdout == ""
    if case.nothing_in:
        assert list(Path(case.nothing_in.format(**fill)).iterdir()) == []


def test_a_failed_init_leaves_nothing_and_the_retry_works(tmp_path):
    target = tmp_path / "deep" / "clinic"
    assert run("init", str(target), "--clinic", UNDECODABLE).returncode == 2
    assert not (tmp_path / "deep").exists()
    again = run("init", str(target), "--clinic", "Поликлиника № 1")
    assert again.returncode == 0, again.stderr
    assert 'clinic: "Поликлиника № 1"' in (target / "params" / "clinic.yaml").read_text(encoding="utf-8")


def test_months_without_a_book_are_summed_up_in_one_line(clinic):
    result = run("monthly", "--months", "2030-01..2039-12", "--params", str(clinic / "params" / "clinic.yaml"),
                 "--quiet", cwd=clinic)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("Отчётов: 120; готово 0, с ошибкой 0, пропущено 120"), lines
    assert len(lines) == 2, lines
    assert lines[1].startswith("Пропущено 120 месяцев без книги: 2030-01, 2030-02, 2030-03, … 2039-12"), lines[1]
    assert str(clinic / "data" / "2030-01.xlsx") in lines[1]


def test_an_init_that_fails_midway_removes_what_it_made_and_only_that(tmp_path, monkeypatch, catalog):
    import datetime as dt

    from stomkpi import clinic, template

    def disk_full(path, _catalog):
        Path(path).write_bytes(b"half a book")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(template, "write_template", disk_full)
    (tmp_path / "old" / "outputs").mkdir(parents=True)
    (tmp_path / "old" / "outputs" / "kept.txt").write_text("не тронуть", encoding="utf-8")
    for folder in (tmp_path / "new" / "clinic", tmp_path / "old"):
        with pytest.raises(OSError):
            clinic.init_clinic(folder, dt.date(2025, 12, 1), catalog, "Поликлиника")
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")) == [
        "old", "old/outputs", "old/outputs/kept.txt"]
