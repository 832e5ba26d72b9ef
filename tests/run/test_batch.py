"""Many reports in one command: the months of a range, several clinics, local worker processes and a
real Dask cluster (LocalCluster: a scheduler and worker processes), with the same bytes either way."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook

from stomkpi.config import clinic_name
from stomkpi.errors import ParamsError
from stomkpi.run import batch

from ..conftest import REPORT_PERIOD
from ..test_cli import run

MONTHS = ["2025-09", "2025-10", "2025-12"]  # the three reports made locally and on the cluster


def test_a_range_of_months_includes_both_ends_and_crosses_the_year():
    assert batch.parse_months("2025-01..2025-12") == [f"2025-{m:02d}" for m in range(1, 13)]
    assert batch.parse_months("2025-11..2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert batch.parse_months("2025-03") == ["2025-03"]


@pytest.mark.parametrize("text", ["2025-1..2025-12", "2025-13", "январь", "2025-12..2025-01", ""])
def test_a_wrong_range_is_a_russian_error(text):
    with pytest.raises(ParamsError, match="ГГГГ-ММ|раньше первого"):
        batch.parse_months(text)


def test_the_clinic_is_named_by_its_parameters_file():
    assert clinic_name("params/clinic-01.yaml") == "clinic-01"
    assert clinic_name("/x/params/Поликлиника № 3.yaml") == "Поликлиника-3"


def test_the_plan_skips_a_month_without_workbook_and_refuses_one_name_for_two_clinics(project, tmp_path):
    params = project / "params" / "demo.yaml"
    plan = batch.plan(["2025-12", "2026-01"], [params])
    assert [j.period for j in plan.jobs] == ["2025-12"]
    assert plan.jobs[0].out_dir == str(project / "outputs" / "2025-12")  # one clinic: outputs/<period>/ as before
    assert [(o.job.period, o.status) for o in plan.settled] == [("2026-01", "skipped")]
    assert "нет книги месяца" in plan.settled[0].reason
    twin = tmp_path / "params" / "demo.yaml"
    twin.parent.mkdir()
    shutil.copyfile(params, twin)
    with pytest.raises(ParamsError, match="одно имя папки"):
        batch.plan(["2025-12"], [params, twin])
    broken = tmp_path / "params" / "broken.yaml"
    broken.write_text("clinic: [", encoding="utf-8")
    plan = batch.plan(["2025-12"], [params, broken])
    assert [(o.job.clinic, o.status) for o in plan.settled] == [("broken", "failed")]
    assert plan.jobs[0].out_dir == str(project / "outputs" / "demo" / "2025-12")  # several: outputs/<clinic>/<period>/


def _snapshot(folder: Path) -> dict[str, bytes]:
    """Every file's bytes; the manifest's without `generated_at`, the one record of when a report was made."""
    files = {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
    if "manifest.json" in files:
        manifest = json.loads(files["manifest.json"])
        assert manifest.pop("generated_at")
        files["manifest.json"] = json.dumps(manifest, ensure_ascii=False, sort_keys=True).encode()
    return files


@pytest.fixture(scope="module")
def clinic(project, tmp_path_factory) -> Path:
    """A copy of the demo clinic with outputs of its own."""
    root = tmp_path_factory.mktemp("batch")
    shutil.copytree(project / "params", root / "params", symlinks=True)
    shutil.copytree(project / "demo", root / "demo")
    return root


@pytest.fixture(scope="module")
def local_batch(clinic):
    """2025-09..2026-01 on two local worker processes, with November's workbook broken and no January."""
    workbook = clinic / "demo" / "2025-11.xlsx"
    saved = workbook.read_bytes()
    book = load_workbook(workbook)
    book["Сотрудники"]["G2"] = 0  # Дни_план
    book.save(workbook)
    try:
        result = run("monthly", "--months", "2025-09..2026-01", "--params", str(clinic / "params" / "demo.yaml"),
                     "--workers", "2", "--quiet")
    finally:
        workbook.write_bytes(saved)
    return result, {m: _snapshot(clinic / "outputs" / m) for m in MONTHS}


def test_one_failed_report_spoils_nothing_and_the_summary_names_it(local_batch, clinic):
    result, _ = local_batch
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("Отчётов: 5; готово 3, с ошибкой 1, пропущено 1 — за ")
    assert "(процессов: 2)" in lines[0]
    assert lines[1].startswith("Готово: 2025-09, 2025-10, 2025-12 — в ")
    failed = result.stdout.split("С ошибкой:\n", 1)[1].split("Пропущено:", 1)[0]
    assert failed.lstrip().startswith("2025-11: В файле") and "столбец «Дни_план»" in failed
    assert result.stdout.rstrip().endswith(f"2026-01: нет книги месяца {clinic / 'demo' / '2026-01.xlsx'}")
    outputs = clinic / "outputs"
    assert sorted(p.name for p in outputs.iterdir() if not p.name.startswith(".")) == MONTHS  # no half-made folder


def test_a_report_of_the_batch_is_the_report_of_the_single_command(local_batch, monthly):
    _, made = local_batch
    assert made[REPORT_PERIOD] == _snapshot(monthly)  # another folder, the same relative paths: the same bytes


def test_three_reports_on_a_dask_cluster_are_byte_identical_to_the_local_run(local_batch, clinic):
    distributed = pytest.importorskip("distributed")
    _, local = local_batch
    plan = batch.plan(MONTHS, [clinic / "params" / "demo.yaml"])
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        outcomes, where = batch.run_batch(plan.jobs, scheduler=cluster.scheduler_address, progress=False)
    assert where.startswith("кластер Dask tcp://127.0.0.1:") and where.endswith("потоков: 2")
    assert [(o.job.period, o.status, o.reason) for o in outcomes] == [(m, "done", "") for m in MONTHS]
    assert len({o.pid for o in outcomes}) == 2  # both worker processes took reports
    for month in MONTHS:
        remote = _snapshot(clinic / "outputs" / month)
        assert remote.keys() == local[month].keys()
        different = [name for name in remote if remote[name] != local[month][name]]
        assert different == [], (month, different)  # the manifest too: the same checksums of every file


