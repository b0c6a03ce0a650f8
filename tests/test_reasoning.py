"""The reasoner derives succession and the lineage; nothing derived is asserted by hand."""

from __future__ import annotations

PG = "https://w3id.org/probgraph/ontology#"
ID = "https://w3id.org/probgraph/id/org/"


def ask(store, q: str) -> bool:
    return bool(store.query(f"PREFIX pg: <{PG}> PREFIX id: <{ID}> ASK {{ {q} }}"))


def test_north_east_lineage_is_derived(store):
    # Northumbria Probation Trust -> Northumbria CRC and NPS North East Division -> North East region
    assert ask(store, "id:northumbria-probation-trust pg:succeededBy id:northumbria-crc")
    assert ask(store, "id:northumbria-probation-trust pg:succeededBy id:nps-north-east-division")
    assert ask(store, "id:northumbria-crc pg:succeededBy id:north-east-region")
    assert ask(store, "id:nps-north-east-division pg:succeededBy id:north-east-region")
    assert ask(store, "id:northumbria-probation-trust pg:lineageSuccessor id:north-east-region")
    assert ask(store, "id:north-east-region pg:lineagePredecessor id:northumbria-probation-trust")
    assert ask(store, "id:north-east-region pg:lineagePredecessor id:durham-tees-valley-probation-trust")
    assert ask(store, "id:north-east-region pg:precededBy id:northumbria-crc")


def test_lineage_does_not_run_backwards(store):
    assert not ask(store, "id:north-east-region pg:lineageSuccessor id:northumbria-probation-trust")
    assert not ask(store, "id:northumbria-crc pg:succeededBy id:northumbria-probation-trust")


def test_dissolution_derives_no_successor(store):
    # the 31 October 2014 dissolution has no resulting organisation, so no link to the MoJ appears
    assert not ask(store, "id:northumbria-probation-trust pg:succeededBy id:moj")


def test_succession_is_never_asserted(store):
    asserted = "<https://w3id.org/probgraph/graph/asserted>"
    for p in ("succeededBy", "precededBy", "lineageSuccessor", "lineagePredecessor"):
        assert not ask(store, f"GRAPH {asserted} {{ ?a pg:{p} ?b }}"), p


def test_subclass_typing_is_derived(store):
    assert ask(store, "id:northumbria-crc a pg:ProbationProvider")
    assert ask(store, "id:northumbria-crc a pg:Organisation")


def test_closure_is_clean(store):
    # owlrl's artefacts are dropped before anyone sees the closure
    assert not ask(store, "?x <http://www.w3.org/2002/07/owl#sameAs> ?x")
    assert not ask(store, "?x a <http://www.w3.org/2002/07/owl#Thing>")
