"""The one place that leans on nbconvert's internals: its HTML exporter without the BeautifulSoup pass.

nbconvert's `HTMLExporter.from_notebook_node` ends by parsing the whole page with BeautifulSoup and writing it
again (a third of the HTML's time) to give images without alt text a stock one and every output area a tabindex.
Every image of a report has its Russian alt text from the template, and the tabindex is added here by a regular
expression: `exporter_class()` is the exporter with that method copied up to its BeautifulSoup pass.

Rule of this module: the copy holds only for the nbconvert it was copied from. `check()` compares what it relies
on — the private names it calls and the text of the method it copies — with that release; when they differ, it
says so loudly (a warning naming what changed) and `exporter_class()` is nbconvert's own `HTMLExporter`: a
slower, plain path that still writes the report.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import warnings

# nbconvert 7.17: the SHA-256 (first 16 hex digits) of `HTMLExporter.from_notebook_node`'s source, blanks removed
COPIED_FROM = "d8332015a0733646"
# an output area or a text cell of the page, as the template writes it (a reader's text is escaped: it never
# makes a tag)
_FOCUSABLE = re.compile(r'(<div class="[^"<>]*\b(?:jp-OutputArea-output|jp-Cell-inputWrapper)\b[^"<>]*")')


class LibraryChanged(UserWarning):
    """A library no longer has what an adapter relies on: the plain path is taken."""


def fingerprint(function) -> str:
    """The SHA-256 (16 hex digits) of a function's source with every blank removed."""
    return hashlib.sha256(re.sub(r"\s+", "", inspect.getsource(function)).encode()).hexdigest()[:16]


def check() -> str | None:
    """What of nbconvert the copy relies on and is no longer as it was; None when all of it is."""
    try:
        from nbconvert import HTMLExporter
        from nbconvert.exporters.templateexporter import TemplateExporter
        from nbconvert.filters.highlight import Highlight2HTML  # noqa: F401
        from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter  # noqa: F401
    except ImportError as exc:
        return f"nbconvert has no {exc.name}"
    # (`_nb_metadata`, which the copy reads too, is set by `_init_resources`: the source's fingerprint covers it)
    for owner, name in ((HTMLExporter, "_init_resources"), (HTMLExporter, "register_filter"),
                        (TemplateExporter, "from_notebook_node")):
        if not hasattr(owner, name):
            return f"nbconvert's {owner.__name__} has no {name}"
    try:
        found = fingerprint(HTMLExporter.from_notebook_node)
    except (OSError, TypeError):
        return "the source of nbconvert's HTMLExporter.from_notebook_node cannot be read"
    if found != COPIED_FROM:
        return f"nbconvert's HTMLExporter.from_notebook_node changed ({found}, copied from {COPIED_FROM})"
    return None


def exporter_class():
    """The HTML exporter of a report: the copy without the BeautifulSoup pass, or, when `check()` finds nbconvert
    changed, nbconvert's own (with a warning)."""
    from nbconvert import HTMLExporter

    changed = check()
    if changed is not None:
        warnings.warn(LibraryChanged(f"{changed}: the HTML is rendered by nbconvert's own HTMLExporter"), stacklevel=2)
        return HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class Exporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            # HTMLExporter.from_notebook_node up to its BeautifulSoup pass
            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
            self.register_filter("highlight_code", self.filters.get(
                "highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            html, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return _FOCUSABLE.sub(r'\1 tabindex="0"', html), resources

    return Exporter
