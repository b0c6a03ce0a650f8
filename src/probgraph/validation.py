"""Validate the graph, or new entries in the context of the graph, against the SHACL shapes.

Shapes are checked on the asserted data with the ontology and vocabularies beside it, without
reasoning: sh:class still follows rdfs:subClassOf, but a domain or range axiom cannot make a
wrong reference look right, and pySHACL is far faster without inference (docs/design-decisions.md,
"Measured reasons").
For an entry, the report keeps only results that the graph alone does not have: what the entry
adds or breaks, wherever in the graph that shows.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

if TYPE_CHECKING:
    import rdflib

from . import resources
from .errors import EXIT_INVALID, EXIT_OK, UsageError, cut, printable
from .hints import shape_hint
from .namespaces import PG, PGID, RDF_TYPE, RDFS_LABEL, compact, expand, turtle_name

SH = "http://www.w3.org/ns/shacl#"
_IRI = re.compile(r"https?://[^\s<>\"{}|^`;,()]*[^\s<>\"{}|^`;,().]")  # an IRI in running text
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class Result:
    """One problem, in the contributor's terms."""

    severity: str
    focus: str
    path: str
    message: str
    value: str
    shape: str
    file: str = ""
    line: int = 0
    hint: str = ""

    def key(self) -> tuple:
        return (self.severity, self.focus, self.path, self.message, self.value, self.shape)


@dataclass
class Report:
    """What validation found: the results and the report graph they came from."""

    results: list[Result]
    report_turtle: bytes = b""

    @property
    def violations(self) -> list[Result]:
        return [r for r in self.results if r.severity == "Violation"]

    @property
    def warnings(self) -> list[Result]:
        return [r for r in self.results if r.severity != "Violation"]

    def exit_code(self, strict: bool = False) -> int:
        if self.violations or (strict and self.warnings):
            return EXIT_INVALID
        return EXIT_OK


def shapes_graph() -> rdflib.Graph:
    """All shapes files as one rdflib graph, made again only when a file changes: making rdflib's terms and
    copying the triples was a tenth of the reference's time on an entry. pySHACL adds two triples of its own to
    the shapes graph it is given (`owl:Class rdfs:subClassOf rdfs:Class`, `owl:DatatypeProperty
    rdfs:subClassOf rdf:Property`) and nothing else, so a graph it has been given once is what a fresh one
    becomes when it starts: every call sees the same shapes graph either way."""
    def make(files: list[Path]) -> rdflib.Graph:
        from .parsing import read_turtle, to_rdflib

        g = None
        for f in files:
            g = to_rdflib(read_turtle(f), g)
        return g

    return _while_unchanged("shapes", resources.turtle_files("shapes"), make)


def _ontology_triples(files: list[Path]) -> tuple[set[ox.Triple], list[tuple[tuple[str, str, str], ox.Triple]]]:
    """The ontology files' triples, and each with its sort key (compile.triple_key) in that order, made again
    only when a file changes: every entry's context holds them, and their keys were a third of its sorting."""
    def make(files: list[Path]) -> tuple[set[ox.Triple], list[tuple[tuple[str, str, str], ox.Triple]]]:
        from .compile import triple_key
        from .parsing import read_turtle

        held = {t for f in files for t in read_turtle(f)}
        return held, sorted((triple_key(t), t) for t in held)

    return _while_unchanged("ontology", files, make)


def _while_unchanged(name: str, files: list[Path], make):
    """What `make(files)` gave, made again only when a file's path, modification time or size changes."""
    stamps = tuple((str(f), st.st_mtime_ns, st.st_size) for f in files for st in [f.stat()])
    held = _MADE.get(name)
    if held is None or held[0] != stamps:
        held = _MADE[name] = (stamps, make(files))
    return held[1]


_MADE: dict[str, tuple] = {}  # name -> (the files' stamps, what was made of them), one per process


