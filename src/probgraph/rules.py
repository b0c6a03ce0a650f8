"""The native reasoner: SPARQL UPDATE rule files (ontology/rules/) run on an in-memory pyoxigraph store.

The rules are data, not code: `ontology/rules/owl/` holds the OWL 2 RL rules the ontology needs, and
`ontology/rules/custom/` rules beyond OWL, which both reasoners run after the OWL closure. A rule file
names the OWL and RDFS terms it gives meaning to (`# handles:`); compile refuses a graph that uses a term no
rule file handles, so no entailment is ever dropped in silence. A `.rq` file is a check: a SELECT whose
rows make compile fail (`# check: inconsistency` on the closure for both reasoners, `# check: unsupported`
on the asserted graph for the native one).

Why the fixpoint ends: rule files may only INSERT, and may not mint terms (no BNODE, UUID, IRI(),
blank nodes or computed values: `lint` refuses them), so every derived triple is made of terms already in
the store or written in a rule. That set is finite and the store only grows, so the rounds stop; a cap
turns a mistake in this reasoning into a loud failure instead of a hang. Compile runs the rounds semi-naively
(seminaive.py: after the first round each rule joins only the last round's new triples); the rewritten rules
insert what the files insert, plus copies in scratch graphs that are removed at the end, so the same argument
holds, and the module's docstring says why the closure is the same.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox

from . import resources
from .errors import UsageError

MAX_ROUNDS = 64
OWL = "http://www.w3.org/2002/07/owl#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
KINDS = ("owl", "custom")
# Subjects in these namespaces are the W3C vocabularies themselves: what a reasoner derives about them (rdf:type
# is an rdf:Property, say) is dropped from the closure, by both reasoners.
W3C_VOCABULARIES = (
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://www.w3.org/2000/01/rdf-schema#",
    OWL,
    "http://www.w3.org/2001/XMLSchema#",
)
_W3C_IRI = re.compile(b"<((?:" + b"|".join(re.escape(ns.encode()) for ns in W3C_VOCABULARIES) + rb')[^>"\s]*)>')
_HEADER = re.compile(r"^#\s*(handles|check|message|hint):\s*(.*)$")
_PREFIX = re.compile(r"^\s*PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>", re.IGNORECASE | re.MULTILINE)
# Anything that could delete, touch other graphs or mint a new term (and so break the termination argument).
_FORBIDDEN = re.compile(r"(?<![\w:?$])(DELETE|CLEAR|DROP|LOAD|CREATE|MOVE|COPY|ADD|BNODE|UUID|STRUUID|IRI|URI|"
                        r"AS|GRAPH|SERVICE)(?![\w:])|_:|\[", re.IGNORECASE)
_STRIP = re.compile(r"<[^<>\s]*>|\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*'")


class RuleFile:
    """One rule (.ru) or check (.rq) file and what its header says.

    A plain class rather than a dataclass: importing dataclasses (and inspect with it) costs a cold compile
    about 10 ms."""

    __slots__ = ("path", "kind", "text", "handles", "check", "message", "hint")

    def __init__(self, path: Path, kind: str, text: str, handles: frozenset[str], check: str | None = None,
                 message: str = "", hint: str | None = None) -> None:
        self.path = path
        self.kind = kind  # "owl" or "custom"
        self.text = text
        self.handles = handles
        self.check = check  # for .rq files: "inconsistency" or "unsupported"
        self.message = message
        self.hint = hint

    @property
    def is_check(self) -> bool:
        return self.path.suffix == ".rq"


def rules_folder() -> Path:
    """ontology/rules, beside the ontology it gives meaning to (it ships in the wheel with it)."""
    return resources.folder("ontology") / "rules"


def rule_paths() -> list[Path]:
    """Every rule and check file, owl/ first, each folder in name order (the order they run in)."""
    root = rules_folder()
    return [p for kind in KINDS for p in sorted((root / kind).glob("*.r[uq]"))]


def load_rules() -> list[RuleFile]:
    """Read and check every rule file."""
    return [parse_rule(p, p.parent.name) for p in rule_paths()]


def parse_rule(path: Path, kind: str) -> RuleFile:
    """One rule file: its header (handles, check, message, hint) and its SPARQL."""
    text = path.read_text(encoding="utf-8")
    prefixes = {m.group(1) or "": m.group(2) for m in _PREFIX.finditer(text)}
    fields: dict[str, list[str]] = {}
    for line in text.splitlines():
        m = _HEADER.match(line.strip())
        if m:
            fields.setdefault(m.group(1), []).append(m.group(2).strip())
    handles = set()
    for name in " ".join(fields.get("handles", [])).split():
        prefix, sep, local = name.partition(":")
        if not sep or prefix not in prefixes:
            raise UsageError(f"{path}: '# handles: {name}' uses a prefix the file does not declare",
                             "declare it with PREFIX, or write the term as a prefixed name")
        handles.add(prefixes[prefix] + local)
    check = " ".join(fields.get("check", [])) or None
    if path.suffix == ".rq" and check not in ("inconsistency", "unsupported"):
        raise UsageError(f"{path}: a check file needs '# check: inconsistency' or '# check: unsupported'")
    if path.suffix == ".ru":
        lint(path, text)
    return RuleFile(path, kind, text, frozenset(handles), check, " ".join(fields.get("message", [])),
                    " ".join(fields.get("hint", [])) or None)


def lint(path: Path, text: str) -> None:
    """Refuse a rule that could delete or mint terms: the fixpoint would no longer provably end."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    m = _FORBIDDEN.search(_STRIP.sub(" ", body))
    if m:
        raise UsageError(f"{path}: rules may only INSERT triples made of existing terms; found {m.group(0)!r}",
                         "write the rule as INSERT { ... } WHERE { ... } without BIND, blank nodes or new terms")


