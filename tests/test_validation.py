"""The whole graph conforms to the shapes."""

from __future__ import annotations

from probgraph.validation import validate_graph


def test_whole_graph_conforms():
    report = validate_graph()
    assert report.violations == [], report.violations[:5]
    assert report.warnings == [], report.warnings[:5]
