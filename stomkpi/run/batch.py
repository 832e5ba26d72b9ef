"""Many reports in one command: every month of a range for every clinic, on local cores or a Dask cluster.

The story of `run_batch`: plan the reports (a month with no workbook is skipped, not failed) → submit
each to an executor → collect the outcomes as they finish under one progress bar → return them in
the planned order, for `summary` to print. The executor is a `concurrent.futures.Executor` either
way: a pool of local worker processes, or a Dask distributed `Client.get_executor()`, so the one code
path below runs on both.

Each report is one call of the monthly command in a worker (`run_job`): it checks its inputs, runs
its notebook in a temporary folder and swaps it into place (`run.run_report`), so a report is whole
or absent. A worker never raises: whatever goes wrong in a report becomes that report's outcome with
a Russian reason, and the other reports go on.

Where reports go: with one parameters file, `outputs/<period>/` as the single command writes; with
several, `outputs/<clinic>/<period>/`, where `<clinic>` is the parameters file's name without
`.yaml` (`params/clinic-01.yaml` → `clinic-01`). On a cluster every worker must see the clinics'
folders at the same paths (a shared network folder) and have the same stomkpi and TeX installed.
"""

from __future__ import annotations

import os
import re
import socket
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from stomkpi.config import clinic_name
from stomkpi.errors import ParamsError, StomkpiError
from stomkpi.text import plural

RESERVED = {"region"}  # names of output folders that are not clinics (the regional report's)
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
MOST_MONTHS = 1200  # a hundred years: the longest range one command takes
_NEEDS_DASK = "для --scheduler нужен Dask: pip install 'stomkpi[dask]'"


@dataclass(frozen=True)
class Job:
    """One report to make: the month, the clinic's parameters file and the folder it goes to (absolute paths)."""

    period: str
    params: str
    out_dir: str
    clinic: str = ""  # the clinic's folder name in outputs; '' when the batch has one clinic

    @property
    def label(self) -> str:
        return f"{self.clinic} {self.period}" if self.clinic else self.period


@dataclass(frozen=True)
class Outcome:
    """What became of one report, with what it cost where it ran."""

    job: Job
    status: str  # done, failed, skipped
    reason: str = ""
    seconds: float = 0.0
    worker_peak_mb: float = 0.0  # the worker process's peak resident memory so far
    kernel_peak_mb: float = 0.0  # the largest peak of a finished child (the notebook's kernel, xelatex)
    host: str = ""
    pid: int = 0
    cpu_seconds: float = 0.0  # CPU time of the worker and its children (kernel, xelatex) during the report
    warnings: tuple[str, ...] = ()  # the report's own, one line each (no TeX: no PDF), as `monthly` prints them


@dataclass
class Plan:
    jobs: list[Job] = field(default_factory=list)
    settled: list[Outcome] = field(default_factory=list)  # skipped or failed before running


