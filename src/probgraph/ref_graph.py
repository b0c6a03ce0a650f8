"""The rdflib graph the two references (owlrl and pySHACL) run on: the same answers, less Python a lookup.

owlrl asks whether each triple it derives is held (millions of times on the real graph) and looks triples up by
pattern in every rule; rdflib's Graph answers both through two generators a call and its store's per-result
context bookkeeping. This store keeps a set of its triples (membership, length) and three nested indexes whose
leaves are the triples themselves, so a pattern's answer is an iterator over a dict rdflib's callers take as
they take rdflib's. Iteration follows insertion order, as rdflib's SimpleMemory does. owlrl's and pySHACL's
code is unchanged: only the graph they are handed is this one (tests/test_fast_shacl.py and
tests/test_native_reasoner.py hold the answers equal to rdflib's own store's). owlrl's graph is also made of
held terms (HeldIRI, HeldLiteral: parsing.to_rdflib's `held`), which compare and hash without rdflib's Python.
"""

from __future__ import annotations

from itertools import chain
from operator import itemgetter

from rdflib import Graph, Literal, URIRef
from rdflib.paths import Path
from rdflib.plugins.stores.memory import SimpleMemory
from rdflib.store import Store

_NONE: tuple = ()


class HeldIRI(URIRef):
    """An IRI of owlrl's graph, compared by str's own C code: owlrl tests a triple's terms against its
    vocabulary with `==` some 45 times a triple a cycle, each a call of rdflib's `Identifier.__eq__` in Python.

    It equals a URIRef of the same IRI whichever side it is on (Python asks the subclass first), as two rdflib
    URIRefs are equal; a blank node never has its characters (an IRI has a ':', a blank node label none). It
    would also equal a literal or a str of the same characters, which rdflib's URIRef does not: parsing's held
    table never makes a HeldIRI and a literal of the same characters (parsing.SameCharacters), and owlrl
    compares no term with a str.
    """

    __slots__ = ()
    __eq__ = str.__eq__
    __ne__ = str.__ne__
    __hash__ = str.__hash__


class HeldLiteral(Literal):
    """A literal of owlrl's graph that keeps its hash: rdflib's `Literal.__hash__` is Python code (the lexical
    form's, the language's and the datatype's hashes), and owlrl's membership tests hash each triple anew.
    The hash kept is rdflib's own, so it finds and is found by rdflib's Literals as theirs do."""

    __slots__ = ("_hash",)
    _hash: int  # set by its maker (parsing._HeldTerms), from rdflib's Literal.__hash__

    def __hash__(self) -> int:
        return self._hash


_IRIS = (URIRef, HeldIRI)  # the classes of a plain predicate (rdflib's Path classes are the others)
_SUBJECT, _OBJECT = itemgetter(0), itemgetter(2)
_SO, _PO, _SP = itemgetter(0, 2), itemgetter(1, 2), itemgetter(0, 1)


class HeldStore(SimpleMemory):
    """Triples in a set and in subject, predicate and object indexes (SimpleMemory's namespace bookkeeping).

    It holds one graph and says it keeps contexts: pySHACL wraps its data graph in an rdflib Dataset, which
    refuses a store that does not, and reads the graph it is given as that one graph.
    """

    context_aware = True
    graph_aware = True

    def __init__(self) -> None:
        super().__init__()
        self.held: set = set()
        self.spo: dict = {}
        self.pos: dict = {}
        self.osp: dict = {}

    def add(self, triple, context=None, quoted=False) -> None:
        self.extend((tuple(triple),))

    def extend(self, triples) -> None:
        """Add many triples (an iterable of 3-tuples of rdflib terms) with one call, for parsing.to_rdflib."""
        held, spo, pos, osp = self.held, self.spo, self.pos, self.osp
        for triple in triples:
            n = len(held)
            held.add(triple)
            if len(held) > n:  # one hash of the triple, not two (a Literal's hash is Python code)
                s, p, o = triple
                _put(spo, s, p, o, triple)
                _put(pos, p, o, s, triple)
                _put(osp, o, s, p, triple)

    def remove(self, triple_pattern, context=None) -> None:
        for triple in list(self.matching(*triple_pattern)):
            s, p, o = triple
            self.held.discard(triple)
            _drop(self.spo, s, p, o)
            _drop(self.pos, p, o, s)
            _drop(self.osp, o, s, p)

    def matching(self, s, p, o):  # -> Iterator[triple]
        """The held triples matching a pattern (None for any term), from the index that names the given terms."""
        if s is not None:
            by_p = self.spo.get(s)
            if by_p is None:
                return iter(_NONE)
            if p is not None:
                leaf = by_p.get(p)
                if leaf is None:
                    return iter(_NONE)
                if o is not None:
                    triple = leaf.get(o)
                    return iter(_NONE if triple is None else (triple,))
                return iter(leaf.values())
            if o is not None:
                leaf = self.osp.get(o, _EMPTY).get(s)
                return iter(_NONE if leaf is None else leaf.values())
            return chain.from_iterable(map(dict.values, by_p.values()))
        if p is not None:
            by_o = self.pos.get(p)
            if by_o is None:
                return iter(_NONE)
            if o is not None:
                leaf = by_o.get(o)
                return iter(_NONE if leaf is None else leaf.values())
            return chain.from_iterable(map(dict.values, by_o.values()))
        if o is not None:
            by_s = self.osp.get(o)
            return iter(_NONE) if by_s is None else chain.from_iterable(map(dict.values, by_s.values()))
        return chain.from_iterable(map(dict.values, chain.from_iterable(map(dict.values, self.spo.values()))))

    def triples(self, triple_pattern, context=None):
        """rdflib's store interface: each triple with its contexts (none: the store is one graph)."""
        for triple in self.matching(*triple_pattern):
            yield triple, _NONE

    def __len__(self, context=None) -> int:
        return len(self.held)


