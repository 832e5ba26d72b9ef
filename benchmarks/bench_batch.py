"""Benchmark: a batch of reports. Prints figures; not a test.

Twelve monthly reports of the demo clinic one after another in this process (the single command's
way: a fresh kernel each), and the same twelve as a batch on two local worker processes (forked from
a fork server that prepared them, `stomkpi.run.speed.worker`, and forking their reports' kernels from one
warm process, `stomkpi.run.speed.warm`; both counted), in the same run, in the order A B B A so that a change in
the machine's load weighs on both alike (target: the batch ≥ 1.7× faster), with the machine's
load average before and after. Then the CPU seconds per report either way (CPU time hardly depends
on what else the machine runs, wall time does) and how many cores the sequential run kept busy
(what bounds the speed-up), the cost per report, the peak memory of a worker and of its kernel, and
a projection — computed from these measured figures, not measured — of a region of 300 clinics ×
12 months on 16 cores, and of the regional report's reading of 300 clinic-years.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
# stomkpi is imported in main(): a worker process of the batch starts by importing this script again (spawn), and
# under `python -m stomkpi` it imports only what a report needs; so must it here

MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
WORKERS = 2
REGION = (300, 12, 16)  # clinics, months, cores of the projection


def main() -> None:
    from benchmarks.clone import demo_clinic
    from stomkpi.catalog import load_catalogs
    from stomkpi.config import load_params
    from stomkpi.report.regional import read_clinic
    from stomkpi.run import batch
    from stomkpi.run.commands import monthly_report

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # the demo's НМО book holds each person's latest certificate and older categories: completed, so that the
        # months before a certificate read it too (`clone.complete_certificates`)
        params_file = demo_clinic(root)
        params = load_params(params_file)

        plan = batch.plan(MONTHS, [params_file])
        sequential, parallel, one_by_one, outcomes = [], [], [], []
        cpu: dict[str, list[float]] = {"sequential": [], "batch": []}
        load_before = os.getloadavg()
        for order in ("sequential", "batch", "batch", "sequential"):  # ABBA: a drift in the machine's load weighs alike
            start, cpu_start = time.perf_counter(), batch.process_cpu_seconds()
            if order == "sequential":
                for month in MONTHS:
                    t = time.perf_counter()
                    monthly_report(month, params_file, progress=False)
                    one_by_one.append(time.perf_counter() - t)
                sequential.append(time.perf_counter() - start)
            else:
                done, where = batch.run_batch(plan.jobs, workers=WORKERS, progress=False)
                parallel.append(time.perf_counter() - start)
                assert all(o.status == "done" for o in done), [o.reason for o in done if o.status != "done"]
                outcomes += done
            cpu[order].append(batch.process_cpu_seconds() - cpu_start)  # the pool's workers are joined: their CPU is counted
        load_after = os.getloadavg()

        catalogs = load_catalogs(params.catalog_dir)
        t = time.perf_counter()
        read_clinic(2025, params_file, params, catalogs)
        clinic_year = time.perf_counter() - t

    n = len(MONTHS)
    cpu_sequential, cpu_batch = (statistics.mean(cpu[k]) / n for k in ("sequential", "batch"))
    cpu_in_worker = statistics.median(o.cpu_seconds for o in outcomes)
    busy = statistics.mean(cpu["sequential"]) / statistics.mean(sequential)  # cores the sequential run kept busy
    sequential, parallel = statistics.mean(sequential), statistics.mean(parallel)
    speedup = sequential / parallel
    per_report = statistics.median(one_by_one)
    core_seconds = parallel * WORKERS / n  # what a report costs a core when the cores are kept busy
    worker_mb = max(o.worker_peak_mb for o in outcomes)
    kernel_mb = max(o.kernel_peak_mb for o in outcomes)
    clinics, months, cores = REGION
    reports = clinics * months
    projected = reports * core_seconds / cores
    print(f"the machine's load average (1, 5, 15 min) before the run: {_load(load_before)}, after: {_load(load_after)} "
          f"on {os.cpu_count()} cores (other programs take cores from both measurements)")
    print(f"twelve monthly reports one after another: {sequential:.1f} s (mean of 2; median {per_report:.2f} s a report)")
    print(f"the same twelve as a batch ({where}):   {parallel:.1f} s (mean of 2), including the workers' start")
    print(f"speed-up on {WORKERS} cores:                       {speedup:.2f}×  (target ≥ 1.7×)")
    print(f"CPU per report:                             {cpu_sequential:.2f} CPU-s one after another, {cpu_batch:.2f} CPU-s "
          f"in the batch (with the workers' start; median {cpu_in_worker:.2f} CPU-s a report in a worker); the "
          f"sequential run kept {busy:.2f} cores busy: with reports as costly as one after another, {WORKERS} cores "
          f"could make it at most {WORKERS / busy:.2f}× faster, and {WORKERS / busy * cpu_sequential / cpu_batch:.2f}× "
          "with the batch's cheaper reports (warm kernels)")
    print(f"cost per report in the batch:               {core_seconds:.2f} core-seconds "
          f"({n / parallel * 60:.1f} reports a minute on {WORKERS} cores)")
    print(f"peak memory per worker:                     {worker_mb:.0f} MiB the worker process + "
          f"{kernel_mb:.0f} MiB its largest child (the notebook's kernel), {worker_mb + kernel_mb:.0f} MiB together")
    print(f"projection (from the figures above, not measured): {clinics} clinics × {months} months = {reports} reports "
          f"on {cores} cores ≈ {projected / 60:.0f} min ({projected / 3600:.1f} h), memory ≈ "
          f"{cores * (worker_mb + kernel_mb) / 1024:.1f} GiB for {cores} workers; assumes the demo clinic's size "
          f"(120 employees) and the cores as busy as here")
    print(f"regional report, reading one clinic-year:   {clinic_year:.1f} s → {clinics} clinics ≈ "
          f"{clinics * clinic_year / 60:.0f} min in its one kernel (projection)")


def _load(load: tuple[float, float, float]) -> str:
    return " ".join(f"{x:.1f}" for x in load)


if __name__ == "__main__":
    main()
