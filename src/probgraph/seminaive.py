"""Semi-naive evaluation of the rule files: after the first round, each rule joins only the last round's new
triples with the whole graph, so a round costs what it derives, not the size of the graph.

The rule files stay as written (data, linted by rules.py); this module rewrites each `INSERT { T } WHERE { B }`
mechanically. For a body of triple patterns a1 .. an and FILTERs it makes n variants, variant i reading ai from
a scratch graph DELTA (the triples new in the last round) and the other patterns from the default graph; every
variant, and the first round's copy of the rule itself, also inserts T into a scratch graph NEXT when T is not
yet in the default graph (`FILTER NOT EXISTS { T }`). NEXT becomes the next round's DELTA.

Why this derives what the naive rounds derive: take any match of a rule's body. If every matched triple was
asserted, the first round (the rules as written) finds it. Otherwise let r be the last round in which one of its
triples was first added: it was added to NEXT then (a triple enters the default graph only through an insert
whose `NOT EXISTS` held, and that insert also puts it in NEXT), so in round r + 1 it is in DELTA, the other
triples are in the default graph, and the variant reading that pattern from DELTA finds the match.

Why it ends: the rewritten rules insert into the default graph only what the rule files insert (terms already
present, rules.py's argument), one template triple per rewritten rule, and put it in NEXT only when it is new,
so every round whose NEXT is not empty grows the default graph, which is bounded. The same makes each added
triple sit in exactly one round's NEXT, so `fixpoint` can hand the caller the added triples without a
comparison with the asserted graph. The scratch graphs are removed at the end.

A rule whose body is more than triple patterns and FILTERs (OPTIONAL, UNION, EXISTS, sub-queries, ...), or a
file that is not a list of `INSERT { } WHERE { }` operations, is not rewritten: `plan` returns None and the
caller runs the naive rounds instead (rules.fixpoint), so nothing is ever derived differently.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph as ox

_TOKEN = re.compile(r"""
    (?P<ws>\s+|\#[^\n]*)
  | (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
    (?P<suffix>@[A-Za-z]+(?:-[A-Za-z0-9]+)*|\^\^(?:<[^<>\s]*>|[A-Za-z][\w-]*:[\w-]*))?
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[A-Za-z][\w.-]*)?:(?:[\w-](?:[\w.-]*[\w-])?)?)
  | (?P<number>[+-]?\d+(?:\.\d+)?)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<punct>[{}();,.\[\]])
  | (?P<op>[!=<>&|+*/-]+)
""", re.VERBOSE)
_TERM = ("iri", "string", "var", "pname", "number")
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class Pattern:
    """A triple pattern or a FILTER, the variables it mentions and, for a triple pattern, its constant
    predicate and IRI object (None where a variable or literal stands), to skip a delta that cannot match.
    (Plain classes here and below: importing dataclasses costs a cold compile about 10 ms.)"""

    __slots__ = ("text", "variables", "predicate", "object")

    def __init__(self, text: str, variables: frozenset[str], predicate: ox.NamedNode | None = None,
                 object: ox.NamedNode | None = None) -> None:  # noqa: A002 - the triple's object
        self.text, self.variables, self.predicate, self.object = text, variables, predicate, object

    def may_match(self, store: ox.Store, graph: ox.NamedNode) -> bool:
        """Does `graph` hold a triple with this pattern's constant predicate and object? (One index lookup.)"""
        return next(iter(store.quads_for_pattern(None, self.predicate, self.object, graph)), None) is not None


class Rule:
    """One `INSERT { template } WHERE { patterns FILTERs }` operation, prefixed names written out in full
    (pyoxigraph takes one prologue per request, and the files may each declare their own)."""

    __slots__ = ("template", "patterns", "filters")

    def __init__(self, template: str, patterns: tuple[Pattern, ...], filters: tuple[Pattern, ...]) -> None:
        self.template, self.patterns, self.filters = template, patterns, filters

    def first_round(self, next_graph: ox.NamedNode) -> str:
        """The rule as written, also recording what it adds in `next_graph`."""
        return self._operation(" . ".join(p.text for p in self.patterns), self.filters, next_graph)

    def delta_variants(self, store: ox.Store, delta: ox.NamedNode, next_graph: ox.NamedNode) -> list[str]:
        """One operation per pattern that some triple of `delta` may match, that pattern read from `delta`.

        The delta pattern comes first, with the FILTERs that need only its variables inside its group, since
        pyoxigraph joins in the order written and the last round's new triples are the few. (A FILTER whose
        variables are all bound inside a group keeps or drops the same solutions there as after the joins.)
        """
        out = []
        for p in self.patterns:
            if not p.may_match(store, delta):
                continue
            inner = [f for f in self.filters if f.variables <= p.variables]
            rest = [f for f in self.filters if f not in inner]
            first = f"{{ GRAPH {delta} {{ {p.text} }} {' '.join(f.text for f in inner)} }}"
            out.append(self._operation(" . ".join([first] + [q.text for q in self.patterns if q is not p]),
                                       rest, next_graph))
        return out

    def _operation(self, body: str, filters: list[Pattern] | tuple[Pattern, ...], next_graph: ox.NamedNode) -> str:
        return (f"INSERT {{ {self.template} GRAPH {next_graph} {{ {self.template} }} }} "
                f"WHERE {{ {body} {' '.join(f.text for f in filters)} FILTER NOT EXISTS {{ {self.template} }} }}")


