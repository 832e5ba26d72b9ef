"""What a process that runs reports does first, before it imports the notebook machinery."""


import sys


def without_iri_grammar() -> None:
    """Spare a process that runs reports the 1.5–2 CPU-seconds `import nbformat` spends on a grammar it never uses.

    nbformat imports jsonschema, and jsonschema's format checks import `rfc3987_syntax` when it is installed (it
    comes with JupyterLab), which compiles some thirty Earley parsers for IRIs at import time
    (python-jsonschema/jsonschema#1428). No notebook schema checks an IRI: without the module jsonschema simply
    has no `iri` format check. Called at the start of the command line and of a batch worker, before anything
    imports jsonschema; a process that has imported it already is left as it is.
    """
    if "jsonschema" not in sys.modules:
        sys.modules.setdefault("rfc3987_syntax", None)  # None: `import rfc3987_syntax` raises ImportError


def begin() -> None:
    """What a process that runs reports does first (the command line, a batch worker): see `without_iri_grammar`."""
    without_iri_grammar()
