"""probgraph: a knowledge graph of probation in England and Wales, with a semantic query layer.

This module is the library API that the CLI and the tests call. Heavy libraries (rdflib, owlrl,
pyshacl) are imported inside the functions that need them, so that a warm query
imports only pyoxigraph.
"""

from __future__ import annotations

TYPE_CHECKING = False  # not `from typing import ...`: typing alone costs a warm query milliseconds
from .bounded import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT  # noqa: E402 - light: os, time, _signal

if TYPE_CHECKING:  # the heavy modules load only when a function needs them
    from collections.abc import Iterator

    import pyoxigraph as ox

    from . import queries
    from .compile import Compiled
    from .validation import Report



def __getattr__(name: str) -> str:
    """`__version__` is the ontology's owl:versionInfo, read when first asked for (one place for it)."""
    if name == "__version__":
        from .resources import ontology_version

        return ontology_version()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["__version__", "build_site", "compile_graph", "export", "lineage", "load", "queries_listing",
           "query_output", "run_query", "select", "serve", "show", "validate", "write_output"]


def compile_graph(rebuild: bool = False, use_cache: bool = True, reasoner: str | None = None) -> Compiled:
    """Compile (or find in the cache) ontology + data + OWL 2 RL closure; return the cache entry.

    reasoner: "native" (the rule files in ontology/rules, the default) or "owlrl" (the reference);
    None means $PROBGRAPH_REASONER, else native.
    """
    from .compile import compiled

    return compiled(use_cache=use_cache, rebuild=rebuild, reasoner=reasoner)


def run_query(name: str | None = None, *, file: str | None = None, sparql: str | None = None,
              params: dict[str, str] | None = None, endpoint: str | None = None,
              use_cache: bool = True, timeout: float = 30.0,
              default_graph: str | None = None) -> ox.QuerySolutions | ox.QueryBoolean | Iterator[ox.Triple]:
    """Run a stored query (by name), a query file or query text; return pyoxigraph results.

    Parameters are resolved against the graph being queried (embedded or the endpoint) and bound
    by a leading BIND in the WHERE group; see queries.py. `default_graph` (remote only) is the graph
    the store answers from.
    """
    from . import queries

    q = _given_query(name, file, sparql)
    if endpoint:
        from . import remote

        select_fn = remote.selector(endpoint, timeout, default_graph)
        text = queries.bind(q, params or {}, select_fn)
        _syntax_check(text, q.source)
        return remote.query(endpoint, text, timeout, default_graph)
    if default_graph is not None:
        from .errors import UsageError

        raise UsageError("--default-graph applies only with --endpoint")
    from .store import open_store

    store = open_store(use_cache=use_cache)
    text = queries.bind(q, params or {}, queries.selector(store))
    return queries.run_local(store, text, q.source)


def _given_query(name: str | None, file: str | None, sparql: str | None) -> queries.StoredQuery:
    """The stored query, query file or query text asked for, checked before any parser reads it."""
    from . import queries

    if sum(x is not None for x in (name, file, sparql)) != 1:
        from .errors import UsageError

        raise UsageError("give exactly one of: a stored query NAME, --file FILE, --sparql TEXT",
                         "see: probgraph queries")
    q = queries.get(name) if name else queries.from_file(file) if file else queries.from_text(sparql or "")
    queries.check_nesting(q)
    if not name:  # stored queries ship with the package and are checked by the tests
        queries.check_safe(q)
    return q


def queries_listing() -> str:
    """Every stored query: name, title, description, parameters and example calls (`probgraph queries`)."""
    from .queries import listing

    return listing()


