"""A notebook's Markdown turned into LaTeX by one pandoc run instead of one per piece.

nbconvert's LaTeX template converts every Markdown cell and every Markdown output with its own
pandoc process (about 25 ms each, thirty-odd in a monthly report: most of the LaTeX export's time).
Here the template is rendered once with a `convert_pandoc` filter that only records each piece and
leaves a placeholder; the pieces of each kind of conversion are then joined with a separator
paragraph, converted by one pandoc run, split again and put in place of their placeholders. If
the split does not give back one part per piece (a piece that swallows the separator, such as an
unclosed code fence), each piece is converted on its own, as nbconvert would.

The stomkpi LaTeX template converts Markdown cells in one step (Markdown → LaTeX) like Markdown
outputs, without nbconvert's detour through pandoc's JSON for cross-references, which the
reports do not use.
"""

from __future__ import annotations

import re

import nbformat

_SEPARATOR = "STOMKPIPANDOCSEPARATOR"
_PLACEHOLDER = re.compile(r"STOMKPIPANDOC(\d{6})PIECE")


class Batched:
    """An nbconvert exporter whose Markdown pieces are converted by one pandoc run per kind of conversion.

    One export at a time; its templates are compiled once, for every notebook it exports."""

    def __init__(self, exporter_class, **options):
        self.pieces: list[tuple[str, str, str, tuple[str, ...]]] = []
        self.exporter = exporter_class(filters={"convert_pandoc": self._record}, **options)

    def _record(self, source: str, from_format: str, to_format: str, extra_args=None) -> str:
        self.pieces.append((source, from_format, to_format, tuple(extra_args or ())))
        return f"STOMKPIPANDOC{len(self.pieces) - 1:06d}PIECE"

    def export(self, nb: nbformat.NotebookNode) -> tuple[str, dict]:
        self.pieces = []
        body, resources = self.exporter.from_notebook_node(nb)
        converted = convert(self.pieces)
        return _PLACEHOLDER.sub(lambda m: converted[int(m.group(1))], body), resources


def export(exporter_class, nb: nbformat.NotebookNode, **options) -> tuple[str, dict]:
    """`exporter_class(**options).from_notebook_node(nb)` with every pandoc conversion batched."""
    return Batched(exporter_class, **options).export(nb)


def convert(pieces: list[tuple[str, str, str, tuple[str, ...]]]) -> list[str]:
    """Each piece converted as nbconvert's `convert_pandoc` would, one pandoc run per kind of conversion."""
    from nbconvert.utils.pandoc import pandoc

    out = [""] * len(pieces)
    kinds: dict[tuple[str, str, tuple[str, ...]], list[int]] = {}
    for i, (_, fmt, to, extra) in enumerate(pieces):
        kinds.setdefault((fmt, to, extra), []).append(i)
    for (fmt, to, extra), indices in kinds.items():
        sources = [pieces[i][0] for i in indices]
        joined = f"\n\n{_SEPARATOR}\n\n".join(s.strip("\n") for s in sources)
        parts = re.split(rf"\n*{_SEPARATOR}\n*", pandoc(joined, fmt, to, extra_args=list(extra)))
        if len(parts) != len(sources) or any(_SEPARATOR in s for s in sources):
            parts = [pandoc(s, fmt, to, extra_args=list(extra)) for s in sources]
        for i, part in zip(indices, parts, strict=True):
            out[i] = part.strip("\n")
    return out
