"""The nearest match for a name an input got wrong: a position, a criterion, a sheet, a staff number.

Theory of operation: a refused name is compared, folded by `text.match_key`, with the names the input could have
meant; the closest by spelling (difflib's ratio, at least `CUTOFF`) are named in the message, at most `SHOWN`. Where
the spelling is far but the meaning is near (a staff list's «Администратор» for «Медицинский регистратор»), a
lookup table of words (`_MEANING`) names the catalog's job title; a word it names that the catalog does not know is
left out, so the table never suggests what the catalog would refuse. Each hint is a clause that the caller appends to
its one-line message; an empty string when nothing is near. Pure: no input is read here.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from stomkpi.text import match_key

if TYPE_CHECKING:  # the sheet reader uses this module too, and needs no catalog
    from stomkpi.catalog import Position, PositionCatalog

CUTOFF = 0.6  # below it, difflib's nearest names are noise («Космонавт» ~ «Санитар»)
SHEET_CUTOFF = 0.75  # a sheet's name is short: «Поля» must not be taken for «Фонд», nor «Инструкция» for «Сотрудники»
SHOWN = 3
CRITERIA_SHEET = "Критерии"  # the template's sheet listing every position, its other names and its criteria

# Words of staff lists that are far in spelling from every name of Приложение 2, and the job title (a catalog
# alias) they most likely mean. Only a suggestion: the analyst decides, nothing is substituted.
_MEANING = {
    "администратор": "Регистратор",
    "администратор регистратуры": "Медицинский регистратор",
    "медицинский администратор": "Медицинский регистратор",
    "оператор call-центра": "Медицинский регистратор",
    "уборщица": "Санитарка",
    "уборщик": "Санитар",
    "уборщица служебных помещений": "Санитарка",
    "уборщик служебных помещений": "Санитар",
    "ассистент стоматолога": "Медицинская сестра",
    "ассистент врача-стоматолога": "Медицинская сестра",
    "ассистент врача": "Медицинская сестра",
    "медицинская сестра-ассистент": "Медицинская сестра",
    "стоматологическая медсестра": "Медицинская сестра",
    "анестезистка": "Медицинская сестра-анестезист",
    "анестезиолог": "Врач-анестезиолог",
    "стоматолог": "Врач-стоматолог",
    "терапевт": "Врач-стоматолог-терапевт",
    "хирург": "Врач-стоматолог-хирург",
    "ортопед": "Врач-стоматолог-ортопед",
    "ортодонт": "Врач-ортодонт",
    "техник": "Зубной техник",
    "техник-протезист": "Зубной техник",
    "гигиенист": "Гигиенист стоматологический",
    "рентгенлаборант": "Рентгенолаборант",
    "главная сестра": "Главная медицинская сестра",
}


def nearest(name: str, choices: Mapping[str, str], *, cutoff: float = CUTOFF, n: int = SHOWN) -> list[str]:
    """The labels of `choices` (match key -> label) whose key is nearest `name`, best first, each label once."""
    found = difflib.get_close_matches(match_key(name), list(choices), n=len(choices), cutoff=cutoff)
    return list(dict.fromkeys(choices[k] for k in found))[:n]


def quoted(names: Iterable[str]) -> str:
    """«a», «b» или «c»."""
    return either(f"«{n}»" for n in names)


def either(items: Iterable[str]) -> str:
    """a, b или c."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} или {items[-1]}"


def position_hint(name: str, catalog: PositionCatalog) -> str:
    """What an unknown position may have been meant as, and where the template lists every position."""
    meant = catalog.position(_MEANING.get(match_key(name), ""))
    if meant is not None:
        guesses = [_position_words(_MEANING[match_key(name)], meant)]
    else:
        labels = {}
        for p in catalog.positions:
            for alias in (p.name, *p.aliases):
                labels.setdefault(match_key(alias), (alias, p))
        keys = nearest(name, {k: k for k in labels}, n=len(labels))
        first = {}  # the nearest name of each position: one guess per position
        for k in keys:
            first.setdefault(labels[k][1].code, labels[k])
        guesses = [_position_words(*named) for named in list(first.values())[:SHOWN]]
    where = f"должности и их другие названия — на листе «{CRITERIA_SHEET}» шаблона"
    return f"; возможно, {either(guesses)}; {where}" if guesses else f"; {where}"


def _position_words(alias: str, position: Position) -> str:
    """«Регистратор» (должность «Медицинские регистраторы»); a heading of Приложение 2 alone."""
    return f"«{alias}»" if match_key(alias) == match_key(position.name) else f"«{alias}» (должность «{position.name}»)"


def criterion_hint(name: str, position: Position) -> str:
    """What an unknown criterion of `position` may have been meant as, and where the template lists its criteria."""
    choices = {}
    for c in position.criteria:
        for alias in (c.name, *c.aliases, c.code):
            choices.setdefault(match_key(alias), c.name)
    guesses = nearest(name, choices)
    where = f"критерии каждой должности — на листе «{CRITERIA_SHEET}» шаблона"
    return f"; возможно, {quoted(guesses)}; {where}" if guesses else f"; {where}"


def near_sheet(wanted: Iterable[str], others: Iterable[str]) -> str | None:
    """The one of `others` (sheets of a book that no spec reads) whose name is nearest one of `wanted` (a sheet's
    names), or None."""
    choices = {match_key(o): o for o in others}
    best = None
    for name in wanted:
        for key in difflib.get_close_matches(match_key(name), list(choices), n=1, cutoff=SHEET_CUTOFF):
            score = difflib.SequenceMatcher(None, match_key(name), key).ratio()
            if best is None or score > best[0]:
                best = (score, choices[key])
    return best[1] if best else None


def by_digits(known: Iterable[object]) -> dict[str, str]:
    """Known staff numbers of digits only, keyed by the number without its leading zeros (for `lost_zeros`)."""
    return {k.lstrip("0"): k for k in known if isinstance(k, str) and k.isdigit()}


def lost_zeros(staff_id: str, known: Mapping[str, str], staff_sheet: str) -> str:
    """When an unknown staff number and a known one (`by_digits`) differ only in leading zeros: why (Excel stores
    a number without them) and how to keep them (the column's cells in text format). Empty otherwise."""
    twin = known.get(staff_id.lstrip("0")) if staff_id.isdigit() else None
    if twin is None or twin == staff_id:
        return ""
    longer = max(staff_id, twin, key=len)
    where = "здесь" if len(twin) > len(staff_id) else f"на листе «{staff_sheet}»"
    return (f", а там есть «{twin}»: вероятно, {where} номер записан числом и Excel отбросил нули впереди; задайте "
            f"ячейкам столбца «Таб_номер» текстовый формат (или начните номер с апострофа) и впишите «{longer}»")