_EMPTY: dict = {}


def _put(index: dict, a, b, c, triple: tuple) -> None:
    """index[a][b][c] = triple, making the dicts on the way."""
    inner = index.get(a)
    if inner is None:
        index[a] = {b: {c: triple}}
        return
    leaf = inner.get(b)
    if leaf is None:
        inner[b] = {c: triple}
    else:
        leaf[c] = triple


def _drop(index: dict, a, b, c) -> None:
    """Delete index[a][b][c], and the dicts it leaves empty (so a term no triple names is not listed)."""
    inner = index[a]
    leaf = inner[b]
    del leaf[c]
    if not leaf:
        del inner[b]
        if not inner:
            del index[a]


def _path(predicate) -> bool:
    """Is this predicate a property path (rdflib evaluates those)? Tested by type first: Path is an ABC."""
    return predicate is not None and type(predicate) not in _IRIS and isinstance(predicate, Path)


class HeldGraph(Graph):
    """An rdflib Graph whose lookups go straight to a HeldStore's indexes; on any other store, rdflib's own.

    Only plain patterns take the short way: a property path, a list of terms or `unique=True` is rdflib's code.
    """

    def __init__(self, store: Store | None = None, identifier=None, namespace_manager=None) -> None:
        store = HeldStore() if store is None else store
        super().__init__(store=store, identifier=identifier, namespace_manager=namespace_manager)
        self._held = store if isinstance(store, HeldStore) else None

    def __contains__(self, triple) -> bool:
        held = self._held
        if held is not None:
            try:
                if triple in held.held:  # owlrl asks this of every triple it derives
                    return True
            except TypeError:  # a list, or a term rdflib cannot hash
                pass
            s, p, o = triple
            # `type(p) in _IRIS`, not `isinstance(p, Path)`: Path is an ABC, whose check costs a microsecond
            if s is not None and o is not None and type(p) in _IRIS:
                return False
        return super().__contains__(triple)

    def __len__(self) -> int:
        return super().__len__() if self._held is None else len(self._held.held)

    def triples(self, triple):
        held = self._held
        if held is None or _path(triple[1]):
            return super().triples(triple)
        return held.matching(*triple)

    def subjects(self, predicate=None, object=None, unique=False):  # noqa: A002 -- rdflib's names
        held = self._held
        if held is None or unique or isinstance(object, list) or _path(predicate):
            return super().subjects(predicate, object, unique)
        return map(_SUBJECT, held.matching(None, predicate, object))

    def objects(self, subject=None, predicate=None, unique=False):
        held = self._held
        if held is None or unique or isinstance(subject, list) or _path(predicate):
            return super().objects(subject, predicate, unique)
        return map(_OBJECT, held.matching(subject, predicate, None))

    def subject_objects(self, predicate=None, unique=False):
        held = self._held
        if held is None or unique or _path(predicate):
            return super().subject_objects(predicate, unique)
        return map(_SO, held.matching(None, predicate, None))

    def predicate_objects(self, subject=None, unique=False):
        if self._held is None or unique:
            return super().predicate_objects(subject, unique)
        return map(_PO, self._held.matching(subject, None, None))

    def subject_predicates(self, object=None, unique=False):  # noqa: A002 -- rdflib's names
        if self._held is None or unique:
            return super().subject_predicates(object, unique)
        return map(_SP, self._held.matching(None, None, object))
