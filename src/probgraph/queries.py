"""Stored SPARQL queries: their header, parameters bound as RDF terms, and running them.

Each parameter is resolved to an RDF term and injected as a leading `BIND (<iri> AS ?name)` (or a literal
in its own syntax) inside the WHERE group, and again at the start of each UNION branch and OPTIONAL group directly
inside it, the same way for every engine. A constant is what lets pyoxigraph plan the patterns after it as lookups:
a term built by a function (`IRI("...")`) was right everywhere but made it scan and join (lineage queries at
100k: seconds instead of milliseconds). A leading VALUES block gave the same rows on pyoxigraph and Oxigraph
but not on Virtuoso, which evaluates a property path after it as if the variable were unbound
(tests/test_parity.py runs every stored query on all three). Values never become query text unescaped: the
term is resolved first and written by pyoxigraph's own term syntax.
"""

from __future__ import annotations

import os

from . import resources
from .errors import InputSyntaxError, UsageError, first_line, shown

TYPE_CHECKING = False  # pyoxigraph and names.py load in the query's child, not in the parent that checks the query
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import pyoxigraph as ox

# `re` is imported only off the warm path (a stored query with parameters is parsed without it)
_HEADER_KEYS = ("title", "description", "param", "example")
_ESCAPE = r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})"
_ERROR_AT = r"error at (\d+):(\d+): (.*)"


class Param:
    """One declared parameter: `# param: NAME KIND [(optional)] description`.

    Plain classes rather than dataclasses: importing dataclasses costs a warm query milliseconds.
    """

    __slots__ = ("name", "kind", "optional", "description")

    def __init__(self, name: str, kind: str, optional: bool, description: str) -> None:
        self.name, self.kind, self.optional, self.description = name, kind, optional, description


class StoredQuery:
    """A query text and what its header says about it."""

    __slots__ = ("name", "text", "source", "title", "description", "params", "examples", "_points")

    def __init__(self, name: str, text: str, source: str) -> None:
        self.name, self.text, self.source = name, text, source
        self.title = self.description = ""
        self.params: list[Param] = []
        self.examples: list[str] = []
        self._points: list[int] | None = None

    def binding_points(self) -> list[int]:
        """Where bind() writes the parameters' BINDs: just inside the WHERE group's '{', then inside each UNION
        branch and OPTIONAL group directly in it ([] when there is no WHERE group).

        Found once per query, so a warm query's child finds them while its store opens, not after.
        """
        if self._points is None:
            where = _find_where(self.text)
            self._points = [] if where is None else [where, *_branch_groups(self.text, where)]
        return self._points


def parse_header(name: str, text: str, source: str) -> StoredQuery:
    """Read the comment header of a query file."""
    q = StoredQuery(name=name, text=text, source=source)
    for line in text.splitlines():
        stripped = line.strip()
        key, sep, value = stripped[1:].lstrip().partition(":")
        if not (stripped.startswith("#") and sep and key in _HEADER_KEYS):
            continue
        value = value.strip()
        if key == "title":
            q.title = value
        elif key == "description":
            q.description = (q.description + " " + value).strip()
        elif key == "example":
            q.examples.append(value)
        else:
            parts = value.split(None, 2)
            if len(parts) < 2:
                raise UsageError(f"{source}: malformed '# param:' line: {line.strip()!r}",
                                 "write '# param: NAME KIND description'")
            desc = parts[2] if len(parts) > 2 else ""
            optional = desc.startswith("(optional)")
            q.params.append(Param(parts[0], parts[1], optional, desc))
    return q


def stored_queries() -> dict[str, StoredQuery]:
    """Every .rq file in queries/, by name."""
    out = {}
    for path in sorted(resources.folder("queries").glob("*.rq")):
        out[path.stem] = parse_header(path.stem, path.read_text(encoding="utf-8"), str(path))
    return out


def get(name: str) -> StoredQuery:
    """One stored query by name, or a UsageError naming the close ones."""
    if name and os.path.basename(name) == name and not name.startswith("."):
        path = os.path.join(resources.folder_dir("queries"), f"{name}.rq")
        try:
            with open(path, encoding="utf-8") as fh:
                return parse_header(name, fh.read(), path)
        except (FileNotFoundError, IsADirectoryError):
            pass
    import difflib

    queries = stored_queries()
    if name in queries:
        return queries[name]
    close = difflib.get_close_matches(name, list(queries), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else "list them with: probgraph queries"
    raise UsageError(f"no stored query called {shown(name)}", hint)


def from_file(path: str) -> StoredQuery:
    """A query read from a user's .rq file (its header, if any, is honoured)."""
    from pathlib import Path

    p = Path(path)
    try:
        if p.is_dir():
            raise UsageError(f"{path}: is a directory, not a query file")
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except UnicodeDecodeError:
        raise UsageError(f"{path}: not UTF-8 text", "save the query as UTF-8") from None
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror})") from None
    return parse_header(p.stem, text, path)


