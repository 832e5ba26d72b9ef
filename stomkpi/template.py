"""The blank monthly workbook with an instruction sheet in Russian (`stomkpi template`).

A blank book is written only where no file is: a path that exists may hold a month of data, and a
blank book over it would lose that month without a word."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from stomkpi.catalog import IndicatorCatalog, PositionCatalog, load_indicators
from stomkpi.catalog.positions import KIND_NAMES
from stomkpi.errors import ParamsError
from stomkpi.month import MONTH_SHEETS, OPTIONAL_SHEETS, STAFF
from stomkpi.sheets import save_deterministic
from stomkpi.text import plural

_WHAT_TO_ENTER = {
    "plan": "процент выполнения плана (100 — план выполнен)",
    "deduction": "число замечаний / случаев (0 — без вычетов; строку можно не вносить)",
    "per_event": "на лист «События», по строке на случай",
    "assigned": "значение, назначенное руководителем",
    "versus_norm": "значение показателя сотрудника; норма — в столбце «Норма» или норма года",
    "info": "значение для сведения",
}


def write_template(path: Path | str, catalog: PositionCatalog, indicators: IndicatorCatalog | None = None) -> None:
    """Write an empty monthly workbook: the instruction sheet, the input sheets, the criteria list. An existing
    file at `path` is refused (`ParamsError`), never replaced."""
    if Path(path).exists():
        raise ParamsError(f"файл {path} уже есть: шаблон не записан, чтобы не потерять данные; укажите другое имя")
    book = Workbook()
    bold = Font(bold=True)
    lines: list[tuple[str, ...]] = [
        ("Ежемесячная книга оценки результативности сотрудников",),
        ("Заполните листы ниже; первая строка каждого листа — заголовки, их не меняйте.",),
        ("Имя файла — месяц: ГГГГ-ММ.xlsx (например, 2025-12.xlsx). Проверка: stomkpi score ГГГГ-ММ.xlsx",),
        (),
        ("Лист", "Столбец", "Обязательный", "Что вносить"),
    ]
    for spec in MONTH_SHEETS:
        need = "лист можно не включать" if spec.name in OPTIONAL_SHEETS else "лист обязателен"
        lines.append((spec.name, "", need, spec.hint))
        for col in spec.columns:
            lines.append(("", col.name, "да" if col.required else "нет", col.hint))
    lines += [
        (),
        ("Критерии по должностям — на листе «Критерии». В столбце «Критерий» можно писать код или формулировку.",),
        ("Если строки критерия нет: вычеты — полный балл; назначаемые, случаи и сравнение с нормой — 0;",),
        ("процент выполнения плана обязателен для всех должностей, у которых он есть.",),
        (f"Ставки_платно (лист «{STAFF.name}») печатаются в протоколе Приложения № 3, но в коэффициент не входят:",),
        ("по Положению коэффициент денежных выплат считается по ставкам ОМС (Ставки_ОМС).",),
    ]
    _instruction_and_sheets(book, lines, MONTH_SHEETS, (16, 16, 14, 90))

    ref = book.create_sheet("Критерии")
    ref.append(["Должность", "Другие названия", "Норма баллов", "Группа", "Код", "Критерий",
                "Баллы по Положению", "Правило", "Что вносить"])
    for cell in ref[1]:
        cell.font = bold
    for p in catalog.positions:
        for c in p.criteria:
            group = "основной" if p.group_of(c) == "main" else "дополнительный"
            ref.append([p.name, ", ".join(p.aliases), p.norm, group, c.code, c.name, c.document,
                        KIND_NAMES[c.kind], _WHAT_TO_ENTER[c.kind]])
    for letter, width in zip("ABCDEFGHI", (30, 40, 8, 14, 22, 60, 18, 24, 60), strict=True):
        ref.column_dimensions[letter].width = width
    for row in ref.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    indicators = indicators or load_indicators()
    fields = book.create_sheet("Поля")
    fields.append(["Поле (код)", "Название — можно писать и его", "Для показателей"])
    for cell in fields[1]:
        cell.font = bold
    for code, label in indicators.fields.items():
        used = [i.name for i in indicators.indicators if code in (i.numerator, i.denominator)]
        fields.append([code, label, "; ".join(used[:3]) + ("…" if len(used) > 3 else "")])
    fields.append([])
    fields.append(["Экспертиза: причины несоответствия (столбец «Причина»)"])
    for t in indicators.quality.reasons:
        fields.append([t.aliases[0] if t.aliases else t.code, t.name])
    fields.append(["Экспертиза: влияние дефектов (столбец «Влияние»)"])
    for t in indicators.quality.impacts:
        fields.append([t.aliases[0] if t.aliases else t.code, t.name])
    for letter, width in zip("ABC", (28, 70, 90), strict=True):
        fields.column_dimensions[letter].width = width
    save_deterministic(book, path)


def write_nmo_template(path: Path | str) -> None:
    """Write an empty НМО workbook: the instruction sheet and every sheet of `nmo_inputs.NMO_SHEETS`. An existing
    file at `path` is refused (`ParamsError`), never replaced."""
    from stomkpi.catalog.nmo import load_nmo_rules
    from stomkpi.nmo_inputs import NMO_SHEETS

    rules = load_nmo_rules()
    if Path(path).exists():
        raise ParamsError(f"файл {path} уже есть: шаблон не записан, чтобы не потерять данные; укажите другое имя")
    book = Workbook()
    lines: list[tuple[str, ...]] = [
        ("Книга НМО: сертификаты, обучение и портфолио для периодической аккредитации",),
        ("Заполните листы ниже; первая строка каждого листа — заголовки, их не меняйте. Книга ведётся годами.",),
        ("Проверка: stomkpi nmo НМО.xlsx --on ГГГГ-ММ-ДД; готовность к аккредитации: "
         "stomkpi accreditation НМО.xlsx --on ГГГГ-ММ-ДД --out готовность.xlsx",),
        (),
        ("Лист", "Столбец", "Обязательный", "Что вносить"),
    ]
    for spec in NMO_SHEETS:
        lines.append((spec.name, "", "лист обязателен" if spec.required else "лист можно не включать", spec.hint))
        for col in spec.columns:
            lines.append(("", col.name, "да" if col.required else "нет", col.hint))
    lines += [
        (),
        ("ДПП учитывается в портфолио, когда удостоверение внесено в ФРДО (столбец «ФРДО» — да).",),
        ("Отчёт о профессиональной деятельности не нужен, если категория присвоена в году подачи или в предыдущем.",),
        (f"Подавать документы — не раньше чем за {rules.filing_window_months} мес. до срока; рассмотрение занимает "
         f"около {rules.accreditation.processing.working_days} рабочих дней.",),
    ]
    _instruction_and_sheets(book, lines, NMO_SHEETS, (16, 18, 14, 90))
    save_deterministic(book, path)


def _instruction_and_sheets(book: Workbook, lines: list[tuple[str, ...]], sheets, widths: tuple[float, ...]) -> None:
    """The «Инструкция» sheet (the book's first) from `lines` — its title and the table's header bold — and an empty
    sheet with bold headers for every sheet spec."""
    info = book.worksheets[0]
    info.title = "Инструкция"
    bold = Font(bold=True)
    for line in lines:
        info.append(list(line))
    for row in (1, 5):
        for cell in info[row]:
            cell.font = bold
    for letter, width in zip("ABCD", widths, strict=True):
        info.column_dimensions[letter].width = width
    for spec in sheets:
        ws = book.create_sheet(spec.name)
        ws.append([c.name for c in spec.columns])
        for i, c in enumerate(spec.columns, start=1):
            ws.cell(1, i).font = bold
            ws.column_dimensions[ws.cell(1, i).column_letter].width = max(14, len(c.name) + 4)


def _points(value: float) -> str:
    """«3 балла», «1 балл», «0 баллов»: a step's points as the template states them."""
    return plural(int(value), "балл", "балла", "баллов") if float(value).is_integer() else f"{value:g} балла"


def norms_template_text(year: int, indicators: IndicatorCatalog) -> str:
    """The year's norms file to fill: every key explained in Russian, every unit with each of its indicators and
    blank thresholds. As written it is refused, naming the first key to fill (a blank norm is never read as 0)."""
    scale = indicators.scale
    past = [year - k for k in range(scale.history_years, 0, -1)]
    head = f"""\
# Нормы {year} года для stomkpi: пороги шкалы 0–4 (раздел 6) для показателей модели конечных результатов
# (Приложение 1) каждого подразделения. Из них считаются УКВ врачей по листу «Статистика» и рейтинг подразделений.
# Отчёты читают файл, указанный ключом norms файла параметров (по умолчанию data/norms-ГГГГ.yaml).
#
# Как заполнить: у каждого показателя впишите числа после target:, region_best: и expert: (expert можно
# заменить историей, см. history ниже). Подразделение, которого в поликлинике нет, удалите целиком — строку
# с его кодом и все строки под ней; так же можно удалить показатель. Пока хоть одно число пусто, файл не
# читается: программа назовёт ключ, который осталось заполнить. Числа — с точкой (69.3); проценты — в
# процентах (69.3, а не 0.693). Кодировка — UTF-8.
#
# Ключи показателя:
#   target      — целевой ориентир: значение, достигнув которого показатель получает {scale.target_score:g} балла. Обязательно.
#   region_best — лучший показатель по региону: {_points(scale.steps.region_best)}. Обязательно. Число или auto —
#                 взять из сводного отчёта региона (stomkpi region); для auto нужен ключ region_best_file.
#   expert      — экспертное значение: {_points(scale.steps.expert)};
#                 {_points(scale.steps.near_expert)} — если значение хуже экспертного не больше чем на
#                 {scale.one_point_margin * 100:g} %; иначе {scale.steps.below:g}. Если пусто — среднее за
#                 {scale.history_years} предыдущих года из history.
#   weight      — удельный вес показателя (Ув) в результате подразделения; обычно 1.
# Порядок порогов: для показателя «больше — лучше» target ≥ region_best ≥ expert, для «меньше — лучше» —
# target ≤ region_best ≤ expert.

# year — год норм. Обязательный ключ.
year: {year}

# region_best_file — файл лучших показателей региона (необязательно), путь от этого файла; нужен для
# region_best: auto.
# Чтобы включить, уберите «#» в начале следующей строки.
# region_best_file: ../../outputs/region/{year}/region-best-{year}.yaml

# units — подразделения Приложения 1: код подразделения, под ним его показатели. Обязательный ключ.
units:
"""
    lines = [head.rstrip("\n")]
    by_code = indicators.by_code
    for unit in indicators.units:
        lines.append(f"  # {unit.name}")
        lines.append(f"  {unit.code}:")
        for code in unit.indicators:
            ind = by_code[code]
            lines.append(f"    # {ind.name}; {ind.unit}, {_direction(ind.direction)}")
            lines.append(f"    {code}: {{target: , region_best: , expert: , weight: 1}}")
    first = indicators.units[0]
    lines += [
        "",
        f"# history — история (необязательно): значения показателей за {scale.history_years} предыдущих года;",
        "# их среднее — expert показателя, у которого expert пуст. Чтобы включить, уберите «#» и впишите значения:",
        "# history:",
        f"#   {first.code}:",
        f"#     {first.indicators[0]}: {{{', '.join(f'{y}: 0' for y in past)}}}",
        "",
        "# quality — цели показателей качества раздела 7 (необязательно): уберите «#» у строки quality: и у нужных показателей,",
        "# впишите цель вместо 0.",
        "# quality:",
    ]
    for ind in indicators.indicators:
        if ind.section:
            lines.append(f"#   {ind.code}: 0   # {ind.section}: {ind.unit}, {_direction(ind.direction)}")
    return "\n".join(lines) + "\n"


def _direction(direction: str) -> str:
    return "меньше — лучше" if direction == "lower" else "больше — лучше"


def write_norms_template(path: Path | str, year: int, indicators: IndicatorCatalog | None = None) -> None:
    """Write the year's norms template (`norms_template_text`); an existing file at `path` is refused, never replaced."""
    text = norms_template_text(year, indicators or load_indicators())
    try:
        with Path(path).open("x", encoding="utf-8", newline="\n") as out:
            out.write(text)
    except FileExistsError:
        raise ParamsError(f"файл {path} уже есть: шаблон норм не записан, чтобы не потерять данные; "
                          "укажите другое имя") from None