def _term_text(node) -> str:
    from rdflib import Literal, URIRef

    if isinstance(node, URIRef):
        return compact(str(node))
    if isinstance(node, Literal):
        dt = f" (typed {compact(str(node.datatype))})" if node.datatype else \
            (f" (language {node.language})" if node.language else " (a plain string)")
        return f'"{cut(str(node))}"{dt}'
    return "a blank node" if node is not None else ""


def term_text(term: ox.NamedNode | ox.BlankNode | ox.Literal | None) -> str:
    """_term_text for a pyoxigraph term (an xsd:string literal is a plain string, as to_rdflib makes it)."""
    if isinstance(term, ox.NamedNode):
        return compact(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return f'"{cut(term.value)}" (language {term.language})'
        dt = term.datatype.value
        return f'"{cut(term.value)}"' + (" (a plain string)" if dt == _XSD_STRING else f" (typed {compact(dt)})")
    return "a blank node" if term is not None else ""


def compact_iris(text: str) -> str:
    """Every IRI in a message written in its prefixed form."""
    return _IRI.sub(lambda m: compact(m.group(0)), text)


def _path_text(graph, path) -> str:
    from rdflib import BNode, URIRef

    if isinstance(path, URIRef):
        return compact(str(path))
    if isinstance(path, BNode):
        inv = graph.value(path, URIRef(SH + "inversePath"))
        if inv is not None:
            return "^" + compact(str(inv))
    return ""


def run_shacl(data_graph: rdflib.Graph, focus: list | None = None) -> tuple[list[Result], rdflib.Graph]:
    """pySHACL over a data graph (asserted data + ontology), optionally only for some focus nodes."""
    import pyshacl
    from rdflib import URIRef
    from rdflib.namespace import RDF

    shapes = shapes_graph()
    kwargs = {"focus_nodes": focus} if focus is not None else {}
    if focus is not None and not focus:
        return [], data_graph.__class__()
    from .parsed_once import ParsedOnce

    # in place: no rules and no inference, so nothing is added to the data; a copy would lose ParsedOnce
    conforms, report, text = pyshacl.validate(ParsedOnce(data_graph), shacl_graph=shapes, inference="none",
                                              advanced=True, allow_warnings=True, inplace=True, **kwargs)
    if not hasattr(report, "subjects"):  # pySHACL could not use the shapes at all
        raise UsageError(f"the shapes in {resources.folder('shapes')} cannot be used: {text}",
                         "fix the shapes file; pySHACL rejected it")
    out = []
    sh = lambda n: URIRef(SH + n)  # noqa: E731
    for res in report.subjects(RDF.type, sh("ValidationResult")):
        sev = report.value(res, sh("resultSeverity"))
        focus_node = report.value(res, sh("focusNode"))
        msgs = sorted(str(m) for m in report.objects(res, sh("resultMessage")))
        value = report.value(res, sh("value"))
        shape = report.value(res, sh("sourceShape"))
        out.append(Result(
            severity=str(sev).rsplit("#", 1)[-1] if sev else "Violation",
            focus=compact(str(focus_node)) if isinstance(focus_node, URIRef) else "a blank node",
            path=_path_text(report, report.value(res, sh("resultPath"))),
            message=compact_iris(msgs[0]) if msgs else "does not conform",
            value=_term_text(value) if value is not None and value != focus_node else "",
            shape=compact(str(shape)) if isinstance(shape, URIRef) else _shape_owner(shapes, shape),
        ))
    return sorted(set(out), key=lambda r: (r.severity != "Violation", r.focus, r.path, r.message, r.value)), report


def _shape_owner(shapes, node) -> str:
    """The named node shape a property shape (a blank node) belongs to."""
    from rdflib import URIRef

    for owner in shapes.subjects(URIRef(SH + "property"), node):
        return compact(str(owner))
    for owner in shapes.subjects(URIRef(SH + "sparql"), node):
        return compact(str(owner))
    return ""


def _data_graph(use_cache: bool):
    """Asserted ontology + data (from the compiled cache), in rdflib."""
    from .compile import cached_bytes
    from .parsing import to_rdflib

    return to_rdflib(q.triple for q in ox.parse(cached_bytes("asserted", use_cache), format=ox.RdfFormat.N_TRIPLES))


def validate_graph(use_cache: bool = True, engine: str = "rudof") -> Report:
    """Validate the whole graph as it is: by rudof (fast, the default) or pySHACL (the reference).

    Ill-typed literals (entry_rules.py) are added to either engine's results.
    """
    from .compile import cached_bytes
    from .entry_rules import literal_problems

    if engine == "pyshacl":
        results, report = run_shacl(_data_graph(use_cache))
        report = report.serialize(format="turtle", encoding="utf-8")
    else:
        from .fast_shacl import run

        results, report = run(cached_bytes("asserted", use_cache), shapes_nt())
    triples = [q.triple for q in ox.parse(cached_bytes("asserted", use_cache), format=ox.RdfFormat.N_TRIPLES)]
    results = list(results) + [Result("Violation", _ox_name(t.subject), compact(t.predicate.value),
                                      f"not a valid {compact(t.object.datatype.value)}: {why}", term_text(t.object), "")
                               for t, why in literal_problems(triples)]
    return Report(_in_files(results, resources.graph_inputs()), report)


def shapes_nt() -> bytes:
    """All shapes files as N-Triples (blank-node labels kept, so results can be traced to their shapes), made
    again only when a file changes (rudof reads them on every entry)."""
    def make(files: list[Path]) -> bytes:
        from .parsing import read_turtle

        return ox.serialize([t for f in files for t in read_turtle(f)], format=ox.RdfFormat.N_TRIPLES)

    return _while_unchanged("shapes-nt", resources.turtle_files("shapes"), make)


def _in_files(results: list[Result], files: list[Path]) -> list[Result]:
    """Each result with the data file and line of the offending triple (or of its node)."""
    from .locate import triple_line

    base = resources.root()
    texts = {f: f.read_text(encoding="utf-8", errors="replace") for f in files}
    out = []
    for r in results:
        for f, text in texts.items():
            line = triple_line(text, r.focus, r.path) if r.focus else 0
            if line:
                shown = f.relative_to(base).as_posix() if f.is_relative_to(base) else str(f)
                r = Result(**{**asdict(r), "file": shown, "line": line})
                break
        if r.shape and not r.hint:
            r = Result(**{**asdict(r), "hint": shape_hint(r.shape, r.path, r.focus, r.message)})
        out.append(r)
    return out


def _focus(entry_triples: list[list[ox.Triple]], store: ox.Store) -> list[str]:
    """The nodes an entry touches: its subjects, the pgid: nodes it refers to, and what refers to them.

    Checking only these is what makes validating an entry fast; a problem the entry causes
    elsewhere (a cycle, a second owner) shows on one of them.
    """
    from .compile import ASSERTED_GRAPH

    subjects: set[str] = set()
    touched: set[str] = set()
    for triples in entry_triples:
        for t in triples:
            # only nodes a shape can target: typed ones, or ones described with probgraph's terms
            if isinstance(t.subject, ox.NamedNode) and (t.predicate.value == RDF_TYPE
                                                        or t.predicate.value.startswith(PG)):
                subjects.add(t.subject.value)
    for triples in entry_triples:
        for t in triples:
            if t.subject.value in subjects and isinstance(t.object, ox.NamedNode) \
                    and t.object.value.startswith(PGID):
                touched.add(t.object.value)
    touched |= subjects
    from .entry_rules import focusable

    touched = {iri for iri in touched if focusable(iri)}  # the others are reported by entry_rules
    for iri in subjects:
        for q in store.quads_for_pattern(None, None, ox.NamedNode(iri), ASSERTED_GRAPH):
            if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(PGID):
                touched.add(q.subject.value)
    return sorted(touched)


# Links that shapes follow backwards from a referenced node (tenures of a chief inspector, other
# ownerships of a CRC, events of an organisation, a rating's inspection): the context includes the
# nodes at their far end, with their own statements.
_BACKLINKS = {PG + n for n in ("holder", "ownedOrganisation", "aspectRating", "findingOf",
                               "recommendationOf", "partOf")} | {
    "http://www.w3.org/ns/org#originalOrganization", "http://www.w3.org/ns/org#resultingOrganization",
    PG + "coversArea", "http://purl.org/dc/terms/spatial"}  # territory shapes read an area's parts and coverers


def _context(store: ox.Store, focus: list[str], entry: list[list[ox.Triple]],
             ontology: list[Path]) -> list[ox.Triple]:
    """The part of the graph the shapes read when they check the focus nodes, plus the ontology.

    Statements of the focus nodes and of the nodes they or the entry refer to; for the links that
    shapes follow backwards into those nodes, the statements of the referring node; the types of
    every node mentioned; and the succession links of their lineages (for the cycle check).
    """
    from .compile import ASSERTED_GRAPH, triple_key

    outs: dict[str, list[ox.Triple]] = {}

    def out(node: str) -> list[ox.Triple]:  # each node's statements looked up once
        found = outs.get(node)
        if found is None:
            found = outs[node] = [q.triple for q in store.quads_for_pattern(ox.NamedNode(node), None, None,
                                                                              ASSERTED_GRAPH)]
        return found

    triples: set[ox.Triple] = set()
    first = set(focus)
    for t in (t for ts in entry for t in ts):
        if isinstance(t.object, ox.NamedNode):
            first.add(t.object.value)
    for node in list(first):
        for t in out(node):
            triples.add(t)
            if isinstance(t.object, ox.NamedNode):
                first.add(t.object.value)
    for node in sorted(first):
        triples.update(out(node))
        for link in _BACKLINKS:
            for q in store.quads_for_pattern(None, ox.NamedNode(link), ox.NamedNode(node), ASSERTED_GRAPH):
                triples.add(q.triple)
                if isinstance(q.subject, ox.NamedNode):
                    triples.update(out(q.subject.value))
    triples |= _succession_component(store, first)
    rdf_type = ox.NamedNode(RDF_TYPE)
    mentioned = {t.object for t in triples if isinstance(t.object, ox.NamedNode)} | \
                {t.subject for t in triples if isinstance(t.subject, ox.NamedNode)}
    for node in mentioned:
        if node.value in outs:  # its statements are in already, its types among them
            continue
        triples.update(q.triple for q in store.quads_for_pattern(node, rdf_type, None, ASSERTED_GRAPH))
    ontology_set, ontology_keyed = _ontology_triples(ontology)
    return [t for _, t in sorted([(triple_key(t), t) for t in triples - ontology_set] + ontology_keyed)]


_SUCCESSION_LINKS = (ox.NamedNode("http://www.w3.org/ns/org#originalOrganization"),
                     ox.NamedNode("http://www.w3.org/ns/org#resultingOrganization"))


def _succession_component(store: ox.Store, nodes: set[str]) -> set[ox.Triple]:
    """The succession links (event to organisation, both ways) of every lineage the nodes belong to.

    A succession cycle through a focus node runs inside its connected component, so this is all the cycle
    check needs; taking every succession link of the graph instead made the context, and the validation,
    grow with the graph (12 s for a two-node entry at +100k).
    """
    from .compile import ASSERTED_GRAPH

    found: set[ox.Triple] = set()
    seen = {ox.NamedNode(n) for n in nodes}
    pending = list(seen)
    while pending:
        node = pending.pop()
        for link in _SUCCESSION_LINKS:
            for q in (*store.quads_for_pattern(node, link, None, ASSERTED_GRAPH),
                      *store.quads_for_pattern(None, link, node, ASSERTED_GRAPH)):
                found.add(q.triple)
                for end in (q.subject, q.object):
                    if isinstance(end, ox.NamedNode) and end not in seen:
                        seen.add(end)
                        pending.append(end)
    return found


@dataclass
class Prepared:
    """The half of validating entries that no SHACL engine changes: the entries parsed, the graph's store, the
    focus nodes, the slice of the graph around them, and the checks that are not SHACL's. Made once, it can
    be checked by either engine (check_entries): the engine comparison makes it once for both."""

    files: list[str]
    parsed: list[list[ox.Triple]]
    texts: dict[str, str]
    store: ox.Store
    focus: list[str]
    context: list[ox.Triple]
    existing: set[str]
    own_checks: list[Result]  # _entry_checks, then _duplicates (none of them SHACL's)


def validate_entries(files: list[str], use_cache: bool = True, engine: str = "rudof") -> Report:
    """Validate new entries with the graph; report only what they add or break.

    engine: "rudof" (fast, the default) or "pyshacl" (the reference); a test holds them equal on every
    test entry and example.
    """
    _known(engine)
    return check_entries(prepare_entries(files, use_cache), engine)


def _known(engine: str) -> None:
    if engine not in ENGINES:
        raise UsageError(f"unknown SHACL engine {engine!r}", f"use one of: {', '.join(ENGINES)}")


def prepare_entries(files: list[str], use_cache: bool = True) -> Prepared:
    """Everything validate_entries does before and besides SHACL."""
    from .parsing import read_turtle
    from .store import for_lookups, open_store

    parsed = [read_turtle(f) for f in files]
    texts = {f: Path(f).read_text(encoding="utf-8", errors="replace") for f in files}
    store = open_store(use_cache=use_cache)
    lookups = for_lookups(store)
    focus = _focus(parsed, lookups)
    if not focus:
        own = _entry_checks(files, parsed, texts, store)
        if any(parsed):
            own.append(Result("Warning", "", "", "the entry describes nothing with probgraph's terms "
                              "(no typed node, no pg: property), so there is nothing to check", "", "",
                              files[0], 0, "see docs/data-conventions.md and examples/valid/"))
        else:
            own.append(Result("Violation", "", "", "the entry holds no triples", "", "", files[0], 0,
                              "write the new inspection, organisation or event in Turtle"))
        return Prepared(files, parsed, texts, store, focus, [], set(), own)
    ontology, data = resources.turtle_files("ontology"), resources.turtle_files("data")
    context = _context(lookups, focus, parsed, ontology)
    inside = _inside_data(files, ontology + data)
    if inside:
        # a file already in data/ is compiled into the graph: check it against the graph without it
        others = _other_inputs(inside)
        own_only = {t for f, triples in zip(files, parsed, strict=False) if f in inside for t in triples} - others
        context = [t for t in context if t not in own_only]
    else:
        others = None
    existing = {t.subject.value for t in context if isinstance(t.subject, ox.NamedNode)}
    own = _entry_checks(files, parsed, texts, store) + _duplicates(files, parsed, texts, store, others, data)
    return Prepared(files, parsed, texts, store, focus, context, existing, own)


def check_entries(prepared: Prepared, engine: str = "rudof") -> Report:
    """validate_entries' report from prepared entries, by one engine (prepared is not changed)."""
    _known(engine)
    focus, context = prepared.focus, prepared.context
    if not focus:
        from .fast_shacl import report_of

        own = list(prepared.own_checks)
        return Report(own, report_of([], not any(r.severity == "Violation" for r in own)))
    results, report_for = _shacl_on(engine, context + [t for triples in prepared.parsed for t in triples], focus)
    baseline: set[tuple] = set()
    old_nodes = [n for n in focus if n in prepared.existing]
    if any(expand(r.focus) in old_nodes for r in results):
        # only then can a result be the graph's own: check those nodes without the entry
        baseline = {r.key() for r in _shacl_on(engine, context, old_nodes)[0]}
    own: list[Result] = []
    for r in results:
        if r.key() in baseline:
            continue
        file, line = _locate(r.focus, r.path, prepared.texts)
        own.append(Result(**{**asdict(r), "file": file, "line": line, "hint": _hint(r, prepared.store)}))
    own.extend(prepared.own_checks)
    own.sort(key=lambda r: (r.severity != "Violation", r.file, r.line, r.focus, r.path, r.message))
    return Report(own, report_for(own))


ENGINES = ("rudof", "pyshacl")


def _shacl_on(engine: str, triples: list[ox.Triple], focus: list[str]):
    """(results for the focus nodes, a function giving the SHACL report of some of them) by one engine."""
    if engine == "pyshacl":
        from rdflib import URIRef

        from .parsing import to_rdflib

        results, report = run_shacl(to_rdflib(triples), [URIRef(n) for n in focus])
        return results, lambda own: _filtered_report(report, own)
    from .fast_shacl import report_of, run_on

    found = run_on(triples, shapes_nt(), set(focus))
    keyed = {r.key(): entries for r, entries in found.items()}
    return list(found), lambda own: report_of([e for r in own for e in keyed.get(r.key(), [])],
                                              not any(r.severity == "Violation" for r in own))


def _entry_checks(files, parsed, texts, store: ox.Store | None = None) -> list[Result]:
    """Rules about the entry's form that SHACL cannot see: IRIs, not blank nodes; entry_rules.py."""
    out = _rule_results(files, parsed, texts, store)
    for f, triples in zip(files, parsed, strict=False):
        if any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode) for t in triples):
            out.append(Result("Violation", "", "", "uses blank nodes; give every node an IRI under pgid:",
                              "", "", f, _first_line(texts[f], "_:") or _first_line(texts[f], "["),
                              "see docs/data-conventions.md, 'Identifiers'"))
    return out


