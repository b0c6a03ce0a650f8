"""Real triplestores for the tests: an Oxigraph server and Virtuoso, each on free 127.0.0.1 ports.

Both are started by the fixtures below, loaded with `probgraph load` (what a user runs) and stopped by pid.
Registered as a pytest plugin in conftest.py so every test module can ask for them.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

from conftest import run_cli

GRAPH = "https://w3id.org/probgraph/graph"  # the named graph Virtuoso is loaded into
VIRTUOSO_PASSWORD = "probgraphTest42"
RESULT_ROWS = 1_000_000  # Virtuoso's ResultSetMaxRows in the fixture: far above any stored query's rows


@dataclass(frozen=True)
class Store:
    """A running store: its query URL, the graph to query (None: the default graph), and how to log in."""

    name: str
    query_url: str
    default_graph: str | None
    env: dict  # environment for probgraph processes (credentials)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


def wait_for(url: str, proc: subprocess.Popen, what: str = "the server", seconds: float = 60) -> None:
    """Wait until the server answers a query, or fail the test."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=2).read()
            return
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                _stop(proc)
                pytest.fail(f"{what} did not start")
            time.sleep(0.05)


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.kill(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


@pytest.fixture(scope="session")
def oxigraph(tmp_path_factory):
    """An Oxigraph server loaded with the inferred export into its default graph."""
    if oxigraph_binary() is None:
        pytest.skip("needs the oxigraph server (pip install oxigraph)")
    port = free_port()
    proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(tmp_path_factory.mktemp("oxi")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        wait_for(url, proc, "oxigraph")
        res = run_cli("load", "--endpoint", url, "--replace")
        assert res.returncode == 0, res.stderr
        yield Store("oxigraph", url, None, {})
    finally:
        _stop(proc)


VIRTUOSO_INI = """\
[Database]
DatabaseFile       = {db}/virtuoso.db
ErrorLogFile       = {db}/virtuoso.log
LockFile           = {db}/virtuoso.lck
TransactionFile    = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel      = 7
FileExtend         = 200
Striping           = 0
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile       = {db}/virtuoso-temp.db
TransactionFile    = {db}/virtuoso-temp.trx
Striping           = 0

[Parameters]
ServerPort               = 127.0.0.1:{sql_port}
DisableUnixSocket        = 1
DisableTcpSocket         = 0
MaxClientConnections     = 10
CheckpointInterval       = 60
CaseMode                 = 2
DirsAllowed              = ., {db}
NumberOfBuffers          = 10000
MaxDirtyBuffers          = 6000
ThreadsPerQuery          = 2
MaxOptimizeLayouts       = 100
StopCompilerWhenXOverRunTime = 1

[HTTPServer]
ServerPort               = 127.0.0.1:{http_port}
ServerRoot               = {db}/vsp
MaxClientConnections     = 10
ServerThreads            = 10
Charset                  = UTF-8
EnabledGzipContent       = 0

[SPARQL]
ResultSetMaxRows           = {max_rows}
MaxQueryCostEstimationTime = 400
MaxQueryExecutionTime      = 120
"""


def virtuoso_ini(folder: Path, sql_port: int, http_port: int, max_rows: int = RESULT_ROWS) -> Path:
    """A private ini: database in `folder`, both listeners on 127.0.0.1, results capped at `max_rows`."""
    (folder / "vsp").mkdir(exist_ok=True)
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=folder, sql_port=sql_port, http_port=http_port, max_rows=max_rows),
                   encoding="utf-8")
    return ini


def isql(sql_port: int, password: str, command: str) -> str:
    res = subprocess.run(["isql-vt", f"127.0.0.1:{sql_port}", "dba", password, f"exec={command}"],
                         capture_output=True, text=True, timeout=120)
    assert res.returncode == 0 and "Error" not in res.stdout + res.stderr, res.stdout + res.stderr
    return res.stdout


def start_virtuoso(folder: Path, max_rows: int = RESULT_ROWS) -> tuple[subprocess.Popen, int, int]:
    """Start virtuoso-t on a fresh database in `folder`; set the dba password. Returns (process, sql, http)."""
    sql_port, http_port = free_port(), free_port()
    ini = virtuoso_ini(folder, sql_port, http_port, max_rows)
    log = open(folder / "stdout.log", "wb")  # noqa: SIM115 - closed with the process
    proc = subprocess.Popen(["virtuoso-t", "+foreground", "+configfile", str(ini)], cwd=folder,
                            stdout=log, stderr=subprocess.STDOUT)
    log.close()
    wait_for(f"http://127.0.0.1:{http_port}/sparql", proc, "virtuoso", seconds=120)
    isql(sql_port, "dba", f"SET PASSWORD dba {VIRTUOSO_PASSWORD};")
    return proc, sql_port, http_port


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory):
    """Virtuoso (Debian's virtuoso-opensource) loaded by `probgraph load` with digest credentials from a netrc."""
    if shutil.which("virtuoso-t") is None or shutil.which("isql-vt") is None:
        pytest.skip("needs virtuoso-t and isql-vt (apt-get install virtuoso-opensource; .ci/run installs it)")
    folder = tmp_path_factory.mktemp("virtuoso")
    proc, sql_port, http_port = start_virtuoso(folder)
    try:
        netrc = folder / "netrc"
        netrc.write_text(f"machine 127.0.0.1 login dba password {VIRTUOSO_PASSWORD}\n", encoding="utf-8")
        netrc.chmod(0o600)
        env = {"NETRC": str(netrc)}
        base = f"http://127.0.0.1:{http_port}"
        res = run_cli("load", "--endpoint", f"{base}/sparql-graph-crud-auth", "--graph", GRAPH, "--replace",
                      env=env)
        assert res.returncode == 0, res.stderr
        yield Store("virtuoso", f"{base}/sparql", GRAPH, env)
    finally:
        try:
            isql(sql_port, VIRTUOSO_PASSWORD, "checkpoint;")
        except (AssertionError, OSError, subprocess.SubprocessError):
            pass
        _stop(proc)
