"""Record types: what the readers return and the engines take — validated inputs, nothing left to check.

The readers (`month.read_month`, `nmo_inputs.read_nmo`) build these; the pure engines (`scoring`,
`derive`, `nmo`) take them, so an engine never imports a reader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from stomkpi.payroll import Fund


@dataclass(frozen=True)
class Month:
    """One month's validated inputs, with catalog codes for positions and criteria."""

    period: str | None  # "YYYY-MM" when known
    source: Path
    # staff_id, name, position (code), title (as written), department, rates, days, snils (text or None),
    # salary (Decimal roubles or None)
    staff: pd.DataFrame
    values: pd.DataFrame  # staff_id, criterion, value, norm
    events: pd.DataFrame  # staff_id, criterion, count, date, note
    deprivations: pd.DataFrame  # staff_id, percent, reason
    stats: pd.DataFrame | None = None  # staff_id, field (catalog code), value; None when the sheet is absent
    reviews: pd.DataFrame | None = None  # case, staff_id, coefficient, reason, impact (codes); None when absent
    warnings: tuple[str, ...] = ()  # what was read in a way the analyst should know of (merged spellings)
    funds: tuple[Fund, ...] | None = None  # the «Фонд» sheet's groups; None when the sheet is absent or empty


@dataclass(frozen=True)
class NmoRecords:
    """Validated НМО records. `elements` has one row per element and specialty it is entered for."""

    source: Path
    names: dict[str, str]
    certificates: pd.DataFrame  # staff_id, specialty, specialty_key, date, kind
    # one row per element × specialty: element, staff_id, specialty_key, kind, group, title, provider,
    # hours, in_person, days, end_date, certificate_no (text, "" if none), frdo (True / False / None), row
    elements: pd.DataFrame
    departments: dict[str, str] = field(default_factory=dict)  # staff_id -> «Отделение» when the sheet gives one
    # the accreditation sheets, each empty when absent (staff_id, specialty_key, … as below, row)
    attestations: pd.DataFrame | None = None  # category (вторая / первая / высшая), date
    reports: pd.DataFrame | None = None  # state (none / ready / agreed), date
    filings: pd.DataFrame | None = None  # filed (date), number (text), decision (None / passed / failed)