def _rule_results(files, parsed, texts, store: ox.Store | None) -> list[Result]:
    """Ill-typed literals, and triples that change the ontology or equate nodes (entry_rules.py)."""
    from .compile import ASSERTED_GRAPH
    from .entry_rules import literal_problems, schema_problems

    def exists(iri: str) -> bool:
        return store is not None and any(True for _ in store.quads_for_pattern(ox.NamedNode(iri), None, None,
                                                                                ASSERTED_GRAPH))

    out = []
    for f, triples in zip(files, parsed, strict=False):
        text = texts.get(f, "")
        for t, why in literal_problems(triples):
            lit = t.object
            out.append(Result("Violation", _ox_name(t.subject), compact(t.predicate.value),
                              f"not a valid {compact(lit.datatype.value)}: {why}", term_text(lit), "", f,
                              _first_line(text, f'"{lit.value}"'), ""))
        for t, why, hint in ([] if store is None else schema_problems(triples, exists)):
            out.append(Result("Violation", _ox_name(t.subject), compact(t.predicate.value), why,
                              term_text(t.object), "", f, _subject_line(text, t.subject), hint))
    return out


def _ox_name(term) -> str:
    return compact(term.value) if isinstance(term, ox.NamedNode) else "a blank node"


def _subject_line(text: str, subject) -> int:
    """The first line that writes the subject (full IRI or a prefixed name)."""
    if not isinstance(subject, ox.NamedNode):
        return 0
    short = compact(subject.value)
    needles = [f"<{subject.value}>", short]
    if subject.value.startswith(PGID):  # pgid:org\/x, the older spelling
        needles.append("pgid:" + subject.value[len(PGID):].replace("/", "\\/"))
    for needle in needles:
        line = _first_line(text, needle)
        if line:
            return line
    return 0


