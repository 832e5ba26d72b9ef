"""The one place that leans on multiprocessing's fork server internals: stopping it with its batch, and a worker
letting go of its life pipe.

multiprocessing starts one fork server per process and keeps it, with its memory, for the life of the process;
it has no public way to stop it. Its own tests use `forkserver._forkserver._stop()`, which `stop()` calls, so that
the fork server ends (and is reaped) with the batch that started it. A pool's worker, a child of the fork server,
inherits the fork server's life pipe (`_forkserver_alive_fd`), which kept the fork server and the resource tracker
alive after a killed batch: `release_in_worker()` closes it.

Rule of this module: `check()` names what of that is missing in this Python; when anything is, each function
says so loudly (a warning) and takes the plain path — the fork server is left to multiprocessing, as without this
module: a batch still runs and writes every report, its fork server only lives as long as the command.
"""

from __future__ import annotations

import os
import warnings

from stomkpi.run.speed.nbconvert_html import LibraryChanged


def _server():
    from multiprocessing import forkserver

    return getattr(forkserver, "_forkserver", None)


def check() -> str | None:
    """What of the fork server `stop` and `release_in_worker` rely on is missing here; None when nothing is."""
    server = _server()
    if server is None:
        return "multiprocessing.forkserver has no _forkserver"
    for name in ("_stop", "_forkserver_pid", "_forkserver_alive_fd"):
        if not hasattr(server, name):
            return f"multiprocessing's fork server has no {name}"
    return None


def _checked() -> bool:
    changed = check()
    if changed is not None:
        warnings.warn(LibraryChanged(f"{changed}: the fork server is left to multiprocessing"), stacklevel=3)
    return changed is None


def stop() -> None:
    """End this process's fork server and reap it (its CPU time then counts as this process's children's); the next
    batch starts its own."""
    if _checked():
        _server()._stop()


def release_in_worker() -> None:
    """In a pool's worker (a child of the fork server, not its owner): close the inherited copy of the fork server's
    life pipe, which only the command that owns the fork server needs."""
    if not _checked():
        return
    server = _server()
    if server._forkserver_pid is None and server._forkserver_alive_fd is not None:
        try:
            os.close(server._forkserver_alive_fd)
        except OSError:
            pass
        server._forkserver_alive_fd = None
