"""A batch worker's one runtime, and what a local batch's workers have ready before their first report.

A batch worker is a process that runs report after report, each called by its executor with only the job
(`batch.run_job`): the runtime its reports share — its warm kernels, its xelatex format, its lent exporters —
cannot be handed to each call, so it is made here, once per process (`runtime()`): the one process-wide object of
the package. A local pool's fork server imports this module and forks every worker from it: the notebook machinery
(papermill, nbconvert, jupyter_client, stomkpi's commands) is imported, and what a process's first report does
once (`prepare`: templates compiled, the notebook validator built) is done into the runtime, once per batch
instead of once per worker. A Dask worker imports this module with its first report. The fork server has no
threads, so forking it is safe.
"""

from stomkpi.run.speed.startup import begin

begin()

import nbformat  # noqa: E402

from stomkpi.run import commands, notebook  # noqa: E402, F401 — imported to be inherited
from stomkpi.run.speed.runtime import Runtime  # noqa: E402

RUNTIME = Runtime.batch_worker()  # this worker's, for all its reports


def runtime() -> Runtime:
    """This worker process's runtime."""
    return RUNTIME


def ready_for_report() -> Runtime:
    """This worker's runtime before a report: its kernels forked from a warm process (its pool's, or one of its own
    started now), and its PDFs from a format (its pool's, or — a Dask worker's — one of its own, built while its
    first report runs)."""
    RUNTIME.start_warm(notebook.kernel_variables(RUNTIME))
    RUNTIME.own_format(lambda: notebook.blank_latex(RUNTIME))
    return RUNTIME


def prepare(runtime: Runtime) -> None:
    """What the first report of a process does once, done now: the notebook machinery imported with what a run
    imports on its way, the HTML and LaTeX exporters of `runtime` made (their templates compiled), the notebook
    validator built and pandoc's version asked."""
    notebook.import_machinery()
    import jupyter_client.manager  # noqa: F401
    import nbclient  # noqa: F401
    import papermill.engines  # noqa: F401
    from nbconvert.utils.pandoc import get_pandoc_version
    from nbformat.v4 import new_notebook

    stub = new_notebook()
    nbformat.validate(stub)
    notebook.render_html(stub, runtime)
    notebook.blank_latex(runtime)
    try:
        get_pandoc_version()
    except Exception:  # noqa: BLE001 — no pandoc: the report that needs it says so
        pass


try:
    prepare(RUNTIME)
except Exception:  # noqa: BLE001 — only a head start: each worker's first report does what is missing
    pass
