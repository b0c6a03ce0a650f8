"""The contributor examples, run through the real command line: `probgraph validate FILE`.

Guards issue 12's one example corpus: examples/invalid and examples/valid are links to entries in
tests/entries/bad and tests/entries/good (same header grammar, one parser: corpus.py), and each
behaves through the CLI as its header says: a bad one exits 1 with its expected message and a hint,
a good one exits 0 with no results.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_cli
from corpus import ENTRIES, EXAMPLE_KINDS, example_files, first_line, header


def examples(kind: str) -> list:
    return [pytest.param(p, id=p.name) for p in example_files(kind)]


def validate(path: Path):
    proc = run_cli("validate", str(path.relative_to(ROOT)))
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    assert "Traceback" not in out, out
    return proc.returncode, out, err


def test_there_are_enough_examples():
    assert len(example_files("valid")) >= 2
    assert len(example_files("invalid")) >= 4


@pytest.mark.parametrize("kind", sorted(EXAMPLE_KINDS))
def test_every_example_is_a_link_to_an_entry(kind: str):
    """One corpus: an example is an entry of tests/entries, not a copy that can drift from it."""
    for path in example_files(kind):
        assert path.is_symlink(), f"{path.name} should link to an entry in tests/entries/{EXAMPLE_KINDS[kind]}"
        target = path.resolve()
        assert target.parent == (ENTRIES / EXAMPLE_KINDS[kind]).resolve(), f"{path.name} -> {target}"


@pytest.mark.parametrize("path", examples("valid"))
def test_valid_example_conforms(path: Path):
    assert first_line(path).startswith("# GOOD:")
    code, out, err = validate(path)
    assert code == 0, f"exit {code}\n{out}{err}"
    assert "0 violations" in out, out
    assert "0 warnings" in out, out


@pytest.mark.parametrize("path", examples("invalid"))
def test_invalid_example_is_rejected_with_its_message_and_a_hint(path: Path):
    assert first_line(path).startswith("# BAD:"), f"{path.name}: first line should say what is wrong"
    h = header(path)
    code, out, err = validate(path)
    assert code == 1, f"exit {code}\n{out}{err}"
    assert "does not conform" in out, out
    assert h["expect"] in out, f"{path.name}: {h['expect']!r} not in output:\n{out}"
    assert "\n    hint: " in out, out
