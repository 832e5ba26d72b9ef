"""The one place each library's private internals are used: an adapter module per library.

Rule: a report module that wants a library's internals for speed asks its adapter, never the library. Each
adapter checks once, at its first use, that the internals it needs are there and behave as the public API
does; when they do not (a new release of the library), it says so with an `InternalsChanged` warning naming
the library and its version, and gives the plain public path: the files are still written, slower.
"""

from __future__ import annotations

import warnings


class InternalsChanged(RuntimeWarning):
    """A library's internals an adapter relies on are not there or not of the expected shape."""


def warn_changed(library: str, version: str, what: str, slower: str) -> None:
    """Say loudly (once per check) that `library` `version` changed `what`, and that `slower` is written by the
    library's public API instead."""
    warnings.warn(f"{library} {version}: {what} — не того вида, что ожидался; {slower} пишутся общим способом "
                  f"библиотеки, медленнее", InternalsChanged, stacklevel=3)
