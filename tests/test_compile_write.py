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


def test_the_build_parses_the_bytes_the_key_hashed(tmp_path, monkeypatch):
    """Each input is read once in a cold compile: the bytes cache_key hashed are handed to the parse, and kept
    only while compiled() finds its key."""
    monkeypatch.setenv("PROBGRAPH_CACHE_DIR", str(tmp_path / "cache"))  # no fingerprint record: the key is hashed
    key, contents = comp._key_and_contents("native")
    inputs = comp.key_inputs("native")  # the graph's files and the rule files
    assert set(contents) == {str(f) for f in inputs}
    assert all(contents[str(f)] == f.read_bytes() for f in inputs)
    assert key == comp.cache_key(comp.key_inputs("native"), "native")
    assert getattr(comp._hashed, "contents", None) is None, "a plain cache_key keeps no bytes"


def test_load_inputs_takes_the_bytes_it_is_given_and_reads_the_rest(tmp_path, files):
    given = files[-1]
    other = tmp_path / "other.ttl"
    other.write_text("<https://example.org/a> <https://example.org/p> <https://example.org/b> .\n",
                     encoding="utf-8")
    contents = {str(given): b"<https://example.org/c> <https://example.org/p> <https://example.org/d> .\n"}
    store = comp.load_inputs([given, other], contents)
    subjects = {q.subject.value for q in store}
    assert subjects == {"https://example.org/a", "https://example.org/c"}, "the given bytes, not the file's"
    assert contents == {}, "taken as parsed, so nothing is held twice"


def test_given_bytes_over_the_limit_fail_like_a_file_read(tmp_path, monkeypatch):
    from probgraph import parsing
    from probgraph.errors import UsageError

    monkeypatch.setattr(parsing, "MAX_INPUT_BYTES", 10)
    with pytest.raises(UsageError, match="larger than the 10-byte limit"):
        parsing.load_turtle(ox.Store(), tmp_path / "big.ttl", b"<a> <b> <c> .\n")


def test_a_cold_compile_imports_neither_typing_nor_tempfile_nor_shutil(tmp_path):
    """Each costs a cold compile (the first command a new user runs) milliseconds to import: the entry's folders
    are made with os.mkdir, the rounds' spool is an O_TMPFILE file; the entry is the one compile always writes."""
    import os
    import subprocess
    import sys

    code = ("import sys, probgraph; entry = probgraph.compile_graph(); "
            "print(sorted({'typing', 'tempfile', 'shutil', 'random'} & set(sys.modules))); "
            "print(sorted(p.name for p in entry.path.iterdir()), oct(entry.path.stat().st_mode & 0o777))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PROBGRAPH_CACHE_DIR": str(tmp_path / "cache")})
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines() == ["[]", "['asserted.nt', 'closure.nt', 'meta.json', 'store'] 0o700"]
