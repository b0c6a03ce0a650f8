"""Each list of terms in one place (issue 12, item 4): what the shapes follow backwards from a node is what
entry validation puts in the context, so an entry is checked on everything its shapes read."""

from __future__ import annotations

import re

from rdflib import Graph, URIRef

from probgraph.namespaces import PREFIXES, expand
from probgraph.validation import _BACKLINKS

from conftest import ROOT

SH = "http://www.w3.org/ns/shacl#"
TERM = r"(?:\$this|\?\w+|[a-z]+:[A-Za-z]+|<[^>]+>)"


def shapes() -> Graph:
    g = Graph()
    for f in sorted((ROOT / "shapes").glob("*.ttl")):
        g.parse(f, format="turtle")
    return g


def patterns(select: str) -> list[tuple[str, str, str]]:
    """The simple triple patterns (subject, predicate, object) of a SPARQL query, `;` lists expanded."""
    body = select[select.index("{") + 1:]
    body = re.sub(r"FILTER\s*\((?:[^()]|\([^()]*\))*\)|BIND\s*\([^)]*\)", " ", body)
    body = re.sub(r"FILTER\s+(NOT\s+)?EXISTS|OPTIONAL|MINUS|UNION|[{}]", " . ", body)
    out = []
    for statement in body.split(" . "):
        statement = statement.strip().rstrip(".").strip()
        parts = [p.strip() for p in statement.split(";")]
        first = re.match(rf"^({TERM})\s+({TERM})\s+(.+)$", parts[0], re.DOTALL) if parts[0] else None
        if not first:
            continue
        subject = first[1]
        objects = rf"^({TERM}(?:\s*,\s*{TERM})*)$"
        if re.match(objects, first[3].strip()):
            out += [(subject, first[2], o.strip()) for o in first[3].split(",")]
        for part in parts[1:]:
            m = re.match(rf"^({TERM})\s+({TERM}(?:\s*,\s*{TERM})*)$", part)
            if m:
                out += [(subject, m[1], o.strip()) for o in m[2].split(",")]
    return out


def backwards_links() -> set[str]:
    """Properties a shape reads from another node towards the focus node (or a node the focus reaches)."""
    g = shapes()
    links = {str(o) for o in g.objects(None, URIRef(SH + "inversePath"))}
    for select in g.objects(None, URIRef(SH + "select")):
        bound = {"$this"}
        for s, _, o in patterns(str(select)):
            if s in bound:
                bound.add(o)
        for s, p, o in patterns(str(select)):
            if o in bound and s not in bound and p.split(":", 1)[0] in PREFIXES:
                links.add(expand(p))
    return links


def test_the_pattern_reader_finds_backwards_links():
    got = patterns("SELECT $this WHERE { $this pg:chiefInspector ?ci . FILTER NOT EXISTS { ?t pg:holder ?ci ; "
                   "pg:startDate ?s } }")
    assert ("?t", "pg:holder", "?ci") in got and ("$this", "pg:chiefInspector", "?ci") in got
    assert ("?t", "pg:startDate", "?s") in got


def test_every_backwards_link_of_the_shapes_is_in_the_validation_context():
    links = backwards_links()
    assert PREFIXES["pg"] + "holder" in links and PREFIXES["pg"] + "ownedOrganisation" in links
    missing = links - _BACKLINKS
    assert not missing, f"shapes follow {sorted(missing)} backwards; add them to validation._BACKLINKS"


# ---------------------------------------------------------------- root classes and annotations (issue 12)

PG = PREFIXES["pg"]
_ASSERTED = "<urn:probgraph:asserted>"


