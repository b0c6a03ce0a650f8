"""An organisation's line of succession as text, Mermaid, DOT or SVG: by territory (the default) or by organisation.

By territory the links are the rows of the stored predecessors and successors queries, so the command and the
queries agree, each labelled with the areas that passed; by organisation they are every succession event's
original -> resulting links.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pyoxigraph as ox

from .errors import UsageError
from .names import SCOPES, resolve_node
from .namespaces import compact
from .output import solutions_of
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
} ORDER BY ?o STR(?label) STR(?start) STR(?end)
"""


@dataclass(frozen=True)
class Link:
    """One succession link between two bodies; `areas` names the territory that moved, when known."""

    orig: str
    res: str
    kind: str
    date: str | None
    inferred: bool
    areas: str = ""

    @property
    def how(self) -> str:
        return f"{self.kind}, {self.date or 'date unknown'}{', inferred' if self.inferred else ''}"


@dataclass(frozen=True)
class Body:
    """One organisation in a lineage: its label and the dates the graph gives it."""

    iri: str
    label: str
    start: str | None
    end: str | None


def links(store: ox.Store) -> list[Link]:
    """Every succession link of the graph, in a fixed order."""
    out = []
    for sol in solutions_of(store.query(_EVENTS)):
        out.append(Link(sol["orig"].value, sol["res"].value, sol["kind"].value if sol["kind"] else "change",
                        sol["date"].value if sol["date"] else None, sol["certain"].value != "true"))
    return out


def bodies(store: ox.Store) -> dict[str, Body]:
    """Every organisation with its label and dates, by IRI."""
    out = {}
    for sol in solutions_of(store.query(_LABELS)):
        iri = sol["o"].value
        if iri not in out:
            out[iri] = Body(iri, sol["label"].value, sol["start"].value if sol["start"] else None,
                            sol["end"].value if sol["end"] else None)
    return out


_LATEST = """
PREFIX pg: <https://w3id.org/probgraph/ontology#>
SELECT (MAX(SUBSTR(STR(?d), 1, 4)) AS ?year) WHERE {
  VALUES ?p { pg:date pg:startDate pg:endDate pg:reportPublished pg:fieldworkStart pg:fieldworkEnd }
  ?s ?p ?d .
}
"""


def latest_year(store: ox.Store) -> int:
    """The latest year any dated fact of the graph mentions: the picture's "today", fixed by the graph."""
    for sol in solutions_of(store.query(_LATEST)):
        if sol["year"] is not None and sol["year"].value.isdigit():
            return int(sol["year"].value)
    return 2001


def lineage_of(store: ox.Store, root: str, all_links: list[Link] | None = None) -> list[Link]:
    """The links on the whole line back from the root and the whole line forward, sorted."""
    every = links(store) if all_links is None else all_links
    forward, backward = defaultdict(list), defaultdict(list)
    for link in every:
        forward[link.orig].append(link)
        backward[link.res].append(link)
    found: set[Link] = set()
    for edges, end in ((backward, "orig"), (forward, "res")):
        todo, seen = [root], {root}
        while todo:
            for link in edges.get(todo.pop(), []):
                found.add(link)
                nxt = getattr(link, end)
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
    return sorted(found, key=lambda k: (k.date or "", k.orig, k.res, k.kind, k.inferred))


def _territorial_links(store: ox.Store, org: ox.NamedNode) -> list[Link]:
    """Links on the organisation's territorial lines, each naming the areas that passed along it."""
    from .queries import bind, get

    areas: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
    how: dict[tuple[str, str], tuple[str, str, bool]] = {}
    for name in ("predecessors", "successors"):
        for sol in solutions_of(store.query(bind(get(name), {"org": org.value}, selector(store)))):
            key = (sol["predecessor"].value, sol["successor"].value)
            areas[key].add(sol["area"].value)
            inferred = sol["inferred"].value in ("true", "1") or how.get(key, (0, 0, False))[2]
            how[key] = (sol["kind"].value, sol["date"].value, inferred)
    return sorted((Link(o, r, how[(o, r)][0], how[(o, r)][1], how[(o, r)][2], ", ".join(sorted(names)))
                   for (o, r), names in areas.items()), key=lambda k: (k.date or "", k.orig, k.res, k.kind))


def _edges(chosen: list[Link]):
    forward, backward = defaultdict(list), defaultdict(list)
    for link in chosen:
        label = f"{link.how}; {link.areas}" if link.areas else link.how
        forward[link.orig].append((link.res, label))
        backward[link.res].append((link.orig, label))
    return forward, backward


def _info(store: ox.Store) -> dict[str, str]:
    info = {}
    for iri, body in bodies(store).items():
        span = f" ({body.start or '?'} to {body.end or ''})" if body.start or body.end else ""
        info[iri] = body.label + span
    return info


def render_lineage(store: ox.Store, org: str, fmt: str = "text", scope: str = "territory") -> str:
    """Predecessors (whole line back) and successors (whole line forward) of one organisation."""
    if scope not in SCOPES:
        raise UsageError(f"unknown lineage scope {scope!r}", "use territory or organisation")
    term = resolve_node("org", org, selector(store), param="ORG")
    chosen = (_territorial_links(store, term) if scope == "territory"
              else links(store) if fmt != "svg" else lineage_of(store, term.value))
    if fmt == "svg":
        from .lineage_svg import render_svg

        return render_svg(term.value, chosen, bodies(store), latest_year(store))
    forward, backward = _edges(chosen)
    info = _info(store)
    if fmt in ("mermaid", "dot"):
        return _diagram(term.value, forward, backward, info, fmt)
    if fmt != "text":
        raise UsageError(f"unknown lineage format {fmt!r}", "use text, mermaid, dot or svg")
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
