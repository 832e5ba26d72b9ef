"""A batch killed with SIGKILL takes every process it started with it: nothing is left with parent 1, and its warm
process's folder, with the batch's xelatex format, is removed."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from ..test_cli import ROOT

MARK = "STOMKPI_BATCH_MARK"


def _processes(mark: str, session: int) -> dict[int, str]:
    """Live processes of the batch (zombies excluded): in its session, or carrying its mark in their environment
    (a kernel's launcher is started in a session of its own) → their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            state, _ppid, _pgrp, sid = stat[stat.rindex(")") + 2:].split()[:4]
            environ = (entry / "environ").read_bytes()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except (OSError, ValueError):
            continue
        if state != "Z" and (int(sid) == session or f"{MARK}={mark}".encode() in environ.split(b"\0")):
            found[int(entry.name)] = cmdline[:160]
    return found


def _kill_all(pids) -> None:
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux's /proc")
def test_a_batch_killed_mid_run_leaves_no_process_behind(project, tmp_path):
    shutil.copytree(project / "params", tmp_path / "params")
    shutil.copytree(project / "demo", tmp_path / "demo")
    mark = uuid.uuid4().hex
    temp = tmp_path / "tmp"
    temp.mkdir()
    env = {**os.environ, MARK: mark, "PYTHONPATH": str(ROOT), "TMPDIR": str(temp)}
    batch = subprocess.Popen([sys.executable, "-m", "stomkpi", "monthly", "--months", "2025-01..2025-12",
                              "--params", "params/demo.yaml", "--workers", "2", "--quiet"],
                             cwd=tmp_path, env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 180
        while not any("warm_launch" in c for c in _processes(mark, batch.pid).values()):  # a report's kernel runs
            assert batch.poll() is None and time.monotonic() < deadline, "the batch never ran a report's kernel"
            time.sleep(0.2)
        time.sleep(1)
        started = _processes(mark, batch.pid)
        assert len(started) >= 5, started  # the command, its fork server, resource tracker, workers, warm process…
        batch.send_signal(signal.SIGKILL)
        batch.wait()
        deadline = time.monotonic() + 15
        while (left := _processes(mark, batch.pid)) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not left, f"alive 15 s after the batch was killed: {left}"
        assert not [*temp.glob("stomkpi-warm-*"), *temp.glob("stomkpi-warm-*/stomkpi-format-*")]
    finally:
        batch.kill()
        _kill_all(_processes(mark, batch.pid))