def test_several_clinics_write_one_folder_each(region):
    params = sorted((region / "params").glob("clinic-*.yaml"))
    result = run("monthly", "--month", "2025-12", *[a for p in params for a in ("--params", str(p))], "--quiet")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Отчётов: 2; готово 2, с ошибкой 0, пропущено 0" in result.stdout
    for p in params:
        folder = region / "outputs" / p.stem / "2025-12"
        assert (folder / "2025-12.pdf").is_file() and (folder / "manifest.json").is_file()


def test_without_dask_the_scheduler_option_says_what_to_install(monkeypatch):
    import builtins

    real = builtins.__import__

    def no_dask(name, *args, **kwargs):
        if name == "distributed":
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_dask)
    with pytest.raises(ParamsError, match=r"pip install 'stomkpi\[dask\]'"):
        with batch.executor(scheduler="tcp://127.0.0.1:1"):
            pass


def _dies_in_february(job: batch.Job) -> batch.Outcome:
    """A stand-in for a report, run in the worker processes: February's kills its worker."""
    if job.period == "2025-02":
        os._exit(3)
    return batch.Outcome(job, "done", pid=os.getpid())


def test_a_worker_that_dies_fails_only_its_own_report(tmp_path):
    jobs = [batch.Job(f"2025-0{m}", "p.yaml", str(tmp_path / f"2025-0{m}")) for m in range(1, 5)]
    outcomes, _ = batch.run_batch(jobs, workers=2, progress=False, task=_dies_in_february)
    assert [(o.job.period, o.status) for o in outcomes] == [("2025-01", "done"), ("2025-02", "failed"),
                                                            ("2025-03", "done"), ("2025-04", "done")]
    assert "завершился аварийно" in outcomes[1].reason
    from multiprocessing import forkserver

    assert forkserver._forkserver._forkserver_pid is None  # the fork server the lone pools shared is stopped too


def _what_a_worker_has(job: batch.Job) -> batch.Outcome:
    """A stand-in for a report: what the worker process has before any report of its own."""
    from stomkpi.run.speed.worker import RUNTIME

    ready = {kind: RUNTIME.has_exporter(kind) for kind in ("html", "latex")}
    ready["format"] = str(RUNTIME.typesetter.folder) if RUNTIME.typesetter else None
    return batch.Outcome(job, "done", reason=json.dumps(ready, sort_keys=True), pid=os.getpid())


def test_workers_start_with_the_machinery_prepared_once(tmp_path):
    """A local pool's workers are forked from a fork server that has imported the notebook machinery and compiled
    the exporters' templates (`worker`), so no worker pays for them; the fork server ends with the batch."""
    from multiprocessing import forkserver

    jobs = [batch.Job(f"2025-0{m}", "p.yaml", str(tmp_path / f"2025-0{m}")) for m in range(1, 5)]
    outcomes, _ = batch.run_batch(jobs, workers=2, progress=False, task=_what_a_worker_has)
    had = [json.loads(o.reason) for o in outcomes]
    assert [{k: v for k, v in h.items() if k != "format"} for h in had] == [{"html": True, "latex": True}] * 4
    assert forkserver._forkserver._forkserver_pid is None  # stopped and reaped with its batch
    # one xelatex format for the pool's PDFs (`preamble.Format`), in a folder that ends with the batch
    formats = {h["format"] for h in had}
    assert len(formats) == 1 and None not in formats and not Path(formats.pop()).exists()


def test_each_clinics_warnings_reach_the_batch_once_a_line_naming_it():
    """What `stomkpi monthly` warns of (the month not over, no TeX) reaches a batch's output: a line for each clinic
    and warning, naming the clinic, however many of its months share it; a failed or skipped report warns of
    nothing."""
    import datetime as dt

    from stomkpi.cli import unfinished_month
    from stomkpi.run.latex import NO_TEX

    def outcome(clinic: str, period: str, status: str = "done", warnings=()) -> batch.Outcome:
        job = batch.Job(period, f"/p/{clinic or 'demo'}.yaml", f"/o/{clinic}/{period}", clinic)
        return batch.Outcome(job, status, warnings=warnings)

    outcomes = [outcome("clinic-01", "2031-01", warnings=(NO_TEX,)), outcome("clinic-01", "2031-02", warnings=(NO_TEX,)),
                outcome("clinic-02", "2031-02"), outcome("clinic-03", "2031-02", "failed"),
                outcome("clinic-04", "2031-02", "skipped")]
    lines = batch.warnings(outcomes, lambda period: unfinished_month(period, dt.date(2031, 2, 27)))
    from stomkpi.report.words import date_words

    february = (f"февраль 2031 года ещё не закончился (последний день — {date_words(dt.date(2031, 2, 28))}): отчёт "
                "строится по данным на сегодня, а датирован последним днём месяца; когда месяц закончится, постройте "
                "его заново.")
    assert lines == [f"Внимание: clinic-01: {NO_TEX}", f"Внимание: clinic-01: {february}",
                     f"Внимание: clinic-02: {february}"]
    alone = [outcome("", "2031-02", warnings=(NO_TEX,))]  # one parameters file: the clinic named by its file
    assert batch.warnings(alone, lambda period: None) == [f"Внимание: demo: {NO_TEX}"]
