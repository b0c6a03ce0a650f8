"""Statements are written in our own words: no run of eight words is copied from a seed or a note.

Names (labels), titles and URLs are citations and may match their sources; statements, comments,
definitions and notes may not.
"""

from __future__ import annotations

import re

import pytest

from conftest import SEEDS

REFERENCE = SEEDS.parent / "reference"
WINDOW = 8

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds/ is not beside this checkout")


def words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower().replace("’", "'"))


def windows(text: str) -> set[tuple[str, ...]]:
    w = words(text)
    return {tuple(w[i:i + WINDOW]) for i in range(len(w) - WINDOW + 1)}


def test_no_sentence_is_copied(store):
    sources = list(SEEDS.glob("*.txt")) + [p for p in REFERENCE.glob("*") if p.suffix in (".md", ".csv")]
    copied: set[tuple[str, ...]] = set()
    for p in sources:
        copied |= windows(p.read_text(encoding="utf-8"))
    literals = store.query("""SELECT DISTINCT ?node ?p ?text WHERE {
        GRAPH <https://w3id.org/probgraph/graph/asserted> { ?node ?p ?text }
        FILTER (?p IN (<https://w3id.org/probgraph/ontology#statement>, <http://www.w3.org/2000/01/rdf-schema#comment>,
                       <https://w3id.org/probgraph/ontology#certaintyNote>,
                       <https://w3id.org/probgraph/ontology#endDateConvention>,
                       <http://www.w3.org/2004/02/skos/core#definition>))
    } ORDER BY ?node ?p""")
    hits = []
    for sol in literals:
        common = windows(sol["text"].value) & copied
        if common:
            hits.append((sol["node"].value, sol["p"].value, " ".join(sorted(common)[0])))
    assert not hits, hits[:10]


def test_no_headline_is_copied_into_a_title_or_label(store):
    """Titles and labels may name things, but not repeat a source's sentences (ten words in a row)."""
    def long_windows(text: str) -> set[tuple[str, ...]]:
        w = words(text)
        return {tuple(w[i:i + 10]) for i in range(len(w) - 9)}

    copied: set[tuple[str, ...]] = set()
    for p in list(SEEDS.glob("*.txt")) + [p for p in REFERENCE.glob("*") if p.suffix in (".md", ".csv")]:
        copied |= long_windows(p.read_text(encoding="utf-8"))
    names = store.query("""SELECT DISTINCT ?node ?text WHERE {
        GRAPH <https://w3id.org/probgraph/graph/asserted> { ?node ?p ?text }
        FILTER (?p IN (<http://purl.org/dc/terms/title>, <http://www.w3.org/2000/01/rdf-schema#label>))
    } ORDER BY ?node ?text""")
    hits = [(sol["node"].value, sol["text"].value) for sol in names if long_windows(sol["text"].value) & copied]
    assert not hits, hits[:10]
