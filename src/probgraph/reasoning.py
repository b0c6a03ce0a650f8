"""The OWL 2 RL closure of ontology + data, cleaned of what owlrl adds that nobody wants.

owlrl is the only Python reasoner that implements property chains (prp-spo2), which derive
pg:succeededBy from succession events; `reasonable` does not (engineering-anchors.md, 0.2).
"""

from __future__ import annotations

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF

# Subjects in these namespaces are the reasoner's axioms about the W3C vocabularies themselves.
_AXIOMATIC = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    "http://www.w3.org/2002/07/owl#",
    "http://www.w3.org/2001/XMLSchema#",
)


def close(asserted: Graph) -> Graph:
    """Return a new graph: `asserted` plus its cleaned OWL 2 RL closure (the input is not changed)."""
    import owlrl

    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(closure)
    return clean(closure, asserted)


def clean(closure: Graph, asserted: Graph) -> Graph:
    """Drop literal-subject triples, reflexive owl:sameAs, owl:Thing typing and inferred axioms.

    Literal subjects make the export unloadable in stores (OWL-RL#63); reflexive sameAs made
    the Turtle export differ between processes (engineering-anchors.md, 3.2).
    """
    drop = []
    for s, p, o in closure:
        if isinstance(s, Literal):
            drop.append((s, p, o))
        elif p == OWL.sameAs and s == o:
            drop.append((s, p, o))
        elif p == RDF.type and o in (OWL.Thing, OWL.Nothing):
            drop.append((s, p, o))
        elif isinstance(s, URIRef) and str(s).startswith(_AXIOMATIC) and (s, p, o) not in asserted:
            drop.append((s, p, o))
    for t in drop:
        closure.remove(t)
    return closure
