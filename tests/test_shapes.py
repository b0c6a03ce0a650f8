"""Every SHACL shape, exercised by small entries validated together with the graph.

tests/entries/bad/<Shape>-<what>.ttl must break the shape named in its header (grammar: corpus.py),
with a hint under every shape result that parses as Turtle; tests/entries/good/<Shape>-<what>.ttl must
exercise that shape and pass with no results at all. A header line `# xfail: <reason>` marks an entry
that shows a known problem; the test is then expected to fail, strictly, so it flags the day it is fixed.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import RDF

from probgraph.hints import as_turtle
from probgraph.namespaces import compact
from probgraph.validation import render_report

from corpus import ENTRIES, entry_files, entry_report, header

ROOT = Path(__file__).resolve().parent.parent
SHAPES_FILE = ROOT / "shapes" / "probgraph-shapes.ttl"
SH = "http://www.w3.org/ns/shacl#"
TARGETS = ("targetClass", "targetNode", "targetSubjectsOf", "targetObjectsOf")
CONSTRAINTS = ("property", "sparql")


def entries(kind: str) -> list:
    params = []
    for path in entry_files(kind):
        reason = header(path).get("xfail")
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        params.append(pytest.param(path, id=path.name, marks=marks))
    return params


def checked_shapes() -> set[str]:
    """Named node shapes that have constraints and a target (the *Concept helpers have no target)."""
    g = Graph()
    for f in sorted(SHAPES_FILE.parent.glob("*.ttl")):  # probgraph-shapes.ttl and territory-shapes.ttl
        g.parse(f, format="turtle")
    names = set()
    for s in g.subjects(RDF.type, URIRef(SH + "NodeShape")):
        if not isinstance(s, URIRef):
            continue
        has_constraints = any(g.value(s, URIRef(SH + c)) is not None for c in CONSTRAINTS)
        has_target = any(g.value(s, URIRef(SH + t)) is not None for t in TARGETS)
        if has_constraints and has_target:
            names.add(compact(str(s)))
    return names


def shape_of(path: Path) -> str:
    return "pgsh:" + path.name.split("-", 1)[0]


def describe(report) -> str:
    return render_report(report).decode("utf-8")


@pytest.mark.parametrize("path", entries("bad"))
def test_bad_entry_breaks_its_shape(path: Path):
    h = header(path)
    for key in ("shape", "focus", "severity", "expect"):
        assert h.get(key), f"{path.name}: header has no '# {key}:' line"
    assert h["shape"] == shape_of(path), f"{path.name}: file name and '# shape:' disagree"
    assert h["severity"] in ("Violation", "Warning"), f"{path.name}: severity must be Violation or Warning"

    report = entry_report(path)
    matching = [r for r in report.results
                if r.shape == h["shape"] and r.focus == h["focus"] and r.severity == h["severity"]
                and h["expect"] in r.message]
    assert matching, (f"{path.name}: expected a {h['severity']} from {h['shape']} on {h['focus']} "
                      f"containing {h['expect']!r}; got:\n{describe(report)}")
    if h["severity"] == "Violation":
        assert report.exit_code() == 1
    else:
        assert report.exit_code() == 0 and report.exit_code(strict=True) == 1
    # issue 12: every shape result says what to write instead, as Turtle that parses when pasted
    for r in report.results:
        if r.shape:
            assert r.hint, f"{path.name}: {r.shape} on {r.focus} ({r.message!r}) has no hint"
            assert parses(r.hint), f"{path.name}: the hint {r.hint!r} does not parse as Turtle"


def parses(hint: str) -> bool:
    """Whether a hint, under the canonical prefixes, is Turtle with at least one triple."""
    try:
        return bool(list(ox.parse(as_turtle(hint).encode("utf-8"), format=ox.RdfFormat.TURTLE)))
    except SyntaxError:
        return False


def test_the_hint_check_can_fail():
    assert parses("inspection:2026-x pg:overallRating rating:good .")
    assert not parses("inspection:2026-x pg:overallRating pgv:rating/good .")  # the old suggestion
    assert not parses("# only a comment")


@pytest.mark.parametrize("path", entries("good"))
def test_good_entry_passes(path: Path):
    h = header(path)
    assert h.get("shape") == shape_of(path), f"{path.name}: file name and '# shape:' disagree"
    report = entry_report(path)
    assert report.results == [], f"{path.name} should pass with no results; got:\n{describe(report)}"
    assert report.exit_code(strict=True) == 0


def test_every_shape_has_good_and_bad_entries():
    shapes = checked_shapes()
    assert len(shapes) >= 21, sorted(shapes)
    bad = {shape_of(p) for p in (ENTRIES / "bad").glob("*.ttl")}
    good = {shape_of(p) for p in (ENTRIES / "good").glob("*.ttl")}
    # A bad entry marked xfail still counts: it shows the rule cannot fail as written, which is the finding.
    assert not shapes - bad, f"shapes with no bad entry: {sorted(shapes - bad)}"
    assert not shapes - good, f"shapes with no good entry: {sorted(shapes - good)}"
    unknown = (bad | good) - shapes
    assert not unknown, f"entries named after shapes that are not in the shapes file: {sorted(unknown)}"
