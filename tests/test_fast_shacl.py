"""rudof (the fast whole-graph engine) gives pySHACL's results (the reference), result for result."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from probgraph import fast_shacl, resources, validation
from probgraph.parsing import read_turtle, to_rdflib

from conftest import ROOT

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


def test_rudof_messages_and_values_read_like_pyshacl_ones(tmp_path):
    ontology = [t for f in resources.turtle_files("ontology") for t in read_turtle(f)]
    entry = read_turtle(ROOT / "examples" / "invalid" / "inspection-rating-as-string.ttl")
    results = fast_shacl.validate(ox.serialize(ontology + entry, format=ox.RdfFormat.N_TRIPLES),
                                  validation.shapes_nt())
    rating = [r for r in results if r.path == "pg:overallRating"]
    assert rating and rating[0].value == '"Good" (a plain string)'
    assert rating[0].message.startswith("pg:overallRating must be one of")
