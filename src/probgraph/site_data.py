"""What the site's pages show, read from the compiled store with a few SPARQL queries over all entities.

Each query runs once for the whole graph and its rows are grouped by entity, so building every page
costs a handful of queries, not several per page. Rows come back as plain strings (IRIs and literal
values), ordered, so the pages built from them are the same bytes every time.
"""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from .output import solutions_of

_PREFIXES = """PREFIX pg: <https://w3id.org/probgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX org: <http://www.w3.org/ns/org#>
"""

# name -> (the variable rows are grouped by, the query, the variables its rows are ordered by).
# The rows are ordered here, in Python, as ORDER BY STR(?a) STR(?b) ... would order them (an unbound value as
# the empty string, first), then by every column: pyoxigraph's ORDER BY cost 0.1 ms a row (about 1 s of the
# site's 1.6 s of queries), Python's sort of the same strings next to nothing.
QUERIES: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "entities": ("x", """
SELECT ?x ?class ?label WHERE {
  VALUES ?class { pg:Organisation pg:Inspection pg:Person pg:Place pg:SourceDocument }
  ?x a ?class . FILTER(isIRI(?x))
  OPTIONAL { ?x rdfs:label ?label }
}""", ("x", "label")),
    "alt_labels": ("x", """
SELECT ?x ?alt WHERE { ?x skos:altLabel ?alt }""", ("x", "alt")),
    "comments": ("x", """
SELECT ?x ?comment WHERE { ?x rdfs:comment ?comment FILTER(isIRI(?x)) }""", ("x", "comment")),
    "notes": ("x", """
SELECT ?x ?note WHERE { ?x pg:certaintyNote|pg:endDateConvention ?note }""", ("x", "note")),
    "org_kind": ("x", """
SELECT ?x ?kind WHERE {
  ?x a ?class . ?class rdfs:subClassOf pg:Organisation ; rdfs:label ?kind .
  FILTER NOT EXISTS { ?x a ?sub . ?sub rdfs:subClassOf ?class . FILTER (?sub != ?class) }
}""", ("x", "kind")),
    "dates": ("x", """
SELECT ?x ?start ?end WHERE {
  ?x a pg:Organisation .
  OPTIONAL { ?x pg:startDate ?start } OPTIONAL { ?x pg:endDate ?end }
  FILTER(BOUND(?start) || BOUND(?end))
}""", ("x", "start", "end")),
    "territory": ("x", """
SELECT ?x ?place WHERE { ?x a pg:Organisation ; pg:coversArea ?place }""", ("x", "place")),
    "parent": ("x", """
SELECT ?x ?parent WHERE { ?x pg:partOf ?parent . FILTER(?x != ?parent) }""", ("x", "parent")),
    "units": ("parent", """
SELECT ?parent ?x WHERE { ?x pg:partOf ?parent . FILTER(?x != ?parent) }""", ("parent", "x")),
    "owners": ("owned", """
SELECT ?owned ?owner ?from ?until WHERE {
  ?own a pg:Ownership ; pg:owner ?owner ; pg:ownedOrganisation ?owned .
  OPTIONAL { ?own pg:startDate ?from } OPTIONAL { ?own pg:endDate ?until }
}""", ("owned", "from", "owner")),
    "owns": ("owner", """
SELECT ?owner ?owned ?from ?until WHERE {
  ?own a pg:Ownership ; pg:owner ?owner ; pg:ownedOrganisation ?owned .
  OPTIONAL { ?own pg:startDate ?from } OPTIONAL { ?own pg:endDate ?until }
}""", ("owner", "from", "owned")),
    "caseloads": ("org", """
SELECT ?org ?date ?count ?exactness ?inferred WHERE {
  ?c a pg:CaseloadObservation ; pg:observedOrganisation ?org ; pg:count ?count .
  OPTIONAL { ?c pg:date ?date }
  OPTIONAL { ?c pg:exactness/skos:prefLabel ?exactness }
  BIND(IF(EXISTS { ?c pg:certainty ?any }, "yes", "no") AS ?inferred)
}""", ("org", "date", "count")),
    "inspections": ("insp", """
SELECT ?insp ?org ?published ?start ?end ?rating ?rank ?programme ?chief ?inferred WHERE {
  ?insp a pg:Inspection ; pg:inspected ?org .
  OPTIONAL { ?insp pg:reportPublished ?published }
  OPTIONAL { ?insp pg:fieldworkStart ?start } OPTIONAL { ?insp pg:fieldworkEnd ?end }
  OPTIONAL { ?insp pg:overallRating ?r . ?r skos:prefLabel ?rating ; pg:rank ?rank }
  OPTIONAL { ?insp pg:inspectionProgramme/skos:prefLabel ?programme }
  OPTIONAL { ?insp pg:chiefInspector ?chief }
  BIND(IF(EXISTS { ?insp pg:uncertainProperty pg:overallRating }, "yes", "no") AS ?inferred)
}""", ("insp", "org", "chief", "programme")),
    "aspects": ("insp", """
SELECT ?insp ?aspect ?rating WHERE {
  ?insp pg:aspectRating ?a . ?a pg:aspect/skos:prefLabel ?aspect .
  OPTIONAL { ?a pg:rating/skos:prefLabel ?rating }
}""", ("insp", "aspect", "rating")),
    "findings": ("insp", """
SELECT ?insp ?finding ?theme ?type ?statement WHERE {
  ?finding pg:findingOf ?insp ; pg:statement ?statement .
  OPTIONAL { ?finding pg:theme/skos:prefLabel ?theme }
  BIND(IF(EXISTS { ?finding a pg:Concern }, "concern", IF(EXISTS { ?finding a pg:Strength }, "strength", "finding"))
       AS ?type)
}""", ("insp", "theme", "finding")),
    "recommendations": ("insp", """
SELECT ?insp ?rec ?statement WHERE {
  ?rec pg:recommendationOf ?insp . OPTIONAL { ?rec pg:statement ?statement }
}""", ("insp", "rec")),
    "remarks": ("on", """
SELECT ?on ?remark ?by ?statement WHERE {
  ?remark pg:remarkOn ?on ; pg:statement ?statement . OPTIONAL { ?remark pg:madeBy ?by }
}""", ("on", "remark")),
    "tenures": ("person", """
SELECT ?person ?post ?from ?until ?interim WHERE {
  ?t a pg:Tenure ; pg:holder ?person ; pg:post/rdfs:label ?post .
  OPTIONAL { ?t pg:startDate ?from } OPTIONAL { ?t pg:endDate ?until }
  OPTIONAL { ?t pg:interim ?interim }
}""", ("person", "from", "post")),
    "within": ("x", """
SELECT ?x ?parent WHERE { ?x pg:withinPlace ?parent . FILTER(?x != ?parent) }""", ("x", "parent")),
    "coverage": ("place", """
SELECT DISTINCT ?place ?org ?from ?until WHERE {
  ?place a pg:Place ; pg:withinPlace* ?area .
  ?org pg:coversArea ?area .
  OPTIONAL { ?org pg:startDate ?ownFrom }
  OPTIONAL { ?org pg:partOf/pg:startDate ?parentFrom }
  BIND (COALESCE(?ownFrom, ?parentFrom) AS ?from)
  OPTIONAL { ?org pg:endDate ?until }
}""", ("place", "from", "until", "org")),
    "sources": ("x", """
SELECT ?x ?source WHERE { ?x prov:wasDerivedFrom ?source . ?source a pg:SourceDocument . FILTER(isIRI(?x)) }
""", ("x", "source")),
    "source_info": ("source", """
SELECT ?source ?url ?seed ?type ?publisher ?title WHERE {
  ?source a pg:SourceDocument .
  OPTIONAL { ?source pg:url ?url } OPTIONAL { ?source pg:seedFile ?seed }
  OPTIONAL { ?source pg:documentType/skos:prefLabel ?type }
  OPTIONAL { ?source dcterms:publisher ?publisher }
  OPTIONAL { ?source dcterms:title ?title }
}""", ("source", "url", "seed", "type", "publisher", "title")),
    "cited_by": ("source", """
SELECT ?source ?x WHERE { ?x prov:wasDerivedFrom ?source . ?source a pg:SourceDocument . FILTER(isIRI(?x)) }
""", ("source", "x")),
    "labels": ("x", """
SELECT ?x ?label WHERE { ?x rdfs:label|skos:prefLabel ?label . FILTER(isIRI(?x)) }""", ("x", "label")),
}

Rows = dict[str, list[dict[str, str]]]


def _value(term: ox.NamedNode | ox.Literal | ox.BlankNode | None) -> str:
    return "" if term is None else term.value


def read_all(store: ox.Store) -> dict[str, Rows]:
    """Every query's rows, grouped by entity IRI: {query name: {IRI: [row, ...]}}."""
    out: dict[str, Rows] = {}
    for name, (key, text, order) in QUERIES.items():
        grouped: Rows = defaultdict(list)
        solutions = solutions_of(store.query(_PREFIXES + text))
        names = [v.value for v in solutions.variables]
        rows = [{n: _value(sol[n]) for n in names} for sol in solutions]
        rows.sort(key=lambda row: [row[v] for v in order] + [row[n] for n in names])
        for row in rows:
            grouped[row[key]].append(row)
        out[name] = dict(grouped)
    return out
