"""The positions catalog: complete against Приложение 2, faithful to its wording, strict on load."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

from stomkpi.catalog import BUILTIN_DIR, load_positions
from stomkpi.errors import CatalogError
from stomkpi.text import match_key

# The regulation's text, verbatim (Положение … Приложения 1–4).
SEED = Path(__file__).parent / "data" / "regulation.txt"

# (main, additional) criteria counted by hand in Приложение 2, with the normative points.
EXPECTED = {
    "Врачи-стоматологи": (30, 3, 14),
    "Медицинские сёстры": (40, 4, 10),
    "Зубные врачи": (30, 3, 14),
    "Рентгенолаборанты": (30, 3, 5),
    "Гигиенист стоматологический": (30, 3, 8),
    "Отделение": (30, 3, 10),
    "Медсестры физиотерапевтического кабинета": (30, 3, 9),
    "Зубные техники": (20, 2, 7),
    "Врач-анестезиолог": (40, 4, 9),
    "Медсестры – анестезисты": (40, 3, 10),
    "Медицинские регистраторы": (40, 4, 8),
    "Младший медицинский персонал": (40, 4, 6),
    "Главная медицинская сестра": (40, 4, 7),
}


def test_all_thirteen_positions_with_their_criteria(catalog):
    got = {p.name: (p.norm, len(p.main), len(p.additional)) for p in catalog.positions}
    assert got == EXPECTED


def _words(text: str) -> str:
    # The document's layout puts points inside some wordings («…наркотических и -5 психотропных веществ»):
    # compare the words only, without point values and line breaks.
    return match_key(re.sub(r"\s+", " ", re.sub(r"[-+]\s*\d+(,\d+)?", " ", text)))


def test_every_wording_is_the_documents(catalog):
    text = SEED.read_text(encoding="utf-8")
    haystack = _words(text[text.index("Приложение № 2"):text.index("Приложение № 3")])
    for p in catalog.positions:
        assert _words(p.name) in haystack, p.name
        for c in p.criteria:
            assert _words(c.name) in haystack, (p.name, c.name)


def test_numbers_of_sample_criteria(catalog):
    dentist = catalog.position("Врачи-стоматологи")
    plan = catalog.criterion(dentist, "Процент выполнения плана")
    assert (plan.kind, plan.max, plan.step) == ("plan", 10, 0.01)
    sanitary = catalog.criterion(catalog.position("Медицинская сестра"), "Правила санитарно-эпидемиологического режима")
    assert (sanitary.kind, sanitary.max, sanitary.penalty) == ("deduction", 10, 10)
    xray = catalog.criterion(catalog.position("Рентгенолаборант"), "Некачественное выполнение рентгенографии")
    assert (xray.kind, xray.weight) == ("per_event", -0.5)
    intensity = catalog.criterion(catalog.position("Медсестра-анестезист"), "Коэффициент интенсивности труда")
    assert (intensity.kind, intensity.low, intensity.high) == ("assigned", -0.1, 0.1)
    waiting = catalog.criterion(catalog.position("Отделение"), "Средний срок ожидания медицинской помощи")
    assert (waiting.kind, waiting.weight, waiting.direction) == ("versus_norm", 1, "lower")
    ethics = catalog.criterion(catalog.position("Главная медсестра"), "Несоблюдение правил медицинской этики и деонтологии")
    assert ethics.weight == 0
    share = catalog.criterion(catalog.position("Санитарка"), "Коэффициент участия в выполнении плана платных услуг")
    assert share.kind == "info"


def test_lint_reports_the_known_contradictions(catalog):
    text = [f"{f.position}: {f.criterion}: {f.message}" for f in catalog.lint]
    assert any(t.startswith("Медсестры – анестезисты: None: нормативное количество баллов 40, а сумма максимумов "
                            "основных критериев 30") for t in text)
    assert any("Главная медицинская сестра: Несоблюдение правил медицинской этики" in t and "0" in t for t in text)
    assert any("Младший медицинский персонал: Коэффициент участия" in t for t in text)
    # every other position's main criteria add up to its norm
    assert sum("сумма максимумов" in t for t in text) == 1


def test_aliases_resolve(catalog):
    assert catalog.position("Санитарка").code == "junior_staff"
    assert catalog.position("заведующий  отделением").code == "department"
    assert catalog.position("ЗУБНОЙ ТЕХНИК").code == "dental_technician"
    assert catalog.position("Лётчик") is None


def _copy(tmp_path) -> Path:
    target = tmp_path / "catalog"
    shutil.copytree(BUILTIN_DIR, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


def _edit(path: Path, edit) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def test_clinic_copy_is_used(tmp_path):
    target = _copy(tmp_path)
    _edit(target / "positions.yaml", lambda d: d["positions"][0].update(norm=35))
    assert load_positions(target).position("Врач-стоматолог").norm == 35


def test_missing_field_names_file_entry_and_field(tmp_path):
    target = _copy(tmp_path)
    _edit(target / "positions.yaml", lambda d: d["positions"][1].pop("norm"))
    with pytest.raises(CatalogError) as info:
        load_positions(target)
    message = str(info.value)
    assert str(target / "positions.yaml") in message
    assert "запись «nurse»" in message and "поле norm: обязательное поле не задано" in message


def test_rule_fields_must_match_kind(tmp_path):
    target = _copy(tmp_path)

    def edit(d):
        d["positions"][0]["additional"][0] = {"code": "x", "name": "Икс", "document": "-1", "kind": "per_event",
                                               "penalty": 1}
    _edit(target / "positions.yaml", edit)
    with pytest.raises(CatalogError, match=r"запись «dentist».*\n.*нужны поля: weight"):
        load_positions(target)


def test_unknown_kind_and_unknown_reference(tmp_path):
    target = _copy(tmp_path)
    _edit(target / "positions.yaml", lambda d: d["common"]["plan"].update(kind="bonus"))
    with pytest.raises(CatalogError, match="kind: недопустимое значение «bonus»"):
        load_positions(target)
    target = _copy(tmp_path / "2")
    _edit(target / "positions.yaml", lambda d: d["positions"][2]["main"].append("no_such"))
    with pytest.raises(CatalogError, match="неизвестный общий критерий «no_such»"):
        load_positions(target)


def test_ambiguous_alias_is_refused(tmp_path):
    target = _copy(tmp_path)
    _edit(target / "positions.yaml", lambda d: d["positions"][1]["aliases"].append("Врач-стоматолог"))
    with pytest.raises(CatalogError, match="уже занято должностью «dentist»"):
        load_positions(target)
