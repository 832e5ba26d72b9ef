"""Benchmark: the printable protocols (Приложения 3 и 4) of 50,000 employees. Prints figures; not a test.

Target on a 2-core machine: under 60 s for the whole workbook (it was about 9 minutes before the
write-only layout). The staff are the scoring benchmark's synthetic clinic, in 50 departments.
"""

from __future__ import annotations

import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_scoring import synthetic  # noqa: E402
from stomkpi.catalog import load_positions  # noqa: E402
from stomkpi.protocols import clinic_protocol, department_protocol  # noqa: E402
from stomkpi.report.protocols_xlsx import write_protocols  # noqa: E402
from stomkpi.scoring import score  # noqa: E402

N = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
DEPARTMENTS = 50


def main() -> None:
    catalog = load_positions()
    staff, values, events, deprivations = synthetic(N, catalog)
    staff["department"] = [f"Отделение № {i % DEPARTMENTS + 1}" for i in range(N)]
    staff["name"] = [f"Сотрудникова Мария Александровна {i}" for i in range(N)]
    table = score(staff, values, events, deprivations, catalog).table
    t0 = time.perf_counter()
    departments = {d: department_protocol(table, deprivations, catalog, d) for d in sorted(table["department"].unique())}
    commission = clinic_protocol(table, deprivations, catalog)
    t1 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "protocols.xlsx"
        pages = write_protocols(path, "2025-12", "Поликлиника", departments, commission)
        t2 = time.perf_counter()
        size = path.stat().st_size
    rows = sum(len(t) for tables in departments.values() for t in tables.values()) + sum(len(t) for t in commission.values())
    print(f"employees:                   {N:,} in {len(departments)} departments ({rows:,} protocol rows)")
    print(f"protocol tables:             {t1 - t0:.1f} s")
    print(f"protocols workbook written:  {t2 - t1:.1f} s   (target < 60 s; {sum(pages.values()):,} pages, "
          f"{size / 2**20:.1f} MiB)")
    print(f"process max RSS:             {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
