"""Turn what a person types (a slug, a label, a prefixed name or an IRI) into a graph term.

Values are looked up, never pasted into query text: a hostile value is simply an unknown name.
"""

from __future__ import annotations

import pyoxigraph as ox

from .errors import UsageError, shown
from .namespaces import PG, PGID, PREFIXES, compact, expand

TYPE_CHECKING = False  # collections.abc costs a warm query milliseconds
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    Select = Callable[[str], Iterable[tuple]]

_SKOS = PREFIXES["skos"]
_LABEL = PREFIXES["rdfs"] + "label"

# parameter kind -> (class the entity must have, the prefix its names are written with)
ENTITY_KINDS = {
    "org": (PG + "Organisation", "organisation"),
    "person": (PG + "Person", "person"),
    "place": (PG + "Place", "place"),
    "source": (PG + "SourceDocument", "source"),
    "inspection": (PG + "Inspection", "inspection"),
    "rating": (_SKOS + "Concept", "rating"),
    "entity": (None, None),
}
# how a lineage query links bodies: by the areas that passed (default) or by who succeeded whom
SCOPES = ("territory", "organisation")
_DATE = r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$"  # compiled only when a date is given


_NOT_IN_IRI = frozenset('<>"{}|^`\\\x7f') | frozenset(chr(i) for i in range(0x21))


def _safe_iri(iri: str) -> bool:
    """Whether the text can sit inside <...> in a query (no spaces, controls or delimiters)."""
    return bool(iri) and _NOT_IN_IRI.isdisjoint(iri)


def _typed(node: str, kind: str) -> str:
    """The pattern that says a node is of the kind: its class, or (for ratings) its concept scheme."""
    cls, prefix = ENTITY_KINDS[kind]
    if kind == "rating":
        return f"{node} <{_SKOS}inScheme> <{PREFIXES['pgv']}rating> ."
    return f"{node} a <{cls}> ." if cls else ""


def _has_label(iri: str, kind: str, select: Select) -> bool:
    """Whether the IRI (already checked to be safe inside <...>) names an entity of the kind."""
    q = f"SELECT ?l WHERE {{ {_typed(f'<{iri}>', kind)} <{iri}> <{_LABEL}> ?l }} LIMIT 1"
    return bool(list(select(q)))


def _subclass_only(iri: str, cls: str, select: Select) -> bool:
    """Whether the IRI is typed by a subclass of `cls` (so it is one) without being typed `cls` itself."""
    sub = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    q = f"SELECT ?c WHERE {{ <{iri}> a ?c . ?c {sub}+ <{cls}> FILTER NOT EXISTS {{ <{iri}> a <{cls}> }} }} LIMIT 1"
    return bool(list(select(q)))


def candidates(kind: str, select: Select) -> list[tuple[str, str]]:
    """(IRI, label) for every entity of the kind, labels and alternative labels alike."""
    q = (f"SELECT ?x ?l WHERE {{ {_typed('?x', kind)} ?x <{_LABEL}>|<{_SKOS}altLabel>|<{_SKOS}notation>"
         " ?l . FILTER(isIRI(?x)) } ORDER BY ?x ?l")
    return [(x.value, label.value) for x, label in select(q)]


def resolve(kind: str, value: str, select: Select, param: str = "value") -> ox.NamedNode | ox.Literal:
    """Resolve one parameter value to an RDF term, or raise UsageError with suggestions."""
    if kind == "date":
        v = value.strip()
        import re

        from .literals import XSD, problem

        impossible = len(v) == 10 and re.match(_DATE, v) and problem(v, XSD + "date")
        if not re.match(_DATE, v) or impossible:
            why = f": {impossible}" if impossible else ""
            raise UsageError(f"parameter {param}: {shown(value)} is not a date{why}",
                             "write YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2017-06-01")
        return ox.Literal(v)
    if kind == "text":
        return ox.Literal(value)
    if kind == "scope":
        v = value.strip().casefold()
        if v not in SCOPES:
            raise UsageError(f"parameter {param}: {value!r} is not a scope",
                             "write territory (the default) or organisation")
        return ox.Literal(v)
    return resolve_node(kind, value, select, param)


def resolve_node(kind: str, value: str, select: Select, param: str = "value") -> ox.NamedNode:
    """Resolve an entity's name (slug, compact name, IRI or label) to its IRI, or raise UsageError with suggestions."""
    if kind not in ENTITY_KINDS:
        raise UsageError(f"parameter {param}: unknown kind {shown(kind)} in the query header")
    _, prefix = ENTITY_KINDS[kind]
    wanted = value.strip()
    tries = []
    full = expand(wanted)
    if full:
        tries.append(full)
    if prefix:
        tries.append(PREFIXES[prefix] + wanted)
    tries.append(f"{PGID}{wanted}")
    for iri in tries:  # the common case, a slug or IRI, without listing every label
        if _safe_iri(iri) and _has_label(iri, kind, select):
            return ox.NamedNode(iri)
    cls, _ = ENTITY_KINDS[kind]
    untyped = [i for i in tries
               if cls and kind != "rating" and _safe_iri(i) and _subclass_only(i, cls, select)]
    if untyped:  # typed by a subclass of the kind but not by the kind: the graph lacks the reasoner's closure
        raise UsageError(f"parameter {param}: {short_name(untyped[0])} is in the graph but not typed "
                         f"{compact(cls or '')}: the store lacks the inferred types",
                         "load the graph with its closure: `probgraph load --endpoint URL --replace` "
                         "(or bulk-load the file `probgraph export --inferred` writes)")
    rows = candidates(kind, select)
    iris = {iri for iri, _ in rows}
    if prefix is None:
        # any kind of entity: a bare slug matches whatever kind it is, organisations first
        by_slug = sorted((not i.startswith(PREFIXES["organisation"]), i) for i in iris if short_name(i) == wanted)
        if by_slug:
            return ox.NamedNode(by_slug[0][1])
    folded = wanted.casefold()
    by_label = sorted({iri for iri, label in rows if label.casefold() == folded})
    if len(by_label) == 1:
        return ox.NamedNode(by_label[0])
    if len(by_label) > 1:
        listed = ", ".join(compact(i) for i in by_label)
        raise UsageError(f"parameter {param}: {shown(value)} names more than one {kind}: {listed}",
                         "use one of those names instead")
    raise UsageError(f"parameter {param}: no {kind} called {shown(value)}", suggest(value, rows, kind))


def short_name(iri: str) -> str:
    """The slug of an entity, the part after its prefix (`northumbria-crc`), which people may type alone."""
    if iri.startswith(PGID):
        rest = iri[len(PGID):]
        return rest.split("/", 1)[1] if "/" in rest else rest
    return compact(iri)


def suggest(value: str, rows: list[tuple[str, str]], kind: str) -> str:
    """A 'did you mean' line from slugs and labels close to the value."""
    keys: dict[str, str] = {}
    for iri, label in rows:
        keys.setdefault(short_name(iri).casefold(), iri)
        keys.setdefault(label.casefold(), iri)
    import difflib

    close = difflib.get_close_matches(value.strip().casefold(), list(keys), n=8, cutoff=0.6)
    seen: list[str] = []
    for k in close:
        name = compact(keys[k])
        if name not in seen:
            seen.append(name)
    if seen:
        return "did you mean " + ", ".join(seen[:4]) + "?"
    if value.strip().startswith("org:"):
        return f"org: is W3C ORG's prefix; organisations are written organisation:{value.strip()[4:]}"
    if kind == "org":
        return "list organisations and their slugs with: probgraph query organisations"
    return "give a name such as organisation:northumbria-crc, a slug, a label, or a full IRI"
