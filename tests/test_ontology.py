"""The ontology and vocabularies are complete: every term has a label and a definition."""

from __future__ import annotations

from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from conftest import ROOT

PG = "https://w3id.org/probgraph/ontology#"


def load(*names) -> Graph:
    g = Graph()
    for n in names:
        g.parse(ROOT / "ontology" / n)
    return g


def test_every_pg_term_has_label_and_definition():
    g = load("probgraph.ttl", "territory.ttl")
    terms = {s for t in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty) for s in g.subjects(RDF.type, t)
             if isinstance(s, URIRef) and str(s).startswith(PG)}
    assert len(terms) > 60
    for t in terms:
        assert g.value(t, RDFS.label) is not None, t
        assert g.value(t, SKOS.definition) is not None, t


def test_every_concept_is_in_a_scheme_with_a_label():
    g = load("vocabularies.ttl")
    concepts = set(g.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 50
    for c in concepts:
        assert g.value(c, SKOS.inScheme) is not None, c
        assert g.value(c, SKOS.prefLabel) is not None, c


def test_every_pg_term_used_in_data_is_declared(store):
    used = store.query(f"""SELECT DISTINCT ?t WHERE {{
        GRAPH <https://w3id.org/probgraph/graph/asserted> {{ {{ ?s ?t ?o }} UNION {{ ?s a ?t }} }}
        FILTER STRSTARTS(STR(?t), "{PG}") }} ORDER BY ?t""")
    g = load("probgraph.ttl", "territory.ttl")
    declared = {str(s) for s in g.subjects(RDF.type, None)}
    missing = [sol["t"].value for sol in used if sol["t"].value not in declared]
    assert not missing