def from_text(text: str) -> StoredQuery:
    """A query given on the command line."""
    return parse_header("sparql", text, "--sparql")


def bind(query: StoredQuery, values: dict[str, str], select: Callable[[str], Iterable[tuple]]) -> str:
    """The query text with each given parameter resolved and bound by a leading BIND."""
    from .names import resolve

    declared = {p.name: p for p in query.params}
    for key in values:
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise UsageError(f"query {query.name} has no parameter {shown(key)} (its parameters: {known})")
    missing = [p.name for p in query.params if not p.optional and p.name not in values]
    if missing:
        raise UsageError(f"query {query.name} needs parameter(s): {', '.join(missing)}",
                         f"add -p {missing[0]}=VALUE (see: probgraph queries)")
    blocks = []
    for name, raw in values.items():
        if not (name.isascii() and name.isidentifier()):
            raise UsageError(f"bad parameter name {shown(name)}")
        term = resolve(declared[name].kind, raw, select, param=name)
        blocks.append(binding(name, term))
    if not blocks:
        return query.text
    points = query.binding_points()
    if not points:
        raise UsageError(f"{query.source}: has parameters but no 'WHERE {{' to bind them in")
    text, bound = query.text, " " + "".join(blocks)
    for at in reversed(points):
        text = text[:at] + bound + text[at:]
    return text


def _branch_groups(text: str, where: int) -> list[int]:
    """Offsets just after the '{' of each UNION branch and OPTIONAL group directly inside the WHERE group.

    The parameters are bound again at the start of each (not in a sub-SELECT, MINUS or a nested group): the
    same rows, since every solution of the WHERE group carries the outer BIND's value and a branch or optional
    part can only join with it, but pyoxigraph plans each group on its own and only treats a value as a
    constant in the group that states it (lineage-inspections at 100k: 3.4 s with the outer BIND alone, about
    0.1 s with both).
    """
    tokens = [tok for tok in _tokens(text) if tok[2] > where]
    out: list[int] = []
    last: int | None = None  # the group just closed directly inside WHERE, by its opening offset
    before = ""  # the keyword just before the current token, directly inside WHERE
    for i, (kind, tok, end, depth) in enumerate(tokens):
        if depth == 0:  # the WHERE group's own closing bracket
            break
        if depth != 1 or kind == "close":
            continue
        if kind == "open" and tok == "{":
            nested_select = i + 1 < len(tokens) and tokens[i + 1][1].upper() == "SELECT"
            if before in ("UNION", "OPTIONAL") and not nested_select:
                out.append(end)
            last = None if nested_select or before == "MINUS" else end
            before = ""
            continue
        before = tok.upper() if kind == "word" else ""
        if before == "UNION" and last is not None and last not in out:
            out.append(last)
        last = None
    return sorted(out)


def binding(name: str, term: ox.NamedNode | ox.Literal) -> str:
    """The one form a parameter is bound in, on every engine: `BIND (<iri> AS ?name)` and the like."""
    return f"BIND ({built(term)} AS ?{name}) "


def built(term: ox.NamedNode | ox.Literal) -> str:
    """The term in SPARQL's own syntax (`<iri>`, `"text"@en`, `"2017-06-01"^^<...#date>`), escaped by pyoxigraph."""
    return str(term)


def _tokens(text: str):
    """(kind, text, end offset, bracket depth) of SPARQL's words and brackets.

    Strings, IRIs, variables, prefixed names and comments are skipped whole, so a "WHERE {" or a
    bracket inside one of them is not taken for query structure. Written without `re`, which would
    cost a warm query more than this loop does.
    """
    i, n, depth = 0, len(text), 0
    while i < n:
        ch = text[i]
        if ch == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
        elif ch in "\"'":
            quote = ch * 3 if text.startswith(ch * 3, i) else ch
            j = i + len(quote)
            while j < n:
                if text[j] == "\\":
                    j += 2
                elif text.startswith(quote, j):
                    j += len(quote)
                    break
                elif len(quote) == 1 and text[j] in "\r\n":
                    break
                else:
                    j += 1
            i = j
        elif ch == "<":
            j = i + 1
            while j < n and text[j] > " " and text[j] not in '<>"{}|^`\\':
                j += 1
            i = j + 1 if j < n and text[j] == ">" else i + 1  # an IRI, or the operator <
        elif ch in "?$:" or ch.isalpha():
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_-.\u00b7"):
                j += 1
            if ch in "?$:" or (j < n and text[j] == ":"):  # a variable or a prefixed name such as ex:WHERE
                while j < n and not text[j].isspace() and text[j] not in "(){}[],;":
                    j += 1
            else:
                yield "word", text[i:j], j, depth
            i = j
        elif ch in "({[":
            yield "open", ch, i + 1, depth
            depth += 1
            i += 1
        elif ch in ")}]":
            depth -= 1
            yield "close", ch, i + 1, depth
            i += 1
        else:
            i += 1


