"""The triplestore path, against a real Oxigraph server started on a free loopback port."""

from __future__ import annotations

import shlex
import shutil
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

import probgraph
from probgraph.queries import stored_queries

from conftest import run_cli


def oxigraph_binary() -> str | None:
    here = Path(sys.executable).parent / "oxigraph"
    return str(here) if here.exists() else shutil.which("oxigraph")


pytestmark = pytest.mark.skipif(oxigraph_binary() is None, reason="needs the oxigraph server (pip install oxigraph)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str, proc: subprocess.Popen, seconds: float = 30) -> None:
    """Wait until the server answers a query, or fail the test."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=1).read()
            return
        except OSError:
            if time.time() > deadline or proc.poll() is not None:
                proc.kill()
                pytest.fail("oxigraph did not start")
            time.sleep(0.2)


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory):
    """An Oxigraph server on 127.0.0.1, loaded with `probgraph load` (the inferred export)."""
    port = free_port()
    proc = subprocess.Popen([oxigraph_binary(), "serve", "--location", str(tmp_path_factory.mktemp("oxi")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    wait_for(url, proc)
    res = run_cli("load", "--endpoint", url, "--replace")
    assert res.returncode == 0, res.stderr
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def count(url: str, graph: str | None = None) -> int:
    where = f"GRAPH <{graph}> {{ ?s ?p ?o }}" if graph else "?s ?p ?o"
    res = probgraph.run_query(sparql=f"SELECT (COUNT(*) AS ?n) WHERE {{ {where} }}", endpoint=url)
    return int(next(iter(res))["n"].value)


def example_params(name: str) -> dict[str, str]:
    q = stored_queries()[name]
    params: dict[str, str] = {}
    if q.examples:
        argv = shlex.split(q.examples[0])
        for flag, value in zip(argv[::2], argv[1::2], strict=False):
            assert flag == "-p"
            k, _, v = value.partition("=")
            params[k] = v
    return params


def as_rows(result) -> list[tuple]:
    return [tuple(str(sol[v]) if sol[v] is not None else None for v in result.variables) for sol in result]


@pytest.mark.parametrize("name", sorted(stored_queries()))
def test_parity_with_the_embedded_graph(oxigraph, name):
    params = example_params(name)
    local = as_rows(probgraph.run_query(name, params=params))
    remote = as_rows(probgraph.run_query(name, params=params, endpoint=oxigraph))
    assert local == remote
    assert local, f"{name} with {params} should return rows"


def test_cli_query_on_the_endpoint_in_every_format(oxigraph):
    for fmt in ("csv", "tsv", "json", "xml", "table"):
        local = run_cli("query", "owners", "-p", "org=northumbria-crc", "--format", fmt)
        remote = run_cli("query", "owners", "-p", "org=northumbria-crc", "--format", fmt, "--endpoint", oxigraph)
        assert remote.returncode == 0, remote.stderr
        assert remote.stdout == local.stdout


def test_remote_construct(oxigraph):
    q = ("CONSTRUCT { ?s ?p ?o } WHERE { BIND(<https://w3id.org/probgraph/id/org/northumbria-crc> AS ?s) ?s ?p ?o }")
    res = run_cli("query", "--sparql", q, "--endpoint", oxigraph, "--format", "ntriples")
    assert res.returncode == 0, res.stderr
    assert len(list(ox.parse(res.stdout, format=ox.RdfFormat.N_TRIPLES))) > 10


def test_load_replace_does_not_duplicate(oxigraph):
    before = count(oxigraph)
    assert before == probgraph.compile_graph().meta()["closure_triples"]
    res = run_cli("load", "--endpoint", oxigraph, "--replace")
    assert res.returncode == 0 and b"loaded" in res.stderr
    assert count(oxigraph) == before


def test_plain_turtle_export_loads_unchanged(oxigraph, tmp_path):
    graph = "https://example.org/plain-export"
    data = probgraph.export("turtle")
    req = urllib.request.Request(f"{oxigraph[:-len('query')]}store?graph={graph}", data=data, method="PUT",
                                 headers={"Content-Type": "text/turtle"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        assert resp.status in (200, 201, 204)
    assert count(oxigraph, graph) == probgraph.compile_graph().meta()["asserted_triples"]


def test_load_into_named_graph(oxigraph):
    graph = "https://example.org/probgraph-asserted"
    res = run_cli("load", "--endpoint", oxigraph, "--graph", graph, "--asserted-only", "--replace")
    assert res.returncode == 0, res.stderr
    assert count(oxigraph, graph) == probgraph.compile_graph().meta()["asserted_triples"]


def test_wrong_path_exits_3(oxigraph):
    res = run_cli("query", "owners", "--endpoint", oxigraph.replace("/query", "/nothing-here"))
    assert res.returncode == 3 and b"Traceback" not in res.stderr
    assert res.stderr.startswith(b"probgraph: error:")


def test_store_that_rejects_the_query_exits_3(oxigraph):
    res = run_cli("query", "owners", "--endpoint", oxigraph.replace("/query", "/store"))
    assert res.returncode == 3 and b"Traceback" not in res.stderr


def test_dead_endpoint_exits_3():
    port = free_port()
    for args in (("query", "owners"), ("load",)):
        res = run_cli(*args, "--endpoint", f"http://127.0.0.1:{port}/query", "--timeout", "5")
        assert res.returncode == 3, res.stderr
        assert b"cannot connect" in res.stderr and b"Traceback" not in res.stderr


def test_timeout_exits_3():
    """A server that accepts the connection and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(5)
    port = srv.getsockname()[1]
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.5)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    try:
        started = time.time()
        res = run_cli("query", "owners", "--endpoint", f"http://127.0.0.1:{port}/query", "--timeout", "2")
        assert res.returncode == 3, res.stderr
        assert b"no answer within" in res.stderr or b"timed out" in res.stderr
        assert time.time() - started < 60
    finally:
        stop.set()
        t.join()
        for c in held:
            c.close()
        srv.close()
