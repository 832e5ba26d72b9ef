"""Benchmark: accreditation readiness (`stomkpi.accreditation.readiness`) on 5 000 and 50 000 plans.

Prints figures; it is not a test. The demo clinic's НМО book (written and read as a report reads it) is cloned
under new staff numbers until it holds the plans asked for. Target on a 2-core machine: 50 000 plans in under
10 s, and the time per plan about the same at both sizes (linear in the number of plans).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stomkpi.accreditation import readiness, russian_calendar  # noqa: E402
from stomkpi.catalog import load_nmo_rules  # noqa: E402
from stomkpi.demo.clinic import make_staff  # noqa: E402
from stomkpi.demo.nmo import write_nmo_workbook  # noqa: E402
from stomkpi.nmo_inputs import read_nmo  # noqa: E402
from stomkpi.records import NmoRecords  # noqa: E402

ON = dt.date(2025, 12, 31)
SIZES = (5_000, 50_000)


def demo_book(folder: Path, rules) -> NmoRecords:
    """The demo clinic's НМО book as of `ON`, read back from its workbook."""
    staff = make_staff(np.random.default_rng(2025))
    staff = staff.assign(position=staff["position_code"])[["staff_id", "name", "position", "department"]]
    path = write_nmo_workbook(folder / "nmo.xlsx", staff, seed=2026, on=ON)
    return read_nmo(path, rules, ON)


def cloned(book: NmoRecords, plans: int) -> NmoRecords:
    """`book` copied under new staff numbers («<copy>-<staff_id>») until it has at least `plans` plans."""
    per_copy = len(book.certificates.drop_duplicates(["staff_id", "specialty_key"]))
    copies = -(-plans // per_copy)

    def frame(f: pd.DataFrame | None) -> pd.DataFrame | None:
        if f is None:
            return None
        parts = [f.assign(staff_id=f"{k:05d}-" + f["staff_id"].astype(str)) for k in range(copies)]
        return pd.concat(parts, ignore_index=True)

    def mapping(m: dict[str, str]) -> dict[str, str]:
        return {f"{k:05d}-{sid}": v for k in range(copies) for sid, v in m.items()}

    elements = frame(book.elements)
    elements["element"] = range(len(elements))
    return dataclasses.replace(book, names=mapping(book.names), departments=mapping(book.departments),
                               certificates=frame(book.certificates), elements=elements,
                               attestations=frame(book.attestations), reports=frame(book.reports),
                               filings=frame(book.filings))


def main() -> None:
    rules = load_nmo_rules()
    calendar = russian_calendar(range(2014, 2032))
    with tempfile.TemporaryDirectory() as tmp:
        book = demo_book(Path(tmp), rules)
    per_plan = {}
    for n in SIZES:
        records = cloned(book, n)
        t0 = time.perf_counter()
        table = readiness(records, rules, ON, calendar)
        seconds = time.perf_counter() - t0
        per_plan[n] = seconds / len(table)
        print(f"readiness, {len(table):>6} plans: {seconds:7.2f} s ({per_plan[n] * 1e6:7.1f} µs a plan)")
    small, large = SIZES
    ratio = per_plan[large] / per_plan[small]
    print(f"per-plan time {large} / {small}: {ratio:.2f} (1.00 is linear); target: {large} plans under 10 s")


if __name__ == "__main__":
    main()
