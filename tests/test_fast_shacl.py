"""rudof (the fast whole-graph engine) gives pySHACL's results (the reference), result for result."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from probgraph import fast_shacl, resources, validation
from probgraph.parsing import one_graph, read_turtle, to_rdflib

from conftest import ROOT
from corpus import entry_reports

ENTRIES = sorted((ROOT / "tests" / "entries").rglob("*.ttl")) + sorted((ROOT / "examples").rglob("*.ttl"))


def keys(results) -> set[tuple]:
    return {r.key() for r in results}


@pytest.mark.reference
def test_rudof_gives_pyshacl_results_on_the_whole_graph():
    fast = validation.validate_graph(engine="rudof")
    reference = validation.validate_graph(engine="pyshacl")
    assert keys(fast.results) == keys(reference.results)


def both(triples: list[ox.Triple]) -> tuple[set, set]:
    fast = fast_shacl.validate(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), validation.shapes_nt())
    reference, _ = validation.run_shacl(to_rdflib(triples))
    return keys(fast), keys(reference)


@pytest.mark.reference
def test_rudof_gives_pyshacl_results_on_every_entry_and_example():
    # every test entry and example at once, beside the ontology: each shape's failing and passing cases
    assert len(ENTRIES) > 50
    ontology = [t for f in resources.turtle_files("ontology") for t in read_turtle(f)]
    triples = ontology + [t for f in ENTRIES for t in read_turtle(f)]
    fast, reference = both(triples)
    assert len(reference) > 50  # the bad entries fail, so there is much to agree on
    assert fast == reference


@pytest.mark.parametrize("entry", [p for p in ENTRIES if "invalid" in p.parts or "bad" in p.parts][:6],
                         ids=lambda p: p.name)
def test_rudof_finds_what_a_bad_entry_breaks(entry: Path):
    ontology = [t for f in resources.turtle_files("ontology") for t in read_turtle(f)]
    fast, reference = both(ontology + read_turtle(entry))
    assert fast == reference and fast


def test_shapes_focused_on_some_nodes_give_those_nodes_results_as_before():
    # fast_shacl.focused_shapes: every entry and example at once, half their nodes in focus (every kind of
    # target the shapes use, subclass instances included): the same results for those nodes as the whole run
    ontology = [t for f in resources.turtle_files("ontology") for t in read_turtle(f)]
    triples = ontology + [t for f in ENTRIES for t in read_turtle(f)]
    nodes = sorted({t.subject.value for t in triples if t.subject.value.startswith(validation.PGID)})
    focus = set(nodes[::2])
    whole = fast_shacl.validate(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), validation.shapes_nt())
    expected = {r.key() for r in whole if validation.expand(r.focus) in focus}
    focused = fast_shacl.run_on(triples, validation.shapes_nt(), focus)
    assert len(expected) > 20 and keys(focused) == expected
    shapes = fast_shacl.focused_shapes(validation.shapes_nt(), triples, focus)
    targets = [t for t in ox.parse(shapes, format=ox.RdfFormat.N_TRIPLES) if "#target" in t.predicate.value]
    assert targets and {t.predicate.value for t in targets} == {fast_shacl.SH + "targetNode"}
    assert {t.object.value for t in targets} <= focus


def test_rudof_messages_and_values_read_like_pyshacl_ones(tmp_path):
    ontology = [t for f in resources.turtle_files("ontology") for t in read_turtle(f)]
    entry = read_turtle(ROOT / "examples" / "invalid" / "inspection-rating-as-string.ttl")
    results = fast_shacl.validate(ox.serialize(ontology + entry, format=ox.RdfFormat.N_TRIPLES),
                                  validation.shapes_nt())
    rating = [r for r in results if r.path == "pg:overallRating"]
    assert rating and rating[0].value == '"Good" (a plain string)'
    assert rating[0].message.startswith("pg:overallRating must be one of")


@pytest.mark.reference
@pytest.mark.parametrize("entry", ENTRIES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_entry_validation_by_rudof_gives_pyshacl_report(entry: Path):
    # the entry path (a slice of the graph around the entry, results of its focus nodes only): rudof is the
    # default engine, pySHACL the reference; every field of every result must agree, file and line included
    # rudof's is the report test_shapes checks against the entry's header; both engines check one preparation
    # of the entry (validation.prepare_entries), which no engine changes
    fast, reference = entry_reports(entry, ("rudof", "pyshacl"))
    assert fast.results == reference.results
    assert fast.exit_code() == reference.exit_code()
    report = list(ox.parse(fast.report_turtle, format=ox.RdfFormat.TURTLE))
    shown = [t for t in report if t.predicate.value == fast_shacl.SH + "result"]
    assert len(shown) >= len([r for r in fast.results if r.shape])  # one report result per SHACL finding, at least


def test_entry_report_holds_only_the_entrys_results():
    entry = ROOT / "examples" / "invalid" / "inspection-rating-as-string.ttl"
    report = validation.validate_entries([str(entry)])
    triples = list(ox.parse(report.report_turtle, format=ox.RdfFormat.TURTLE))
    focus = {t.object.value for t in triples if t.predicate.value == fast_shacl.SH + "focusNode"}
    assert focus == {validation.expand(r.focus) for r in report.results}
    conforms = [t.object.value for t in triples if t.predicate.value == fast_shacl.SH + "conforms"]
    assert conforms == ["false"]


def test_unknown_engine_is_refused():
    with pytest.raises(validation.UsageError):
        validation.validate_entries([str(ENTRIES[0])], engine="fast")


def test_the_reference_parses_each_query_once_with_the_same_answers():
    # pySHACL's data graph (parsed_once.py) answers as rdflib does; a text differing only in the order of
    # its PREFIX lines is parsed once; a text declaring one prefix twice is left as it is (the last one wins)
    from rdflib import Graph, URIRef

    from probgraph.parsed_once import ParsedOnce, _prepared, in_order

    g = Graph()
    g.parse(data="@prefix ex: <https://example.org/> . ex:a ex:p ex:b . ex:b ex:p ex:c .", format="turtle")
    texts = ["PREFIX ex: <https://example.org/>\nPREFIX z: <urn:z:>\n\nSELECT ?o WHERE { $this ex:p ?o }",
             "PREFIX z: <urn:z:>\nPREFIX ex: <https://example.org/>\n\nSELECT ?o WHERE { $this ex:p ?o }"]
    assert in_order(texts[1]) == texts[0]
    twice = "PREFIX ex: <urn:x:>\nPREFIX ex: <https://example.org/>\nASK { ex:a ex:p ex:b }"
    assert in_order(twice) == twice and ParsedOnce(g).query(twice).askAnswer
    before = _prepared.cache_info().misses
    for text in texts:
        for node in ("a", "b", "c"):
            this = {"this": URIRef("https://example.org/" + node)}
            assert list(ParsedOnce(g).query(text, initBindings=this)) == list(g.query(text, initBindings=this))
    assert _prepared.cache_info().misses == before + 1
    # a prefix the text does not declare is the graph's, as it is when the query is asked
    late = "SELECT ?o WHERE { late:a late:p ?o }"
    g.add((URIRef("urn:x:a"), URIRef("urn:x:p"), URIRef("urn:x:z")))
    found = []
    for namespace in ("https://example.org/", "urn:x:"):
        g.bind("late", namespace, replace=True)
        found.append(list(ParsedOnce(g).query(late)))
        assert found[-1] == list(g.query(late))
    assert found[0] != found[1]


def corpus_triples() -> list[ox.Triple]:
    ontology = [t for f in resources.turtle_files("ontology") for t in read_turtle(f)]
    return ontology + [t for f in ENTRIES for t in read_turtle(f)]


def answers(graph, samples, ordered: bool = True) -> list:
    """What a graph answers for each rdflib lookup the references make, around each sampled triple (the order
    of each answer too, unless a graph has been changed: rdflib's store and this one append differently)."""
    from collections import Counter

    from rdflib import URIRef

    bag = list if ordered else Counter

    out: list = [len(graph), set(graph)]
    for s, p, o in samples:
        for pattern in [(s, None, None), (None, p, None), (None, None, o), (s, p, None), (s, None, o),
                        (None, p, o), (s, p, o)]:
            out += [set(graph.triples(pattern)), pattern in graph]
        out += [(s, p, o) in graph, (o, p, s) in graph, (s, URIRef("urn:x:none"), o) in graph,
                bag(graph.objects(s, p)), bag(graph.subjects(p, o)), bag(graph.subject_objects(p)),
                bag(graph.predicate_objects(s)), bag(graph.subject_predicates(o)),
                set(graph.objects(s, None, unique=True)), set(graph.subjects(p, [o, s])),
                set(graph.triples((s, p * "*", None))), set(graph.triples((None, p | RDF_TYPE, o)))]
    return out


RDF_TYPE = __import__("rdflib").RDF.type


def test_the_one_graph_store_answers_as_rdflibs_default_store():
    # parsing.one_graph (ref_graph.HeldGraph: owlrl's and pySHACL's graphs, and ParsedOnce over its store, which
    # pySHACL is handed): every lookup pattern and graph method, membership, length, removal, a duplicate add and
    # rdflib's store interface, as rdflib's own store, in the same order where rdflib's order is its store's
    from rdflib import Graph

    from probgraph.parsed_once import ParsedOnce
    from probgraph.ref_graph import HeldGraph

    triples = corpus_triples()
    ours, theirs = to_rdflib(triples), to_rdflib(triples, Graph())
    assert isinstance(ours, HeldGraph) and type(theirs) is Graph
    assert len(ours) == len(theirs) == len(set(triples)) > 1000
    samples = list(theirs)[::97]
    assert answers(ours, samples) == answers(theirs, samples) == answers(ParsedOnce(ours), samples)
    assert {t for t, _ in ours.store.triples((None, samples[0][1], None))} == set(theirs.triples(
        (None, samples[0][1], None)))
    s, p, o = samples[1]
    for graph in (ours, theirs):
        graph.remove((s, p, None))
        graph.add((s, p, s))
        graph.add((s, p, s))
        graph.remove((None, None, o))
    assert answers(ours, samples, False) == answers(theirs, samples, False)
    for graph in (ours, theirs):  # a subject's every triple gone: it is in no index (HeldStore drops empty dicts)
        graph.remove((s, None, None))
    assert answers(ours, samples, False) == answers(theirs, samples, False)
    assert s not in ours.store.spo and (s, p, s) not in ours
    assert len(one_graph()) == 0


@pytest.mark.reference
def test_pyshacl_reports_the_same_on_the_one_graph_store_as_on_rdflibs_own():
    # the reference engine's data graph lives in parsing.one_graph's store: on every entry and example at once,
    # pySHACL's report there is the report it gives on rdflib's default (context-aware) store, result for
    # result and statement for statement (each result a fresh blank node; the other terms are the inputs')
    from collections import Counter

    from rdflib import Graph, URIRef
    from rdflib.namespace import RDF

    def described(report) -> Counter:
        results = set(report.subjects(RDF.type, URIRef(fast_shacl.SH + "ValidationResult")))
        return Counter(frozenset(report.predicate_objects(r)) for r in results)

    triples = corpus_triples()
    ours, our_report = validation.run_shacl(to_rdflib(triples))
    theirs, their_report = validation.run_shacl(to_rdflib(triples, Graph()))
    assert len(ours) > 50 and ours == theirs
    assert len(our_report) == len(their_report)
    assert described(our_report) == described(their_report)


def test_focused_shapes_leave_out_only_shapes_that_can_check_nothing():
    # fast_shacl._without_idle_shapes: a node shape without a target left goes, with its property shapes,
    # unless another shape refers to it (sh:node) or it is a class too (its own target)
    shapes = b"".join(line.encode() + b"\n" for line in [
        f"<urn:x:A> <{fast_shacl._RDF_TYPE}> <{fast_shacl.SH}NodeShape> .",
        f"<urn:x:A> <{fast_shacl.SH}targetClass> <urn:x:C> .",
        f"<urn:x:A> <{fast_shacl.SH}node> <urn:x:B> .",
        f"<urn:x:B> <{fast_shacl._RDF_TYPE}> <{fast_shacl.SH}NodeShape> .",
        f"<urn:x:B> <{fast_shacl.SH}property> _:pb .",
        f"_:pb <{fast_shacl.SH}path> <urn:x:p> .",
        f"<urn:x:D> <{fast_shacl._RDF_TYPE}> <{fast_shacl.SH}NodeShape> .",
        f"<urn:x:D> <{fast_shacl.SH}targetClass> <urn:x:Other> .",
        f"<urn:x:D> <{fast_shacl.SH}property> _:pd .",
        f"_:pd <{fast_shacl.SH}path> <urn:x:q> .",
        f"<urn:x:K> <{fast_shacl._RDF_TYPE}> <{fast_shacl.SH}NodeShape> .",
        f"<urn:x:K> <{fast_shacl._RDF_TYPE}> <{fast_shacl._SUBCLASS.rsplit('#', 1)[0]}#Class> ."])
    data = [ox.Triple(ox.NamedNode("urn:x:n"), ox.NamedNode(fast_shacl._RDF_TYPE), ox.NamedNode("urn:x:C"))]
    kept = [q.triple for q in ox.parse(fast_shacl.focused_shapes(shapes, data, {"urn:x:n"}),
                                       format=ox.RdfFormat.N_TRIPLES)]
    subjects = {t.subject.value if isinstance(t.subject, ox.NamedNode) else "_" for t in kept}
    assert subjects == {"urn:x:A", "urn:x:B", "urn:x:K", "_"}
    assert {t.object.value for t in kept if t.predicate.value == fast_shacl.SH + "path"} == {"urn:x:p"}
    assert ox.Triple(ox.NamedNode("urn:x:A"), ox.NamedNode(fast_shacl.SH + "targetNode"),
                     ox.NamedNode("urn:x:n")) in kept
