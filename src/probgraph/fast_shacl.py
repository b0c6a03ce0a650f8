"""Whole-graph validation by rudof's native SHACL engine (pyrudof, Rust); pySHACL stays the reference.

pySHACL spends about 16 s of CPU on the whole graph (35 s and more before parsed_once.py), evaluating the
SHACL-SPARQL constraints node by node in rdflib (benchmarks/RESULTS.md); rudof checks the same shapes,
SPARQL constraints included, in about a second. Its results are turned into the same Result records as
pySHACL's (validation.run_shacl), and a test holds the two engines equal on every test entry, every example
and the whole graph.
Messages: a property or node shape's own sh:message is taken from the shapes graph (rudof lists its
default text beside it); a SPARQL constraint's message, filled in by rudof, is taken as it is.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from functools import lru_cache

import pyoxigraph as ox

from .names import PREFIXES, compact

SH = "http://www.w3.org/ns/shacl#"
# rudof prints datatypes with its own prefixes (xsd:decimal): read its terms as Turtle with the usual ones
_HEAD = "".join(f"@prefix {p}: <{ns}> .\n" for p, ns in PREFIXES.items())


def _literals(text: str) -> list[ox.Literal]:
    parsed = ox.parse(f"{_HEAD}<urn:x:s> <urn:x:p> {text} .".encode(), format=ox.RdfFormat.TURTLE)
    return [t.object for t in parsed]


def _term(text: str | None) -> ox.NamedNode | ox.BlankNode | ox.Literal | None:
    """A term as rudof prints it (a bare IRI, <IRI>, _:label or an N-Triples literal)."""
    if not text:
        return None
    if text.startswith("_:"):
        return ox.BlankNode(text[2:])
    if text.startswith('"'):
        return _literals(text)[0]
    return ox.NamedNode(text.strip("<>"))


def _messages(text: str) -> list[str]:
    """rudof joins the messages it has as N-Triples literals separated by commas."""
    try:
        return [lit.value for lit in _literals(text)]
    except SyntaxError:  # one message whose own quotes rudof did not escape: "... "2026-03" ..."@en
        end = text.rfind('"')
        tail = text[end + 1:]
        if text.startswith('"') and end > 0 and (not tail or tail.startswith(("@", "^^"))):
            return [text[1:end]]
        return [text]


def validate(data_nt: bytes, shapes_nt: bytes) -> list:
    """Validate N-Triples data against N-Triples shapes; Result records as validation.run_shacl makes them."""
    return run(data_nt, shapes_nt)[0]


def run(data_nt: bytes, shapes_nt: bytes) -> tuple[list, bytes]:
    """The Result records and the SHACL validation report in Turtle (canonical, so byte-stable)."""
    engine, report = _validated(data_nt, shapes_nt)
    shapes = _parsed_shapes(shapes_nt)[1]
    return _sorted({_result(e, shapes) for e in report.violations}), _report_turtle(engine, report.conforms)


def run_on(data: list[ox.Triple], shapes_nt: bytes, focus: set[str]) -> dict:
    """The Result records of the focus nodes only (full IRIs), each with the rudof results it stands for.

    rudof has no focus-node mode: it checks every targeted node of the data, which for an entry is the entry
    and the slice of the graph around it (validation._context), most of it not in focus. So the shapes it is
    given target the focus nodes alone (focused_shapes), and any other node's result is still dropped here,
    before any is converted. report_of turns the kept ones into a SHACL report.
    """
    data_nt = ox.serialize(data, format=ox.RdfFormat.N_TRIPLES)
    _, report = _validated(data_nt, focused_shapes(shapes_nt, data, focus))
    shapes = _parsed_shapes(shapes_nt)[1]  # the targets differ, not what a result is looked up by
    found: dict = {}
    for e in report.violations:
        node = e.focus_node
        if node and not node.startswith(("_:", '"')) and node.strip("<>") in focus:
            found.setdefault(_result(e, shapes), []).append(e)
    return {r: found[r] for r in _sorted(found)}


_RDF_TYPE = PREFIXES["rdf"] + "type"
_SUBCLASS = PREFIXES["rdfs"] + "subClassOf"
_CORE_TARGETS = tuple(SH + n for n in ("targetNode", "targetClass", "targetSubjectsOf", "targetObjectsOf"))


def focused_shapes(shapes_nt: bytes, data: list[ox.Triple], focus: set[str]) -> bytes:
    """The shapes with each core target (sh:targetNode, sh:targetClass, sh:targetSubjectsOf,
    sh:targetObjectsOf) replaced by an sh:targetNode for each focus node it selects in the data.

    Targets are a union and a shape's constraints do not depend on which target chose a node, so every focus
    node gets the results it got before, from the same shapes, and the slice's other nodes (about 95 % of the
    targeted ones on an entry) are no longer checked only to be dropped: rudof's validation of an entry went
    from about 0.2 s to a few ms (benchmarks/RESULTS.md, "entry-path branch"). sh:targetClass selects SHACL
    instances, a node whose rdf:type is the class or reaches it by rdfs:subClassOf in the data, as pySHACL
    and rudof read it. Other targets (SPARQL-based) and implicit class targets are left as they are: any node
    they add is dropped by run_on.
    """
    triples = _parsed_shapes(shapes_nt)[0]
    supers: dict[ox.Term, set] = {}
    types: dict[str, set] = {}
    subjects_of: dict[ox.Term, set[str]] = {}
    objects_of: dict[ox.Term, set[str]] = {}
    for t in data:
        s = t.subject.value if isinstance(t.subject, ox.NamedNode) else None
        if t.predicate.value == _SUBCLASS:
            supers.setdefault(t.subject, set()).add(t.object)
        if s in focus:
            subjects_of.setdefault(t.predicate, set()).add(s)
            if t.predicate.value == _RDF_TYPE:
                types.setdefault(s, set()).add(t.object)
        if isinstance(t.object, ox.NamedNode) and t.object.value in focus:
            objects_of.setdefault(t.predicate, set()).add(t.object.value)

    kinds = {n: _ancestors(direct, supers) for n, direct in types.items()}

    def instances(cls: ox.Term) -> set[str]:
        return {n for n, classes in kinds.items() if cls in classes}

    select = {SH + "targetNode": lambda o: {o.value} & focus if isinstance(o, ox.NamedNode) else set(),
              SH + "targetClass": instances,
              SH + "targetSubjectsOf": lambda o: subjects_of.get(o, set()),
              SH + "targetObjectsOf": lambda o: objects_of.get(o, set())}
    kept, targets = [], set()
    for t in triples:
        if t.predicate.value in _CORE_TARGETS:
            targets.update((t.subject, node) for node in select[t.predicate.value](t.object))
        else:
            kept.append(t)
    node = ox.NamedNode(SH + "targetNode")
    kept += [ox.Triple(shape, node, ox.NamedNode(n)) for shape, n in sorted(targets, key=str)]
    return ox.serialize(_without_idle_shapes(kept), format=ox.RdfFormat.N_TRIPLES)


def _without_idle_shapes(triples: list[ox.Triple]) -> list[ox.Triple]:
    """The triples less each named node shape (of no other kind, a class being its own target) that has no
    target left and that nothing refers to, with what only it reaches (its property shapes, lists, SPARQL
    constraints): such a shape checks no node. On an entry, most shapes target classes its focus nodes are
    not of; rudof reads the rest faster (about 650 lines of shapes to 200, and 40 to 29 ms an entry;
    docs/design-decisions.md, "Suite speed, eighth pass: what the suite's processes cost")."""
    of: dict[ox.Term, list[ox.Triple]] = {}
    referred: set[ox.Term] = set()
    for t in triples:
        of.setdefault(t.subject, []).append(t)
        referred.add(t.object)
    aims = {*_CORE_TARGETS, SH + "target"}

    def idle(node: ox.Term) -> bool:
        said = of[node]
        kinds = {t.object.value for t in said if t.predicate.value == _RDF_TYPE}
        return isinstance(node, ox.NamedNode) and node not in referred and kinds == {SH + "NodeShape"} \
            and not any(t.predicate.value in aims for t in said)  # a class too would target its instances

    seen = {n for n in of if (isinstance(n, ox.NamedNode) or n not in referred) and not idle(n)}
    pending = list(seen)
    while pending:
        for t in of[pending.pop()]:
            if t.object in of and t.object not in seen:
                seen.add(t.object)
                pending.append(t.object)
    return [t for t in triples if t.subject in seen]


def _ancestors(kinds: set, supers: dict) -> set:
    """The classes and all their superclasses (rdfs:subClassOf, transitively, cycles allowed)."""
    seen, pending = set(kinds), list(kinds)
    while pending:
        for up in supers.get(pending.pop(), ()):
            if up not in seen:
                seen.add(up)
                pending.append(up)
    return seen


@lru_cache(maxsize=1)  # the last shapes text
def _parsed_shapes(shapes_nt: bytes) -> tuple[list[ox.Triple], ox.Dataset]:
    """The shapes' triples, and a dataset of them to look results up in, parsed once per text. N-Triples keep
    the shapes' blank-node labels, so rudof's source shapes can be looked up in the dataset."""
    triples = list(ox.parse(shapes_nt, format=ox.RdfFormat.N_TRIPLES))
    return triples, ox.Dataset(triples)


def _validated(data_nt: bytes, shapes_nt: bytes) -> tuple:
    """(the engine, its validation report) for the data and shapes, both N-Triples."""
    import pyrudof

    with _no_certificates():
        engine = pyrudof.Rudof(pyrudof.RudofConfig())
        engine.read_data(data_nt.decode("utf-8"), format=pyrudof.RDFFormat.NTriples)
        engine.read_shacl(shapes_nt.decode("utf-8"), format=pyrudof.ShaclFormat.NTriples)
        return engine, engine.validate_shacl()


@contextlib.contextmanager
def _no_certificates() -> Iterator[None]:
    """Point rustls at no certificate store while rudof reads inline data.

    rudof builds an HTTP client for every read and so loads the system's certificates, 3,480 files under
    /etc/ssl/certs here: 0.21 s a call, against 2 ms with SSL_CERT_FILE and SSL_CERT_DIR (which
    rustls-native-certs reads instead) pointing at nothing (benchmarks/RESULTS.md). Nothing is fetched: the
    data and shapes are given as text. The environment is restored afterwards.
    """
    saved = {name: os.environ.get(name) for name in ("SSL_CERT_FILE", "SSL_CERT_DIR")}
    os.environ.update(dict.fromkeys(saved, os.devnull))
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _result(e, shapes: ox.Dataset):
    """One rudof result as the Result record pySHACL's would give (validation.run_shacl)."""
    from .validation import Result, term_text

    focus = _term(e.focus_node)
    shape = _term(e.source_shape)
    value = _term(e.value)
    own = [o.value for o in _objects(shapes, shape, "message")]
    sparql = e.constraint_component == SH + "SPARQLConstraintComponent"
    messages = _messages(e.message) if sparql or not own else own
    return Result(
        severity=e.severity.rsplit("#", 1)[-1],
        focus=compact(focus.value) if isinstance(focus, ox.NamedNode) else "a blank node",
        path=_path(e.path, shape, shapes),
        message=_compact_iris(sorted(messages)[0]) if messages else "does not conform",
        value=term_text(value) if value is not None and value != focus else "",
        shape=compact(shape.value) if isinstance(shape, ox.NamedNode) else _owner(shape, shapes),
    )


