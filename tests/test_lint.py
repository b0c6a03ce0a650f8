"""The code is ruff-clean, and src/probgraph passes mypy (configured in pyproject.toml, [tool.mypy])."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT


@pytest.mark.skipif(importlib.util.find_spec("ruff") is None, reason="ruff is in the [test] extra")
def test_ruff_clean():
    res = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "benchmarks"], cwd=ROOT,
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture(scope="module")
def mypy_cache() -> Path:
    """pyproject's mypy cache, for both mypy tests: the one that must fail, run with the same configuration,
    reads the standard library's types from it instead of analysing them again (about 1.5 s of CPU; with other
    options it would analyse them anew and make the next clean run do so too). The two share a worker."""
    return ROOT / ".mypy_cache"


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is in the [test] extra")
def test_mypy_clean(mypy_cache):
    """Types on public functions are checked, not only written (issue 12); the cache keeps a rerun to seconds."""
    res = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(mypy_cache)],
                         cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.mark.skipif(importlib.util.find_spec("mypy") is None, reason="mypy is in the [test] extra")
def test_mypy_can_fail(tmp_path, mypy_cache):
    bad = tmp_path / "bad.py"
    bad.write_text("def f(x: int) -> str:\n    return x\n", encoding="utf-8")
    res = subprocess.run([sys.executable, "-m", "mypy", "--no-error-summary", "--cache-dir", str(mypy_cache),
                          "--config-file", str(ROOT / "pyproject.toml"), str(bad)],
                         cwd=tmp_path, capture_output=True, text=True)
    assert res.returncode == 1 and "incompatible return value" in res.stdout.lower(), res.stdout + res.stderr