def _first_line(text: str, needle: str) -> int:
    for i, line in enumerate(text.splitlines(), 1):
        if needle in line and not line.lstrip().startswith("#"):
            return i
    return 0


def _locate(focus: str, path: str, texts: dict[str, str]) -> tuple[str, int]:
    """The entry file and line of the offending triple (or of its node's first line)."""
    from .locate import triple_line

    for f, text in texts.items():
        line = triple_line(text, focus, path) if focus else 0
        if line:
            return f, line
    return "", 0


def _inside_data(files: list[str], inputs: list[Path]) -> set[str]:
    """The entry files that are part of the compiled graph (`inputs`): the same file once both paths are
    resolved. Only an input that is the same file as an entry (device and inode) can resolve to it, so only
    those are resolved (resolving all 150 cost 15 ms an entry)."""
    import os

    same = {(st.st_dev, st.st_ino) for f in files for st in [os.stat(f)]}
    candidates = set()
    for p in inputs:
        try:
            st = os.stat(p)
        except OSError:  # gone since the folder was walked: resolve it as before
            candidates.add(p.resolve())
            continue
        if (st.st_dev, st.st_ino) in same:
            candidates.add(p.resolve())
    return {f for f in files if Path(f).resolve() in candidates}


def _other_inputs(inside: set[str]) -> set[ox.Triple]:
    """Every asserted triple of the graph's files other than these."""
    from .parsing import read_turtle

    skip = {Path(f).resolve() for f in inside}
    return {t for p in resources.graph_inputs() if p.resolve() not in skip for t in read_turtle(p)}


