"""Benchmark: territorial links derived at compile time (ontology/rules/custom/territory.ru) or at query time.

Usage: python benchmarks/territory.py [--runs 15]. Loads the compiled closure of the real graph into an
in-memory store (the anchor), times the rule on it, and times the predecessors pattern with the derived
pg:nextChange links against a query-time union of chains of one to five parts over the same area, checking
that both give the same rows. Prints a Markdown table; figures are reported, not asserted.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import pyoxigraph as ox

import probgraph

ROOT = Path(__file__).resolve().parent.parent
NEXT = ox.NamedNode("https://w3id.org/probgraph/ontology#nextChange")
HEAD = """PREFIX pg: <https://w3id.org/probgraph/ontology#> PREFIX org: <http://www.w3.org/ns/org#>
PREFIX dcterms: <http://purl.org/dc/terms/>
SELECT DISTINCT ?predecessor ?successor ?a WHERE { VALUES ?org { <https://w3id.org/probgraph/id/org/%s> } """
DERIVED = HEAD + """?last a pg:TerritorialChange ; org:resultingOrganization ?org . ?part pg:nextChange* ?last .
  ?part org:originalOrganization ?predecessor ; org:resultingOrganization ?successor ; dcterms:spatial ?a . }"""
HOP = """?p{i} a pg:TerritorialChange ; dcterms:spatial ?a ; org:resultingOrganization ?o{i} ; pg:date ?d{i} .
  ?p{j} org:originalOrganization ?o{i} ; pg:date ?d{j} . FILTER (STR(?d{i}) < STR(?d{j})) """


def query_time(depth: int) -> str:
    """The same rows without pg:nextChange: one union branch per chain length, the area held fixed."""
    branches = []
    for k in range(depth):
        body = "?p0 a pg:TerritorialChange ; org:resultingOrganization ?org ; dcterms:spatial ?a ; pg:date ?d0 . "
        body += "".join(HOP.format(i=i, j=i - 1) for i in range(1, k + 1))
        branches.append("{ " + body + f"BIND (?p{k} AS ?part) }}")
    return HEAD + " UNION ".join(branches) + """ ?part org:originalOrganization ?predecessor ;
  org:resultingOrganization ?successor ; dcterms:spatial ?a . }"""


def median_ms(f, runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        f()
        times.append(time.perf_counter() - t)
    return statistics.median(times) * 1000


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=15)
    runs = ap.parse_args().runs
    closure = probgraph.compile_graph().closure_nt
    base = [t for t in ox.parse(path=str(closure), format=ox.RdfFormat.N_TRIPLES) if t.predicate != NEXT]
    rule = (ROOT / "ontology" / "rules" / "custom" / "territory.ru").read_text(encoding="utf-8")

    def load() -> ox.Store:
        store = ox.Store()
        store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in base)
        return store

    anchor = median_ms(load, runs)
    stores = [load() for _ in range(runs)]
    rule_ms = median_ms(lambda: stores.pop().update(rule), runs)
    derived, plain = load(), load()
    derived.update(rule)
    rows = [("load the closure into a store (anchor)", f"{anchor:.1f} ms"),
            ("territory rule, one run", f"{rule_ms:.1f} ms")]
    for org in ("north-east-region", "wales-region", "lincolnshire-probation-trust"):
        a = {tuple(map(str, r)) for r in derived.query(DERIVED % org)}
        b = {tuple(map(str, r)) for r in plain.query(query_time(5) % org)}
        d = median_ms(lambda o=org: list(derived.query(DERIVED % o)), runs)
        q = median_ms(lambda o=org: list(plain.query(query_time(5) % o)), runs)
        rows.append((f"predecessors pattern, {org}: derived links / query time (same rows: {a == b})",
                     f"{d:.2f} ms / {q:.1f} ms"))
    print("| measurement | figure |\n|---|---|")
    for name, fig in rows:
        print(f"| {name} | {fig} |")


if __name__ == "__main__":
    main()
