"""Where a node or one of its triples is written in Turtle text, so reports can say file:line.

Found in the text, not the parser (which keeps no positions): a subject block starts on a line that
begins with the node's name, and its triples run until the line that ends the statement with " .".
"""

from __future__ import annotations

from pathlib import Path

from .namespaces import PGID, compact, expand


def name_forms(name: str) -> list[str]:
    """Every way a file may write a node: its prefixed name, the IRI in <>, the old escaped pgid: form."""
    iri = expand(name) or name
    forms = [compact(iri), f"<{iri}>"]
    if iri.startswith(PGID):
        forms.append("pgid:" + iri[len(PGID):].replace("/", "\\/"))
    return list(dict.fromkeys(forms))


def _starts_with_name(line: str, forms: list[str]) -> bool:
    return any(line.startswith(f) and (len(line) == len(f) or line[len(f)] in " \t;,") for f in forms)


def subject_line(text: str, name: str) -> int:
    """The line (from 1) where the node's statements start, or 0 when the text does not describe it."""
    forms = name_forms(name)
    for i, line in enumerate(text.splitlines(), 1):
        if _starts_with_name(line, forms):
            return i
    return 0


def triple_line(text: str, name: str, path: str = "") -> int:
    """The line of the node's triple with that property (compact name, e.g. pg:overallRating); else the
    line of the node; 0 when the text does not describe it."""
    start = subject_line(text, name)
    if not start or not path or path.startswith("^"):
        return start
    lines = text.splitlines()
    for i in range(start - 1, len(lines)):
        body = lines[i].split(" #", 1)[0]
        if f" {path} " in f" {body} " or body.lstrip().startswith(path + " "):
            return i + 1
        if body.rstrip().endswith(" .") or body.rstrip() == ".":
            break
    return start


def where_defined(name: str, files: list[Path], texts: dict[Path, str] | None = None) -> tuple[Path, int] | None:
    """The first file (and line) whose text starts a block for the node."""
    for f in files:
        text = texts[f] if texts is not None else f.read_text(encoding="utf-8", errors="replace")
        line = subject_line(text, name)
        if line:
            return f, line
    return None
