"""An organisation's line of succession, read from the succession events, as text or Mermaid."""

from __future__ import annotations

from collections import defaultdict

import pyoxigraph as ox

from .errors import UsageError
from .names import resolve
from .namespaces import compact
from .queries import selector

_EVENTS = """
PREFIX pg: <https://w3id.org/probgraph/ontology#>
PREFIX org: <http://www.w3.org/ns/org#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?orig ?res ?date ?kind ?certain WHERE {
  ?e a pg:SuccessionEvent ; org:originalOrganization ?orig ; org:resultingOrganization ?res .
  OPTIONAL { ?e pg:date ?date }
  OPTIONAL { ?e pg:successionKind/skos:prefLabel ?kind }
  BIND(NOT EXISTS { ?e pg:certainty ?c } AS ?certain)
} ORDER BY ?orig ?res ?date
"""
_LABELS = """
PREFIX pg: <https://w3id.org/probgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?o ?label ?start ?end WHERE {
  ?o a pg:Organisation ; rdfs:label ?label .
  OPTIONAL { ?o pg:startDate ?start } OPTIONAL { ?o pg:endDate ?end }
} ORDER BY ?o
"""


def _edges(store: ox.Store):
    forward, backward = defaultdict(list), defaultdict(list)
    for sol in store.query(_EVENTS):
        o, r = sol["orig"].value, sol["res"].value
        date = sol["date"].value if sol["date"] else "date unknown"
        kind = sol["kind"].value if sol["kind"] else "change"
        note = "" if sol["certain"].value == "true" else ", inferred"
        forward[o].append((r, f"{kind}, {date}{note}"))
        backward[r].append((o, f"{kind}, {date}{note}"))
    info = {}
    for sol in store.query(_LABELS):
        span = ""
        if sol["start"] or sol["end"]:
            span = f" ({sol['start'].value if sol['start'] else '?'} to {sol['end'].value if sol['end'] else ''})"
        info[sol["o"].value] = sol["label"].value + span
    return forward, backward, info


def render_lineage(store: ox.Store, org: str, fmt: str = "text") -> str:
    """Predecessors (whole line back) and successors (whole line forward) of one organisation."""
    term = resolve("org", org, selector(store), param="ORG")
    forward, backward, info = _edges(store)
    if fmt in ("mermaid", "dot"):
        return _diagram(term.value, forward, backward, info, fmt)
    if fmt != "text":
        raise UsageError(f"unknown lineage format {fmt!r}", "use text, mermaid or dot")
    lines = [f"{info.get(term.value, term.value)}  [{compact(term.value)}]"]
    for title, edges, arrow in (("preceded by", backward, "<-"), ("succeeded by", forward, "->")):
        lines.append(f"  {title}:")
        body = _walk(term.value, edges, info, arrow, 2, {term.value})
        lines.extend(body or ["    (none in the graph)"])
    return "\n".join(lines) + "\n"


def _walk(node: str, edges, info, arrow: str, depth: int, seen: set[str]) -> list[str]:
    out = []
    for other, how in sorted(edges.get(node, []), key=lambda e: (info.get(e[0], e[0]), e[1])):
        pad = "  " * depth
        out.append(f"{pad}{arrow} {info.get(other, other)}  [{compact(other)}; {how}]")
        if other not in seen:
            out.extend(_walk(other, edges, info, arrow, depth + 1, seen | {other}))
    return out


def _diagram(root: str, forward, backward, info, fmt: str) -> str:
    """The lineage as a Mermaid flowchart or a Graphviz DOT graph (render DOT with `dot -Tsvg`)."""
    nodes, links = {}, set()

    def visit(n: str, edges, direction: int, seen: set[str]) -> None:
        nodes[n] = info.get(n, n)
        for other, how in edges.get(n, []):
            nodes[other] = info.get(other, other)
            links.add((other, n, how) if direction < 0 else (n, other, how))
            if other not in seen:
                visit(other, edges, direction, seen | {other})

    visit(root, backward, -1, {root})
    visit(root, forward, 1, {root})
    ids = {n: f"n{i}" for i, n in enumerate(sorted(nodes))}

    def text(s: str) -> str:
        return s.replace('"', "'")

    if fmt == "dot":
        lines = ["digraph lineage {", "  rankdir=LR;", "  node [shape=box];"]
        lines += [f'  {ids[n]} [label="{text(nodes[n])}"{", style=bold" if n == root else ""}];'
                  for n in sorted(nodes)]
        lines += [f'  {ids[a]} -> {ids[b]} [label="{text(how)}"];' for a, b, how in sorted(links)]
        return "\n".join(lines) + "\n}\n"
    lines = ["graph LR"]
    lines += [f'  {ids[n]}["{text(nodes[n])}"]' for n in sorted(nodes)]
    lines += [f"  {ids[a]} -->|{how}| {ids[b]}" for a, b, how in sorted(links)]
    return "\n".join(lines) + "\n"