def _duplicates(files: list[str], parsed: list[list[ox.Triple]], texts: dict[str, str], store: ox.Store,
                others: set[ox.Triple] | None, data_files: list[Path]) -> list[Result]:
    """A node the entry defines (gives a type and a label) that the graph already defines, named as a duplicate.

    A file may add a kind and facts to a node that another file defines, as data/territory/ adds the areas'
    kind to the places of data/places.ttl; only a second label marks the same IRI minted again.
    """
    from .compile import ASSERTED_GRAPH
    from .locate import subject_line, where_defined

    rdf_type, label = ox.NamedNode(RDF_TYPE), ox.NamedNode(RDFS_LABEL)
    # the nodes the other inputs give both a type and a label (one pass over them, not one a node)
    defined = ({t.subject for t in others if t.predicate == rdf_type}
               & {t.subject for t in others if t.predicate == label}) if others is not None else set()
    out = []
    for f, triples in zip(files, parsed, strict=False):
        mine = Path(f).resolve()
        typed = {t.subject for t in triples if t.predicate == rdf_type and isinstance(t.subject, ox.NamedNode)}
        for node in sorted(typed & {t.subject for t in triples if t.predicate == label}, key=lambda n: n.value):
            if others is not None:
                known = node in defined
            else:
                known = all(any(True for _ in store.quads_for_pattern(node, p, None, ASSERTED_GRAPH))
                            for p in (rdf_type, label))
            if not known:
                continue
            name = compact(node.value)
            found = where_defined(name, [p for p in data_files if p.resolve() != mine])
            where = (f"{found[0].relative_to(resources.root()).as_posix()}:{found[1]}"
                     if found else "the graph")
            out.append(Result("Violation", name, "", f"is already defined in {where}; "
                              "pick a new slug or edit that file", "", "", f,
                              subject_line(texts[f], name), _new_slug_hint(node, triples, where)))
    return out


