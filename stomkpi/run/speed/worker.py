"""A batch worker's one runtime, and what a local batch's workers have ready before their first report.

A batch worker is a process that runs report after report, each called by its executor with only the job
(`batch.run_job`): the runtime its reports share — its warm kernels, its xelatex format, its lent exporters —
cannot be handed to each call, so it is made here, once per process, as `RUNTIME`. A local pool's fork server
imports this module and forks every worker from it: the notebook machinery (papermill, nbconvert, jupyter_client,
stomkpi's commands) is imported, and what a process's first report does once (`notebook.prepare`: templates
compiled, the notebook validator built) is done into `RUNTIME`, once per batch instead of once per worker. A Dask
worker imports this module with its first report. The fork server has no threads, so forking it is safe.
"""

from stomkpi.run.speed.startup import without_iri_grammar

without_iri_grammar()

from stomkpi.run import commands, notebook  # noqa: E402, F401 — imported to be inherited
from stomkpi.run.speed.runtime import Runtime  # noqa: E402

RUNTIME = Runtime.batch_worker()

try:
    notebook.prepare(RUNTIME)
except Exception:  # noqa: BLE001 — only a head start: each worker's first report does what is missing
    pass
