"""One prefix per kind: the list in namespaces.py is the one every file, the CLI and the exports use."""

from __future__ import annotations

import re

import pyoxigraph as ox
import pytest

from probgraph.namespaces import (
    CONCEPT_SCHEMES,
    INSTANCE_FOLDERS,
    PGID,
    PGV,
    PREFIXES,
    compact,
    expand,
    sparql_prefixes,
    turtle_name,
    turtle_prefixes,
)

from conftest import ROOT

TURTLE_DIRS = ("data", "examples", "tests/entries", "ontology", "shapes")
DECLARATION = re.compile(r"^@prefix\s+([\w-]*):\s*<([^>]*)>", re.MULTILINE)


def turtle_files() -> list:
    return [p for d in TURTLE_DIRS for p in sorted((ROOT / d).rglob("*.ttl"))]


def test_compact_uses_the_kind_prefix_and_expand_reverses_it():
    assert compact(PGID + "org/northumbria-crc") == "organisation:northumbria-crc"
    assert compact(PGID + "programme/transforming-rehabilitation") == "reform:transforming-rehabilitation"
    assert compact(PGV + "programme/rated-crc-nps") == "programme:rated-crc-nps"
    assert compact(PGV + "rating") == "pgv:rating"
    assert compact("http://www.w3.org/ns/org#changedBy") == "org:changedBy"
    for name in ("organisation:northumbria-crc", "rating:good", "aspect-rating:2020-northumbria-crc-case-supervision"):
        assert compact(expand(name)) == name
    assert expand("pgid:org\\/northumbria-crc") == expand("pgid:org/northumbria-crc") == PGID + "org/northumbria-crc"


def test_compact_names_parse_as_turtle_or_fall_back_to_the_full_iri():
    odd = PGID + "org/a/b"
    assert compact(odd) == odd and turtle_name(odd) == f"<{odd}>"
    for iri in (PGID + "org/northumbria-crc", PGV + "rating/requires-improvement", odd, PGID + "event/x.y"):
        text = turtle_prefixes() + f"{turtle_name(iri)} a {turtle_name(iri)} .\n"
        (triple,) = [q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE)]
        assert triple.subject.value == iri


def test_sparql_prefixes_declare_every_name():
    q = sparql_prefixes() + "ASK { organisation:northumbria-crc pg:rating rating:good }"
    assert ox.Store().query(q) is not None


def test_every_concept_scheme_and_instance_folder_has_its_prefix():
    """The vocabulary's schemes and the folders data mints IRIs in are exactly the ones namespaces.py lists."""
    store = ox.Store()
    for f in turtle_files():
        if "/bad/" not in str(f):
            store.load(path=str(f), format=ox.RdfFormat.TURTLE)
    schemes = {s["s"].value[len(PGV):] for s in store.query(
        "SELECT ?s WHERE { ?s a <http://www.w3.org/2004/02/skos/core#ConceptScheme> }")}
    assert schemes == set(CONCEPT_SCHEMES)
    folders = {s["s"].value[len(PGID):].split("/", 1)[0] for s in store.query(
        f'SELECT DISTINCT ?s WHERE {{ ?s ?p ?o FILTER STRSTARTS(STR(?s), "{PGID}") }}')}
    assert folders == set(INSTANCE_FOLDERS.values())


@pytest.mark.parametrize("path", turtle_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_file_uses_the_canonical_prefixes_and_no_escaped_names(path):
    text = path.read_text(encoding="utf-8")
    for prefix, ns in DECLARATION.findall(text):
        assert PREFIXES.get(prefix) == ns, f"{path.name}: @prefix {prefix}: <{ns}> is not the canonical one"
    assert "\\/" not in text, f"{path.name}: write organisation:x, not pgid:org\\/x"
    kinds = [f"{PGID}{f}/" for f in INSTANCE_FOLDERS.values()] + [f"{PGV}{s}/" for s in CONCEPT_SCHEMES]
    body = DECLARATION.sub("", text)
    assert not any(f"<{k}" in body for k in kinds), f"{path.name}: write the prefixed name, not the full IRI"


def test_compact_gives_the_longest_namespace_that_leaves_a_plain_local_part(store):
    # every IRI of the compiled graph, and some that no prefix fits or only a shorter one does: the prefixed
    # name is that of the longest namespace whose local part needs no escapes (PLAIN), else the IRI itself
    from probgraph.namespaces import PREFIXES

    iris = {t.value for q in store for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode)}
    iris |= {PGID, PGID + "org/", PGID + "org/a/b", PGID + "org/-x", PGID + "org/x.", "https://example.org/x",
             "urn:x:y#z", PGV + "rating"}
    assert len(iris) > 1000
    for iri in iris:
        fits = sorted((-len(ns), p) for p, ns in PREFIXES.items()
                      if iri.startswith(ns) and (iri == ns or PLAIN.fullmatch(iri[len(ns):])))
        want = f"{fits[0][1]}:{iri[-fits[0][0]:]}" if fits else iri
        assert compact(iri) == want, iri
        if fits:
            assert expand(want) == iri


PLAIN = re.compile(r"[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_-])?")
