"""The indicator catalog (Приложение 1, раздел 7): count fields, indicator formulas, units, the 0–4 scale
and the quality-of-care vocabularies. YAML -> validated, frozen objects."""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import model_validator

from stomkpi.catalog.base import Frozen, catalog_file, read_yaml, validate
from stomkpi.errors import CatalogError
from stomkpi.text import match_key


class Indicator(Frozen):
    code: str
    name: str
    unit: str
    direction: Literal["higher", "lower"]
    numerator: str
    denominator: str
    multiplier: float = 1.0
    section: str | None = None
    note: str | None = None


class Unit(Frozen):
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    whole: bool = False
    indicators: tuple[str, ...]
    ukv: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _ukv_within(self) -> Unit:
        extra = [c for c in self.ukv if c not in self.indicators]
        if extra:
            raise ValueError(f"показатели УКВ не входят в показатели подразделения: {', '.join(extra)}")
        return self


class Steps(Frozen):
    """Item 6.3: the points P of each threshold below the target, from the highest, and of a value below them all."""

    region_best: float
    expert: float
    near_expert: float  # worse than the expert value by at most the scale's `one_point_margin`
    below: float


class Scale(Frozen):
    target_score: float  # О: P at the target (item 6.3), the divisor of Кэф (item 6.6)
    steps: Steps
    one_point_margin: float
    history_years: int
    result_min: float  # item 6.8: the result lies in [result_min, 1]

    @model_validator(mode="after")
    def _falling(self) -> Scale:
        points = [p for _, p in self.ladder()] + [self.steps.below]
        if any(a <= b for a, b in zip(points[:-1], points[1:], strict=True)):
            raise ValueError("баллы шкалы должны убывать от целевого ориентира: " + ", ".join(f"{p:g}" for p in points))
        return self

    def ladder(self) -> tuple[tuple[str, float], ...]:
        """(threshold, P) from the target down: a value gets the P of the first threshold it reaches, else `steps.below`."""
        s = self.steps
        return (("target", self.target_score), ("region_best", s.region_best), ("expert", s.expert),
                ("near_expert", s.near_expert))


class Term(Frozen):
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    harms: bool = False  # an impact that worsened the patient's health: impossible for a ДМП case


class Quality(Frozen):
    kmp_min: float
    dmp_min: float
    finished_cases_field: str
    reasons: tuple[Term, ...]
    impacts: tuple[Term, ...]


class IndicatorCatalog(Frozen):
    version: str
    source: str
    fields: dict[str, str]
    indicators: tuple[Indicator, ...]
    units: tuple[Unit, ...]
    ukv_note: str | None = None
    scale_note: str | None = None
    ukv_points: float
    scale: Scale
    quality: Quality
    path: Path | None = None

    @model_validator(mode="after")
    def _references(self) -> IndicatorCatalog:
        codes = {i.code for i in self.indicators}
        for i in self.indicators:
            for f in (i.numerator, i.denominator):
                if f not in self.fields:
                    raise ValueError(f"показатель {i.code}: неизвестное поле «{f}»")
        for u in self.units:
            missing = [c for c in u.indicators if c not in codes]
            if missing:
                raise ValueError(f"подразделение {u.code}: неизвестные показатели {', '.join(missing)}")
        return self

    @cached_property
    def by_code(self) -> dict[str, Indicator]:
        return {i.code: i for i in self.indicators}

    @cached_property
    def _field_keys(self) -> dict[str, str]:
        return {match_key(n): code for code, label in self.fields.items() for n in (code, label)}

    def field(self, name: str) -> str | None:
        """The count field named by code or Russian label; None if unknown."""
        return self._field_keys.get(match_key(name))

    def unit_of(self, department: str) -> Unit | None:
        """The Приложение 1 unit a department belongs to (by name or alias), or None."""
        key = match_key(department)
        for u in self.units:
            if key in {match_key(n) for n in (u.code, u.name, *u.aliases)}:
                return u
        return None

    def term(self, kind: Literal["reasons", "impacts"], name: str) -> Term | None:
        key = match_key(name)
        return next((t for t in getattr(self.quality, kind) if key in {match_key(n) for n in (t.code, t.name, *t.aliases)}),
                    None)

    def notes(self) -> list[tuple[str, str]]:
        """(indicator, note) for every interpretation the catalog makes, for the report's appendix."""
        out = [(i.name, i.note) for i in self.indicators if i.note]
        if self.ukv_note:
            out.append(("УКВ", self.ukv_note))
        if self.scale_note:
            out.append(("Шкала 0–4", self.scale_note))
        return out


def load_indicators(directory: Path | str | None = None) -> IndicatorCatalog:
    """Load and validate `indicators.yaml` from a clinic's catalog folder or the built-in one."""
    path = catalog_file("indicators.yaml", directory)
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise CatalogError(f"Каталог правил {path}: ожидался словарь")
    return validate(IndicatorCatalog, data, path, "indicators").model_copy(update={"path": path})