def query_output(name: str | None = None, *, file: str | None = None, sparql: str | None = None,
                 params: dict[str, str] | None = None, fmt: str | None = None, human: bool = False,
                 endpoint: str | None = None, use_cache: bool = True, timeout: float = DEFAULT_TIMEOUT,
                 memory_mb: int | None = DEFAULT_MEMORY_MB, default_graph: str | None = None) -> bytes:
    """A query's whole answer rendered in `fmt` (see output.write_result), or one error.

    On the embedded graph the query (name lookups included) runs in a child process that is stopped
    after `timeout` seconds, on Ctrl-C, or when it needs more than `memory_mb` of address space
    (bounded.py); the engine itself cannot be interrupted. Nothing the answer needs is imported here: the
    child imports pyoxigraph itself, while this process checks the inputs (a warm query's two cores at work).
    """
    if endpoint:
        from .output import render

        return render(run_query(name, file=file, sparql=sparql, params=params, endpoint=endpoint,
                                timeout=timeout, default_graph=default_graph), fmt, human)
    if default_graph is not None:
        from .errors import UsageError

        raise UsageError("--default-graph applies only with --endpoint")
    from .cache import recorded_entry, warm_entry
    from .store import Opening, StoreUnreadable, current_entry

    # A stored query's store starts opening first (RocksDB's open holds no GIL), on the entry the inputs had last
    # time, while the query is read and checked and that entry confirmed (a query text is checked first).
    guess = recorded_entry() if use_cache else None
    early = Opening(guess) if name is not None and guess is not None else None
    if early is not None:
        early.start()
    from . import queries
    from .bounded import run_bounded, run_watched

    q = _given_query(name, file, sparql)
    width = None
    if fmt == "table" or (fmt is None and human):  # measured here: the child's standard output is /dev/null
        from .outfile import terminal_columns

        width = terminal_columns()

    def work(opening: Opening) -> bytes:
        from . import names  # noqa: F401 - loaded, as output.py is, while the store opens
        from .output import render

        q.binding_points()  # found while the store opens too
        store = opening.store()
        text = queries.bind(q, params or {}, queries.selector(store))
        return render(queries.run_local(store, text, q.source), fmt, human, width)

    def bounded(entry, verify=None) -> bytes | None:
        opening = Opening(entry)
        return run_bounded(lambda: work(opening), timeout, memory_mb, kinds=(StoreUnreadable,), verify=verify,
                           start=opening.start)

    def watched(opening: Opening, guessed: bool) -> bytes:
        """A stored query, on a thread of this process (bounded.run_watched). A `guessed` entry's store opens while
        this thread checks that the inputs still have that entry (if not, the current one opens)."""
        opening.start()
        if guessed and opening.entry.folder != getattr(warm_entry(), "folder", None):
            opening = Opening(current_entry(use_cache))
            opening.start()
        return run_watched(lambda: work(opening), timeout, memory_mb)

    try:
        if name is not None:
            return watched(early, True) if early is not None else watched(Opening(current_entry(use_cache)), False)
        # The entry the inputs had last time is opened and queried in the child while the parent checks that
        # they still have it; if not, that answer is dropped and the query runs on the current entry.
        if guess is not None:
            answer = bounded(guess, verify=lambda: (now := warm_entry()) is not None and now.folder == guess.folder)
            if answer is not None:
                return answer
        answer = bounded(current_entry(use_cache))  # compiling, if needed, is not part of the query's time
    except StoreUnreadable:  # a damaged entry: rebuild it here, then run again
        from .compile import compiled

        rebuilt = compiled(use_cache=use_cache, rebuild=True)
        answer = watched(Opening(rebuilt), False) if name is not None else bounded(rebuilt)
    assert answer is not None  # only a verify can make run_bounded give None
    return answer


def _syntax_check(text: str, source: str) -> None:
    """Parse a query locally first, so a bad query gets file:line:col and exit 2, not exit 3."""
    import pyoxigraph as ox

    from .queries import syntax_error

    try:
        ox.Store().query(text)
    except SyntaxError as exc:
        raise syntax_error(exc, source) from None
    except (OSError, RuntimeError, ValueError):  # evaluating on an empty store may fail; only syntax matters
        pass


