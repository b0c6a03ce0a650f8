"""Every datatype the ontology and the data use has a well-formedness check, and the data passes it."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

import probgraph
from probgraph import resources
from probgraph.entry_rules import literal_problems
from probgraph.literals import CHECKS, XSD, problem

# one well-formed and one ill-formed value for each datatype the ontology or data uses
EXAMPLES = {
    "date": ("2020-02-29", "2019-02-30"),
    "gYearMonth": ("2019-03", "2019-13"),
    "gYear": ("2019", "19"),
    "integer": ("8", "8.0"),
    "decimal": ("0.75", "1e5"),
    "boolean": ("true", "yes"),
    "anyURI": ("https://example.org/a", "https://example.org/a b"),
    "string": ("anything at all", None),
}


def used_datatypes() -> set[str]:
    used = set()
    for f in resources.graph_inputs():
        for q in ox.parse(path=str(f), format=ox.RdfFormat.TURTLE):
            o = q.object
            if isinstance(o, ox.Literal) and not o.language:
                used.add(o.datatype.value)
            if isinstance(o, ox.NamedNode) and o.value.startswith(XSD):
                used.add(o.value)
    return used


def test_every_datatype_in_use_has_a_check_and_examples():
    used = used_datatypes()
    assert XSD + "date" in used and XSD + "gYearMonth" in used
    missing = sorted(d for d in used if d.startswith(XSD) and d not in CHECKS)
    assert not missing, f"no well-formedness check for {missing}"
    assert {d[len(XSD):] for d in used if d.startswith(XSD)} <= set(EXAMPLES)


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_good_and_bad_values(name):
    good, bad = EXAMPLES[name]
    assert problem(good, XSD + name) is None
    if bad is not None:
        assert problem(bad, XSD + name)
    spaced = problem(f" {good} ", XSD + name)
    assert spaced is None if name == "string" else spaced == "remove the spaces around the value"


def test_calendar():
    assert problem("2000-02-29", XSD + "date") is None  # divisible by 400
    assert "28 days" in problem("1900-02-29", XSD + "date")
    assert "30 days" in problem("2019-04-31", XSD + "date")
    assert problem("2019-04-30Z", XSD + "date") is None


def test_the_data_has_no_ill_typed_literal():
    entry = probgraph.compile_graph()
    triples = [q.triple for q in ox.parse(path=str(entry.asserted_nt), format=ox.RdfFormat.N_TRIPLES)]
    assert literal_problems(triples) == []
