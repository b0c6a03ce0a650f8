"""Every number and date the graph takes from a seed document really appears in that seed's text."""

from __future__ import annotations

import re

import pytest

from conftest import SEEDS

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
         10: "10", 21: "21", 20: "20"}

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds/ is not beside this checkout")

Q = """
PREFIX pg: <https://w3id.org/probgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
SELECT ?node ?p ?value ?file WHERE {
  GRAPH <https://w3id.org/probgraph/graph/asserted> {
    ?node prov:wasDerivedFrom ?src ; ?p ?value .
    ?src pg:seedFile ?file .
    FILTER NOT EXISTS { ?node prov:wasDerivedFrom ?other . FILTER NOT EXISTS { ?other pg:seedFile ?f2 } }
    FILTER (isLiteral(?value))
    FILTER (DATATYPE(?value) IN (<http://www.w3.org/2001/XMLSchema#integer>,
      <http://www.w3.org/2001/XMLSchema#date>, <http://www.w3.org/2001/XMLSchema#gYearMonth>))
  }
} ORDER BY ?node ?p ?value ?file
"""


def spellings(value: str, datatype: str) -> list[str]:
    if datatype.endswith("integer"):
        n = int(value)
        return [f"{n:,}", str(n)] + ([WORDS[n]] if n in WORDS else [])
    parts = value.split("-")
    month = MONTHS[int(parts[1]) - 1]
    if len(parts) == 3:
        day = int(parts[2])
        return [f"{day} {month} {parts[0]}", f"{day:02d} {month} {parts[0]}"]
    return [f"{month} {parts[0]}"]


def test_seed_figures_appear_in_their_seed(store):
    facts = list(store.query(Q))
    assert len(facts) >= 15, "expected the seed-only nodes to carry figures and dates"
    texts: dict[str, str] = {}
    missing = []
    for sol in facts:
        f = sol["file"].value
        text = texts.setdefault(f, re.sub(r"\s+", " ", (SEEDS / f).read_text(encoding="utf-8")))
        options = spellings(sol["value"].value, sol["value"].datatype.value)
        if not any(o in text for o in options):
            missing.append((sol["node"].value, sol["p"].value, sol["value"].value, f))
    assert not missing, missing


def test_seed_count_values_are_checked():
    # the figures named in the issue are all present, with their seed as a source
    from probgraph import select

    caseloads = {(r["count"], r["asOf"]) for r in select("caseloads")}
    assert {("18566", "2018-09-30"), ("3788", "2019-07"), ("3700", "2020-02")} <= caseloads