class NotRewritable(ValueError):
    """The text is not a list of INSERT { } WHERE { } operations over triple patterns and FILTERs."""


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.lastgroup is None:
            raise NotRewritable(f"cannot read {text[pos:pos + 20]!r}")
        kind = m.lastgroup if m.lastgroup != "suffix" else "string"
        if kind != "ws":
            out.append((kind, m.group(0)))
        pos = m.end()
    return out


def _expanded(tokens: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The tokens without PREFIX declarations, every prefixed name (datatypes too) written as a full IRI."""
    prefixes: dict[str, str] = {}
    out: list[tuple[str, str]] = []

    def full(name: str) -> str:
        prefix, _, local = name.partition(":")
        if prefix not in prefixes:
            raise NotRewritable(f"undeclared prefix in {name}")
        return f"<{prefixes[prefix]}{local}>"

    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "word" and text.upper() == "BASE":
            raise NotRewritable("BASE")
        if kind == "word" and text.upper() == "PREFIX":
            if i + 2 >= len(tokens) or tokens[i + 1][0] != "pname" or tokens[i + 2][0] != "iri":
                raise NotRewritable("a PREFIX declaration")
            prefixes[tokens[i + 1][1][:-1]] = tokens[i + 2][1][1:-1]
            i += 3
            continue
        if kind == "pname":
            kind, text = "iri", full(text)
        elif kind == "string" and "^^" in text and not text.endswith(">"):
            value, _, datatype = text.rpartition("^^")
            text = f"{value}^^{full(datatype)}"
        out.append((kind, text))
        i += 1
    return out


def _group(tokens: list[tuple[str, str]], i: int) -> int:
    """Index just after the balanced group opening at tokens[i] ('{' or '(')."""
    close = {"{": "}", "(": ")"}[tokens[i][1]]
    opening, depth = tokens[i][1], 0
    for j in range(i, len(tokens)):
        if tokens[j] == ("punct", opening):
            depth += 1
        elif tokens[j] == ("punct", close):
            depth -= 1
            if depth == 0:
                return j + 1
    raise NotRewritable("unbalanced brackets")


def _text(tokens: list[tuple[str, str]]) -> str:
    return " ".join(t for _, t in tokens)


def _pattern(tokens: list[tuple[str, str]]) -> Pattern:
    return Pattern(_text(tokens), frozenset(t for k, t in tokens if k == "var"))


def _triple(s: tuple[str, str], p: tuple[str, str], o: tuple[str, str]) -> Pattern:
    def iri(token: tuple[str, str]) -> ox.NamedNode | None:
        return ox.NamedNode(token[1][1:-1]) if token[0] == "iri" else None

    predicate = ox.NamedNode(_RDF_TYPE) if p == ("word", "a") else iri(p)
    return Pattern(_text([s, p, o]), frozenset(t for k, t in (s, p, o) if k == "var"), predicate, iri(o))


def _body(tokens: list[tuple[str, str]]) -> tuple[tuple[Pattern, ...], tuple[Pattern, ...]]:
    """The triple patterns (abbreviations expanded) and FILTERs of a WHERE group's inside."""
    patterns: list[Pattern] = []
    filters: list[Pattern] = []
    i = 0
    while i < len(tokens):
        kind, text = tokens[i]
        if kind == "word" and text.upper() == "FILTER":
            j = i + 1
            if j < len(tokens) and tokens[j][0] == "word":
                j += 1  # a function call: FILTER sameTerm(...)
            if j >= len(tokens) or tokens[j] != ("punct", "("):
                raise NotRewritable("FILTER without a bracketed expression")
            end = _group(tokens, j)
            if any(k == "word" and t.upper() == "EXISTS" for k, t in tokens[i:end]):
                raise NotRewritable("EXISTS is not monotonic")
            filters.append(_pattern(tokens[i:end]))
            i = end
        elif kind == "punct" and text == ".":
            i += 1
        elif kind in _TERM:
            i = _triples(tokens, i, patterns)
        else:
            raise NotRewritable(f"{text!r} in a rule body")
    if not patterns:
        raise NotRewritable("a body without triple patterns")
    return tuple(patterns), tuple(filters)


def _triples(tokens: list[tuple[str, str]], i: int, out: list[Pattern]) -> int:
    """Read `s p o (, o)* (; p o (, o)*)*` from tokens[i]; append one pattern per triple; return the next index."""
    def term(j: int, predicate: bool = False) -> tuple[str, str]:
        if j >= len(tokens):
            raise NotRewritable("a triple pattern ends early")
        kind, text = tokens[j]
        if kind in _TERM or (predicate and kind == "word" and text == "a"):
            return tokens[j]
        raise NotRewritable(f"{text!r} where a term should be")

    subject = term(i)
    i += 1
    while True:
        predicate = term(i, predicate=True)
        i += 1
        while True:
            out.append(_triple(subject, predicate, term(i)))
            i += 1
            if i < len(tokens) and tokens[i] == ("punct", ","):
                i += 1
                continue
            break
        if i < len(tokens) and tokens[i] == ("punct", ";"):
            while i < len(tokens) and tokens[i] == ("punct", ";"):
                i += 1
            if i < len(tokens) and (tokens[i][0] in _TERM or tokens[i] == ("word", "a")):
                continue
        return i


def _template(tokens: list[tuple[str, str]]) -> list[Pattern]:
    """An INSERT template's triples, one rule each below: then `NOT EXISTS { T }` holds exactly when T is new,
    so every added triple is in exactly one round's scratch graph."""
    triples: list[Pattern] = []
    i = 0
    while i < len(tokens):
        if tokens[i] == ("punct", "."):
            i += 1
        elif tokens[i][0] in _TERM:
            i = _triples(tokens, i, triples)
        else:
            raise NotRewritable(f"{tokens[i][1]!r} in an INSERT template")
    if not triples:
        raise NotRewritable("an empty INSERT template")
    return triples


def parse(text: str) -> list[Rule]:
    """Every operation of one rule file, or NotRewritable."""
    tokens = _expanded(_tokens(text))
    rules: list[Rule] = []
    i = 0
    while i < len(tokens):
        if tokens[i][1].upper() != "INSERT" or i + 1 >= len(tokens) or tokens[i + 1] != ("punct", "{"):
            raise NotRewritable("an operation other than INSERT { } WHERE { }")
        end = _group(tokens, i + 1)
        template = _template(tokens[i + 2:end - 1])
        if end + 1 >= len(tokens) or tokens[end][1].upper() != "WHERE" or tokens[end + 1] != ("punct", "{"):
            raise NotRewritable("INSERT without WHERE { }")
        stop = _group(tokens, end + 1)
        patterns, filters = _body(tokens[end + 2:stop - 1])
        rules += [Rule(t.text, patterns, filters) for t in template]
        i = stop
        if i < len(tokens):
            if tokens[i] != ("punct", ";"):
                raise NotRewritable("operations must be separated by ';'")
            i += 1
    return rules


def plan(texts: list[str]) -> list[Rule] | None:
    """The rewritable operations of these rule files' texts, in their order; None if one cannot be rewritten."""
    try:
        return [r for text in texts for r in parse(text)] or None
    except NotRewritable:
        return None


def scratch(round_: int) -> ox.NamedNode:
    """The graph of what round `round_` added: a new name each round, as pyoxigraph's in-memory store still
    walks over the removed quads of a graph that was cleared."""
    return ox.NamedNode(f"https://w3id.org/probgraph/graph/scratch-{round_}")


def _empty(store: ox.Store, graph: ox.NamedNode) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, graph)), None) is None


def fixpoint(store: ox.Store, rules: list[Rule], max_rounds: int,
             keep: Callable[[bytes], object] | None = None) -> int | None:
    """Run the rules on the store's default graph until a round adds nothing; the number of rounds, or None if
    `max_rounds` were not enough. Each round's new triples are handed to `keep` as N-Triples, if given, as the
    round ends (every added triple once), so the caller need not hold them beside the store. The scratch
    graphs are gone afterwards."""
    try:
        rounds = 1
        store.update(" ;\n".join(r.first_round(scratch(1)) for r in rules))
        while not _empty(store, scratch(rounds)):  # the last round added something: another one
            if rounds == max_rounds:
                return None
            rounds += 1
            delta = scratch(rounds - 1)
            variants = [v for r in rules for v in r.delta_variants(store, delta, scratch(rounds))]
            if variants:
                store.update(" ;\n".join(variants))
            if keep is not None:
                keep(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=delta) or b"")
            store.remove_graph(delta)
        return rounds
    finally:
        for graph in list(store.named_graphs()):
            if graph.value.startswith(scratch(0).value[:-1]):
                store.remove_graph(graph)
