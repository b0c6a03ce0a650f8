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
