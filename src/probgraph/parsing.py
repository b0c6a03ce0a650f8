"""Read Turtle files into triples, turning every way a file can be bad into one clear line.

pyoxigraph parses about 15x faster than rdflib and reports line and column, so every file is
read with it first; rdflib graphs are built from its triples only where rdflib is needed.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from .errors import InputSyntaxError, UsageError

TYPE_CHECKING = False  # typing's import costs a cold compile milliseconds
if TYPE_CHECKING:
    import rdflib

MAX_INPUT_BYTES = 200 * 1024 * 1024


def read_turtle(path: Path | str) -> list[ox.Triple]:
    """Parse one Turtle file; raise InputSyntaxError (exit 2) with file:line:col on any problem."""
    data, shown = _checked_bytes(path)
    return parse_turtle_bytes(data, shown)


def load_turtle(store: ox.Store, path: Path | str, data: bytes | None = None) -> None:
    """Parse one Turtle file into the store's default graph, with read_turtle's checks and messages.

    The triples never become Python objects (pyoxigraph parses into the store in Rust), which is what
    makes a compile of 100k triples cost milliseconds here rather than a second. A bad file adds nothing.
    `data` is the file's bytes when the caller has read them already (compile, which hashed them).
    """
    if data is None:
        data, shown = _checked_bytes(path)
    else:
        shown = str(path)
        if len(data) > MAX_INPUT_BYTES:
            raise _too_large(shown)
    data = _utf8(data, shown)
    try:
        store.load(data, format=ox.RdfFormat.TURTLE)
    except SyntaxError as exc:
        raise _syntax_error(exc, data, shown) from None


def _checked_bytes(path: Path | str) -> tuple[bytes, str]:
    """A regular, readable file's bytes and its name for messages."""
    path = Path(path)
    shown = str(path)
    try:
        found = path.stat()
    except FileNotFoundError:
        raise UsageError(f"{shown}: no such file", "check the path") from None
    except PermissionError:
        raise UsageError(f"{shown}: permission denied (a folder on its path cannot be searched)",
                         "make the folders searchable (chmod a+x)") from None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read ({exc.strerror})") from None
    if stat.S_ISDIR(found.st_mode):
        raise UsageError(f"{shown}: is a directory, not a Turtle file", "name the .ttl files inside it")
    if not stat.S_ISREG(found.st_mode):
        raise UsageError(f"{shown}: not a regular file", "give a Turtle file")
    if found.st_size > MAX_INPUT_BYTES:  # refused unread; the read below is capped too, as a file may grow
        raise _too_large(shown)
    try:
        with path.open("rb") as fh:
            data = fh.read(MAX_INPUT_BYTES + 1)
        if len(data) > MAX_INPUT_BYTES:
            raise _too_large(shown)
    except PermissionError:
        raise UsageError(f"{shown}: permission denied", "make the file readable") from None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot read ({exc.strerror})") from None
    return data, shown


def _too_large(shown: str) -> UsageError:
    return UsageError(f"{shown}: larger than the {MAX_INPUT_BYTES}-byte limit", "split the entry into smaller files")


def parse_turtle_bytes(data: bytes, shown: str) -> list[ox.Triple]:
    """Parse Turtle from bytes; `shown` is the name used in messages."""
    data = _utf8(data, shown)
    try:
        return [q.triple for q in ox.parse(data, format=ox.RdfFormat.TURTLE)]
    except SyntaxError as exc:
        raise _syntax_error(exc, data, shown) from None


