"""Benchmark: the monthly report of a large clinic, 4 800 and 50 000 employees. Prints figures; not a test.

Each size is the demo's December cloned (`clone.clone_month`: 41 and 428 copies, 4 800 and 50 079 people) and
reported by the command a user runs (`python -m stomkpi monthly`) in a child process. Measured for the
whole process tree (the command, the notebook's kernel, xelatex): wall seconds, CPU seconds (of every
process the command waited for), and the peak of the tree's summed resident memory (PSS), polled. The
command's steps are timed by its progress lines. Targets: the time per person of 50 000 within 1.3× that
of 4 800, and 50 000 under 5 minutes and 1.5 GB. Wall time depends on what else the machine runs;
CPU seconds hardly do, so the ratio is printed for both.

`bench_scale.py [copies …]` measures other sizes (e.g. `bench_scale.py 2` for a quick look).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.clone import clone_month, demo_clinic  # noqa: E402
from stomkpi.sheets import MAX_ROWS  # noqa: E402

PERIOD = "2025-12"
SIZES = (41, 428)  # copies of the demo's 117 people who are not heads of a department, with its 3 heads: 4 800, 50 079
TARGET_RATIO, TARGET_SECONDS, TARGET_MB = 1.3, 300, 1500
POLL = 0.1


@dataclass
class Run:
    people: int
    wall: float = 0.0
    cpu: float = 0.0
    peak_mb: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)


def measure(params_file: Path, people: int) -> Run:
    """`python -m stomkpi monthly` for the clinic of `params_file`, in a child process: its tree's time and memory."""
    run = Run(people)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    start = time.perf_counter()
    child = subprocess.Popen([sys.executable, "-m", "stomkpi", "monthly", "--month", PERIOD, "--params",
                              str(params_file)], cwd=params_file.parents[1], env=env, stderr=subprocess.PIPE,
                             stdout=subprocess.DEVNULL, text=True)
    done = threading.Event()
    poller = threading.Thread(target=_poll, args=(child.pid, run, done))
    poller.start()
    lines = []
    for line in child.stderr:
        lines.append(line)
        if "шаг" in line:
            run.steps.append((line.split(":", 1)[-1].strip(), time.perf_counter() - start))
    _, status, usage = os.wait4(child.pid, 0)
    run.wall = time.perf_counter() - start
    done.set()
    poller.join()
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"the report of {people} people failed:\n{''.join(lines[-20:])}")
    run.cpu = usage.ru_utime + usage.ru_stime
    return run


def _poll(pid: int, run: Run, done: threading.Event) -> None:
    """The peak of the summed proportional set size (resident memory, each shared page split among the processes
    sharing it: a forked process's pages are not counted twice) of `pid` and its descendants, polled until `done`."""
    try:
        root = psutil.Process(pid)
    except psutil.NoSuchProcess:
        return
    while not done.is_set():
        total = 0
        try:
            tree = [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            break
        for proc in tree:
            try:
                total += proc.memory_full_info().pss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                pass
        run.peak_mb = max(run.peak_mb, total / 2**20)
        time.sleep(POLL)


def print_run(run: Run) -> None:
    print(f"{_people(run.people):>7} people: {run.wall:6.1f} s wall, {run.cpu:6.1f} CPU-s, "
          f"{run.wall / run.people * 1000:5.2f} s / 1 000 people ({run.cpu / run.people * 1000:5.2f} CPU-s), "
          f"peak {run.peak_mb:5.0f} MB")
    ends = [at for _, at in run.steps[1:]] + [run.wall]
    for (name, at), end in zip(run.steps, ends, strict=True):
        print(f"      {end - at:6.1f} s wall  {name}")


def _people(n: int) -> str:
    return f"{n:,}".replace(",", " ")


def main(sizes: tuple[int, ...]) -> None:
    runs = []
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        demo = demo_clinic(Path(tmp) / "demo")
        for copies in sizes:
            clone = clone_month(demo, PERIOD, copies, Path(tmp) / f"x{copies}")
            if clone.cut:
                print(f"{_people(clone.people)} people: the readers' limit of {MAX_ROWS} rows a sheet keeps "
                      + ", ".join(f"{sheet} for {k} copies of {copies}" for sheet, k in clone.cut.items()))
            runs.append(measure(clone.params_file, clone.people))
            print_run(runs[-1])
    print(f"the machine's load average (1, 5, 15 min) before: {' '.join(f'{x:.1f}' for x in load_before)}, after: "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    if len(runs) == 2:
        small, large = runs
        wall = (large.wall / large.people) / (small.wall / small.people)
        cpu = (large.cpu / large.people) / (small.cpu / small.people)
        print(f"time per person, {_people(large.people)} / {_people(small.people)}: {wall:.2f}× wall, {cpu:.2f}× CPU "
              f"(target ≤ {TARGET_RATIO}×)")
        print(f"{_people(large.people)} people: {large.wall:.0f} s wall, {large.cpu:.0f} CPU-s (target < "
              f"{TARGET_SECONDS} s), peak {large.peak_mb:.0f} MB (target < {TARGET_MB} MB)")


if __name__ == "__main__":
    main(tuple(int(a) for a in sys.argv[1:]) or SIZES)
