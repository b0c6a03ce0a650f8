"""tests/suite_speed.py names tests and fixtures by text: a rename must not quietly undo the scheduling."""

from __future__ import annotations

import re

from conftest import ROOT
from suite_speed import GROUPS, LONG, LONGEST


def test_the_longest_tests_exist():
    for nodeid in LONGEST + LONG:
        path, name = nodeid.split("::")
        assert re.search(rf"^def {name}\(", (ROOT / path).read_text(encoding="utf-8"), re.MULTILINE), nodeid


def test_each_group_fixture_exists():
    sources = "".join(p.read_text(encoding="utf-8") for p in (ROOT / "tests").glob("*.py"))
    for fixtures in GROUPS.values():
        for name in fixtures:
            assert re.search(rf"@pytest\.fixture[^\n]*\ndef {name}\(", sources), name
