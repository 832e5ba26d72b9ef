"""The catalog of positions (Приложение 2): YAML -> validated, frozen objects, plus the catalog lint."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Literal

import pandas as pd
from pydantic import model_validator

from stomkpi.catalog.base import Frozen, catalog_file, read_yaml, validate
from stomkpi.errors import CatalogError
from stomkpi.text import match_key

Kind = Literal["plan", "deduction", "per_event", "assigned", "versus_norm", "info"]

# Which numeric fields each rule kind needs; any other numeric field is an error.
KIND_FIELDS: dict[str, tuple[str, ...]] = {
    "plan": ("max", "step"),
    "deduction": ("max", "penalty"),
    "per_event": ("weight",),
    "assigned": ("low", "high"),
    "versus_norm": ("weight", "direction"),
    "info": (),
}
# A position's staff group when the catalog names none: by its education.
EDUCATION_CATEGORY = {"higher": "doctors", "secondary": "secondary", "none": "other"}
_RULE_FIELDS = ("max", "step", "penalty", "weight", "low", "high", "direction")
KIND_NAMES = {
    "plan": "процент выполнения плана",
    "deduction": "вычет из максимума",
    "per_event": "баллы за каждый случай",
    "assigned": "назначает руководитель",
    "versus_norm": "сравнение с нормой",
    "info": "для сведения, без баллов",
}


class Criterion(Frozen):
    """One criterion of a position, with its rule kind and numbers."""

    code: str
    name: str
    document: str
    kind: Kind
    max: float | None = None
    step: float | None = None
    penalty: float | None = None
    weight: float | None = None
    low: float | None = None
    high: float | None = None
    direction: Literal["higher", "lower"] | None = None
    indicator: str | None = None
    unit: str | None = None
    aliases: tuple[str, ...] = ()
    note: str | None = None
    # Where the count may come from when Показатели has no row: the doctor's missed УКВ indicators
    # (sheet Статистика) or the reviewed cases below the КМП threshold (sheet Экспертиза).
    derived_from: Literal["ukv_missed", "quality_defects"] | None = None

    @model_validator(mode="after")
    def _fields_match_kind(self) -> Criterion:
        need = KIND_FIELDS[self.kind]
        missing = [f for f in need if getattr(self, f) is None]
        extra = [f for f in _RULE_FIELDS if f not in need and getattr(self, f) is not None]
        if missing:
            raise ValueError(f"для вида «{self.kind}» нужны поля: {', '.join(missing)}")
        if extra:
            raise ValueError(f"для вида «{self.kind}» лишние поля: {', '.join(extra)}")
        if self.kind == "assigned" and self.low > self.high:
            raise ValueError("low больше high")
        for f in ("max", "step", "penalty"):
            if getattr(self, f) is not None and getattr(self, f) < 0:
                raise ValueError(f"поле {f} не может быть отрицательным")
        return self

    @property
    def max_points(self) -> float:
        """Points for a fulfilled criterion (the norm's share); 0 for additional kinds."""
        return self.max if self.kind in ("plan", "deduction") else 0.0


class Position(Frozen):
    """A position of Приложение 2 with its normative points and criteria."""

    code: str
    name: str
    aliases: tuple[str, ...] = ()
    education: Literal["higher", "secondary", "none"]
    # the staff group a person of this position is signed for in Приложения 3–4 (and a fund's category):
    # when the catalog leaves it out, doctors for higher education, secondary for secondary, other for none
    category: Literal["doctors", "secondary", "junior", "other"]
    scope: Literal["person", "department"] = "person"  # «Отделение» is scored on its department's counts
    norm: float
    note: str | None = None
    main: tuple[Criterion, ...]
    additional: tuple[Criterion, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _category_from_education(cls, data: object) -> object:
        if isinstance(data, dict) and data.get("category") is None and "education" in data:
            data = {**data, "category": EDUCATION_CATEGORY.get(data["education"], data["education"])}
        return data

    @property
    def criteria(self) -> tuple[Criterion, ...]:
        return self.main + self.additional

    def group_of(self, criterion: Criterion) -> str:
        return "main" if criterion in self.main else "additional"

MAIN_BELOW_NORM = "main_below_norm"  # the main criteria's maxima sum to less than the norm


@dataclass(frozen=True)
class LintFinding:
    """A place where the document is contradictory or silent, and what the catalog does about it."""

    position: str
    criterion: str | None
    message: str
    code: str = ""  # what kind of finding, for code that acts on it: MAIN_BELOW_NORM, …


@dataclass(frozen=True)
class PositionCatalog:
    """All positions, looked up by code, name or alias with forgiving matching."""

    positions: tuple[Position, ...]
    version: str
    source: str
    path: Path

    @cached_property
    def _by_key(self) -> dict[str, Position]:
        out: dict[str, Position] = {}
        for p in self.positions:
            for name in (p.code, p.name, *p.aliases):
                out[match_key(name)] = p
        return out

    @cached_property
    def _criterion_keys(self) -> dict[str, dict[str, Criterion]]:
        out: dict[str, dict[str, Criterion]] = {}
        for p in self.positions:
            keys: dict[str, Criterion] = {}
            for c in p.criteria:
                for name in (c.code, c.name, *c.aliases):
                    keys[match_key(name)] = c
            out[p.code] = keys
        return out

    def position(self, name: str) -> Position | None:
        """The position named by code, heading of Приложение 2 or job title; None if unknown."""
        return self._by_key.get(match_key(name))

    def criterion(self, position: Position, name: str) -> Criterion | None:
        """The criterion of `position` named by code or wording; None if it has no such criterion."""
        return self._criterion_keys[position.code].get(match_key(name))

    def by_code(self, code: str) -> Position:
        return next(p for p in self.positions if p.code == code)

    def criterion_names(self) -> dict[str, str]:
        """Criterion code -> its wording (the first position's, when several share a code)."""
        names: dict[str, str] = {}
        for p in self.positions:
            for c in p.criteria:
                names.setdefault(c.code, c.name)
        return names

    @cached_property
    def lint(self) -> tuple[LintFinding, ...]:
        return tuple(lint_positions(self.positions))

    def rules(self) -> pd.DataFrame:
        """One row per position × criterion with every rule number: the table the engine joins on."""
        rows = []
        for p in self.positions:
            for order, c in enumerate(p.criteria):
                rows.append(
                    {
                        "position": p.code,
                        "position_name": p.name,
                        "criterion": c.code,
                        "criterion_name": c.name,
                        "group": p.group_of(c),
                        "order": order,
                        "kind": c.kind,
                        "document": c.document,
                        **{f: getattr(c, f) for f in _RULE_FIELDS},
                        "indicator": c.indicator,
                    }
                )
        frame = pd.DataFrame(rows)
        for f in ("max", "step", "penalty", "weight", "low", "high"):
            frame[f] = frame[f].astype("float64")
        return frame


def lint_positions(positions: tuple[Position, ...]) -> list[LintFinding]:
    """Contradictions and gaps of the document, found in the catalog itself."""
    out = []
    for p in positions:
        total = sum(c.max_points for c in p.main)
        if abs(total - p.norm) > 1e-9:
            out.append(
                LintFinding(
                    p.name,
                    None,
                    f"нормативное количество баллов {p.norm:g}, а сумма максимумов основных "
                    f"критериев {total:g}: при всех выполненных основных критериях процент "
                    f"выполнения будет {100 * total / p.norm:.1f} %",
                    MAIN_BELOW_NORM if total < p.norm else "",
                )
            )
        if p.note:
            out.append(LintFinding(p.name, None, p.note))
        for c in p.criteria:
            if c.kind == "per_event" and c.weight == 0:
                out.append(LintFinding(p.name, c.name, "у критерия нет баллов в Положении; в каталоге 0"))
            if c.note:
                out.append(LintFinding(p.name, c.name, c.note))
    return out


def load_positions(directory: Path | str | None = None) -> PositionCatalog:
    """Load and validate `positions.yaml` from a clinic's catalog folder or the built-in one."""
    path = catalog_file("positions.yaml", directory)
    data = read_yaml(path)
    if not isinstance(data, dict) or "positions" not in data:
        raise CatalogError(f"Каталог правил {path}: нет раздела positions")
    common = data.get("common") or {}
    positions = []
    for i, raw in enumerate(data["positions"] or []):
        label = raw.get("code", f"№{i + 1}") if isinstance(raw, dict) else f"№{i + 1}"
        if not isinstance(raw, dict):
            raise CatalogError(f"Каталог правил {path}, запись «{label}»: ожидался словарь")
        raw = dict(raw)
        for group in ("main", "additional"):
            raw[group] = [_expand(item, common, path, label) for item in raw.get(group) or []]
        positions.append(validate(Position, raw, path, label))
    _check_unique(positions, path)
    catalog = PositionCatalog(tuple(positions), str(data.get("version", "")), str(data.get("source", "")), path)
    catalog.lint  # the lint runs on load, so a report can always print it  # noqa: B018
    return catalog


def _expand(item: object, common: dict, path: Path, label: str) -> object:
    """Resolve a reference to a common criterion: 'code' or {use: code, ...overrides}."""
    if isinstance(item, str):
        ref, overrides = item, {}
    elif isinstance(item, dict) and "use" in item:
        overrides = dict(item)
        ref = overrides.pop("use")
    else:
        return item
    if ref not in common:
        raise CatalogError(
            f"Каталог правил {path}, запись «{label}»: ссылка на неизвестный общий критерий «{ref}»"
        )
    return {"code": ref, **common[ref], **overrides}


def _check_unique(positions: list[Position], path: Path) -> None:
    seen: dict[str, str] = {}
    for p in positions:
        for name in (p.code, p.name, *p.aliases):
            key = match_key(name)
            if key in seen and seen[key] != p.code:
                raise CatalogError(
                    f"Каталог правил {path}, запись «{p.code}»: название «{name}» "
                    f"уже занято должностью «{seen[key]}»"
                )
            seen[key] = p.code
        crit: dict[str, str] = {}
        for c in p.criteria:
            for name in (c.code, c.name, *c.aliases):
                key = match_key(name)
                if key in crit and crit[key] != c.code:
                    raise CatalogError(
                        f"Каталог правил {path}, запись «{p.code}», критерий «{c.code}»: "
                        f"название «{name}» уже занято критерием «{crit[key]}»"
                    )
                crit[key] = c.code
            if sum(1 for x in p.criteria if x.code == c.code) > 1:
                raise CatalogError(
                    f"Каталог правил {path}, запись «{p.code}»: код критерия «{c.code}» повторяется"
                )
