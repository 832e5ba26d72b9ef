"""`stomkpi template` writes a blank book only where nothing is: a filled month is never replaced."""

from __future__ import annotations

from stomkpi.clinic import init_clinic

from .test_cli import _one_russian_line, run


def test_template_refuses_an_existing_file_and_leaves_it_as_it_was(tmp_path):
    path = tmp_path / "2026-11.xlsx"
    assert run("template", str(path)).returncode == 0
    path.write_bytes(path.read_bytes() + b"filled by the analyst")  # a month's data, whatever its bytes
    before = path.read_bytes()
    result = run("template", str(path))
    _one_russian_line(result, str(path))
    assert "уже есть" in result.stderr
    assert path.read_bytes() == before


def test_init_keeps_an_existing_book_of_the_month(tmp_path, catalog):
    import datetime as dt

    book = tmp_path / "clinic" / "data" / "2026-11.xlsx"
    book.parent.mkdir(parents=True)
    book.write_bytes(b"the month's data")
    made = init_clinic(tmp_path / "clinic", dt.date(2026, 11, 5), catalog)
    assert made.workbook == book and not made.workbook_written
    assert book.read_bytes() == b"the month's data"
    fresh = init_clinic(tmp_path / "other", dt.date(2026, 11, 5), catalog)
    assert fresh.workbook_written and fresh.workbook.stat().st_size > 0


def test_the_norms_template_states_the_catalogs_steps():
    # the points of each threshold are the catalog's (item 6.3: 3, 2, 1, 0), not the template's own numbers:
    # a catalog with other steps gets them stated
    from stomkpi.catalog import load_catalogs
    from stomkpi.template import norms_template_text

    catalog = load_catalogs().indicators
    text = norms_template_text(2026, catalog)
    assert "региону: 3 балла." in text and "экспертное значение: 2 балла;" in text and "1 балл — если" in text
    steps = catalog.scale.steps.model_copy(update={"region_best": 3.5, "expert": 2, "near_expert": 0.5, "below": 0})
    other = catalog.model_copy(update={"scale": catalog.scale.model_copy(update={"steps": steps})})
    text = norms_template_text(2026, other)
    assert "региону: 3.5 балла." in text and "0.5 балла — если" in text
