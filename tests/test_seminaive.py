"""Semi-naive rounds (seminaive.py) against the naive rounds (rules.fixpoint), on real stores and the real rules."""

from __future__ import annotations

import sys
from pathlib import Path

import pyoxigraph as ox
import pytest

from probgraph import compile as comp
from probgraph import resources, rules, seminaive
from probgraph.errors import UsageError

from conftest import ROOT

EX = "https://example.org/"


def closed(files: list[Path], semi: bool, rule_files: list[rules.RuleFile] | None = None) -> tuple[list[bytes], int]:
    """The canonical N-Quads of every graph after the rounds, and the number of rounds."""
    rule_files = rule_files if rule_files is not None else rules.load_rules()
    store = comp.load_inputs(files)
    rounds = rules.semi_naive_fixpoint(store, rule_files)[0] if semi else rules.fixpoint(store, rule_files)
    return comp.canonical_lines(store.dump(format=ox.RdfFormat.N_QUADS)), rounds


def test_semi_naive_equals_the_naive_fixpoint_on_the_real_graph():
    naive, _ = closed(resources.graph_inputs(), semi=False)
    semi, rounds = closed(resources.graph_inputs(), semi=True)
    assert semi == naive  # every graph: the scratch graphs are gone too
    assert len(semi) > 19000 and rounds > 2


def test_the_added_triples_are_the_closure_less_the_asserted_graph_each_once():
    store = comp.load_inputs(resources.graph_inputs())
    asserted = set(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines())
    _, added = rules.semi_naive_fixpoint(store, rules.load_rules())
    closure = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines()
    lines = added.splitlines()
    assert len(lines) == len(set(lines)) > 5000
    assert set(lines) == set(closure) - asserted


def test_a_template_of_two_triples_becomes_two_rules():
    rules_ = seminaive.parse(f"PREFIX ex: <{EX}>\nINSERT {{ ?a ex:r ?b . ?b ex:s ?a }} WHERE {{ ?a ex:p ?b }}")
    assert [r.template for r in rules_] == [f"?a <{EX}r> ?b", f"?b <{EX}s> ?a"]


def test_semi_naive_equals_the_naive_fixpoint_on_a_generated_graph(tmp_path):
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    generate(5000, tmp_path / "generated.ttl")
    files = resources.turtle_files("ontology") + [tmp_path / "generated.ttl"]
    assert closed(files, semi=True)[0] == closed(files, semi=False)[0]


def test_every_real_rule_file_is_rewritten():
    updates = [r for r in rules.load_rules() if not r.is_check]
    plan = seminaive.plan([r.text for r in updates])
    assert plan is not None
    # equality.ru alone holds six operations; each becomes one rule
    assert len(seminaive.parse(next(r.text for r in updates if r.path.name == "equality.ru"))) == 6


def test_abbreviations_prefixes_and_filters_are_read():
    [rule] = seminaive.parse("PREFIX ex: <https://example.org/>\n"
                             "INSERT { ?a ex:r ?c } WHERE { ?a a ex:C ; ex:p ?b , ?c . FILTER (?b != ?c) "
                             "?c ex:d \"x\"^^ex:t }")
    assert rule.template == f"?a <{EX}r> ?c"
    assert [p.text for p in rule.patterns] == [f"?a a <{EX}C>", f"?a <{EX}p> ?b", f"?a <{EX}p> ?c",
                                               f'?c <{EX}d> "x"^^<{EX}t>']
    assert [f.text for f in rule.filters] == ["FILTER ( ?b != ?c )"]
    assert rule.patterns[0].predicate == ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert rule.patterns[0].object == ox.NamedNode(EX + "C") and rule.patterns[1].object is None


@pytest.mark.parametrize("body", ["?s ex:p ?o OPTIONAL { ?o ex:q ?x }",
                                  "?s ex:p ?o FILTER NOT EXISTS { ?o ex:q ?s }",
                                  "{ ?s ex:p ?o } UNION { ?s ex:q ?o }",
                                  "?s ex:p* ?o"])
def test_bodies_beyond_patterns_and_filters_are_left_to_the_naive_rounds(body):
    text = f"PREFIX ex: <{EX}>\nINSERT {{ ?s ex:r ?o }} WHERE {{ {body} }}"
    with pytest.raises(seminaive.NotRewritable):
        seminaive.parse(text)
    assert seminaive.plan([text]) is None


def chain_store(n: int) -> ox.Store:
    store = ox.Store()
    node = [ox.NamedNode(f"{EX}n{i}") for i in range(n)]
    store.add(ox.Quad(node[0], ox.NamedNode(EX + "reach"), node[0]))
    for a, b in zip(node, node[1:], strict=False):
        store.add(ox.Quad(a, ox.NamedNode(EX + "next"), b))
    return store


def custom_rule(tmp_path: Path, text: str) -> rules.RuleFile:
    f = tmp_path / "r.ru"
    f.write_text(f"PREFIX ex: <{EX}>\n{text}", encoding="utf-8")
    return rules.parse_rule(f, "custom")


def test_the_rounds_cap_fails_loudly_and_leaves_no_scratch_graph(tmp_path):
    rule = custom_rule(tmp_path, "INSERT { ?a ex:reach ?c } WHERE { ?a ex:reach ?b . ?b ex:next ?c }")
    store = chain_store(10)
    with pytest.raises(UsageError, match="did not reach a fixpoint in 4 rounds"):
        rules.semi_naive_fixpoint(store, [rule], max_rounds=4)
    assert list(store.named_graphs()) == []
    store = chain_store(10)
    rounds, added = rules.semi_naive_fixpoint(store, [rule], max_rounds=20)
    assert rounds == 10  # nine steps, then one that adds nothing
    assert sorted(added.splitlines()) == sorted(f"<{EX}n0> <{EX}reach> <{EX}n{i}> .".encode() for i in range(1, 10))
    assert len(list(store.quads_for_pattern(None, ox.NamedNode(EX + "reach"), None))) == 10
    assert list(store.named_graphs()) == []


def test_a_rule_the_rewriter_cannot_read_falls_back_to_the_naive_rounds(tmp_path):
    rule = custom_rule(tmp_path, "INSERT { ?a ex:reach ?c } WHERE { ?a ex:reach ?b . ?b ex:next ?c "
                                 "OPTIONAL { ?c ex:label ?l } }")
    semi, naive = chain_store(6), chain_store(6)
    assert rules.semi_naive_fixpoint(semi, [rule]) == (rules.fixpoint(naive, [rule]), None)
    assert set(semi) == set(naive) and len(semi) == 11