def parse_months(text: str) -> list[str]:
    """«2025-01..2025-12» (both ends included) or one month «2025-03» → the months ГГГГ-ММ in order."""
    first, sep, last = text.partition("..")
    if not sep:
        last = first
    ends = [_MONTH.match(x.strip()) for x in (first, last)]
    if not all(ends):
        raise ParamsError(f"месяцы «{text}» нужно указать как ГГГГ-ММ..ГГГГ-ММ, например 2025-01..2025-12")
    a, b = ((int(m.group(1)), int(m.group(2))) for m in ends)
    if b < a:
        raise ParamsError(f"в диапазоне «{text}» последний месяц раньше первого")
    count = (b[0] - a[0]) * 12 + b[1] - a[1] + 1
    if count > MOST_MONTHS:
        raise ParamsError(f"в диапазоне «{text}» {plural(count, 'месяц', 'месяца', 'месяцев')}, а за один запуск — "
                          f"не больше {MOST_MONTHS} (сто лет): сузьте диапазон")
    out, (y, m) = [], a
    while (y, m) <= b:
        out.append(f"{y}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def plan(months: list[str], params_files: list[Path | str]) -> Plan:
    """The reports of every month for every clinic; a clinic's month with no workbook is skipped."""
    from stomkpi.config import load_params

    files = [Path(os.path.abspath(p)) for p in params_files]
    several = len(files) > 1
    names = [clinic_name(p) for p in files]
    taken = {n for n in names if names.count(n) > 1}
    if taken:
        raise ParamsError(f"у разных поликлиник одно имя папки ({', '.join(sorted(taken))}): "
                          "переименуйте их файлы параметров — имя файла становится именем папки в outputs/")
    if several and RESERVED & set(names):
        raise ParamsError(f"имя файла параметров {', '.join(RESERVED & set(names))}.yaml занято под сводный отчёт")
    result = Plan()
    for path, name in zip(files, names, strict=True):
        clinic = name if several else ""
        try:
            params = load_params(path)
        except StomkpiError as exc:
            result.settled += [Outcome(Job(m, str(path), "", clinic), "failed", str(exc)) for m in months]
            continue
        for period in months:
            out_dir = params.outputs / clinic / period if clinic else params.outputs / period
            job = Job(period, str(path), str(out_dir), clinic)
            workbook = params.month_workbook(period)
            if workbook.exists():
                result.jobs.append(job)
            else:
                result.settled.append(Outcome(job, "skipped", f"нет книги месяца {workbook}"))
    return result


def run_job(job: Job) -> Outcome:
    """Make one report in this worker; every failure becomes the outcome's reason, never an exception."""
    from stomkpi.run.speed import startup

    startup.begin()
    from stomkpi.run.commands import monthly_report
    from stomkpi.run.speed import worker

    runtime = worker.ready_for_report()
    start, cpu = time.perf_counter(), _cpu_with_kernels()
    try:
        result = monthly_report(job.period, job.params, progress=False, outputs=Path(job.out_dir).parent,
                                runtime=runtime)
        status, reason, warned = "done", "", result.warnings
    except StomkpiError as exc:
        status, reason, warned = "failed", str(exc), ()
    except Exception as exc:  # a defect or the machine: still only this report's failure
        status, reason, warned = "failed", f"внутренняя ошибка {type(exc).__name__}: {exc}", ()
    own, children = _peak_memory()
    children = max(children, runtime.kernel_usage()[1])
    return Outcome(job, status, reason, time.perf_counter() - start, own, children, socket.gethostname(), os.getpid(),
                   cpu_seconds=_cpu_with_kernels() - cpu, warnings=warned)


def _peak_memory() -> tuple[float, float]:
    """The peak memory (MiB) of this process and of its ended children; zeros where the system does not say (Windows
    has no `resource`)."""
    try:
        import resource
    except ImportError:
        return 0.0, 0.0
    return (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # KiB on Linux
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def _cpu_with_kernels() -> float:
    """CPU seconds of this process, its ended children, and the processes its runtime keeps for its reports' kernels."""
    from stomkpi.run.speed import worker

    return process_cpu_seconds() + worker.runtime().kernel_usage()[0]


def process_cpu_seconds() -> float:
    """CPU seconds of this process (all its threads) and of its children that have ended."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def check_scheduler(address: str) -> None:
    """A Dask scheduler's address is one Dask can connect to (`tcp://host:8786`), checked before any report is
    planned: a mistyped one is the user's error, not Dask's."""
    try:
        from distributed.comm.addressing import get_address_host_port
    except ImportError:
        raise ParamsError(_NEEDS_DASK) from None
    try:
        port = get_address_host_port(address)[1]
    except (ValueError, TypeError):
        port = None
    if not (isinstance(port, int) and 0 < port < 65536):
        shown = address if len(address) <= 80 else address[:80] + "…"
        raise ParamsError(f"параметр --scheduler: «{shown}» — не адрес планировщика Dask; нужен адрес с портом, "
                          "например tcp://192.168.1.10:8786")


@contextmanager
def executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[tuple[Executor, str]]:
    """A `concurrent.futures` executor and its description: local worker processes, or a Dask cluster."""
    if scheduler:
        try:
            from distributed import Client
        except ImportError:
            raise ParamsError(_NEEDS_DASK) from None
        check_scheduler(scheduler)
        try:
            client = Client(scheduler, timeout="20s")
        except OSError as exc:
            raise ParamsError(f"нет связи с планировщиком Dask {scheduler}: {exc}") from None
        with client:
            threads = sum(w["nthreads"] for w in client.scheduler_info()["workers"].values())
            yield client.get_executor(pure=False), f"кластер Dask {scheduler}, потоков: {threads}"
        return
    from stomkpi.run.speed import pool

    n = workers or default_workers()
    with pool.local_pool(n) as local:
        yield local, f"процессов: {n}"


def run_batch(jobs: list[Job], *, workers: int | None = None, scheduler: str | None = None,
              progress: bool = True, task: Callable[[Job], Outcome] = run_job) -> tuple[list[Outcome], str]:
    """Run every job on the executor, one progress bar over all; outcomes in the jobs' order.

    A local worker process that dies (killed, out of memory) breaks its pool and every report the pool
    still held; those are run again, each in a pool of its own, so only the one that kills its worker
    fails. (A Dask cluster reschedules a lost worker's reports itself.)
    """
    from tqdm import tqdm

    from stomkpi.run.speed import pool

    if not jobs:
        return [], ""
    workers = min(workers or default_workers(), len(jobs))
    outcomes: dict[Job, Outcome] = {}
    broken: list[Job] = []
    with tqdm(total=len(jobs), desc="Отчёты", unit="отч", disable=not progress) as bar:
        def record(outcome: Outcome) -> None:
            outcomes[outcome.job] = outcome
            bar.set_postfix_str(f"{outcome.job.label}: {'готов' if outcome.status == 'done' else 'ошибка'}",
                                refresh=False)
            bar.update()

        with executor(workers, scheduler) as (running, where):
            futures = {running.submit(task, job): job for job in jobs}
            for future in as_completed(futures):
                job = futures[future]
                try:
                    record(future.result())
                except BrokenProcessPool:
                    broken.append(job)
                except Exception as exc:  # a Dask worker lost for good, a result that did not come back
                    record(Outcome(job, "failed", f"рабочий процесс не вернул результат: {type(exc).__name__}: {exc}"))
        if broken:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(max_workers=workers) as alone:
                for outcome in alone.map(lambda j: _alone(task, j), [j for j in jobs if j in broken]):
                    record(outcome)
            pool.lone_pools_done()
    return [outcomes[j] for j in jobs], where


def _alone(task: Callable[[Job], Outcome], job: Job) -> Outcome:
    """One job in a worker process of its own: if it dies, only this job fails."""
    from stomkpi.run.speed import pool

    with pool.lone_pool() as lone:
        try:
            return lone.submit(task, job).result()
        except BrokenProcessPool:
            return Outcome(job, "failed", "рабочий процесс отчёта завершился аварийно (убит или не хватило памяти)")


def summary(outcomes: list[Outcome], seconds: float, where: str = "") -> str:
    """One Russian summary: how many done, failed (with the reason) and skipped."""
    def count(status: str) -> list[Outcome]:
        return [o for o in outcomes if o.status == status]

    done, failed, skipped = count("done"), count("failed"), count("skipped")
    head = (f"Отчётов: {len(outcomes)}; готово {len(done)}, с ошибкой {len(failed)}, пропущено {len(skipped)} "
            f"— за {_duration(seconds)}" + (f" ({where})" if where else "") + ".")
    lines = [head]
    if done:
        folders = sorted({str(Path(o.job.out_dir).parent) for o in done})
        lines.append(f"Готово: {', '.join(o.job.label for o in done)} — в {', '.join(folders)}")
    if failed:
        lines.append("С ошибкой:")
        lines += [f"  {o.job.label}: {_indent(o.reason)}" for o in failed]
    if len(skipped) > _FEW:
        lines += _skipped_in_short(skipped)
    elif skipped:
        lines.append("Пропущено:")
        lines += [f"  {o.job.label}: {o.reason}" for o in skipped]
    return "\n".join(lines)


def warnings(outcomes: list[Outcome], month_warning: Callable[[str], str | None]) -> list[str]:
    """What the single command warns of, for a batch: a line for each clinic and warning, naming the clinic (its
    folder's name), however many of its reports share it — each report's own (no TeX) and `month_warning(period)`
    (the month not over, «Внимание: …»); only of the reports made."""
    said: dict[str, list[str]] = {}
    for outcome in outcomes:
        if outcome.status != "done":
            continue
        clinic = outcome.job.clinic or clinic_name(outcome.job.params)
        month = month_warning(outcome.job.period)
        for line in (*outcome.warnings, *([month.removeprefix("Внимание: ")] if month else [])):
            if line not in said.setdefault(clinic, []):
                said[clinic].append(line)
    return [f"Внимание: {clinic}: {line}" for clinic, lines in said.items() for line in lines]


_FEW = 3  # skipped reports listed one a line; more are summed up, a line for each clinic


def _skipped_in_short(skipped: list[Outcome]) -> list[str]:
    """«Пропущено 120 месяцев без книги: 2030-01, 2030-02, 2030-03, … 2039-12 (…)», a line for each clinic."""
    clinics: dict[str, list[Outcome]] = {}
    for outcome in skipped:
        clinics.setdefault(outcome.job.clinic, []).append(outcome)
    lines = []
    for clinic, months in clinics.items():
        periods = [o.job.period for o in months]
        shown = ", ".join(periods[:_FEW]) + (f", … {periods[-1]}" if len(periods) > _FEW else "")
        lines.append(f"Пропущено{f' у {clinic}' if clinic else ''} "
                     f"{plural(len(periods), 'месяц', 'месяца', 'месяцев')} без книги: {shown} "
                     f"({months[0].reason}{' и других' if len(months) > 1 else ''})")
    return lines


def _indent(text: str, limit: int = 12) -> str:
    lines = str(text).splitlines() or [""]
    more = len(lines) - limit
    lines = lines[:limit] + ([f"… и ещё строк: {more}"] if more > 0 else [])
    return "\n    ".join(lines)


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} мин {rest} с" if minutes else f"{seconds:.1f} с".replace(".", ",")