def _new_slug_hint(node: ox.NamedNode, triples: list[ox.Triple], where: str) -> str:
    """A duplicate's hint: the node under a new slug, as Turtle, or the file to edit instead."""
    kinds = sorted(compact(t.object.value) for t in triples
                   if t.subject == node and t.predicate.value == RDF_TYPE and isinstance(t.object, ox.NamedNode))
    return f"{turtle_name(node.value + '-2')} a {kinds[0]} .  # a new slug, or edit {where.split(':')[0]} instead"


def _hint(r: Result, store: ox.Store) -> str:
    """What to write instead: the shape's pgsh:hint, or the nearest names for a pgid: IRI the graph lacks."""
    from .compile import ASSERTED_GRAPH

    hint = shape_hint(r.shape, r.path, r.focus, r.message)
    iri = expand(r.value) if r.value != r.focus else None
    if not iri or not iri.startswith(PGID):
        return hint
    if any(True for _ in store.quads_for_pattern(ox.NamedNode(iri), None, None, ASSERTED_GRAPH)):
        return hint
    folder = iri[len(PGID):].split("/", 1)[0]
    known = [compact(sol["s"].value) for sol in store.query(
        f"SELECT DISTINCT ?s WHERE {{ GRAPH <{ASSERTED_GRAPH.value}> {{ ?s ?p ?o }} "
        f"FILTER STRSTARTS(STR(?s), \"{PGID}{folder}/\") }}")]
    close = difflib.get_close_matches(r.value, sorted(known), n=3, cutoff=0.75)
    focus = turtle_name(expand(r.focus) or r.focus)
    if close and r.path and not r.path.startswith("^"):
        others = f" (or {', '.join(close[1:])})" if close[1:] else ""
        return f"{focus} {r.path} {close[0]} .  # {r.value} is not in the graph; did you mean {close[0]}{others}?"
    return (hint or f"{focus} {r.path} {r.value} .") + \
        f"  # {r.value} is not in the graph: define it in the entry or use a name the graph has"


