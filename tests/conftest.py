"""Shared fixtures: one compiled graph per test session, in a private cache folder."""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"
# the `probgraph` command as README's install puts it beside the interpreter (pyproject's shared-scripts), which
# is what a user runs; `python -m probgraph` also imports runpy and what it imports: about 20 ms more CPU a process
PROBGRAPH = str(Path(sys.executable).with_name("probgraph"))
# pytest rewrites each test module's asserts when it imports it, and keeps the result in __pycache__ (git
# ignores it) unless bytecode writing is off, as PYTHONDONTWRITEBYTECODE turns it off on the project's machine:
# then every worker of every run rewrote all of them again (1.9 s of CPU a worker; benchmarks/RESULTS.md,
# "lead's sixth round"). The same policy as compile_bytecode below: the bytecode Python writes when the variable
# is unset. A fresh checkout's first run still rewrites them once.
sys.dont_write_bytecode = False
pytest_plugins = ["triplestores",  # the Oxigraph and Virtuoso fixtures (tests/triplestores.py)
                  "suite_speed"]  # longest tests first, servers once per run (tests/suite_speed.py)


def run_folder(tmp_path_factory) -> Path:
    """The temporary folder of this test run that every pytest-xdist worker shares."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Every test, and every CLI process a test starts, uses one fresh cache folder, shared by the run's workers.

    The first worker compiles under a file lock; the others wait and find the entry ready (one compile per run).
    """
    cache = run_folder(tmp_path_factory) / "cache"
    old = os.environ.get("PROBGRAPH_CACHE_DIR")
    os.environ["PROBGRAPH_CACHE_DIR"] = str(cache)
    import probgraph

    with open(cache.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        compile_bytecode()
        cache.mkdir(exist_ok=True)
        probgraph.compile_graph()
    yield cache
    if old is None:
        os.environ.pop("PROBGRAPH_CACHE_DIR", None)
    else:
        os.environ["PROBGRAPH_CACHE_DIR"] = old


def compile_bytecode() -> None:
    """Each module of src/probgraph compiled to bytecode once per run, not once per process.

    The suite starts hundreds of `python -m probgraph` processes. Under PYTHONDONTWRITEBYTECODE (set on the
    project's machine) none of them writes the bytecode of what it imports, and src/probgraph is installed
    editable (pip compiled none of it), so each process compiled every module it imported again: about 40 ms
    of CPU a warm query. This writes the __pycache__ files Python itself writes when the variable is unset
    (git ignores them); an up-to-date one is left as it is.
    """
    if os.environ.get("PYTHONDONTWRITEBYTECODE"):
        import compileall

        compileall.compile_dir(ROOT / "src" / "probgraph", quiet=1)


@pytest.fixture(scope="session")
def store():
    from probgraph.store import open_store

    return open_store()


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None, stdin: bytes | None = None,
            timeout: float = 300) -> subprocess.CompletedProcess:
    """Run `probgraph ARGS` as a real process (what a user runs); output as text."""
    # pytest-xdist workers inherit the terminal's COLUMNS; a piped probgraph must not see them
    full_env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | (env or {})
    return subprocess.run([PROBGRAPH, *args], cwd=cwd or ROOT, env=full_env,
                          input=stdin, capture_output=True, timeout=timeout)


@pytest.fixture
def cli_in_process(capfdbinary, monkeypatch):
    """`probgraph ARGS` called in this process (cli.main), its exit code and output as run_cli gives them.

    For a check of an exit code and a message only: it saves a process start (and rdflib's imports) per case.
    What needs the process itself (signals, pipes, argv decoding, a query's forked child under its limits)
    stays with run_cli: a fork from here would copy the test worker, so it fails the test instead.
    """
    from probgraph import cache
    from probgraph.cli import main

    monkeypatch.setattr(cache, "notice", cache.notice)  # main() points it at stderr: put back afterwards

    def no_fork():
        raise AssertionError("this command forks a query child: run it as a process (run_cli)")

    monkeypatch.setattr(os, "fork", no_fork)
    for name in ("COLUMNS", "LINES"):  # as run_cli: a piped probgraph does not see the terminal's size
        monkeypatch.delenv(name, raising=False)

    def run(*args: str) -> subprocess.CompletedProcess:
        capfdbinary.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors
            code = exc.code if isinstance(exc.code, int) else 2
        sys.stdout.flush()
        sys.stderr.flush()
        out, err = capfdbinary.readouterr()
        return subprocess.CompletedProcess(["probgraph", *args], code, out, err)
    return run


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, private_cache) -> Path:
    """The real graph's site, built once by `probgraph site -o DIR` as a user runs it."""
    out = tmp_path_factory.mktemp("site") / "site"
    res = run_cli("site", "-o", str(out))
    assert res.returncode == 0, res.stderr
    return out


def start_server(*extra: str) -> tuple[subprocess.Popen, str]:
    """`probgraph serve --port 0` on 127.0.0.1; (process, base URL) once it says where it listens."""
    import re

    proc = subprocess.Popen([PROBGRAPH, "serve", "--port", "0", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=dict(os.environ))
    said = ""
    for line in proc.stderr:  # a compile message may come first
        said += line
        m = re.search(r"bound to (127\.0\.0\.1) port (\d+)", line)
        if m:
            return proc, f"http://{m.group(1)}:{m.group(2)}"
        if "error" in line:
            break
    proc.kill()
    pytest.fail(f"probgraph serve did not start: {said}")


def stop_server(proc: subprocess.Popen) -> None:
    """Stop a server this test session started, by its pid."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


@pytest.fixture(scope="session")
def served(private_cache):
    """One `probgraph serve` for the session; its base URL. (rating-falls takes tens of seconds.)"""
    proc, url = start_server("--timeout", "300")
    yield url
    stop_server(proc)


# The loop a data contributor runs (`pytest -m contributor`): data, shapes, queries and examples.
CONTRIBUTOR_FILES = {"test_data.py", "test_shapes.py", "test_queries.py", "test_examples.py"}


def pytest_collection_modifyitems(items):
    for item in items:
        if item.path.name in CONTRIBUTOR_FILES:
            item.add_marker(pytest.mark.contributor)