def vocabulary_terms(nt: bytes) -> set[ox.NamedNode]:
    """The IRIs in the W3C vocabularies' namespaces that N-Triples text mentions (a superset of those its
    triples use: an IRI written inside a literal counts too; callers look each one up in the store)."""
    return {ox.NamedNode(m.decode()) for m in set(_W3C_IRI.findall(nt))}


def _used(store: ox.Store, term: ox.NamedNode, as_predicate: bool = False) -> bool:
    patterns = [(None, term, None)] if as_predicate else [(term, None, None), (None, term, None), (None, None, term)]
    return any(next(iter(store.quads_for_pattern(*p, ox.DefaultGraph())), None) is not None for p in patterns)


def check_supported(store: ox.Store, rules: list[RuleFile], where: Callable[[ox.NamedNode], str],
                    terms: set[ox.NamedNode]) -> None:
    """Fail if the graph uses an OWL term, or an RDFS predicate, that no rule file handles.

    `terms` holds every W3C-vocabulary IRI the graph's text mentions (vocabulary_terms); each candidate is
    looked up in the store, which is much cheaper than a query over every triple. `where(term)` names the
    file that uses the culprit.
    """
    handled = set().union(*(r.handles for r in rules))
    missing = sorted(t.value for t in terms if t.value not in handled and (
        (t.value.startswith(OWL) and _used(store, t)) or (t.value.startswith(RDFS) and _used(store, t, True))))
    if not missing:
        return
    raise UsageError(f"{where(ox.NamedNode(missing[0]))}: uses {_short(missing[0])}, which the native reasoner "
                     f"does not handle (no rule file in {rules_folder()} says '# handles: {_short(missing[0])}')",
                     "add a rule file that handles it, or compile with --reasoner owlrl")


def where_used(files: list[tuple[Path, list[ox.Triple]]], term: ox.NamedNode) -> str:
    """The first file whose triples mention the term, for a message (else "the graph")."""
    return next((str(path) for path, triples in files
                 if any(term in (t.subject, t.predicate, t.object) for t in triples)), "the graph")


def run_checks(store: ox.Store, rules: list[RuleFile], kind: str) -> None:
    """Run the check files of one kind; the first row found fails the compile (exit 2)."""
    from .namespaces import compact

    for rule in rules:
        if rule.check != kind:
            continue
        solutions = store.query(rule.text)
        for row in solutions:
            values = {v.value: compact(row[v].value) if row[v] is not None else "?" for v in solutions.variables}
            message = re.sub(r"\{(\w+)\}", lambda m, vals=values: vals.get(m.group(1), m.group(0)),
                             rule.message or "check failed")
            raise UsageError(f"compile: {message} ({rule.path.relative_to(rules_folder())})", rule.hint)


