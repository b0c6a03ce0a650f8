"""The SPARQL 1.1 Protocol's rules that do not depend on the HTTP stack: which format answers an
Accept header, and how a result becomes bytes. Used by the query workers and the server.
"""

from __future__ import annotations

import pyoxigraph as ox

from .compile import canonical_triples
from .names import PREFIXES

# media type -> format, in the order offered when the client accepts anything
SOLUTION_TYPES = {
    "application/sparql-results+json": ox.QueryResultsFormat.JSON,
    "application/sparql-results+xml": ox.QueryResultsFormat.XML,
    "text/csv": ox.QueryResultsFormat.CSV,
    "text/tab-separated-values": ox.QueryResultsFormat.TSV,
    "application/json": ox.QueryResultsFormat.JSON,
    "application/xml": ox.QueryResultsFormat.XML,
}
GRAPH_TYPES = {
    "text/turtle": ox.RdfFormat.TURTLE,
    "application/n-triples": ox.RdfFormat.N_TRIPLES,
    "application/ld+json": ox.RdfFormat.JSON_LD,
    "application/rdf+xml": ox.RdfFormat.RDF_XML,
    "application/turtle": ox.RdfFormat.TURTLE,
    "application/x-turtle": ox.RdfFormat.TURTLE,
    "text/plain": ox.RdfFormat.N_TRIPLES,
}


class NotAcceptable(Exception):
    """No format of this kind of result is acceptable to the client (HTTP 406)."""


def _preferences(accept: str | None) -> list[str]:
    """Media ranges of an Accept header, best first (by q, then as written); q=0 left out."""
    if not accept or not accept.strip():
        return ["*/*"]
    ranked = []
    for i, part in enumerate(accept.split(",")):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for f in fields[1:]:
            if f.lower().startswith("q="):
                try:
                    q = float(f[2:])
                except ValueError:
                    q = 0.0
        if fields[0] and q > 0:
            ranked.append((-q, i, fields[0].lower()))
    return [r for _, _, r in sorted(ranked)] or ["*/*"]


def choose(accept: str | None, graph: bool) -> str:
    """The media type to answer with for a graph result or for solutions/booleans."""
    offered = list(GRAPH_TYPES if graph else SOLUTION_TYPES)
    for wanted in _preferences(accept):
        if wanted == "*/*":
            return offered[0]
        if wanted.endswith("/*"):
            for media in offered:
                if media.startswith(wanted[:-1]):
                    return media
        elif wanted in offered:
            return wanted
    kind = "CONSTRUCT/DESCRIBE results" if graph else "SELECT/ASK results"
    raise NotAcceptable(f"none of the accepted types ({accept}) can carry {kind}; "
                        f"offered: {', '.join(offered[:4])}")


def serialise(result: ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples, accept: str | None) -> tuple[str, bytes]:
    """(media type, body) for a query result, in the format the Accept header asks for."""
    if isinstance(result, (ox.QuerySolutions, ox.QueryBoolean)):
        media = choose(accept, graph=False)
        return media, result.serialize(format=SOLUTION_TYPES[media]) or b""
    media = choose(accept, graph=True)
    fmt = GRAPH_TYPES[media]
    triples = canonical_triples(list(result))  # blank nodes made by the query get stable labels
    prefixes = PREFIXES if fmt == ox.RdfFormat.TURTLE else None
    return media, ox.serialize(triples, format=fmt, prefixes=prefixes) or b""
