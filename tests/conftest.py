"""Shared fixtures: one compiled graph per test session, in a private cache folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
pytest_plugins = ["triplestores"]  # the Oxigraph and Virtuoso fixtures (tests/triplestores.py)


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Every test, and every CLI process a test starts, uses one fresh cache folder."""
    cache = tmp_path_factory.mktemp("cache")
    old = os.environ.get("PROBGRAPH_CACHE_DIR")
    os.environ["PROBGRAPH_CACHE_DIR"] = str(cache)
    import probgraph

    probgraph.compile_graph()
    yield cache
    if old is None:
        os.environ.pop("PROBGRAPH_CACHE_DIR", None)
    else:
        os.environ["PROBGRAPH_CACHE_DIR"] = old


@pytest.fixture(scope="session")
def store():
    from probgraph.store import open_store

    return open_store()


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, stdin: bytes | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `probgraph ARGS` as a real process (what a user runs); output as text."""
    # pytest-xdist workers inherit the terminal's COLUMNS; a piped probgraph must not see them
    full_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | (env or {})
    return subprocess.run([sys.executable, "-m", "probgraph", *args], cwd=cwd or ROOT, env=full_env,
                          input=stdin, capture_output=True, timeout=timeout)


# The loop a data contributor runs (`pytest -m contributor`): data, shapes, queries and examples.
CONTRIBUTOR_FILES = {"test_data.py", "test_shapes.py", "test_queries.py", "test_examples.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in CONTRIBUTOR_FILES:
            item.add_marker(pytest.mark.contributor)
