"""The reference reasoner: owlrl's OWL 2 RL closure of ontology + data, cleaned of what nobody wants.

`probgraph compile --reasoner owlrl` takes this path; the native rules (rules.py) are the default and a
test holds them equal to it. The custom rule files run after owlrl's closure, and owlrl again on its closure
and what they added, until neither adds anything: the same fixpoint the native reasoner reaches with all
rules at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox

from . import rules
from .errors import UsageError

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rdflib import Graph


def close_owlrl(asserted: list[ox.Triple], rule_files: list[rules.RuleFile]) -> ox.Store:
    """owlrl's cleaned closure, then the custom rules, to a common fixpoint; then the consistency checks.

    Returns an in-memory store holding the closure in its default graph, as rules.close leaves one.
    owlrl keeps one graph through the rounds: a round after the first goes on from owlrl's own closure plus
    what the custom rules added, so it only has to find what follows from those (it ends after one pass when
    nothing does), instead of closing the asserted triples again from the start. Each round's cleaning
    leaves owlrl's graph as it is. This is the same fixpoint: the closure of the asserted triples and the custom
    rules'. owlrl's graph is made of parsing's held terms (ref_graph.HeldIRI), or of rdflib's own where a
    literal has an IRI's characters (parsing.SameCharacters).
    """
    from .parsing import SameCharacters

    try:
        return _close_owlrl(asserted, rule_files, held=True)
    except SameCharacters:
        return _close_owlrl(asserted, rule_files, held=False)


def _close_owlrl(asserted: list[ox.Triple], rule_files: list[rules.RuleFile], held: bool) -> ox.Store:
    from .parsing import one_graph, to_oxigraph, to_rdflib

    custom = [r for r in rule_files if r.kind == "custom"]
    graph = to_rdflib(asserted, one_graph(), held)
    given = set(graph)  # the asserted triples, for each round's cleaning
    for _ in range(rules.MAX_ROUNDS):
        close(graph, held)
        # each term made with its own label: load() would give the blank nodes new labels, and compile has made
        # the asserted graph's labels canonical for the closure to keep
        kept = to_oxigraph(clean(graph, given))
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in kept)
        size = len(store)
        cleaned = set(kept) if custom else set()
        if custom:
            rules.fixpoint(store, custom)
        if len(store) == size:
            rules.run_checks(store, rule_files, "inconsistency")
            # after the checks: owlrl marks an inconsistency with a blank node of its own
            if not _blank_nodes(q.triple for q in store) <= _blank_nodes(asserted):
                raise UsageError("compile: owlrl's closure has a blank node the inputs do not have, so its "
                                 "labels would not be stable", "compile with the native reasoner")
            # what the custom rules derived about the W3C vocabularies goes, as owlrl's clean drops its own
            rules.drop_w3c_statements(store, {t for t in asserted if isinstance(t.subject, ox.NamedNode)
                                              and t.subject.value.startswith(rules.W3C_VOCABULARIES)})
            return store
        to_rdflib((q.triple for q in store if q.triple not in cleaned), graph, held)
    raise rules.no_fixpoint()


def _blank_nodes(triples) -> set[ox.BlankNode]:  # Iterable[ox.Triple]
    return {term for t in triples for term in (t.subject, t.object) if isinstance(term, ox.BlankNode)}


def close(graph: Graph, held: bool = False) -> None:
    """Add owlrl's OWL 2 RL closure to `graph` (without axiomatic triples), in place. `held`: the graph is made
    of parsing's held terms (to_rdflib's `held`), and owlrl is given its vocabulary's terms as held terms too."""
    import owlrl

    _cache_namespace_terms(held)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(graph)


class CachedTerms:
    """One of rdflib's namespaces (OWL, RDF, RDFS, XSD) whose terms, once looked up, are plain attributes.

    owlrl names a term such as `OWL.sameAs` in its rules for every triple of every cycle; each lookup goes
    through rdflib's DefinedNamespace `__getattr__` (about 2 us), a third of owlrl's time on the real graph.
    The terms are the ones rdflib gives (the first lookup of each is rdflib's own), as the graphs hold them
    (parsing.interned): rdflib's URIRefs, or the held terms' HeldIRIs for a graph of those (`held`), which
    owlrl's triples then carry into the graph; so the closure is the same (tests/test_native_reasoner.py);
    owlrl's own code is unchanged.
    """

    def __init__(self, namespace, held: bool = False) -> None:
        self.namespace = namespace
        self._held = held

    def __getattr__(self, name: str):
        from .parsing import interned

        term = interned(getattr(self.namespace, name), self._held)  # the very object the graphs hold
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str):
        return self.namespace[name]

    def __contains__(self, term) -> bool:
        return term in self.namespace


NAMESPACES = ("OWL", "RDF", "RDFS", "XSD")  # the rdflib namespaces owlrl's modules import by these names
_GIVEN: dict = {}  # (namespace, held) -> its CachedTerms, made once a process


def _cache_namespace_terms(held: bool) -> None:
    """Give each of owlrl's modules, for each rdflib namespace it imported, the CachedTerms of that namespace
    whose terms are of the graph's kind (`held` or rdflib's)."""
    import sys

    from rdflib.namespace import DefinedNamespaceMeta

    for name, module in list(sys.modules.items()):
        if name == "owlrl" or name.startswith("owlrl."):
            for attr in NAMESPACES:
                found = vars(module).get(attr)
                namespace = found.namespace if isinstance(found, CachedTerms) else found
                if isinstance(namespace, DefinedNamespaceMeta):
                    key = (namespace, held)
                    if key not in _GIVEN:
                        _GIVEN[key] = CachedTerms(namespace, held)
                    setattr(module, attr, _GIVEN[key])


def clean(closure: Graph, asserted: set) -> Iterator[tuple]:
    """The closure's triples less literal-subject triples, reflexive owl:sameAs, owl:Thing typing and inferred
    axioms (`asserted`: the asserted triples, which keep theirs); the closure itself is left as it is.

    Literal subjects make the export unloadable in stores (OWL-RL#63); reflexive sameAs made
    the Turtle export differ between processes (docs/design-decisions.md, "Measured reasons").
    """
    from rdflib import Literal, URIRef
    from rdflib.namespace import OWL, RDF

    same_as, rdf_type, top_and_bottom = OWL.sameAs, RDF.type, (OWL.Thing, OWL.Nothing)  # once, not a triple
    for s, p, o in closure:
        if isinstance(s, Literal):
            continue
        if p == same_as and s == o:
            continue
        if p == rdf_type and o in top_and_bottom:
            continue
        if isinstance(s, URIRef) and s.startswith(rules.W3C_VOCABULARIES) and (s, p, o) not in asserted:
            continue
        yield s, p, o