def _find_where(text: str) -> int | None:
    """Offset just after the '{' that opens the query's own WHERE group (not a sub-query's).

    Found on the query's tokens, so a 'WHERE {' in a string, an IRI or a comment does not count;
    an ASK or SELECT without the optional WHERE keyword binds in its first group.
    """
    form = None
    after_where = False
    for kind, tok, end, depth in _tokens(text):
        if depth != 0:
            continue
        if kind == "word":
            upper = tok.upper()
            if form is None and upper in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
                form = upper
            after_where = upper == "WHERE"
        elif kind == "open" and tok == "{":
            if after_where or form in ("SELECT", "ASK"):
                return end
            after_where = False
        else:
            after_where = False
    return None


MAX_NESTING = 256  # pyoxigraph's parser overflows its stack (SIGSEGV) somewhere between 2,000 and 4,000


def check_nesting(query: StoredQuery) -> None:
    """Refuse brackets nested deeper than MAX_NESTING before any parser (ours or rdflib's) sees them.

    No deeper than the brackets it opens: a text with fewer (every stored query) is not tokenized, which
    cost a warm query's parent half a millisecond before its fork.
    """
    if sum(query.text.count(bracket) for bracket in "({[") <= MAX_NESTING:
        return
    for kind, _, end, depth in _tokens(query.text):
        if kind == "open" and depth + 1 > MAX_NESTING:
            line = query.text.count("\n", 0, end) + 1
            column = end - (query.text.rfind("\n", 0, end) + 1)
            raise InputSyntaxError(query.source, line, column, f"brackets nested more than {MAX_NESTING} deep",
                                   "flatten the query (UNION and FILTER with || need no nesting)")


def check_safe(query: StoredQuery) -> None:
    """Refuse federated queries: nothing a user's query says may reach beyond the graph.

    Text searches can be fooled (an IRI, a comment or a \\u escape can hide the keyword), so a query
    that mentions 'service' at all is parsed with rdflib's SPARQL 1.1 grammar and refused if its
    parse tree holds a SERVICE pattern, or if that parser cannot read it.
    """
    import re

    text = re.sub(_ESCAPE, lambda m: chr(int(m.group(1) or m.group(2), 16)), query.text)
    if "service" not in text.casefold():
        return
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except ParseException as exc:
        raise UsageError(f"{query.source}: the query mentions SERVICE and cannot be checked "
                         f"(rdflib's SPARQL 1.1 parser: {first_line(exc)})",
                         "queries run only on probgraph's graph; remove SERVICE") from None
    except Exception:  # noqa: BLE001 - any failure to check means no
        raise UsageError(f"{query.source}: the query mentions SERVICE and cannot be checked") from None
    if "ServiceGraphPattern" in repr(tree):
        raise UsageError(f"{query.source}: SERVICE is not allowed (queries run only on probgraph's graph)")


def run_local(store: ox.Store, text: str, source: str):
    """Run SPARQL on the embedded store; syntax errors become file:line:col messages."""
    try:
        return store.query(text)
    except SyntaxError as exc:
        raise syntax_error(exc, source) from None
    except (OSError, RuntimeError, ValueError) as exc:
        raise UsageError(f"{source}: the query failed: {exc}") from None


def syntax_error(exc: SyntaxError, source: str) -> InputSyntaxError:
    """Map a SPARQL parser error to one line with the query's line and column."""
    import re

    m = re.match(_ERROR_AT, str(exc.msg) if exc.msg else str(exc), re.DOTALL)
    if m:
        problem = first_line(m.group(3), "invalid query")
        return InputSyntaxError(source, int(m.group(1)), int(m.group(2)),
                                f"SPARQL syntax error: {problem[:200]}",
                                "fix the query at that position")
    return InputSyntaxError(source, None, None, f"SPARQL syntax error: {first_line(exc, 'invalid query')[:200]}")


def selector(store: ox.Store) -> Callable[[str], list[tuple]]:
    """A function running a SELECT on the store and returning rows of terms (for name lookup)."""
    from .output import rows_of

    def select(q: str) -> list[tuple]:
        return rows_of(store.query(q))[1]
    return select


def listing() -> str:
    """Every stored query with its title, description, parameters and example calls, as plain text."""
    lines = []
    for name, q in stored_queries().items():
        lines.append(f"{name}\n  {q.title}\n  {q.description}")
        for prm in q.params:
            lines.append(f"  -p {prm.name}=<{prm.kind}>  {prm.description}")
        for ex in q.examples:
            lines.append(f"  e.g. probgraph query {name} {ex}")
        lines.append("")
    return "\n".join(lines)
