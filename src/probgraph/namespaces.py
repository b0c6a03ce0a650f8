"""The one list of namespaces and compact-name prefixes that files, queries and the CLI share.

Every instance kind under id/ and every concept scheme under vocab/ has its own prefix, so a
name is written the same way in Turtle, in SPARQL, on the command line and in exports
(`organisation:northumbria-crc`, `rating:good`). A new kind of thing gets a prefix of the same
form: id/<kind>/ is `<kind>:`. `org:` stays W3C ORG's, so organisations are `organisation:`.
"""

from __future__ import annotations

TYPE_CHECKING = False  # collections.abc costs a warm query milliseconds
if TYPE_CHECKING:
    from collections.abc import Iterable

BASE = "https://w3id.org/probgraph/"
PG = BASE + "ontology#"
PGV = BASE + "vocab/"
PGID = BASE + "id/"
PGSH = BASE + "shapes#"
ONTOLOGY = BASE + "ontology"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"

# The ontology, its neighbours and the standard vocabularies, in the order file headers list them.
STANDARD = {
    "pg": PG,
    "pgv": PGV,
    "pgid": PGID,
    "pgsh": PGSH,
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

# prefix -> folder under id/ (the folder name is the prefix except where noted)
INSTANCE_FOLDERS = {
    "organisation": "org",  # org: is W3C ORG
    "inspection": "inspection",
    "finding": "finding",
    "recommendation": "recommendation",
    "remark": "remark",
    "aspect-rating": "aspect-rating",
    "source": "source",
    "person": "person",
    "post": "post",
    "tenure": "tenure",
    "place": "place",
    "event": "event",
    "part": "part",  # territorial parts of succession events
    "ownership": "ownership",
    "caseload": "caseload",
    "initiative": "initiative",
    "law": "law",
    "reform": "programme",  # reform programmes; programme: is the inspection programmes' scheme
}

# concept schemes under vocab/; the prefix is the scheme's name
CONCEPT_SCHEMES = ("rating", "aspect", "certainty", "document-type", "exactness", "programme", "risk-tier",
                   "succession-kind", "theme")

PREFIXES: dict[str, str] = {
    **STANDARD,
    **{prefix: f"{PGID}{folder}/" for prefix, folder in INSTANCE_FOLDERS.items()},
    **{scheme: f"{PGV}{scheme}/" for scheme in CONCEPT_SCHEMES},
}

_WIDTH = max(len(p) for p in PREFIXES) + 2  # one column for the IRIs in every file's header
_BY_NAMESPACE = {ns: prefix for prefix, ns in sorted(PREFIXES.items(), reverse=True)}  # first prefix of a namespace
# the local part of a prefixed name as probgraph writes it, no escapes needed: [A-Za-z0-9_]([A-Za-z0-9_.-]*[^.])?
# (checked without `re`, which costs a warm query milliseconds to import)
_LOCAL_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")


def _plain_local(local: str) -> bool:
    return local[0] not in ".-" and local[-1] != "." and _LOCAL_CHARS.issuperset(local)


def prefix_for_folder(folder: str) -> str | None:
    """The prefix of the instances in id/<folder>/, or None for a folder without one."""
    for prefix, f in INSTANCE_FOLDERS.items():
        if f == folder:
            return prefix
    return None


def compact(iri: str) -> str:
    """The prefixed name files and the CLI use for an IRI; the IRI itself when no prefix fits.

    Every namespace ends with '/' or '#' and a plain local part has neither, so the one namespace that can give
    a prefixed name is the IRI up to its last '/' or '#': one dictionary lookup instead of a scan of every
    namespace (a site build compacts some 22,000 IRIs).
    """
    end = max(iri.rfind("/"), iri.rfind("#")) + 1
    prefix = _BY_NAMESPACE.get(iri[:end])
    if prefix is not None:
        local = iri[end:]
        if local == "" or _plain_local(local):
            return f"{prefix}:{local}"
    return iri


def turtle_name(iri: str) -> str:
    """The name to write in Turtle or SPARQL: the prefixed name, or the IRI in <>."""
    name = compact(iri)
    return f"<{iri}>" if name == iri else name


def expand(name: str) -> str | None:
    """The full IRI of a prefixed name (or of <IRI> or a bare http(s) IRI); None when it is neither."""
    v = name.strip()
    if v.startswith("<") and v.endswith(">"):
        v = v[1:-1]
    if v.startswith(("http://", "https://", "urn:")):
        return v
    prefix, sep, local = v.partition(":")
    if sep and prefix in PREFIXES:
        return PREFIXES[prefix] + local.replace("\\", "")
    return None


def turtle_prefixes(used: Iterable[str] | None = None) -> str:
    """@prefix lines for the given prefixes (all of them by default), in the canonical order."""
    wanted = set(PREFIXES if used is None else used)
    return "".join(f"@prefix {(p + ':').ljust(_WIDTH)}<{ns}> .\n" for p, ns in PREFIXES.items() if p in wanted)


def sparql_prefixes(used: Iterable[str] | None = None) -> str:
    """PREFIX lines for SPARQL, like turtle_prefixes."""
    wanted = set(PREFIXES if used is None else used)
    return "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in PREFIXES if p in wanted)
