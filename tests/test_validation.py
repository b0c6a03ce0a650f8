"""The whole graph conforms to the shapes (`probgraph validate` with no file checks the whole graph)."""

from __future__ import annotations

import json

from conftest import run_cli


def test_whole_graph_conforms():
    res = run_cli("validate", "--format", "json")
    body = json.loads(res.stdout)
    assert res.returncode == 0, res.stderr
    assert body["conforms"] is True
    assert body["violations"] == 0 and body["warnings"] == 0, body["results"][:5]
