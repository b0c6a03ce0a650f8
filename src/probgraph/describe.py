"""Everything the graph says about one entity, asserted and inferred, with its sources."""

from __future__ import annotations

import pyoxigraph as ox

from .compile import ASSERTED_GRAPH
from .names import resolve_node
from .namespaces import PG, RDF_TYPE, RDFS_LABEL, compact
from .output import cell
from .queries import selector

_DERIVED = "http://www.w3.org/ns/prov#wasDerivedFrom"


def render_entity(store: ox.Store, entity: str) -> str:
    """A readable page: label, asserted statements, derived ones, who points at it, sources."""
    term = resolve_node("entity", entity, selector(store), param="ENTITY")
    asserted = {(q.predicate, q.object) for q in store.quads_for_pattern(term, None, None, ASSERTED_GRAPH)}
    everything = {(q.predicate, q.object) for q in store.quads_for_pattern(term, None, None, ox.DefaultGraph())}
    inferred = everything - asserted

    def label(t) -> str:
        if isinstance(t, ox.NamedNode):
            for q in store.quads_for_pattern(t, ox.NamedNode(RDFS_LABEL),
                                             None, ASSERTED_GRAPH):
                if isinstance(q.object, ox.Literal):
                    return f"{compact(t.value)} ({q.object.value})"
        return cell(t)

    def block(pairs) -> list[str]:
        rows = sorted(pairs, key=lambda p: (compact(p[0].value), cell(p[1])))
        return [f"  {compact(p.value)}: {label(o)}" for p, o in rows if p.value != _DERIVED]

    out = [compact(term.value), "", "Stated:"]
    out += block(asserted) or ["  (nothing)"]
    plumbing = ("http://www.w3.org/ns/prov#", "http://www.w3.org/2002/07/owl#", "http://xmlns.com/foaf/")
    derived = [(p, o) for p, o in inferred
               if not (p.value == RDF_TYPE and isinstance(o, ox.NamedNode) and o.value.startswith(plumbing))]
    if derived:
        out += ["", "Derived by reasoning:"] + block(derived)
    incoming = sorted({(q.subject, q.predicate) for q in store.quads_for_pattern(None, None, term, ASSERTED_GRAPH)
                       if not isinstance(q.subject, ox.Triple)}, key=lambda sp: (sp[0].value, sp[1].value))
    if incoming:
        out += ["", "Referred to by:"]
        out += [f"  {label(s)} {compact(p.value)}" for s, p in incoming[:50]]
        if len(incoming) > 50:
            out.append(f"  … and {len(incoming) - 50} more")
    sources = sorted((o for p, o in asserted if p.value == _DERIVED and isinstance(o, ox.NamedNode)),
                     key=lambda o: o.value)
    out += ["", "Sources:"]
    if not sources:
        out.append("  (none)")
    for s in sources:
        urls, seeds = ([q.object.value for q in store.quads_for_pattern(s, ox.NamedNode(PG + name), None,
                                                                       ASSERTED_GRAPH)
                        if not isinstance(q.object, ox.Triple)] for name in ("url", "seedFile"))
        out.append(f"  {label(s)}")
        out += [f"    {u}" for u in urls] + [f"    seed file {f}" for f in seeds]
    return "\n".join(out) + "\n"