def test_every_kind_the_data_types_is_a_pg_entity(store):
    """Labels, sources, dates and concepts are checked on pg:Entity: a kind outside it would go unchecked."""
    from probgraph.compile import ASSERTED_GRAPH

    rows = store.query(f"""SELECT DISTINCT ?class WHERE {{
        GRAPH <{ASSERTED_GRAPH.value}> {{ ?x a ?class }}
        FILTER (STRSTARTS(STR(?x), "https://w3id.org/probgraph/id/"))
        FILTER NOT EXISTS {{ ?class <{PREFIXES['rdfs']}subClassOf>* <{PG}Entity> }}
    }}""")
    # org:Post is W3C ORG's class, not one of probgraph's kinds: posts carry no dates or concepts to check
    assert [r["class"].value for r in rows] == [PREFIXES["org"] + "Post"]


def test_every_subject_of_a_date_or_scheme_property_is_a_pg_entity(store):
    """DateShape and ConceptSchemeShape target pg:Entity: every node with such a property is one, so they
    check what targeting the subjects of each property did."""
    rows = store.query(f"""SELECT DISTINCT ?x ?p WHERE {{
        ?p <{PG}rangeScheme>|<{PG}rangeDatatype> ?any . ?x ?p ?v .
        FILTER NOT EXISTS {{ ?x a <{PG}Entity> }}
    }}""")
    assert [(r["x"].value, r["p"].value) for r in rows] == []


def test_every_scheme_a_property_ranges_over_has_an_example_concept():
    """ConceptSchemeShape's hint names the scheme's skos:example, so each scheme has one, in the scheme."""
    g = Graph()
    for f in sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(f, format="turtle")
    skos = PREFIXES["skos"]
    for scheme in set(g.objects(None, URIRef(PG + "rangeScheme"))):
        examples = list(g.objects(scheme, URIRef(skos + "example")))
        assert len(examples) == 1, f"{scheme} needs one skos:example"
        assert (examples[0], URIRef(skos + "inScheme"), scheme) in g, f"{examples[0]} is not in {scheme}"


def test_every_constraint_has_a_message_and_a_hint_that_parses():
    """The hints are data beside the messages (pgsh:hint); filled with a sample node, each is Turtle."""
    import pyoxigraph as ox

    from probgraph.hints import as_turtle

    g = shapes()
    constraints = list(g.objects(None, URIRef(SH + "property"))) + list(g.objects(None, URIRef(SH + "sparql")))
    assert len(constraints) > 80
    for c in constraints:
        owner = list(g.subjects(None, c))
        assert g.value(c, URIRef(SH + "message")) is not None, f"a constraint of {owner} has no message"
        hint = g.value(c, URIRef(PREFIXES["pgsh"] + "hint"))
        assert hint is not None, f"{g.value(c, URIRef(SH + 'message'))!r} has no pgsh:hint"
        filled = re.sub(r"\{\?\w+\}", "pg:startDate", str(hint).replace("$this", "organisation:sample"))
        parsed = list(ox.parse(as_turtle(filled).encode("utf-8"), format=ox.RdfFormat.TURTLE))
        assert parsed, f"{hint!r} has no triple"


def test_hints_name_only_terms_the_ontology_and_vocabularies_define():
    """A hint that suggests an undefined term (pgv:rating/good, say) would not help."""
    g = Graph()
    for f in sorted((ROOT / "ontology").glob("*.ttl")):
        g.parse(f, format="turtle")
    defined = {str(s) for s in g.subjects()}
    vocab = tuple(PREFIXES[p] for p in ("pg", "rating", "aspect", "certainty", "document-type", "exactness",
                                        "programme", "risk-tier", "succession-kind", "theme"))
    for hint in shapes().objects(None, URIRef(PREFIXES["pgsh"] + "hint")):
        code = str(hint).split("#", 1)[0] + " " + str(hint).split("#", 1)[-1]
        for name in re.findall(r"(?<![\w:/])([a-z][a-z-]*:[A-Za-z][\w-]*)", code):
            iri = expand(name)
            if iri and iri.startswith(vocab):
                assert iri in defined, f"{hint!r} names {name}, which the ontology does not define"
