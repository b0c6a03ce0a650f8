"""SPARQL endpoints: queries by the SPARQL 1.1 Protocol, uploads by the Graph Store Protocol.

Every exchange goes through one urllib opener (exchange.py) that bounds the whole call by one deadline,
never follows a redirect and logs in from the environment or a netrc file. Results come back as SPARQL
JSON (N-Triples for CONSTRUCT and DESCRIBE, asked for by the Accept header alone) and are parsed by
pyoxigraph, so the remote path hands the same kind of result to the same renderers as the embedded graph.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterator

import pyoxigraph as ox

from .errors import RemoteError
from .exchange import DEFAULT_TIMEOUT, check_url, exchange, public_url

__all__ = ["DEFAULT_TIMEOUT", "count_triples", "put_graph", "query", "query_form", "selector", "store_url"]

_JSON = "application/sparql-results+json"
_NTRIPLES = "application/n-triples"
# the query form is the first keyword after the prologue (PREFIX and BASE declarations, comments)
_PROLOGUE = re.compile(r"(?:\s+|#[^\n]*(?:\n|$)|(?:PREFIX\s*[^\s:]*:\s*|BASE\s*)<[^>]*>)*", re.IGNORECASE)
_FORM = re.compile(r"(SELECT|ASK|CONSTRUCT|DESCRIBE)\b", re.IGNORECASE)
# Virtuoso says in this header that it cut the answer at its ResultSetMaxRows
_CAP_HEADER = "X-SPARQL-MaxRows"


def query_form(text: str) -> str:
    """SELECT, ASK, CONSTRUCT or DESCRIBE: what the store will answer (SELECT if unsure)."""
    prologue = _PROLOGUE.match(text)  # it matches every text, if only its empty start
    m = _FORM.match(text, prologue.end() if prologue else 0)
    return m.group(1).upper() if m else "SELECT"


def query(endpoint: str, text: str, timeout: float = DEFAULT_TIMEOUT, default_graph: str | None = None
          ) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
    """Run a query on a SPARQL 1.1 endpoint (HTTP POST); return pyoxigraph results.

    With `default_graph`, the store answers from that graph alone (default-graph-uri): without it,
    some stores (Virtuoso) query every graph they hold.
    """
    check_url(endpoint)
    is_graph = query_form(text) in ("CONSTRUCT", "DESCRIBE")
    fields = [("query", text)] + ([("default-graph-uri", default_graph)] if default_graph else [])
    body, headers = exchange(endpoint, "POST", urllib.parse.urlencode(fields).encode("utf-8"),
                             {"Content-Type": "application/x-www-form-urlencoded",
                              "Accept": _NTRIPLES if is_graph else _JSON},
                             timeout, unsure="raise --timeout or check the store")
    where = public_url(endpoint)
    try:
        if is_graph:
            triples = [q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
            _check_cap(where, headers.get(_CAP_HEADER), len(triples))
            return iter(triples)
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QuerySolutions):
            rows = len(list(results))  # read every row now: a malformed one fails here, not while printing
            _check_cap(where, headers.get(_CAP_HEADER), rows)
            results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        return results
    except (SyntaxError, ValueError) as exc:
        raise RemoteError(f"{where}: the answer is not valid SPARQL results ({str(exc)[:200]})",
                          "is this URL a SPARQL query endpoint?") from None


def _check_cap(where: str, cap: str | None, rows: int) -> None:
    """A store that cut its answer at its row cap must not pass for a complete answer."""
    if cap and cap.strip().isdigit() and rows >= int(cap):
        raise RemoteError(f"{where}: the store cut its answer at {int(cap)} rows (its result cap)",
                          "raise the cap (Virtuoso: ResultSetMaxRows in [SPARQL] of virtuoso.ini) or add LIMIT")


def selector(endpoint: str, timeout: float = DEFAULT_TIMEOUT,
             default_graph: str | None = None) -> Callable[[str], list[tuple]]:
    """A SELECT runner on the endpoint returning rows of terms (for name lookup)."""
    from .output import rows_of

    def select(q: str) -> list[tuple]:
        return rows_of(query(endpoint, q, timeout, default_graph))[1]
    return select


def store_url(endpoint: str, graph: str | None) -> str:
    """The Graph Store Protocol URL for a graph (or the default graph) of an endpoint.

    Oxigraph serves GSP at /store beside /query; other stores take --endpoint as the GSP URL.
    """
    check_url(endpoint)
    base = endpoint
    if base.rstrip("/").endswith("/query"):
        base = base.rstrip("/")[: -len("query")] + "store"
    sep = "&" if "?" in base else "?"
    if graph:
        return f"{base}{sep}graph={urllib.parse.quote(graph, safe='')}"
    return f"{base}{sep}default"


def _query_url(endpoint: str) -> str | None:
    """The SPARQL query URL beside a store's GSP URL, for the two layouts known (Oxigraph, Virtuoso)."""
    path = urllib.parse.urlsplit(endpoint).path.rstrip("/")
    if path.endswith("/query"):
        return endpoint
    for gsp in ("/store", "/sparql-graph-crud-auth", "/sparql-graph-crud"):
        if path.endswith(gsp):
            parts = urllib.parse.urlsplit(endpoint)
            new = path[: -len(gsp)] + ("/query" if gsp == "/store" else "/sparql")
            return urllib.parse.urlunsplit((parts.scheme, parts.netloc, new, "", ""))
    return None


def count_triples(endpoint: str, graph: str | None, timeout: float = DEFAULT_TIMEOUT) -> int:
    """How many triples the store holds in the graph: a COUNT where a query URL is known, else a GSP GET."""
    query_url = _query_url(endpoint)
    if query_url is not None:
        where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
        result = query(query_url, f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", timeout)
        rows = list(result) if isinstance(result, ox.QuerySolutions) else []
        n = rows[0]["n"] if rows and len(rows) == 1 else None
        if not isinstance(n, ox.Literal) or not n.value.isdigit():
            raise RemoteError(f"{public_url(query_url)}: the store did not answer a COUNT of the graph")
        return int(n.value)
    body, _ = exchange(store_url(endpoint, graph), "GET", None, {"Accept": _NTRIPLES}, timeout,
                       unsure="raise --timeout or check the store")
    try:
        return len({q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)})
    except SyntaxError as exc:
        raise RemoteError(f"{public_url(endpoint)}: the graph read back is not N-Triples ({str(exc)[:200]})") from None


def put_graph(endpoint: str, graph: str | None, data: bytes, replace: bool,
              timeout: float = DEFAULT_TIMEOUT) -> str:
    """Upload N-Triples in one request (PUT replaces the graph, POST adds to it); return the URL used.

    A redirect is refused, not followed (urllib would resend a POST as a GET without the data).
    """
    url = store_url(endpoint, graph)
    exchange(url, "PUT" if replace else "POST", data, {"Content-Type": _NTRIPLES}, timeout,
             unsure="the upload may or may not have been applied; run load again with --replace",
             refused="the store kept its previous content")
    return public_url(url)
