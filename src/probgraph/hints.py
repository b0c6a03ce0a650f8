"""What to write instead of a shape violation: the pgsh:hint beside each constraint's sh:message.

The hints are data in shapes/*.ttl, one line of Turtle each, so they live beside the rule they answer.
A result is matched to its constraint by its shape, its path and its message (the message template with
each {?name} as a wildcard); the hint's $this becomes the focus node and each {?name} the value the
message shows there. Both engines give the same shape, path and message, so both get the same hints.
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyoxigraph as ox

from . import resources
from .namespaces import PGSH, compact, expand, turtle_name, turtle_prefixes

SH = "http://www.w3.org/ns/shacl#"
_HINT = PGSH + "hint"
_VAR = re.compile(r"\{[?$](\w+)\}")


@lru_cache(maxsize=1)
def _constraints() -> tuple[tuple[str, str, re.Pattern[str], str], ...]:
    """(node shape, path, message pattern, hint) for every constraint that has a pgsh:hint."""
    from .parsing import read_turtle
    from .validation import compact_iris

    triples = [t for f in resources.turtle_files("shapes") for t in read_turtle(f)]

    def objects(s: object, p: str) -> list:
        return [t.object for t in triples if t.subject == s and t.predicate.value == p]

    out = []
    for t in triples:
        if t.predicate.value not in (SH + "property", SH + "sparql") or not isinstance(t.subject, ox.NamedNode):
            continue
        hints = objects(t.object, _HINT)
        if not hints:
            continue
        paths = objects(t.object, SH + "path")
        path = compact(paths[0].value) if paths and isinstance(paths[0], ox.NamedNode) else ""
        if paths and isinstance(paths[0], ox.BlankNode):
            path = "".join("^" + compact(o.value) for o in objects(paths[0], SH + "inversePath"))
        for message in objects(t.object, SH + "message"):
            out.append((compact(t.subject.value), path, _pattern(compact_iris(message.value)), hints[0].value))
    return tuple(out)


def _pattern(template: str) -> re.Pattern[str]:
    """The message template as a regular expression, a named group for each {?name}."""
    parts, pos = [], 0
    for m in _VAR.finditer(template):
        parts += [re.escape(template[pos:m.start()]), f"(?P<{m[1]}>.+?)"]
        pos = m.end()
    return re.compile("".join(parts) + re.escape(template[pos:]) + r"\Z", re.DOTALL)


def shape_hint(shape: str, path: str, focus: str, message: str) -> str:
    """The hint for one result, filled in; "" when its constraint has none."""
    for owner, p, pattern, hint in _constraints():
        if owner != shape or (p and p != path):
            continue
        m = pattern.match(message)
        if m:
            filled = _fill(hint, m.groupdict())
            iri = expand(focus)
            return filled.replace("$this", turtle_name(iri) if iri else "[]")
    return ""


def _fill(hint: str, values: dict[str, str]) -> str:
    return _VAR.sub(lambda v: values.get(v[1], v[0]), hint)


def as_turtle(hint: str) -> str:
    """A hint as a document that parses: the canonical prefixes, then the hint."""
    return turtle_prefixes() + hint + "\n"
