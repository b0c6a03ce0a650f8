"""SPARQL endpoints: queries through SPARQLWrapper, uploads through the Graph Store Protocol.

Results come back as SPARQL JSON (or N-Triples for CONSTRUCT) and are parsed by pyoxigraph, so
the remote path hands the same kind of result to the same renderers as the embedded graph.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pyoxigraph as ox

from .errors import RemoteError, first_line

DEFAULT_TIMEOUT = 30.0
_GRAPH_QUERY = ("CONSTRUCT", "DESCRIBE")


def _check_url(url: str) -> None:
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        raise RemoteError(f"{url!r} is not a valid URL ({exc})",
                          "give a URL such as http://127.0.0.1:7878/query") from None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(f"{url!r} is not an http(s) endpoint URL",
                          "give a URL such as http://127.0.0.1:7878/query")


def query(endpoint: str, text: str,
          timeout: float = DEFAULT_TIMEOUT) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
    """Run a query on a SPARQL 1.1 endpoint (HTTP POST); return pyoxigraph results."""
    from SPARQLWrapper import JSON, POST, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

    _check_url(endpoint)
    sw = SPARQLWrapper(endpoint)
    sw.setMethod(POST)
    sw.setTimeout(max(1, int(timeout)))
    sw.setQuery(text)
    is_graph = sw.queryType in _GRAPH_QUERY
    if is_graph:
        sw.setReturnFormat("nt")
        sw.addCustomHttpHeader("Accept", "application/n-triples")
    else:
        sw.setReturnFormat(JSON)
    try:
        with _connection_errors(endpoint, timeout, "raise --timeout or check the store"):
            body = sw.query().response.read()
    except SPARQLWrapperException as exc:
        raise RemoteError(f"{endpoint}: the endpoint rejected the query: {first_line(exc)[:300]}") from None
    try:
        if is_graph:
            return iter([q.triple for q in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)])
        results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        if isinstance(results, ox.QuerySolutions):
            list(results)  # read every row now: a malformed one fails here, not while printing
            results = ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON)
        return results
    except (SyntaxError, ValueError) as exc:
        raise RemoteError(f"{endpoint}: the answer is not valid SPARQL results ({exc})",
                          "is this URL a SPARQL query endpoint?") from None


@contextmanager
def _connection_errors(url: str, timeout: float, unsure: str, refused: str = "") -> Iterator[None]:
    """Turn every way an HTTP exchange can fail into one RemoteError line (exit 3).

    `unsure` is the hint when the request may have reached the store, `refused` when the store said no.
    """
    try:
        yield
    except urllib.error.HTTPError as exc:
        detail = first_line(exc.read(300).decode("utf-8", "replace"), "")
        raise RemoteError(f"{url}: HTTP {exc.code} {exc.reason}{': ' + detail if detail else ''}",
                          refused or None) from None
    except urllib.error.URLError as exc:
        raise RemoteError(f"{url}: cannot connect ({_reason(exc.reason)})",
                          "is the store running, and is the URL right?") from None
    except TimeoutError:
        raise RemoteError(f"{url}: no answer within {timeout:g} s", unsure) from None
    except (OSError, ValueError, http.client.HTTPException) as exc:
        raise RemoteError(f"{url}: the exchange failed ({first_line(exc)})", unsure) from None


def _reason(reason) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason)


def selector(endpoint: str, timeout: float = DEFAULT_TIMEOUT) -> Callable[[str], list[tuple]]:
    """A SELECT runner on the endpoint returning rows of terms (for name lookup)."""
    from .output import rows_of

    def select(q: str) -> list[tuple]:
        return rows_of(query(endpoint, q, timeout))[1]
    return select


def store_url(endpoint: str, graph: str | None) -> str:
    """The Graph Store Protocol URL for a graph (or the default graph) of an endpoint.

    Oxigraph serves GSP at /store beside /query; other stores take --endpoint as the GSP URL.
    """
    _check_url(endpoint)
    base = endpoint
    if base.rstrip("/").endswith("/query"):
        base = base.rstrip("/")[: -len("query")] + "store"
    sep = "&" if "?" in base else "?"
    if graph:
        return f"{base}{sep}graph={urllib.parse.quote(graph, safe='')}"
    return f"{base}{sep}default"


def put_graph(endpoint: str, graph: str | None, data: bytes, replace: bool,
              timeout: float = DEFAULT_TIMEOUT) -> int:
    """Upload N-Triples in one request: PUT replaces the graph, POST adds to it."""
    url = store_url(endpoint, graph)
    req = urllib.request.Request(url, data=data, method="PUT" if replace else "POST",
                                 headers={"Content-Type": "application/n-triples"})
    with _connection_errors(url, timeout, "the upload may or may not have been applied; "
                                          "run load again with --replace", "the store kept its previous content"):
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status
