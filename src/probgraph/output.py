"""Render query results: a readable table for people, SPARQL 1.1 result formats for programs.

The SPARQL formats (csv, tsv, json, xml) are written by pyoxigraph's own serialisers; only the
table is ours.
"""

from __future__ import annotations

import pyoxigraph as ox

from .errors import UsageError, first_line, printable
from .namespaces import PREFIXES, compact

TYPE_CHECKING = False  # typing and compile.py are not imported on the warm path
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import BinaryIO

SELECT_FORMATS = {
    "csv": ox.QueryResultsFormat.CSV,
    "tsv": ox.QueryResultsFormat.TSV,
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "xml": ox.RdfFormat.RDF_XML,
}


def cell(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """A term as a person reads it: its compact name (the one files, `-p` and `show` use), a literal's
    text, empty when unbound."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return term.value


def solutions_of(result: object) -> ox.QuerySolutions:
    """A query's result as a SELECT's solutions (a query that is not a SELECT is refused)."""
    if not isinstance(result, ox.QuerySolutions):
        raise UsageError("the query is not a SELECT, so it has no rows", "write SELECT ... WHERE { ... }")
    return result


def rows_of(result: object) -> tuple[list[str], list[tuple]]:
    """Variable names and rows of terms (None where unbound) of a SELECT's solutions."""
    solutions = solutions_of(result)
    names = [v.value for v in solutions.variables]
    return names, [tuple(sol[v] for v in solutions.variables) for sol in solutions]


def table(names: list[str], rows: list[tuple], width: int | None = None) -> str:
    """A plain-text table whose columns shrink to fit the terminal."""
    texts = [[printable(cell(t)) for t in row] for row in rows]  # a label's escape sequences stay text
    widths = [max([len(n)] + [len(r[i]) for r in texts]) for i, n in enumerate(names)]
    if not width:
        from .outfile import terminal_columns

        width = terminal_columns()
    while sum(widths) + 2 * (len(widths) - 1) > width and max(widths, default=0) > 12:
        i = widths.index(max(widths))
        widths[i] -= 1

    def fit(s: str, w: int) -> str:
        return s if len(s) <= w else s[: max(w - 1, 0)] + "…"

    lines = ["  ".join(fit(n, w).ljust(w) for n, w in zip(names, widths, strict=False)).rstrip(),
             "  ".join("-" * w for w in widths)]
    for r in texts:
        lines.append("  ".join(fit(v, w).ljust(w) for v, w in zip(r, widths, strict=False)).rstrip())
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(lines) + "\n"


# RDFC-1.0 costs about n! for n blank nodes its first step cannot tell apart (a clique of 8: 7 s, 9: 107 s);
# up to 6 it takes milliseconds. Above that the answer keeps the labels it came with, sorted.
CANONICAL_GROUP_LIMIT = 6


def indistinct_group(triples: list[ox.Triple]) -> int:
    """The size of the largest set of blank nodes with the same triples around them (RDFC-1.0's first degree)."""
    around: dict[ox.BlankNode, list[str]] = {}
    for t in triples:
        for node in (t.subject, t.object):
            if isinstance(node, ox.BlankNode):
                pattern = tuple("_:a" if x == node else "_:z" if isinstance(x, ox.BlankNode) else str(x)
                                for x in (t.subject, t.predicate, t.object))
                around.setdefault(node, []).append(" ".join(pattern))
    sizes: dict[tuple, int] = {}
    for patterns in around.values():
        key = tuple(sorted(patterns))
        sizes[key] = sizes.get(key, 0) + 1
    return max(sizes.values(), default=0)


def stable_triples(triples: list[ox.Triple]) -> list[ox.Triple]:
    """Canonical blank-node labels (RDFC-1.0) under a bound; above it, one line on stderr and sorted triples."""
    from .compile import canonical_triples

    group = indistinct_group(triples)
    if group <= CANONICAL_GROUP_LIMIT:
        return canonical_triples(triples)
    import logging

    logging.getLogger("probgraph").warning(
        "%d blank nodes in the answer cannot be told apart by their triples; they keep the labels they came "
        "with (canonical renaming stops at %d so that it cannot hang)", group, CANONICAL_GROUP_LIMIT)
    return sorted(set(triples), key=str)


def write_result(result: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple], fmt: str | None,
                 out: BinaryIO, human: bool = False, width: int | None = None) -> None:
    """Write a SELECT/ASK/CONSTRUCT result in the format asked for.

    With no format: a table for a person at a terminal, CSV for a program, Turtle for a graph. A table fits
    `width` columns (default: the terminal's, see table()).
    """
    if fmt is None:
        solutions = isinstance(result, (ox.QuerySolutions, ox.QueryBoolean))
        fmt = ("table" if human else "csv") if solutions else "turtle"
    if isinstance(result, ox.QuerySolutions):
        if fmt == "table":
            names, rows = rows_of(result)
            out.write(table(names, rows, width).encode("utf-8"))
            return
        if fmt not in SELECT_FORMATS:
            raise UsageError(f"--format {fmt} does not apply to SELECT results",
                             "use table, csv, tsv, json or xml")
        result.serialize(out, format=SELECT_FORMATS[fmt])
        return
    if isinstance(result, ox.QueryBoolean):
        if fmt in GRAPH_FORMATS and fmt != "xml":
            raise UsageError(f"--format {fmt} does not apply to ASK results (a yes or no, not a graph)",
                             "use table, csv, tsv, json or xml")
        if fmt in ("json", "xml"):
            result.serialize(out, format=SELECT_FORMATS[fmt])
        else:
            out.write(b"true\n" if bool(result) else b"false\n")
        return
    triples = list(result)
    if fmt in ("table", "turtle"):
        fmt = "turtle"
    if fmt not in GRAPH_FORMATS:
        raise UsageError(f"--format {fmt} does not apply to CONSTRUCT/DESCRIBE results",
                         "use turtle, ntriples or xml")
    triples = stable_triples(triples)  # blank nodes made by CONSTRUCT get stable labels
    prefixes = PREFIXES if fmt == "turtle" else None
    out.write(ox.serialize(triples, format=GRAPH_FORMATS[fmt], prefixes=prefixes) or b"")


def render(result: ox.QuerySolutions | ox.QueryBoolean | Iterable[ox.Triple], fmt: str | None,
           human: bool = False, width: int | None = None) -> bytes:
    """The whole result as bytes, so that a failure while it is computed leaves no short output."""
    import io

    buffer = io.BytesIO()
    try:
        write_result(result, fmt, buffer, human=human, width=width)
    except (OSError, RuntimeError, ValueError, SyntaxError) as exc:
        raise UsageError(f"the query failed while running: {first_line(exc)[:300]}") from None
    return buffer.getvalue()