def _utf8(data: bytes, shown: str) -> bytes:
    """The bytes without a byte-order mark, or InputSyntaxError where they stop being UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise InputSyntaxError(shown, line, column, "not valid UTF-8 text",
                               "save the file as UTF-8") from None
    return data


def _syntax_error(exc: SyntaxError, data: bytes, shown: str) -> InputSyntaxError:
    problem = str(exc.msg)
    # pyoxigraph prefixes its own position; keep only the problem itself
    if ": " in problem and problem.startswith("Parser error"):
        problem = problem.split(": ", 1)[1]
    return InputSyntaxError(shown, exc.lineno, exc.offset, f"Turtle syntax error: {problem}",
                            _slash_hint(data, exc.lineno, exc.offset)
                            or "fix the Turtle at that position (see docs/data-conventions.md)")


_SLASHED = re.compile(r"([A-Za-z][\w-]*):([\w-]+)/([\w.-]*[\w-])")


def _slash_hint(data: bytes, line: int | None, column: int | None) -> str:
    """For `pgid:inspection/2019-x` (a '/' in a prefixed name): the name to write instead."""
    if not line or not column:
        return ""
    from .namespaces import PREFIXES, compact

    text = data.decode("utf-8", errors="replace").splitlines()
    if line > len(text):
        return ""
    for m in _SLASHED.finditer(text[line - 1]):
        if m.start() < column <= m.end() + 1 and m.group(1) in PREFIXES:
            iri = PREFIXES[m.group(1)] + f"{m.group(2)}/{m.group(3)}"
            name = compact(iri)
            if name != iri:
                prefix = name.split(":", 1)[0]
                return (f"a prefixed name cannot hold '/': write {name} "
                        f"(declare @prefix {prefix}: <{PREFIXES[prefix]}> .)")
            return f"a prefixed name cannot hold '/': write <{iri}>"
    return ""


def one_graph() -> rdflib.Graph:
    """An empty rdflib graph for the references: owlrl's closure, pySHACL's data and shapes graphs.

    ref_graph.HeldGraph answers rdflib's lookups from a set and three indexes of its triples; rdflib's default
    store's bookkeeping of contexts and its generators a lookup were most of owlrl's time on the real graph
    ("Suite speed, fifth pass" in docs/design-decisions.md).
    """
    from .ref_graph import HeldGraph

    return HeldGraph()


def to_rdflib(triples: Iterable[ox.Triple], graph: rdflib.Graph | None = None, held: bool = False) -> rdflib.Graph:
    """Copy pyoxigraph triples into an rdflib graph: `graph`, or a new one for pySHACL (one_graph).

    `held`: owlrl's graph, whose IRIs and literals are ref_graph.HeldIRI and HeldLiteral (_HeldTerms); raises
    SameCharacters where a literal has the characters of an IRI made so, as a HeldIRI would equal it.
    """
    import logging
    import warnings

    from .ref_graph import HeldStore

    # an ill-typed literal ("2019-02-30"^^xsd:date) is reported by validation; rdflib would log a traceback
    # and warn on stderr when it serialises one
    logging.getLogger("rdflib.term").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", "Serializing weird numerical", UserWarning)
    g = graph if graph is not None else one_graph()
    if len(_TERMS) > _MAX_TERMS:
        _TERMS.clear()
        _TERMS.update(_NAMED)
    if held and len(_HELD.made) > _MAX_TERMS:
        _HELD.clear()
    made, make = (_HELD.made, _HELD.make) if held else (_TERMS, _rdflib_term)

    def conv(term):
        found = made.get(term)
        if found is None:
            found = made[term] = make(term)
        return found

    converted = ((conv(t.subject), conv(t.predicate), conv(t.object)) for t in triples)
    store = g.store
    if isinstance(store, HeldStore):
        store.extend(converted)
    else:  # what Graph.add calls, without its checks that the terms are rdflib nodes (made here)
        for triple in converted:
            store.add(triple, g)
    return g


class SameCharacters(Exception):
    """A literal of owlrl's graph has the characters of one of its IRIs (or the other way round): owlrl is
    then given rdflib's own terms (reasoning.close_owlrl), since a HeldIRI would equal the literal."""


