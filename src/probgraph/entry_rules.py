"""Rules on an entry's triples that SHACL shapes cannot state: values must be well-formed, and an entry
may describe instances but never change the ontology or merge existing nodes.

A contributor's entry sits beside the ontology when it is validated and compiled, so one
`pg:Inspection rdfs:subClassOf owl:Nothing` would make every inspection inconsistent, and one
`owl:sameAs` between two organisations would merge their histories: both pass every shape.
"""

from __future__ import annotations

import pyoxigraph as ox

from . import literals
from .errors import cut, printable
from .namespaces import PGID, PREFIXES, RDF_TYPE, compact

# the W3C schema vocabularies: an entry uses only these of their predicates, and none of their classes as a type
_SCHEMA = (PREFIXES["rdfs"], PREFIXES["owl"], PREFIXES["rdf"])
_ALLOWED_SCHEMA_PREDICATES = {PREFIXES["rdfs"] + n for n in ("label", "comment", "seeAlso")} | {RDF_TYPE}
_SAME_AS = PREFIXES["owl"] + "sameAs"
# the project's own terms: the ontology (pg:) and its vocabularies (pgv:, concepts included)
_OWN_TERMS = (PREFIXES["pg"], PREFIXES["pgv"], PREFIXES["pgsh"])


def literal_problems(triples: list[ox.Triple]) -> list[tuple[ox.Triple, str]]:
    """Triples whose object is an ill-typed literal, with what is wrong."""
    out = []
    for t in triples:
        if isinstance(t.object, ox.Literal) and t.object.language is None:
            why = literals.problem(t.object.value, t.object.datatype.value)
            if why:
                out.append((t, why))
    return out


def schema_problems(triples: list[ox.Triple], exists) -> list[tuple[ox.Triple, str, str]]:
    """(triple, problem, hint) for triples that change the ontology or equate nodes; `exists(iri)` says
    whether the graph already has a node."""
    out = []
    for t in triples:
        s, p, o = t.subject, t.predicate.value, t.object
        if isinstance(s, ox.NamedNode) and not focusable(s.value):
            out.append((t, f"the node {printable(cut(s.value))} has an IRI that is not http(s) or urn:",
                        "give every node an IRI under pgid: (https://w3id.org/probgraph/id/)"))
        elif isinstance(s, ox.NamedNode) and s.value.startswith(_OWN_TERMS):
            out.append((t, f"changes {compact(s.value)}, a term of probgraph's ontology",
                        "an entry describes instances; propose ontology changes in ontology/probgraph.ttl"))
        elif p == _SAME_AS:
            both = [n for n in (s, o) if isinstance(n, ox.NamedNode) and n.value.startswith(PGID) and exists(n.value)]
            what = "two existing nodes" if len(both) == 2 else "nodes"
            out.append((t, f"owl:sameAs equates {what} ({cell_name(s)} and {cell_name(o)})",
                        "reuse the existing IRI instead of declaring two the same"))
        elif p.startswith(_SCHEMA) and p not in _ALLOWED_SCHEMA_PREDICATES:
            out.append((t, f"{compact(p)} defines schema, which an entry may not do",
                        "describe the node with pg: properties; classes and properties live in the ontology"))
        elif p == RDF_TYPE and isinstance(o, ox.NamedNode) and o.value.startswith(_SCHEMA):
            made = "an existing node" if isinstance(s, ox.NamedNode) and exists(s.value) else "a node"
            out.append((t, f"types {made} as {compact(o.value)}, which makes it part of the schema",
                        "type the node with a pg: class such as pg:Inspection"))
    return out


def focusable(iri: str) -> bool:
    """Whether pySHACL takes the IRI as a focus node (it reads anything else as a prefixed name)."""
    return iri.lower().startswith(("http:", "https:", "urn:", "file:"))


def cell_name(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    return compact(term.value) if isinstance(term, ox.NamedNode) else str(term)