def select(name: str | None = None, params: dict[str, str] | None = None, **kwargs) -> list[dict[str, str]]:
    """Rows of a SELECT query as dicts of readable cell text (prefixed IRIs, literal values)."""
    from .output import cell, rows_of

    names, rows = rows_of(run_query(name, params=params, **kwargs))
    return [{n: cell(t) for n, t in zip(names, row, strict=False)} for row in rows]


def export(fmt: str = "turtle", inferred: bool = False, use_cache: bool = True) -> bytes:
    """The graph serialised deterministically (asserted, or with inferred the cleaned closure)."""
    from .serialisation import export_bytes

    return export_bytes(fmt, inferred=inferred, use_cache=use_cache)


def lineage(org: str, fmt: str = "text", use_cache: bool = True, scope: str = "territory") -> str:
    """The predecessors and successors of an organisation as indented text, Mermaid or Graphviz DOT.

    scope="territory" follows the areas that passed; scope="organisation" follows who succeeded whom.
    """
    from .store import open_store
    from .succession import render_lineage

    return render_lineage(open_store(use_cache=use_cache), org, fmt, scope)


def build_site(out_dir: str, use_cache: bool = True) -> int:
    """Write the static site of the whole record into out_dir (atomically); return the number of pages."""
    from .outfile import tree_target, write_tree
    from .site import build_site as files_of
    from .store import open_store

    tree_target(out_dir)  # a wrong -o fails before the pages are made
    files = files_of(open_store(use_cache=use_cache))
    write_tree(out_dir, files)
    return sum(name.endswith(".html") for name in files)


def serve(host: str = "127.0.0.1", port: int = 7878, timeout: float = 30.0, workers: int = 2,
          use_cache: bool = True) -> None:
    """Serve the graph read-only over the SPARQL 1.1 Protocol, with the site's pages, until interrupted."""
    from .server import serve as run_server

    run_server(host, port, timeout=timeout, workers=workers, use_cache=use_cache)


def show(entity: str, use_cache: bool = True) -> str:
    """Everything the graph says about one entity, with the sources it cites."""
    from .describe import render_entity
    from .store import open_store

    return render_entity(open_store(use_cache=use_cache), entity)


def validate(files: list[str], use_cache: bool = True) -> Report:
    """Validate new entries together with the graph (what they add or break); with none, the whole graph."""
    from .validation import validate_entries, validate_graph

    return validate_entries(files, use_cache=use_cache) if files else validate_graph(use_cache=use_cache)


def load(endpoint: str, graph: str | None = None, inferred: bool = True, replace: bool = False,
         timeout: float = 300.0) -> tuple[int, str]:
    """Upload the export to a triplestore by the Graph Store Protocol; return (triples sent, URL used).

    The store's answer is not taken on trust: a COUNT afterwards must find the triples sent (all of
    them, and no more with `replace`), or the load fails (exit 3).
    """
    from .errors import RemoteError
    from .exchange import check_timeout
    from .remote import count_triples, put_graph
    from .serialisation import export_bytes

    check_timeout(timeout)
    data = export_bytes("ntriples", inferred=inferred)
    sent = data.count(b"\n")
    url = put_graph(endpoint, graph, data, replace=replace, timeout=timeout)
    held = count_triples(endpoint, graph, timeout)
    if held < sent or (replace and held != sent):
        raise RemoteError(f"{url}: the store answered success but holds {held} triples in "
                          f"{graph or 'the default graph'} after the upload of {sent}",
                          "nothing (or not all) was stored; check the store's log and permissions")
    return sent, url


def write_output(path: str | None, data: bytes) -> None:
    """Write a command's output to `-o PATH` as cp does (devices and pipes directly, files atomically).

    Every command with `-o` goes through this; None or "-" is standard output. See outfile.py.
    """
    from .outfile import write_output as write

    write(path, data)