class _HeldTerms:
    """owlrl's terms (to_rdflib's `held`), made once per process, and the characters of its IRIs and literals.

    A HeldIRI differs from rdflib's URIRef only against a literal or str of the same characters; owlrl makes no
    literal of its own but an error message, so each literal it meets is one made here, and none of them has
    a HeldIRI's characters: the one that would raises SameCharacters instead.
    """

    def __init__(self) -> None:
        self.made: dict = {}
        self.iris: set[str] = set()
        self.literals: set[str] = set()
        self.named: dict = {}  # the IRIs owlrl's code names (interned), kept by clear

    def clear(self) -> None:
        for kept in (self.made, self.iris, self.literals):
            kept.clear()
        self.made.update(self.named)
        self.iris.update(key.value for key in self.named)

    def keep(self, key: ox.NamedNode):
        """The HeldIRI of this IRI, which clear keeps."""
        found = self.made.get(key)
        if found is None:
            found = self.made[key] = self.make(key)
        self.named[key] = found
        return found

    def make(self, term):
        from rdflib import Literal

        from .ref_graph import HeldIRI, HeldLiteral

        if isinstance(term, ox.NamedNode):
            if term.value in self.literals:
                raise SameCharacters(term.value)
            self.iris.add(term.value)
            return HeldIRI(term.value)
        if isinstance(term, ox.BlankNode):
            return _rdflib_term(term)
        made = _rdflib_term(term, HeldLiteral)
        made._hash = Literal.__hash__(made)
        if str(made) in self.iris:  # its lexical form as rdflib keeps it
            raise SameCharacters(str(made))
        self.literals.add(str(made))
        return made


def to_oxigraph(triples: Iterable[tuple]) -> list[ox.Triple]:
    """rdflib triples (no literal subject) as pyoxigraph triples, blank nodes keeping their labels: owlrl's
    closure, made straight from its terms rather than written as N-Triples by rdflib and parsed again."""
    from rdflib import BNode, Literal

    made: dict = {}

    def conv(term):
        found = made.get(term)
        if found is None:
            if isinstance(term, Literal):
                datatype = term.datatype
                found = ox.Literal(term, language=term.language,
                                   datatype=None if datatype is None else ox.NamedNode(datatype))
            elif isinstance(term, BNode):
                found = ox.BlankNode(term)
            else:
                found = ox.NamedNode(term)
            made[term] = found
        return found

    return [ox.Triple(conv(s), conv(p), conv(o)) for s, p, o in triples]


# Each pyoxigraph term's rdflib term, made once per process: a graph names the same few terms many times, and
# every entry's slice holds the ontology and much of the graph again (to_rdflib on an entry's slice: 33 -> 20 ms
# with this and the store's own add). rdflib terms are immutable values, so one serves every graph; the map is
# emptied when it grows past the terms of a few real graphs.
_TERMS: dict = {}
_MAX_TERMS = 500_000
_NAMED: dict = {}  # the IRIs the references' own code names (interned), kept when _TERMS is emptied


def interned(term: rdflib.URIRef, held: bool = False) -> rdflib.URIRef:
    """The one URIRef object this process's graphs use for this IRI (`term` itself if none has been made), or
    with `held` the one HeldIRI of owlrl's graphs of held terms (to_rdflib's `held`), kept when they are emptied.

    A store finds a key by its hash and then by identity, and only when the objects differ calls rdflib's
    `__eq__` (Python, comparing the strings): owlrl's rules name `OWL.sameAs` and its kind millions of times, so
    the terms they name are made the very objects the graph holds.
    """
    key = ox.NamedNode(str(term))
    if held:
        return _HELD.keep(key)
    found = _TERMS.get(key)
    if found is None:
        found = _TERMS[key] = term
    _NAMED[key] = found
    return found


def _rdflib_term(term, literal=None):  # literal: the Literal class to make (rdflib's by default)
    from rdflib import BNode, Literal, URIRef

    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    literal = Literal if literal is None else literal
    if term.language:
        return literal(term.value, lang=term.language)
    dt = term.datatype
    if dt.value == "http://www.w3.org/2001/XMLSchema#string":
        return literal(term.value)
    found = _TERMS.get(dt)  # the datatype's one URIRef: Literal's __eq__ compares datatypes
    if found is None:
        found = _TERMS[dt] = URIRef(dt.value)
    return literal(term.value, datatype=found)


_HELD = _HeldTerms()
