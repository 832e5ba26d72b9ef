"""What a local batch's worker processes have ready before their first report, made once for all of them.

The pool's fork server imports this module (`batch.executor`) and forks every worker from it: the
notebook machinery (papermill, nbconvert, jupyter_client, stomkpi's commands) is imported, and what a
process's first report does once (`notebook.prepare`: templates compiled, the notebook validator built) is
done, once per batch instead of once per worker. The fork server has no threads, so forking it is safe.
"""

from stomkpi.run.speed.startup import without_iri_grammar

without_iri_grammar()

from stomkpi.run import batch, commands, notebook  # noqa: E402, F401 — imported to be inherited

try:
    notebook.prepare()
except Exception:  # noqa: BLE001 — only a head start: each worker's first report does what is missing
    pass
