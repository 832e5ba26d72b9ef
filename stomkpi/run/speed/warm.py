"""Report kernels that start with their libraries imported: warm (forked) in a batch, fresh otherwise.

A fresh kernel spends about 1.5 CPU-seconds importing IPython, ipykernel, pandas, matplotlib and
stomkpi before a report's first cell does anything; a batch of hundreds of reports pays it hundreds of
times. A batch therefore starts one *warm process* (`serve`): a fresh interpreter with the kernel's
environment that imports those libraries once, does nothing else, and forks a kernel for every
report. A local batch starts one for all its worker processes, importing while they start (`Runtime.share_warm`);
a Dask worker starts its own (`Runtime.start_warm`). Each report still gets a process of its own, started from the
same state as a fresh kernel after its imports — nothing of one report reaches the next, as with a new
kernel each time.

How a kernel is asked for: the report's kernel manager (`manager_class`) starts `warm_launch.py`
instead of `python -m ipykernel_launcher`; the launcher passes its streams, folder, environment and a
life pipe to the warm process over a Unix socket, and stands for the forked kernel towards
jupyter_client (interrupts, stop, exit code). Without a warm process the launcher is an ordinary
kernel. CPU time: the kernels are the warm process's children, so `usage()` asks it for theirs — for
a shared one, the share of the worker that asked for them (the launcher's parent).

Outside a batch (a single report, `verify`'s fresh run) a report's kernel is a fresh process started as
`python -m stomkpi.run.speed.warm --kernel` (`report_manager_class`): the same imports, done before the
kernel is ready, the same collector settings, and the same quick end.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

LAUNCHER = Path(__file__).with_name("warm_launch.py")
# what every report's kernel imports before its first cell's work: the kernel, the notebooks' libraries
PRELOAD = ("ipykernel.kernelapp", "ipykernel.ipkernel", "matplotlib_inline.backend_inline", "pandas", "matplotlib",
           "stomkpi.report.charts", "stomkpi.report.display", "stomkpi.report.monthly", "stomkpi.report.annual",
           "stomkpi.report.cards", "openpyxl", "stomkpi.xlsx_scan", "python_calamine", "PIL.PngImagePlugin")
# what only the month's files need (`background`): a warm process imports them once for all its kernels; a fresh
# kernel leaves them to the process that writes the files beside the notebook, off the report's way
ASIDE = ("fpdf", "pandas.io.formats.csvs")
_STARTED = 20.0  # seconds the warm process may take to import its libraries


class Warm:
    """The warm process of this worker and how to reach it."""

    def __init__(self, env: dict[str, str], wait: bool = True):
        """Start it (`env`: the kernels' environment); `wait`: until it listens (its imports done)."""
        self.folder = Path(tempfile.mkdtemp(prefix="stomkpi-warm-"))
        self.address = str(self.folder / "kernels")
        self.proc = subprocess.Popen([sys.executable, "-m", "stomkpi.run.speed.warm", self.address, str(os.getpid())],
                                     env={**os.environ, **env}, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.DEVNULL)
        if wait:
            listening(self.address, self.proc.poll)

    def ready(self) -> bool:
        return self.proc.poll() is None and os.path.exists(self.address)

    def ask(self, what: str, **details) -> dict:
        return _ask(self.address, what, **details)

    def end_with_process(self) -> None:
        """Stop it when this process ends (also a pool's worker, which ends through multiprocessing and runs no
        atexit functions)."""
        atexit.register(self.stop)
        try:
            from multiprocessing import util
            util.Finalize(self, self.stop, exitpriority=10)
        except ImportError:
            pass

    def stop(self) -> None:
        """End the warm process, which ends its kernels and reaps them (their CPU time then counts as this
        process's children's)."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


def listening(address: str, ended=lambda: None) -> bool:
    """Wait until a warm process listens at `address` (it imports its libraries first); False if it never does."""
    deadline = time.monotonic() + _STARTED
    while not os.path.exists(address) and ended() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return os.path.exists(address)


def _ask(address: str, what: str, **details) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.connect(address)
        request = json.dumps({"ask": what, **details}).encode()
        conn.sendall(len(request).to_bytes(8, "big") + request)
        return json.loads(conn.makefile("r", encoding="utf-8").readline())


def possible() -> bool:
    """Whether kernels can be forked here (a POSIX system with fd passing); elsewhere fresh kernels, as before."""
    return hasattr(os, "fork") and hasattr(socket, "send_fds")


class KernelCommand:
    """A kernel manager's mix-in: jupyter's kernel command (`python -m ipykernel_launcher …`) started as `launch`
    instead, with the same arguments."""

    launch: tuple[str, ...] = ()

    def format_kernel_cmd(self, extra_arguments=None):
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd[1:3] == ["-m", "ipykernel_launcher"]:
            return [cmd[0], *self.launch, *cmd[3:]]
        return cmd


# seconds a report's fresh kernel may take to end after its last cell while the month's files are being written aside
# (`kernel`): work started long before that grows with the clinic, the cards of 50 000 employees take about two
# minutes of a core after the last cell, and a kernel ended before them fails the report; `_PROMPT_ENDING` for a
# kernel with nothing aside, which has only itself to end. A kernel that does not end is terminated after these, so
# they bound how long a stuck report waits. jupyter_client terminates a kernel after half of its
# `shutdown_wait_time` (and kills it at the end of it): that wait is twice these.
_ENDING = 240.0
_PROMPT_ENDING = 30.0


def _manager(name: str, launch: tuple[str, ...], base=None, **attributes):
    if base is None:
        from jupyter_client.manager import AsyncKernelManager as base
    return type(name, (KernelCommand, base), {"launch": launch, **attributes})


def report_manager_class(folder: Path | None = None):
    """The kernel manager of a report's fresh kernel (`python -m stomkpi.run.speed.warm --kernel`) working in
    `folder`: when it is shut down, it may take `_ENDING` seconds while its files are still written aside there, and
    `_PROMPT_ENDING` otherwise."""
    from stomkpi.run.speed import kernel

    def shutdown_wait_time(self) -> float:  # read by jupyter_client as the kernel is shut down
        return 2 * (_ENDING if folder is not None and kernel.pending(folder) else _PROMPT_ENDING)

    return _manager("ReportKernelManager", ("-m", "stomkpi.run.speed.warm", "--kernel"),
                    shutdown_wait_time=property(shutdown_wait_time))


def manager_class(address: str, base=None):
    """The kernel manager of a warm kernel forked from the warm process listening at `address`. `base`: the kernel
    manager class it extends (jupyter_client's asynchronous one by default)."""
    return _manager("WarmKernelManager", (str(LAUNCHER), address), base)


def usage(shared: str | None, own: Warm | None) -> tuple[float, float]:
    """CPU seconds of a process's warm kernels and their largest peak memory in MiB: of its own warm process `own`
    with all its ended kernels, or of the ended kernels it had from the `shared` one; (0, 0) without either."""
    try:
        if shared:
            stats = _ask(shared, "stats", owner=os.getpid())
        elif own is not None and own.ready():
            stats = own.ask("stats")
        else:
            return 0.0, 0.0
    except OSError:
        return 0.0, 0.0
    return stats["cpu"], stats["kernel_peak_mb"]


# --- the warm process ---------------------------------------------------------------------------------------

def serve(address: str, parent: int) -> None:
    """Import the kernels' libraries, then fork a kernel for every launcher that asks, until the parent ends (the
    process `parent` that started it: when it is gone, even killed, this process is another's child). A parent that
    was killed cannot remove the temporary folder it made for this process (and its batch's format): this one does."""
    def orphaned() -> bool:
        return os.getppid() != parent

    if _preload(PRELOAD + ASIDE, orphaned):
        _serve_kernels(address, orphaned)
    if orphaned():
        shutil.rmtree(Path(address).parent, ignore_errors=True)


def _serve_kernels(address: str, orphaned: Callable[[], bool]) -> None:
    """Fork a kernel for every launcher that asks at `address`, until told to stop or `orphaned()`."""
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(address + ".new")
    os.rename(address + ".new", address)  # the address exists once it is listened on
    listener.listen(64)
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    # a kernel that ends wakes the loop at once: its launcher, and the report waiting on it, learn it without delay
    wake, woken = os.pipe()
    os.set_blocking(wake, False)
    os.set_blocking(woken, False)
    signal.set_wakeup_fd(woken)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    waiting: dict[int, tuple[socket.socket, int]] = {}  # kernel pid -> its launcher's connection, the launcher's parent
    spent: dict[int, list[float]] = {}  # a launcher's parent (a worker) -> CPU seconds and peak MiB of its ended kernels
    while not stopping and not orphaned():
        ready, _, _ = select.select([listener, wake], [], [], 0.5)
        if wake in ready:
            while _drained(wake):
                pass
        if listener in ready:
            conn, _ = listener.accept()
            _answer(conn, listener, waiting, spent, (wake, woken))
        _reap(waiting, spent, block=False)
    for pid in waiting:
        _kill(pid)
    _reap(waiting, spent, block=True)
    listener.close()
    os.unlink(address)


def _drained(fd: int) -> bool:
    try:
        return bool(os.read(fd, 512))
    except BlockingIOError:
        return False


def _preload(modules: tuple[str, ...], orphaned=lambda: False) -> bool:
    """What every report's kernel imports, imported; then kept out of the collector's way. False, with the imports
    left unfinished, as soon as `orphaned()`: the process that needs them is gone."""
    import importlib

    if sys.path and sys.path[0] and Path(sys.path[0]) == Path.cwd():  # as ipykernel_launcher: not this folder
        del sys.path[0]
    for name in modules:
        if orphaned():
            return False
        importlib.import_module(name)
    # the libraries' objects live as long as a kernel: kept out of the collector's full passes, each of which
    # walked them all (a tenth of a second) in every kernel
    gc.freeze()
    return True


def _answer(conn: socket.socket, listener: socket.socket, waiting: dict[int, tuple[socket.socket, int]],
            spent: dict[int, list[float]], own: tuple[int, int]) -> None:
    import resource

    try:
        conn.settimeout(5)
        head, fds, _, _ = socket.recv_fds(conn, 8, 4)
        size = int.from_bytes(head, "big")
        body = b""
        while len(body) < size:
            chunk = conn.recv(size - len(body))
            if not chunk:
                raise OSError("запрос оборван")
            body += chunk
        request = json.loads(body)
    except (OSError, ValueError):
        conn.close()
        return
    if request.get("ask") == "stats":
        _reap(waiting, spent, block=False)  # a kernel that has just ended is counted
        if "owner" in request:  # one worker's share: its ended kernels
            cpu, peak = spent.get(request["owner"], (0.0, 0.0))
        else:  # all of it: this process and every ended kernel
            times, usage = os.times(), resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu, peak = times.user + times.system + times.children_user + times.children_system, usage.ru_maxrss / 1024
        conn.sendall((json.dumps({"cpu": cpu, "kernel_peak_mb": peak}) + "\n").encode())
        conn.close()
        return
    if threading.active_count() != 1 or len(fds) != 4:  # forking is safe only with one thread
        for fd in fds:
            os.close(fd)
        conn.sendall(b"no\n")
        conn.close()
        return
    pid = os.fork()
    if pid == 0:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in own:
            os.close(fd)
        listener.close()
        conn.close()
        _kernel(request, fds)
    for fd in fds:
        os.close(fd)
    conn.sendall(f"{pid}\n".encode())
    waiting[pid] = conn, int(request.get("owner", 0))


def _kernel(request: dict, fds: list[int]) -> None:
    """In the forked child: become the kernel the launcher asked for; never returns."""
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for target, fd in enumerate(fds[:3]):
            os.dup2(fd, target)
        life = fds[3]
        for fd in fds[:3]:
            if fd > 2:
                os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        sys.argv = [str(LAUNCHER), *request["argv"]]
        import numpy

        numpy.random.seed()  # a fresh process's own entropy, not the warm process's
        def watch() -> None:  # the launcher ended (killed): end with it
            while os.read(life, 1):
                pass
            os._exit(1)

        threading.Thread(target=watch, daemon=True).start()
    except BaseException:  # noqa: BLE001 — the launcher gets the exit code; stderr is its own
        import traceback

        traceback.print_exc()
        os._exit(1)
    _run_kernel()


def _run_kernel() -> None:
    """Run ipykernel with `sys.argv` (the month's files written aside when the run says so, and waited for when the
    notebook is done: `kernel`), then end the process without tearing the libraries down (the kernel's own exit
    functions still run): nothing of a kernel outlives its notebook. Never returns."""
    from stomkpi.run.speed import kernel

    code = 1
    try:
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(**kernel.app_options(kernel.start()))
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 — the kernel's own failure, on its stderr
        import traceback

        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _reap(waiting: dict[int, tuple[socket.socket, int]], spent: dict[int, list[float]], block: bool) -> None:
    while waiting:
        try:
            pid, status, usage = os.wait4(-1, 0 if block else os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        conn, owner = waiting.pop(pid, (None, 0))
        share = spent.setdefault(owner, [0.0, 0.0])
        share[0] += usage.ru_utime + usage.ru_stime
        share[1] = max(share[1], usage.ru_maxrss / 1024)
        if conn is not None:
            try:
                conn.sendall(f"{os.waitstatus_to_exitcode(status)}\n".encode())
            except OSError:
                pass
            conn.close()


def _kill(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


if __name__ == "__main__":
    if sys.argv[1:2] == ["--kernel"]:  # one fresh report kernel: `python -m stomkpi.run.speed.warm --kernel -f …`
        sys.argv = [str(LAUNCHER), *sys.argv[2:]]
        _preload(PRELOAD)
        _run_kernel()
    serve(sys.argv[1], int(sys.argv[2]))
