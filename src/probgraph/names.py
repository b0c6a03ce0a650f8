"""Turn what a person types (a slug, a label, a prefixed name or an IRI) into a graph term.

Values are looked up, never pasted into query text: a hostile value is simply an unknown name.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable

import pyoxigraph as ox

from .errors import UsageError

PGID = "https://w3id.org/probgraph/id/"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
PREFIXES = {
    "pg": "https://w3id.org/probgraph/ontology#",
    "pgv": "https://w3id.org/probgraph/vocab/",
    "pgid": PGID,
    "pgsh": "https://w3id.org/probgraph/shapes#",
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}

# parameter kind -> (class the entity must have, the pgid: folder its slugs live in)
ENTITY_KINDS = {
    "org": ("https://w3id.org/probgraph/ontology#Organisation", "org"),
    "person": ("https://w3id.org/probgraph/ontology#Person", "person"),
    "place": ("https://w3id.org/probgraph/ontology#Place", "place"),
    "source": ("https://w3id.org/probgraph/ontology#SourceDocument", "source"),
    "inspection": ("https://w3id.org/probgraph/ontology#Inspection", "inspection"),
    "rating": ("http://www.w3.org/2004/02/skos/core#Concept", None),
    "entity": (None, None),
}
_DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")

Select = Callable[[str], Iterable[tuple]]


def expand(value: str) -> str | None:
    """A prefixed name (pgid:org/x) or <IRI> or http(s) IRI as a full IRI; None otherwise."""
    v = value.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
    if v.startswith(("http://", "https://", "urn:")):
        return v
    prefix, sep, local = v.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local
    return None


def compact(iri: str) -> str:
    """The shortest prefixed form of an IRI, for people to read."""
    best = iri
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and len(iri) - len(ns) + len(prefix) + 1 < len(best):
            best = f"{prefix}:{iri[len(ns):]}"
    return best


_ALLOWED_IRI = re.compile(r'^[^\x00-\x20<>"{}|^`\\\x7f]+$')


def _has_label(iri: str, kind: str, select: Select) -> bool:
    """Whether the IRI (already checked to be safe inside <...>) names an entity of the kind."""
    cls, _ = ENTITY_KINDS[kind]
    typed = f"<{iri}> a <{cls}> ." if cls and kind != "rating" else ""
    if kind == "rating":
        typed = f"<{iri}> <http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/probgraph/vocab/rating> ."
    q = (f"SELECT ?l WHERE {{ {typed} <{iri}> <http://www.w3.org/2000/01/rdf-schema#label> ?l }} LIMIT 1")
    return bool(list(select(q)))


def _subclass_only(iri: str, cls: str, select: Select) -> bool:
    """Whether the IRI is typed by a subclass of `cls` (so it is one) without being typed `cls` itself."""
    sub = "<http://www.w3.org/2000/01/rdf-schema#subClassOf>"
    q = f"SELECT ?c WHERE {{ <{iri}> a ?c . ?c {sub}+ <{cls}> FILTER NOT EXISTS {{ <{iri}> a <{cls}> }} }} LIMIT 1"
    return bool(list(select(q)))


def candidates(kind: str, select: Select) -> list[tuple[str, str]]:
    """(IRI, label) for every entity of the kind, labels and alternative labels alike."""
    cls, _ = ENTITY_KINDS[kind]
    typed = f"?x a <{cls}> ." if cls else ""
    if kind == "rating":
        typed = "?x <http://www.w3.org/2004/02/skos/core#inScheme> <https://w3id.org/probgraph/vocab/rating> ."
    q = ("SELECT ?x ?l WHERE { " + typed + " ?x <http://www.w3.org/2000/01/rdf-schema#label>|"
         "<http://www.w3.org/2004/02/skos/core#altLabel>|<http://www.w3.org/2004/02/skos/core#notation>"
         " ?l . FILTER(isIRI(?x)) } ORDER BY ?x ?l")
    return [(x.value, label.value) for x, label in select(q)]


def resolve(kind: str, value: str, select: Select, param: str = "value") -> ox.NamedNode | ox.Literal:
    """Resolve one parameter value to an RDF term, or raise UsageError with suggestions."""
    if kind == "date":
        v = value.strip()
        if not _DATE.match(v):
            raise UsageError(f"parameter {param}: {value!r} is not a date",
                             "write YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2017-06-01")
        return ox.Literal(v)
    if kind == "text":
        return ox.Literal(value)
    if kind not in ENTITY_KINDS:
        raise UsageError(f"parameter {param}: unknown kind {kind!r} in the query header")
    _, folder = ENTITY_KINDS[kind]
    wanted = value.strip()
    tries = []
    full = expand(wanted)
    if full:
        tries.append(full)
    if folder:
        tries.append(f"{PGID}{folder}/{wanted}")
    tries.append(f"{PGID}{wanted}")
    for iri in tries:  # the common case, a slug or IRI, without listing every label
        if _ALLOWED_IRI.match(iri) and _has_label(iri, kind, select):
            return ox.NamedNode(iri)
    cls, _ = ENTITY_KINDS[kind]
    untyped = [i for i in tries
               if cls and kind != "rating" and _ALLOWED_IRI.match(i) and _subclass_only(i, cls, select)]
    if untyped:  # typed by a subclass of the kind but not by the kind: the graph lacks the reasoner's closure
        raise UsageError(f"parameter {param}: {short_name(untyped[0])} is in the graph but not typed "
                         f"{compact(cls)}: the store lacks the inferred types",
                         "load the graph with its closure: `probgraph load --endpoint URL --replace` "
                         "(or bulk-load the file `probgraph export --inferred` writes)")
    rows = candidates(kind, select)
    iris = {iri for iri, _ in rows}
    if folder is None:
        # any kind of entity: a bare slug matches whatever folder it is in, organisations first
        by_slug = sorted((not i.startswith(f"{PGID}org/"), i) for i in iris if short_name(i) == wanted)
        if by_slug:
            return ox.NamedNode(by_slug[0][1])
    folded = wanted.casefold()
    by_label = sorted({iri for iri, label in rows if label.casefold() == folded})
    if len(by_label) == 1:
        return ox.NamedNode(by_label[0])
    if len(by_label) > 1:
        listed = ", ".join(short_name(i) for i in by_label)
        raise UsageError(f"parameter {param}: {value!r} names more than one {kind}: {listed}",
                         "use one of those slugs instead")
    raise UsageError(f"parameter {param}: no {kind} called {value!r}", suggest(value, rows, kind))


def short_name(iri: str) -> str:
    """The slug people type for an entity: the part after pgid:<folder>/ ."""
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
    close = difflib.get_close_matches(value.strip().casefold(), list(keys), n=8, cutoff=0.6)
    seen: list[str] = []
    for k in close:
        slug = short_name(keys[k])
        if slug not in seen:
            seen.append(slug)
    if seen:
        return "did you mean " + ", ".join(seen[:4]) + "?"
    if kind == "org":
        return "list organisations and their slugs with: probgraph query organisations"
    return "give a slug such as northumbria-crc, a label, or a full IRI"
