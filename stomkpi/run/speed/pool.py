"""A local batch's pool of worker processes, and all that makes its reports quick: one warm process whose kernels
the workers fork, one xelatex format for all their PDFs, workers forked from a fork server that has their imports
done, and nothing of the batch left running when the command ends, even killed.

Rule of this module: `batch` asks for a pool (`local_pool`, or `lone_pool` for a report in a worker of its own) and
runs its reports on it as on any `concurrent.futures` executor; everything about how the workers start lives here.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

from stomkpi.run.speed import forkserver, warm
from stomkpi.run.speed.runtime import Runtime


@contextmanager
def local_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """`workers` local worker processes, their warm process and their format, all ended with the pool."""
    from stomkpi.run import notebook as run

    # the workers' one warm process, importing while they start (see `Runtime.share_warm`)
    shared = warm.Warm(run.kernel_variables(Runtime.batch_worker()), wait=False) if warm.possible() else None
    # the workers' one xelatex format (see `Runtime.use_format`), in the warm process's folder: if this process is killed,
    # the warm process removes both (`warm.serve`)
    formats = tempfile.mkdtemp(prefix="stomkpi-format-", dir=shared.folder if shared else None)
    context = _workers_context()
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_start_worker,
                                 initargs=(shared.address if shared else None, formats)) as pool:
            yield pool
    finally:
        _stop_fork_server(context)
        if shared:
            shared.stop()  # after the workers: it ends the kernels it still has and reaps them
        shutil.rmtree(formats, ignore_errors=True)


def lone_pool() -> ProcessPoolExecutor:
    """A pool of one worker for one report (whose worker may die): no format for one report, it would cost more than
    it saves. `lone_pools_done()` once every such pool has ended."""
    return ProcessPoolExecutor(max_workers=1, mp_context=_workers_context(), initializer=_start_worker,
                               initargs=(None, None))


def lone_pools_done() -> None:
    """The fork server the lone pools shared ended, once they all have."""
    _stop_fork_server(_workers_context())


def _start_worker(address: str | None, formats: str | None) -> None:
    """A local pool's worker, before its first report: its kernels forked from the pool's warm process at `address`
    (`Runtime.share_warm`), its PDFs typeset from the pool's xelatex format in the folder `formats`
    (`Runtime.use_format`): this worker's runtime (`worker`)."""
    from stomkpi.run import notebook as run
    from stomkpi.run.speed import worker

    _end_with_batch()
    runtime = worker.runtime()
    runtime.share_warm(address)
    runtime.use_format(formats, lambda: run.blank_latex(runtime))


def _end_with_batch() -> None:
    """In a local pool's worker: end when the batch's command ends, even killed (SIGKILL, out of memory).

    A worker waits for its next report on a queue whose writing end it holds itself, so it never learns that the
    command is gone: it watches, on a thread of its own, the pipe whose writing end only the command holds
    (multiprocessing's sentinel of the parent process) and exits when that pipe closes. It also closes its copy of
    the fork server's life pipe, which only the command needs: held by the workers, it kept the fork server, and
    through both the resource tracker, alive after the command. The warm process ends on its own when its parent,
    the command, is gone (`warm.serve`), and the kernels with it; nothing of a killed batch is left running."""
    import threading
    from multiprocessing import parent_process

    parent = parent_process()
    if parent is None or parent.sentinel is None:
        return
    forkserver.release_in_worker()

    def watch(sentinel: int) -> None:
        from multiprocessing.connection import wait

        wait([sentinel])
        os._exit(1)

    threading.Thread(target=watch, args=(parent.sentinel,), name="stomkpi-batch-watch", daemon=True).start()


def _workers_context():
    """How a local pool starts its workers: forked from a fork server that has imported and prepared what they need
    (`worker`), once for all of them; where there is no fork server (not a POSIX system), each a fresh interpreter.
    Either way nothing is inherited from the command's own threads."""
    from multiprocessing import get_all_start_methods, get_context

    if "forkserver" not in get_all_start_methods():
        return get_context("spawn")
    context = get_context("forkserver")
    context.set_forkserver_preload(["stomkpi.run.speed.worker"])
    return context


def _stop_fork_server(context) -> None:
    """End the fork server with its batch (multiprocessing would keep it, and its memory, for the life of the
    process; the next batch starts its own) and reap it, so its CPU time counts as this process's children's."""
    if context.get_start_method() == "forkserver":
        forkserver.stop()
