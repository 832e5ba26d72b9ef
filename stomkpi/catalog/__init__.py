"""The rule catalogs (YAML package data) and their loaders; a clinic may point at its own copy.

`load_catalogs(directory)` is the one way a run gets its rules: the three catalogs, each from the
clinic's folder when it has a copy, else built in (`base.catalog_file` decides), with the SHA-256
of every file used, for the report's provenance.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from stomkpi.catalog.base import BUILTIN_DIR, catalog_file
from stomkpi.catalog.indicators import IndicatorCatalog, load_indicators
from stomkpi.catalog.nmo import NmoRules, load_nmo_rules
from stomkpi.catalog.positions import MAIN_BELOW_NORM, Criterion, LintFinding, Position, PositionCatalog, load_positions


@dataclass(frozen=True)
class Catalogs:
    """The three rule catalogs of a run and the SHA-256 of each file they were read from."""

    positions: PositionCatalog
    indicators: IndicatorCatalog
    nmo: NmoRules
    hashes: dict[str, str]  # file name -> SHA-256 of its bytes


def load_catalogs(directory: Path | str | None = None) -> Catalogs:
    """Load and validate the positions, indicators and НМО catalogs (a clinic's copy, else built in)."""
    positions, indicators, nmo = load_positions(directory), load_indicators(directory), load_nmo_rules(directory)
    files = (positions.path, indicators.path, nmo.path)
    return Catalogs(positions, indicators, nmo, {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in files})


__all__ = [
    "BUILTIN_DIR",
    "MAIN_BELOW_NORM",
    "Catalogs",
    "Criterion",
    "IndicatorCatalog",
    "LintFinding",
    "NmoRules",
    "Position",
    "PositionCatalog",
    "catalog_file",
    "load_catalogs",
    "load_indicators",
    "load_nmo_rules",
    "load_positions",
]
