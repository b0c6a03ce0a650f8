"""What the graph holds: the counts the issues ask for, and provenance on every fact."""

from __future__ import annotations

from probgraph.namespaces import sparql_prefixes

PREFIXES = sparql_prefixes()


def scalar(store, q: str) -> int:
    return int(next(iter(store.query(PREFIXES + q)))["n"].value)


def test_national_counts(store):
    dissolved = 'SELECT (COUNT(*) AS ?n) WHERE { ?t a pg:ProbationTrust ; pg:endDate "2014-10-31"^^xsd:date }'
    assert scalar(store, dissolved) == 35
    assert scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t a pg:CommunityRehabilitationCompany }") == 21
    assert scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t a pg:NPSDivision }") == 7
    assert scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?t a pg:ProbationServiceRegion }") == 12
    assert scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?i a pg:Inspection }") == 136


def test_north_east_pdus_belong_to_the_region(store):
    n = scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?p a pg:ProbationDeliveryUnit ; "
                      "pg:partOf organisation:north-east-region }")
    assert n == 7


def test_every_source_has_a_url_or_a_seed_file(store):
    missing = scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?s a pg:SourceDocument "
                            "FILTER NOT EXISTS { ?s pg:url ?u } FILTER NOT EXISTS { ?s pg:seedFile ?f } }")
    assert missing == 0
    seeds = scalar(store, "SELECT (COUNT(DISTINCT ?f) AS ?n) WHERE { ?s pg:seedFile ?f }")
    assert seeds == 5


def test_every_inspection_cites_a_url(store):
    n = scalar(store, "SELECT (COUNT(*) AS ?n) WHERE { ?i a pg:Inspection "
                      "FILTER NOT EXISTS { ?i prov:wasDerivedFrom/pg:url ?u } }")
    assert n == 0


def test_every_fact_bearing_node_is_sourced(store):
    n = scalar(store, """SELECT (COUNT(*) AS ?n) WHERE {
        VALUES ?c { pg:Organisation pg:SuccessionEvent pg:Ownership pg:Inspection pg:Finding pg:Recommendation
                    pg:AspectRating pg:Remark pg:Person pg:Tenure pg:CaseloadObservation pg:Initiative pg:Place }
        ?x a ?c FILTER NOT EXISTS { ?x prov:wasDerivedFrom ?s } }""")
    assert n == 0