def fixpoint(store: ox.Store, rules: list[RuleFile], max_rounds: int = MAX_ROUNDS) -> int:
    """Apply every rule file in turn until a round adds nothing; return the number of rounds."""
    updates = [r for r in rules if not r.is_check]
    size = len(store)
    for rounds in range(1, max_rounds + 1):
        for rule in updates:
            store.update(rule.text)
        grown = len(store)
        if grown == size:
            return rounds
        size = grown
    raise no_fixpoint(max_rounds)


def semi_naive_fixpoint(store: ox.Store, rules: list[RuleFile], max_rounds: int = MAX_ROUNDS,
                        keep: Callable[[bytes], object] | None = None) -> tuple[int, bytes | None]:
    """The same fixpoint as `fixpoint`, each round after the first joining only the last round's new triples
    (seminaive.py); rule files it cannot rewrite send every rule through `fixpoint` instead. Returns the
    rounds, and the N-Triples of the triples the rounds added (None when the naive rounds ran). With `keep`,
    each round's added triples are handed to it as the round ends instead, and the bytes returned are empty."""
    from . import seminaive

    plan = seminaive.plan([r.text for r in rules if not r.is_check])
    if plan is None:
        return fixpoint(store, rules, max_rounds), None
    added: list[bytes] = []
    rounds = seminaive.fixpoint(store, plan, max_rounds, keep or added.append)
    if rounds is None:
        raise no_fixpoint(max_rounds)
    return rounds, b"".join(added)


def no_fixpoint(max_rounds: int = MAX_ROUNDS) -> UsageError:
    """The loud failure when the rounds cap is reached (the termination argument was broken)."""
    return UsageError(f"compile: the rules in {rules_folder()} did not reach a fixpoint in {max_rounds} rounds",
                      "a rule keeps deriving new triples; check the rule files added last")


def close(store: ox.Store, rules: list[RuleFile], where: Callable[[ox.NamedNode], str],
          asserted_terms: set[ox.NamedNode] | None = None,
          keep: Callable[[bytes], object] | None = None) -> set[bytes] | None:
    """Close the store's default graph (the asserted triples) under every rule file, OWL and custom together,
    if the checks pass; `where(term)` names the file that uses a term the rules do not handle.
    `asserted_terms` are vocabulary_terms of the default graph's N-Triples, when the caller has them (else the
    graph is dumped here). Each semi-naive round's added triples are handed to `keep` as N-Triples as the
    round ends (every added triple once; dropped when `keep` is None). Returns the N-Triples lines of those
    that the clean-up of W3C-vocabulary statements then removed again (to be left out of what `keep` got), or
    None when the naive rounds ran and `keep` got nothing (then only the store says what was added)."""
    if asserted_terms is None:
        asserted_terms = vocabulary_terms(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
    # the rules mint no terms: every subject the closure can have is in the graph's text or in a rule's
    terms = asserted_terms | vocabulary_terms("\n".join(r.text for r in rules).encode())
    check_supported(store, rules, where, terms)
    run_checks(store, rules, "unsupported")
    asserted = w3c_statements(store, terms)
    _, added = semi_naive_fixpoint(store, rules, keep=keep or (lambda _: None))
    run_checks(store, rules, "inconsistency")
    dropped = drop_w3c_statements(store, asserted, terms)
    if added is None:
        return None
    return set(ox.serialize(list(dropped), format=ox.RdfFormat.N_TRIPLES).splitlines()) if dropped else set()


def w3c_statements(store: ox.Store, terms: set[ox.NamedNode] | None = None) -> set[ox.Triple]:
    """The default graph's statements about the W3C vocabularies themselves (few: what the ontology asserts).

    `terms` are the candidate subjects (vocabulary_terms); without them the store's own text is read.
    """
    if terms is None:
        terms = vocabulary_terms(store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()))
    return {q.triple for t in terms for q in store.quads_for_pattern(t, None, None, ox.DefaultGraph())}


def drop_w3c_statements(store: ox.Store, asserted: set[ox.Triple],
                        terms: set[ox.NamedNode] | None = None) -> set[ox.Triple]:
    """Remove derived statements about the W3C vocabularies themselves (rdf:type is an rdf:Property, say),
    keeping the `asserted` ones; return those removed."""
    dropped = w3c_statements(store, terms) - asserted
    for t in dropped:
        store.remove(ox.Quad(t.subject, t.predicate, t.object))
    return dropped


def _short(iri: str) -> str:
    for prefix, ns in (("owl", OWL), ("rdfs", RDFS)):
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return f"<{iri}>"
