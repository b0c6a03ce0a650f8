"""The contributor examples, run through the real command line: `probgraph validate FILE`.

examples/valid/*.ttl must conform (exit 0, "0 violations"); examples/invalid/*.ttl must not (exit 1), and
every `# expect: <text>` line in an invalid example's leading comments must appear in what is printed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import ROOT, run_cli

EXAMPLES = ROOT / "examples"


def examples(kind: str) -> list:
    return [pytest.param(p, id=p.name) for p in sorted((EXAMPLES / kind).glob("*.ttl"))]


def leading_comments(path: Path) -> list[str]:
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        out.append(line[1:].strip())
    return out


def expectations(path: Path) -> list[str]:
    return [c.split(":", 1)[1].strip() for c in leading_comments(path) if c.startswith("expect:")]


def validate(path: Path):
    proc = run_cli("validate", str(path.relative_to(ROOT)))
    out, err = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    assert "Traceback" not in out, out
    return proc.returncode, out, err


def test_there_are_enough_examples():
    assert len(examples("valid")) >= 3
    assert len(examples("invalid")) >= 4


@pytest.mark.parametrize("path", examples("valid"))
def test_valid_example_conforms(path: Path):
    code, out, err = validate(path)
    assert code == 0, f"exit {code}\n{out}{err}"
    assert "0 violations" in out, out
    assert "0 warnings" in out, out


@pytest.mark.parametrize("path", examples("invalid"))
def test_invalid_example_is_rejected(path: Path):
    comments = leading_comments(path)
    assert comments and comments[0].startswith("INVALID:"), f"{path.name}: first line should say which rule it breaks"
    expected = expectations(path)
    assert expected, f"{path.name}: no '# expect:' line"
    code, out, err = validate(path)
    assert code == 1, f"exit {code}\n{out}{err}"
    assert "does not conform" in out, out
    for text in expected:
        assert text in out, f"{path.name}: {text!r} not in output:\n{out}"