def _sorted(results) -> list:
    return sorted(results, key=lambda r: (r.severity != "Violation", r.focus, r.path, r.message, r.value))


def report_of(entries: list, conforms: bool) -> bytes:
    """A SHACL validation report (Turtle, canonical) holding these rudof results only."""
    from .compile import canonical_triples

    def sh(local: str) -> ox.NamedNode:
        return ox.NamedNode(SH + local)

    rdf_type = ox.NamedNode(PREFIXES["rdf"] + "type")
    root = ox.NamedNode("urn:probgraph:validation-report")
    triples = [ox.Triple(root, rdf_type, sh("ValidationReport")),
               ox.Triple(root, sh("conforms"), ox.Literal("true" if conforms else "false",
                                                          datatype=ox.NamedNode(PREFIXES["xsd"] + "boolean")))]
    for e in entries:
        res = ox.BlankNode()
        triples += [ox.Triple(root, sh("result"), res), ox.Triple(res, rdf_type, sh("ValidationResult")),
                    ox.Triple(res, sh("resultSeverity"), sh(e.severity.rsplit("#", 1)[-1])),
                    ox.Triple(res, sh("sourceConstraintComponent"), ox.NamedNode(e.constraint_component))]
        triples += [ox.Triple(res, sh(name), term) for name, term in (
            ("focusNode", _term(e.focus_node)), ("sourceShape", _term(e.source_shape)), ("value", _term(e.value)),
            ("resultPath", _term(e.path) if e.path and not e.path.startswith(("_:", "^", "[")) else None))
            if term is not None]
        messages = _messages(e.message) if e.message else []
        triples += [ox.Triple(res, sh("resultMessage"), ox.Literal(m)) for m in messages]
    return ox.serialize(canonical_triples(triples), format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def _report_turtle(engine, conforms: bool) -> bytes:
    from .compile import canonical_triples

    if conforms and not report_has_results(engine):
        text = "@prefix sh: <http://www.w3.org/ns/shacl#> . [] a sh:ValidationReport ; sh:conforms true ."
    else:
        import pyrudof

        text = engine.serialize_shacl_validation_results(format=pyrudof.ResultShaclValidationFormat.Turtle)
    triples = canonical_triples(ox.parse(text.encode("utf-8"), format=ox.RdfFormat.TURTLE))
    return ox.serialize(triples, format=ox.RdfFormat.TURTLE, prefixes=PREFIXES)


def report_has_results(engine) -> bool:
    try:
        import pyrudof

        return bool(engine.serialize_shacl_validation_results(format=pyrudof.ResultShaclValidationFormat.Minimal))
    except Exception:  # noqa: BLE001 - rudof raises when there is nothing to serialise
        return False


def _path(text: str | None, shape, shapes: ox.Dataset) -> str:
    """The result path as pySHACL reports it: an IRI, or ^IRI for an inverse path, else nothing."""
    if text and not text.startswith(("_:", "^", "[")):
        return compact(text.strip("<>"))
    for path in _objects(shapes, shape, "path"):
        if isinstance(path, ox.BlankNode):
            for inv in _objects(shapes, path, "inversePath"):
                return "^" + compact(inv.value)
    return ""


def _owner(shape, shapes: ox.Dataset) -> str:
    """The named node shape a property shape or SPARQL constraint (a blank node) belongs to."""
    for link in ("property", "sparql"):
        for q in shapes.quads_for_object(shape):
            if q.predicate.value == SH + link:
                return compact(q.subject.value)
    return ""


def _objects(shapes: ox.Dataset, subject, local: str) -> list:
    if subject is None:
        return []
    return [q.object for q in shapes.quads_for_subject(subject) if q.predicate.value == SH + local]


def _compact_iris(text: str) -> str:
    from .validation import compact_iris

    return compact_iris(text)