def _filtered_report(report, own: list[Result]) -> bytes:
    """A SHACL validation report (Turtle) with only the entry's own results."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.namespace import RDF, XSD

    sh = lambda n: URIRef(SH + n)  # noqa: E731
    keep = {(r.focus, r.message) for r in own}
    out = Graph()
    out.bind("sh", SH)
    root = URIRef("urn:probgraph:validation-report")
    out.add((root, RDF.type, sh("ValidationReport")))
    out.add((root, sh("conforms"), Literal(not any(r.severity == "Violation" for r in own), datatype=XSD.boolean)))
    for res in report.subjects(RDF.type, sh("ValidationResult")):
        focus = report.value(res, sh("focusNode"))
        msgs = {_IRI.sub(lambda m: compact(m.group(0)), str(m)) for m in report.objects(res, sh("resultMessage"))}
        fid = compact(str(focus)) if isinstance(focus, URIRef) else "a blank node"
        if not any((fid, m) in keep for m in msgs):
            continue
        out.add((root, sh("result"), res))
        for p, o in report.predicate_objects(res):
            out.add((res, p, o))
    return out.serialize(format="turtle", encoding="utf-8")


def render_report(report: Report, fmt: str = "text") -> bytes:
    """Text for people, JSON for tools, or the SHACL report in Turtle."""
    if fmt == "json":
        body = {"conforms": not report.violations,
                "violations": len(report.violations), "warnings": len(report.warnings),
                "results": [asdict(r) for r in report.results]}
        return (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    if fmt == "turtle":
        return report.report_turtle
    lines = []
    for r in report.results:
        where = f"{r.file}:{r.line}: " if r.file and r.line else (f"{r.file}: " if r.file else "")
        subject = f"{r.focus} " if r.focus else ""
        prop = f"{r.path}: " if r.path else ""
        wrote = f"; you wrote {r.value}" if r.value and r.value not in r.message else ""
        lines.append(printable(f"{where}{r.severity}: {subject}{prop}{r.message}{wrote}"))
        if r.hint:
            lines.append(printable(f"    hint: {r.hint}"))
    v, w = len(report.violations), len(report.warnings)
    lines.append(f"{v} violation{'s' if v != 1 else ''}, {w} warning{'s' if w != 1 else ''}"
                 + (": conforms" if not v else ": does not conform"))
    return ("\n".join(lines) + "\n").encode("utf-8")
