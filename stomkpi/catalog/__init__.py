"""The rule catalogs (YAML package data) and their loaders; a clinic may point at its own copy."""

from .base import BUILTIN_DIR, catalog_file
from .indicators import IndicatorCatalog, load_indicators
from .nmo import NmoRules, load_nmo_rules
from .positions import Criterion, LintFinding, Position, PositionCatalog, load_positions

__all__ = [
    "BUILTIN_DIR",
    "Criterion",
    "LintFinding",
    "Position",
    "PositionCatalog",
    "catalog_file",
    "load_positions",
    "NmoRules",
    "IndicatorCatalog",
    "load_indicators",
    "load_nmo_rules",
]
