"""The НМО rules catalog (`nmo.yaml`): cycle, element kinds, caps and the two requirements."""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from pathlib import Path
from typing import Literal

from stomkpi.catalog.base import Frozen, catalog_file, read_yaml, validate
from stomkpi.text import match_key


class ElementKind(Frozen):
    code: str
    name: str
    aliases: tuple[str, ...] = ()
    group: Literal["dpp", "other"]


class Caps(Frozen):
    kinds: tuple[str, ...]
    per_day: float
    per_event: float


class EarlierCertificates(Frozen):
    before: dt.date
    required: float


class PortalPlan(Frozen):
    name: str
    required: float
    earlier_certificates: EarlierCertificates
    yearly_guide: float
    yearly_dpp: float
    yearly_other: float


class Admission(Frozen):
    name: str
    required: float
    min_dpp: float
    max_other: float
    note: str | None = None
    source: str | None = None


class Plans(Frozen):
    portal: PortalPlan
    admission: Admission


class Processing(Frozen):
    """Working days the accreditation centre and the commission take after a filing (709н)."""

    check_days: int
    commission_days: int
    source: str

    @property
    def working_days(self) -> int:
        return self.check_days + self.commission_days


class WorkCalendar(Frozen):
    country: str
    note: str


class ReportRule(Frozen):
    """When the отчёт о профессиональной деятельности is needed: not when a category was attested in the filing
    year or up to `waived_years` before it."""

    waived_years: int
    categories: tuple[str, ...]
    source: str


class Sourced(Frozen):
    source: str


class Horizon(Frozen):
    months: int
    source: str


class Accreditation(Frozen):
    name: str
    processing: Processing
    calendar: WorkCalendar
    report: ReportRule
    frdo: Sourced
    risk_horizon: Horizon


class NmoRules(Frozen):
    version: str
    source: str
    cycle_years: int
    filing_window_months: int
    filing_window_source: str | None = None
    element_kinds: tuple[ElementKind, ...]
    certificate_kinds: tuple[str, ...]
    caps: Caps
    plans: Plans
    accreditation: Accreditation | None = None  # a clinic's older copy of the catalog may lack it: built-in then
    path: Path | None = None

    @cached_property
    def _kinds(self) -> dict[str, ElementKind]:
        return {match_key(n): k for k in self.element_kinds for n in (k.code, k.name, *k.aliases)}

    def element_kind(self, name: str) -> ElementKind | None:
        """The element kind named by code, name or alias (ДПП, ИОМ, мероприятие …); None if unknown."""
        return self._kinds.get(match_key(name))

    def certificate_kind(self, name: str) -> str | None:
        keys = {match_key(k): k for k in self.certificate_kinds}
        return keys.get(match_key(name))

    def category(self, name: str) -> str | None:
        """The qualification category named (вторая / первая / высшая, any case); None if unknown."""
        keys = {match_key(k): k for k in self.accreditation_rules().report.categories}
        return keys.get(match_key(name))

    def accreditation_rules(self) -> Accreditation:
        """The accreditation rules of this catalog, or the built-in ones when a clinic's copy has none."""
        return self.accreditation or load_nmo_rules().accreditation


def load_nmo_rules(directory: Path | str | None = None) -> NmoRules:
    """Load and validate `nmo.yaml` from a clinic's catalog folder or the built-in one."""
    path = catalog_file("nmo.yaml", directory)
    data = read_yaml(path)
    rules = validate(NmoRules, data, path, "nmo")
    return rules.model_copy(update={"path": path})
