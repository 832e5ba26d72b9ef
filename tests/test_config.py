"""A clinic's parameters file and the norms file: only `clinic` is required, no demo-only key, and every
mistake is one Russian message naming the key, what was expected, what was found and the nearest key."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from stomkpi.catalog import load_indicators
from stomkpi.config import ClinicParams, check_outputs, load_params
from stomkpi.errors import ParamsError
from stomkpi.norms import load_norms

from .test_cli import run


def params_file(tmp_path: Path, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / "params" / "clinic.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def error(path: Path) -> str:
    with pytest.raises(ParamsError) as caught:
        load_params(path)
    return str(caught.value)


def test_only_the_clinic_is_required_and_paths_are_the_clinics(tmp_path):
    params = load_params(params_file(tmp_path, "clinic: Поликлиника\n"))
    assert "seed" not in ClinicParams.model_fields and "year" not in ClinicParams.model_fields
    assert params.month_workbook("2025-12") == tmp_path / "data" / "2025-12.xlsx"
    assert params.outputs == tmp_path / "outputs"
    assert params.existing_norms(2025) is None and params.nmo_workbook is None


def test_a_mistyped_key_names_the_nearest_one(tmp_path):
    message = error(params_file(tmp_path, "clinic: П\nworkbok: data/{month}.xlsx\n"))
    assert message.endswith("неизвестный ключ «workbok» — может быть, «workbook»?")
    assert "Extra inputs" not in message


def test_missing_clinic_and_wrong_types_are_russian(tmp_path):
    message = error(params_file(tmp_path, "data_dir: [1, 2]\n"))
    assert "нет обязательного ключа «clinic» (название поликлиники" in message
    assert "ключ «data_dir»: ожидалось путь к файлу или папке, указано список из 2 элементов" in message
    assert not any(word in message for word in ("Field required", "Input should", "valid"))


def test_the_demo_seed_is_not_a_clinic_key(tmp_path):
    message = error(params_file(tmp_path, "clinic: П\nseed: 2025\n"))
    assert "неизвестный ключ «seed»" in message


@pytest.mark.parametrize("pattern, expected", [
    ('"{mnth}.xlsx"', "неизвестная подстановка {mnth} в «{mnth}.xlsx» — может быть, {month}?"),
    ('"data/книга.xlsx"', "нет подстановки {month}"),
    ('"data/{month.xlsx"', "непарная фигурная скобка"),
])
def test_workbook_placeholders(tmp_path, pattern, expected):
    message = error(params_file(tmp_path, f"clinic: П\nworkbook: {pattern}\n"))
    assert "ключ «workbook»" in message and expected in message


def test_unquoted_braces_say_to_quote_them(tmp_path):
    message = error(params_file(tmp_path, "clinic: П\nworkbook: {month}.xlsx\n"))
    assert "строка 2" in message and "кавычки" in message


def test_a_params_file_saved_in_cp1251_is_read(tmp_path):
    path = params_file(tmp_path, "# Параметры нашей поликлиники\nclinic: Поликлиника «Улыбка»\n", encoding="cp1251")
    assert load_params(path).clinic == "Поликлиника «Улыбка»"


def test_a_norms_file_saved_in_cp1251_is_read(tmp_path):
    import numpy as np

    from stomkpi.demo.indicators import write_norms

    path = write_norms(tmp_path / "norms-2025.yaml", load_indicators(), 2025, np.random.default_rng(1))
    text = "# Нормы года, утверждены главным врачом\n" + path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("cp1251"))
    assert len(load_norms(path, load_indicators())) > 0


def test_a_norms_typo_names_the_nearest_key(tmp_path):
    path = tmp_path / "norms-2025.yaml"
    path.write_text("year: 2025\nunits:\n  clinic:\n    visits_per_day:\n      taget: 1\n      region_best: 1\n",
                    encoding="utf-8")
    with pytest.raises(ParamsError) as caught:
        load_norms(path, load_indicators())
    assert "неизвестный ключ «units.clinic.visits_per_day.taget» — может быть, «units.clinic.visits_per_day.target»?" \
        in str(caught.value)


def test_outputs_pointing_at_a_file(tmp_path):
    (tmp_path / "отчёты.txt").write_text("", encoding="utf-8")
    path = params_file(tmp_path, "clinic: П\noutputs: отчёты.txt\n")
    with pytest.raises(ParamsError, match="это файл, а нужна папка"):
        check_outputs(load_params(path), path)


def test_a_read_only_outputs_folder(tmp_path, monkeypatch):
    folder = tmp_path / "outputs"
    folder.mkdir()
    folder.chmod(0o555)
    path = params_file(tmp_path, "clinic: П\n")
    params = load_params(path)
    try:
        if os.geteuid() == 0:  # root writes anywhere: let the folder refuse as a read-only one would
            def refuse(self, *args, **kwargs):
                raise PermissionError(13, "Permission denied", str(self))
            monkeypatch.setattr(Path, "mkdir", refuse)
        with pytest.raises(ParamsError, match="нет прав на запись"):
            check_outputs(params, path)
    finally:
        monkeypatch.undo()
        folder.chmod(0o755)


@pytest.mark.parametrize("text, expected", [
    ("clinic: П\nworkbook: \"{mnth}.xlsx\"\n", "неизвестная подстановка {mnth}"),
    ("clinic: П\noutputs: params/clinic.yaml\n", "это файл, а нужна папка"),
    ("clinic: П\nworkbok: x\n", "может быть, «workbook»?"),
])
def test_report_commands_exit_2_with_one_russian_line(tmp_path, text, expected):
    path = params_file(tmp_path, text)
    result = run("monthly", "--month", "2025-12", "--params", str(path))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr and expected in result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("Ошибка")]
    assert len(errors) == 1
