"""Benchmark: score 100,000 synthetic staff-months and compare with the row-by-row oracle.

Prints figures; it is not a test. Targets on a 2-core machine: under 1 s and under 1 GB peak
memory for the engine, and at least 50× faster than the reference implementation.
"""

from __future__ import annotations

import resource
import sys
import time
import tracemalloc
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from stomkpi.catalog import load_positions  # noqa: E402
from stomkpi.scoring import score  # noqa: E402
from tests import oracle  # noqa: E402

N = 100_000
ORACLE_SAMPLE = 2_000


def synthetic(n: int, catalog, seed: int = 7):
    rng = np.random.default_rng(seed)
    positions = catalog.positions
    pos_idx = rng.integers(len(positions), size=n)
    days_plan = rng.integers(17, 24, size=n)
    staff = pd.DataFrame({
        "staff_id": [f"{i:06d}" for i in range(n)],
        "name": "Сотрудник",
        "position": [positions[i].code for i in pos_idx],
        "department": "Отделение",
        "rates_oms": rng.choice([0.5, 0.75, 1.0, 1.25], size=n),
        "rates_paid": 0.0,
        "days_plan": days_plan.astype(float),
        "days_fact": np.maximum(0, days_plan - rng.integers(0, 4, size=n)).astype(float),
    })
    values, events = [], []
    for kind_filter, sink in (("values", values), ("events", events)):
        for p_i, p in enumerate(positions):
            ids = staff["staff_id"].to_numpy()[pos_idx == p_i]
            for c in p.criteria:
                if kind_filter == "events" and c.kind == "per_event":
                    sink.append(pd.DataFrame({"staff_id": ids, "criterion": c.code,
                                              "count": rng.poisson(0.2, size=len(ids)).astype(float)}))
                elif kind_filter == "values" and c.kind != "per_event":
                    if c.kind == "plan":
                        v = np.round(rng.normal(101, 8, size=len(ids)), 1)
                    elif c.kind == "deduction":
                        v = rng.poisson(0.2, size=len(ids)).astype(float)
                    elif c.kind == "assigned":
                        v = rng.uniform(c.low, c.high, size=len(ids)).round(2)
                    else:
                        v = rng.uniform(0, 10, size=len(ids)).round(2)
                    sink.append(pd.DataFrame({"staff_id": ids, "criterion": c.code, "value": v,
                                              "norm": 5.0 if c.kind == "versus_norm" else np.nan}))
    deprivations = pd.DataFrame({"staff_id": staff["staff_id"].sample(n // 100, random_state=1).to_numpy(),
                                 "percent": 50.0, "reason": "x"})
    return (staff, pd.concat(values, ignore_index=True), pd.concat(events, ignore_index=True), deprivations)


def run_oracle(staff, values, events, deprivations, catalog) -> None:
    vals: dict = {}
    for sid, code, v, nrm in values[["staff_id", "criterion", "value", "norm"]].itertuples(index=False):
        vals.setdefault(sid, {})[code] = (v, None if np.isnan(nrm) else nrm)
    evs: dict = {}
    for sid, code, c in events[["staff_id", "criterion", "count"]].itertuples(index=False):
        evs.setdefault(sid, {})[code] = evs.get(sid, {}).get(code, 0) + int(c)
    deps = deprivations.groupby("staff_id")["percent"].apply(list).to_dict()
    for rec in staff.to_dict("records"):
        oracle.score_person(catalog.by_code(rec["position"]), rec, vals.get(rec["staff_id"], {}),
                            evs.get(rec["staff_id"], {}), deps.get(rec["staff_id"], []))


def main() -> None:
    catalog = load_positions()
    frames = synthetic(N, catalog)
    criterion_rows = int(sum(len(catalog.by_code(p).criteria) for p in frames[0]["position"]))
    score(*(f.head(100) for f in frames), catalog)  # warm-up: imports, caches

    timings = []
    for _ in range(5):
        t = time.perf_counter()
        score(*frames, catalog)
        timings.append(time.perf_counter() - t)
    tracemalloc.start()
    score(*frames, catalog)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    engine = float(np.median(timings))

    sample = frames[0].head(ORACLE_SAMPLE)
    ids = set(sample["staff_id"])
    sub = [sample, *(f[f["staff_id"].isin(ids)] for f in frames[1:])]
    t = time.perf_counter()
    run_oracle(*sub, catalog)
    oracle_per_person = (time.perf_counter() - t) / ORACLE_SAMPLE

    print(f"staff-months:                {N:,}")
    print(f"criterion rows:              {criterion_rows:,}")
    print(f"engine, median of 5:         {engine:.3f} s   (target < 1 s)")
    print(f"engine peak traced memory:   {peak / 2**20:.0f} MiB (target < 1024 MiB)")
    print(f"process max RSS:             {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    print(f"oracle, scaled from {ORACLE_SAMPLE:,}:   {oracle_per_person * N:.1f} s")
    print(f"speed-up over the oracle:    {oracle_per_person * N / engine:.0f}×  (target ≥ 50×)")


if __name__ == "__main__":
    main()
