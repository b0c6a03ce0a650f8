"""An rdflib view of a graph that parses each SPARQL text once, for pySHACL (the reference engine).

pySHACL runs a SPARQL constraint once per focus node with the same text, binding `$this` through
`initBindings`; rdflib parses and translates a text string on every call, and that parse was 90% of
pySHACL's time on the whole graph (benchmarks/RESULTS.md, "suite-speed-2"). rdflib's own prepared queries
(`prepareQuery`, documented for reuse with different bindings) are evaluated exactly as a string would be,
so the results do not change; only the parse is kept. pySHACL writes a constraint's prefixes in the order
it meets them in the shapes graph, which changes from one validation to the next (blank-node labels), so
the PREFIX lines are put in order first: distinct prefixes mean the same in any order.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from rdflib import Graph, URIRef
from rdflib.plugins.sparql import prepareQuery
from rdflib.plugins.sparql.sparql import Query

from .ref_graph import HeldGraph

_PREFIX_LINE = re.compile(r"PREFIX (\S*): <[^>]*>")


def in_order(text: str) -> str:
    """The query with its leading PREFIX lines sorted, if they declare distinct prefixes; else as it is."""
    lines = text.split("\n")
    names = []
    for line in lines:
        m = _PREFIX_LINE.fullmatch(line)
        if not m:
            break
        names.append(m.group(1))
    n = len(names)
    if len(set(names)) < n:
        return text
    return "\n".join(sorted(lines[:n]) + lines[n:])


@lru_cache(maxsize=512)
def _prepared(text: str, namespaces: tuple[tuple[str, Any], ...], base: str | None) -> Query:
    return prepareQuery(text, initNs=dict(namespaces), base=base)


@lru_cache(maxsize=512)
def _as_given(text: str, spaces: tuple[tuple[str, str], ...], base: str | None) -> tuple[Query, dict]:
    """The prepared query for a text as pySHACL wrote it, and the namespaces rdflib parses it with.

    Looked up by the text as it is and the store's namespaces as plain strings, so the key compares in C: with
    rdflib's own namespace terms (30 fresh URIRefs a call, each compared by Python's `__eq__`) and the PREFIX
    sort on every call, the lookup cost about 0.5 s of pySHACL's 8.8 s on the whole graph (benchmarks/RESULTS.md,
    "2026-12-02, ref-shacl").
    """
    namespaces = {prefix: URIRef(iri) for prefix, iri in spaces}  # NamespaceManager.namespaces() gives these
    return _prepared(in_order(text), tuple(sorted(namespaces.items())), base), namespaces


class ParsedOnce(HeldGraph):
    """The same store and triples as the graph it views; `query` parses a given text once per process.

    On a HeldStore (parsing.one_graph's) its lookups go to the store's indexes, as the graph's own do.
    """

    def __init__(self, graph: Graph) -> None:
        super().__init__(store=graph.store, identifier=graph.identifier, namespace_manager=graph.namespace_manager)

    def query(self, query_object, processor="sparql", result="sparql", initNs=None,  # noqa: N803
              initBindings=None, use_store_provided=True, **kwargs):  # noqa: N803
        if isinstance(query_object, str) and not initNs:
            # the namespaces and base rdflib would parse the string with (Graph.query, SPARQLProcessor.query):
            # the graph's, which are its store's (the prepared query does not read initNs again)
            spaces = tuple((prefix, str(iri)) for prefix, iri in self.namespace_manager.store.namespaces())
            query_object, initNs = _as_given(query_object, spaces, kwargs.get("base"))  # noqa: N806
        elif isinstance(query_object, str):
            query_object = _prepared(in_order(query_object), tuple(sorted(initNs.items())), kwargs.get("base"))
        return super().query(query_object, processor, result, initNs, initBindings, use_store_provided, **kwargs)
