"""Work a notebook hands to a process of its own while its cells go on: the month's files beside the report.

A monthly report's protocols, scores and cards (a PDF and an .xlsx per department) take a CPU-second
or more to write, and nothing in the report's cells reads them back. `Background(work)` forks the
kernel: the child does `work()` — from the same computed report, nothing is computed again — while
the notebook draws its charts and tables on the other core; `wait()` gives the result or raises the
child's own exception, so a failure names what failed as if the files had been written in the cell.

The child is a copy of the kernel taken at one moment: it writes only files, prints nothing (the
kernel's output channels are not its own), and dies with the kernel. Where a process cannot be
forked (not a POSIX system), or should not be (`fork` false: the caller's cores are all busy with
other reports, so that a fork would only add its own cost), `work()` runs at once, and `wait()`
gives its result or raises its exception all the same. Who forks is decided by the run's `Runtime`
(`kernel`), never here.
"""

from __future__ import annotations

import ctypes
import os
import pickle
import signal
import sys
import warnings
from collections.abc import Callable
from typing import Generic, TypeVar

from stomkpi.errors import StomkpiError

T = TypeVar("T")
_PR_SET_PDEATHSIG = 1


class Background(Generic[T]):
    """`work()` in a forked child; `wait()` for its result."""

    def __init__(self, work: Callable[[], T], fork: bool = True):
        self._pid: int | None = None
        self._error: Exception | None = None
        if not (fork and hasattr(os, "fork")):
            try:
                self._result = work()
            except Exception as exc:  # noqa: BLE001 — raised by `wait()`, where a forked child's would be
                self._error = exc
            return
        read, write = os.pipe()
        with warnings.catch_warnings():  # the kernel's other threads are not needed by the child
            warnings.simplefilter("ignore", DeprecationWarning)
            pid = os.fork()
        if pid == 0:
            os.close(read)
            _child(work, write)
        os.close(write)
        self._pid, self._read = pid, read

    def wait(self) -> T:
        """The work's result, once the child is done; its exception if it failed."""
        if self._pid is None:
            if self._error is not None:
                raise self._error
            return self._result
        with os.fdopen(self._read, "rb") as pipe:
            data = pipe.read()
        _, status = os.waitpid(self._pid, 0)
        self._pid = None
        try:
            outcome = pickle.loads(data) if data else None
        except Exception:  # noqa: BLE001 — an exception that does not come back whole is still a failure
            outcome = None
        if isinstance(outcome, BaseException):
            raise outcome
        if os.waitstatus_to_exitcode(status) != 0 or not isinstance(outcome, dict):
            raise StomkpiError(f"файлы отчёта не записаны: процесс записи завершился аварийно "
                               f"(код {os.waitstatus_to_exitcode(status)})")
        self._result = outcome["result"]
        return self._result

    def __del__(self):
        if getattr(self, "_pid", None):  # never waited for: not left as a zombie
            try:
                os.waitpid(self._pid, 0)
            except ChildProcessError:
                pass


def _child(work: Callable[[], object], pipe: int) -> None:
    """In the forked child: do the work, send back the result or the exception; never returns."""
    code = 1
    try:
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
        # the kernel's interrupts (jupyter_client sends one to the kernel's process group as it shuts the kernel
        # down, while the files may still be written) are not for the child
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        quiet = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(quiet, fd)
        sys.stdout = sys.stderr = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115 — ends with the process
        payload = pickle.dumps({"result": work()})
        code = 0
    except BaseException as exc:  # noqa: BLE001 — every failure goes back to the kernel
        try:
            payload = pickle.dumps(exc)
            pickle.loads(payload)
        except Exception:  # noqa: BLE001
            payload = pickle.dumps(StomkpiError(f"файлы отчёта не записаны: {type(exc).__name__}: {exc}"))
    try:
        view = memoryview(payload)
        while view:
            view = view[os.write(pipe, view):]
    finally:
        os._exit(code)
