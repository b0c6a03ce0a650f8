"""How compile writes an entry: the asserted graph is made canonical first and written while the rules run, the
derived triples after; blank nodes must come out the same node in both writes, and the files byte-stable."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from probgraph import compile as comp
from probgraph import resources
from probgraph.cache import ASSERTED_GRAPH, CACHE_GRAPH

PG = "https://w3id.org/probgraph/ontology#"
RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
# the rules derive triples about the blank nodes: a type from pg:partOf's domain, org:subOrganizationOf from
# its super-property
DATA = """@prefix pg: <https://w3id.org/probgraph/ontology#> .
@prefix ex: <https://example.org/> .
_:unit pg:partOf ex:region ; ex:note "a literal with _:x in it" .
ex:pdu pg:partOf _:unit .
[] pg:partOf _:unit .
"""


@pytest.fixture
def files(tmp_path) -> list[Path]:
    f = tmp_path / "blank.ttl"
    f.write_text(DATA, encoding="utf-8")
    return resources.turtle_files("ontology") + [f]


def built(tmp_path: Path, files: list[Path], name: str, reasoner: str = "native") -> Path:
    target = tmp_path / name
    target.mkdir()
    comp.build(target, files, "0" * 32, reasoner)
    return target


def test_two_compiles_write_the_same_bytes(tmp_path, files):
    one, two = built(tmp_path, files, "one"), built(tmp_path, files, "two")
    for name in ("asserted.nt", "closure.nt"):
        assert (one / name).read_bytes() == (two / name).read_bytes()
    assert b"_:c14n" in (one / "closure.nt").read_bytes()


@pytest.mark.parametrize("reasoner", ["native", "owlrl"])
def test_the_store_holds_exactly_the_files_with_one_node_per_blank_label(tmp_path, files, reasoner):
    entry = built(tmp_path, files, "entry", reasoner)
    closure = (entry / "closure.nt").read_bytes().splitlines()
    asserted = (entry / "asserted.nt").read_bytes().splitlines()
    derived = [line for line in closure if line not in set(asserted)]
    assert any(b"_:" in line for line in derived), "the rules derived triples about blank nodes"
    store = ox.Store.read_only(str(entry / "store"))
    suffix = f" {ASSERTED_GRAPH} .".encode()
    held = [line for line in comp.canonical_lines(store.dump(format=ox.RdfFormat.N_QUADS))
            if CACHE_GRAPH.value.encode() not in line]
    # the store is the files' entry up to blank-node labels: the two writes agree on every blank node
    assert held == comp.canonical_lines(b"\n".join(closure + [line[:-2] + suffix for line in asserted]))
    # the unit stated part of ex:region (asserted graph) is the node typed pg:Organisation by the rules
    [unit] = [q.subject for q in store.quads_for_pattern(None, ox.NamedNode(PG + "partOf"),
                                                         ox.NamedNode("https://example.org/region"), ASSERTED_GRAPH)]
    assert isinstance(unit, ox.BlankNode)
    assert ox.Quad(unit, RDF_TYPE, ox.NamedNode(PG + "Organisation")) in store
    assert not list(store.quads_for_pattern(unit, RDF_TYPE, None, ASSERTED_GRAPH))
