"""`probgraph serve`: a real server on a free loopback port, queried with SPARQLWrapper, HTTP and the CLI."""

from __future__ import annotations

import csv
import io
import json
import shlex
import urllib.error
import urllib.parse
import urllib.request

import pyoxigraph as ox
import pytest
from SPARQLWrapper import CSV, JSON, TURTLE, XML, SPARQLWrapper

import probgraph
from probgraph.queries import stored_queries

from conftest import PROBGRAPH, run_cli, start_server, stop_server

OWNERS = """PREFIX pg: <https://w3id.org/probgraph/ontology#>
SELECT ?owner WHERE { ?o pg:ownedOrganisation <https://w3id.org/probgraph/id/org/northumbria-crc> ; pg:owner ?owner }"""
SODEXO = "https://w3id.org/probgraph/id/org/sodexo-justice-services"


def http(url: str, data: bytes | None = None, headers: dict | None = None,
         timeout: float = 60) -> tuple[int, str, bytes]:
    req = urllib.request.Request(url, data=data, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, resp.headers.get("Content-Type", ""), resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", ""), exc.read()


def wrapper(served: str, fmt: str, query: str = OWNERS) -> SPARQLWrapper:
    sw = SPARQLWrapper(f"{served}/sparql")
    sw.setQuery(query)
    sw.setReturnFormat(fmt)
    return sw


def test_sparqlwrapper_json_xml_csv(served):
    rows = wrapper(served, JSON).query().convert()["results"]["bindings"]
    assert [r["owner"]["value"] for r in rows] == [SODEXO]
    xml = wrapper(served, XML).query().convert()
    assert [u.firstChild.data for u in xml.getElementsByTagName("uri")] == [SODEXO]
    text = wrapper(served, CSV).query().convert().decode()
    assert list(csv.reader(io.StringIO(text))) == [["owner"], [SODEXO]]


def test_sparqlwrapper_turtle_for_construct(served):
    q = f"CONSTRUCT {{ <{SODEXO}> ?p ?o }} WHERE {{ <{SODEXO}> ?p ?o }}"
    body = wrapper(served, TURTLE, q).query().convert()
    triples = list(ox.parse(body, format=ox.RdfFormat.TURTLE))
    local = list(probgraph.run_query(sparql=q))
    assert {t.triple if hasattr(t, "triple") else t for t in triples} == set(local) and local


def test_get_post_form_and_direct_give_the_same_answer(served):
    accept = {"Accept": "application/sparql-results+json"}
    got = http(f"{served}/sparql?" + urllib.parse.urlencode({"query": OWNERS}), headers=accept)
    form = http(f"{served}/sparql", urllib.parse.urlencode({"query": OWNERS}).encode(),
                {**accept, "Content-Type": "application/x-www-form-urlencoded"})
    direct = http(f"{served}/sparql", OWNERS.encode(), {**accept, "Content-Type": "application/sparql-query"})
    assert got == form == direct
    assert got[0] == 200 and got[1].startswith("application/sparql-results+json")


@pytest.mark.parametrize(("accept", "media"), [
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("application/sparql-results+xml;q=0.5, text/csv", "text/csv"),
    ("*/*", "application/sparql-results+json"),
])
def test_select_negotiation(served, accept, media):
    status, kind, _ = http(f"{served}/sparql?" + urllib.parse.urlencode({"query": OWNERS}), headers={"Accept": accept})
    assert status == 200 and kind.startswith(media)


@pytest.mark.parametrize(("accept", "fmt"), [("text/turtle", ox.RdfFormat.TURTLE),
                                             ("application/n-triples", ox.RdfFormat.N_TRIPLES),
                                             ("application/ld+json", ox.RdfFormat.JSON_LD)])
def test_graph_results_in_each_rdf_format(served, accept, fmt):
    q = f"DESCRIBE <{SODEXO}>"
    status, kind, body = http(f"{served}/sparql?" + urllib.parse.urlencode({"query": q}), headers={"Accept": accept})
    assert status == 200 and kind.startswith(accept)
    assert any(t.object == ox.Literal("Sodexo Justice Services", language="en")
               for t in ox.parse(body, format=fmt))


def test_unacceptable_format_is_406(served):
    status, _, body = http(f"{served}/sparql?" + urllib.parse.urlencode({"query": OWNERS}),
                           headers={"Accept": "image/png"})
    assert status == 406 and b"offered" in body


@pytest.mark.parametrize("how", ["form", "direct", "get"])
def test_updates_are_refused(served, how):
    update = "INSERT DATA { <urn:x> <urn:y> <urn:z> }"
    if how == "form":
        status, _, body = http(f"{served}/sparql", urllib.parse.urlencode({"update": update}).encode(),
                               {"Content-Type": "application/x-www-form-urlencoded"})
    elif how == "direct":
        status, _, body = http(f"{served}/sparql", update.encode(), {"Content-Type": "application/sparql-update"})
    else:
        status, _, body = http(f"{served}/sparql?" + urllib.parse.urlencode({"update": update}))
    assert status == 403 and b"read-only" in body
    ask = http(f"{served}/sparql?" + urllib.parse.urlencode({"query": "ASK { <urn:x> ?p ?o }"}))
    assert json.loads(ask[2])["boolean"] is False


def test_update_sent_as_a_query_is_a_4xx(served):
    status, _, body = http(f"{served}/sparql", b"DELETE WHERE { ?s ?p ?o }",
                           {"Content-Type": "application/sparql-query"})
    assert status == 400 and b"syntax" in body.lower()


def test_service_is_refused(served):
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    status, _, body = http(f"{served}/sparql?" + urllib.parse.urlencode({"query": q}))
    assert status == 400 and b"SERVICE is not allowed" in body


def test_a_long_query_is_stopped_and_the_server_goes_on(private_cache):
    # a fresh worker answered the second query 0.13-0.15 s after the first was stopped (load 2): 1 s leaves room
    proc, url = start_server("--timeout", "1", "--workers", "1")
    try:
        q = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        status, _, body = http(f"{url}/sparql?" + urllib.parse.urlencode({"query": q}))
        assert status == 503 and b"ran longer than 1 s and was stopped" in body
        status, _, body = http(f"{url}/sparql?" + urllib.parse.urlencode({"query": OWNERS}))
        assert status == 200 and SODEXO.encode() in body  # a fresh worker took the stopped one's place
    finally:
        stop_server(proc)


def test_oversized_query_text_is_413(served):
    status, _, _ = http(f"{served}/sparql", ("ASK {} #" + "x" * 100_001).encode(),
                        {"Content-Type": "application/sparql-query"})
    assert status == 413


def example_params(name: str) -> dict[str, str]:
    q = stored_queries()[name]
    argv = shlex.split(q.examples[0]) if q.examples else []
    return dict(value.split("=", 1) for value in argv[1::2])


def rows_of(result) -> list[tuple]:
    return [tuple(str(sol[v]) if sol[v] is not None else None for v in result.variables) for sol in result]


@pytest.mark.parametrize("name", sorted(stored_queries()))
def test_every_stored_query_by_name_gives_the_embedded_rows(served, name):
    params = example_params(name)
    status, _, body = http(f"{served}/query/{name}?" + urllib.parse.urlencode(params),
                           headers={"Accept": "application/sparql-results+json"}, timeout=300)
    assert status == 200, body
    remote = rows_of(ox.parse_query_results(body, format=ox.QueryResultsFormat.JSON))
    local = rows_of(probgraph.run_query(name, params=params))
    assert remote == local and local


def test_stored_query_errors_are_4xx(served):
    assert http(f"{served}/query/no-such-query")[0] == 404
    status, _, body = http(f"{served}/query/owners?org=northumbria-cr")
    assert status == 400 and b"northumbria-crc" in body and b"did you mean" in body
    status, _, body = http(f"{served}/query/coverage?place=sunderland")
    assert status == 400 and b"needs parameter(s): date" in body


def test_cli_query_through_the_endpoint(served):
    for args in (["owners", "-p", "org=northumbria-crc"], ["predecessors", "-p", "org=north-east-region"]):
        local = run_cli("query", *args, "--format", "csv")
        remote = run_cli("query", *args, "--format", "csv", "--endpoint", f"{served}/sparql")
        assert remote.returncode == 0, remote.stderr
        assert remote.stdout == local.stdout and local.stdout.count(b"\n") > 1


def test_pages_and_query_page_are_served(served):
    status, kind, body = http(f"{served}/organisation/northumbria-crc.html")
    assert status == 200 and kind.startswith("text/html") and b'class="pg-lineage"' in body
    status, kind, body = http(f"{served}/queries")
    assert status == 200 and b"rating-history" in body
    assert http(f"{served}/assets/query.js")[0] == 200
    assert http(f"{served}/organisation/nothing.html")[0] == 404


@pytest.fixture(scope="module")
def plain_server(private_cache):
    """`probgraph serve --port 0` with no other option, started once for the tests of what it binds and says:
    (process, the line it says that on, base URL). Stopped by pid; that it ends is checked there too."""
    import re
    import subprocess

    proc = subprocess.Popen([PROBGRAPH, "serve", "--port", "0"], stderr=subprocess.PIPE,
                            stdout=subprocess.DEVNULL, text=True)
    try:
        line = next(x for x in proc.stderr if "bound to" in x)
        host, port = re.search(r"bound to (\S+) port (\d+)", line).groups()
        yield proc, line, f"http://{host}:{port}"
    finally:
        stop_server(proc)
    assert proc.returncode is not None


def test_binds_to_loopback_and_says_so(plain_server):
    proc, line, url = plain_server
    assert url.startswith("http://127.0.0.1:") and "bound to 127.0.0.1 port" in line
    assert http(f"{url}/sparql?query=ASK%7B%7D")[0] == 200
    assert proc.poll() is None


def test_port_in_use_is_one_line_exit_2(served):
    port = served.rsplit(":", 1)[1]
    res = run_cli("serve", "--port", port, timeout=120)
    assert res.returncode == 2
    assert b"cannot listen on 127.0.0.1:" in res.stderr and b"Traceback" not in res.stderr


def test_readme_serve_section(served):
    """The README's serve block: what serve says, and the query it shows, on this session's server."""
    from test_readme import tour

    steps = tour("serve")
    assert steps[0][0] == "probgraph serve --port 7878 &"
    port = served.rsplit(":", 1)[1]
    for command, expected in steps[1:]:
        argv = shlex.split(command.replace("127.0.0.1:7878", f"127.0.0.1:{port}"))
        res = run_cli(*argv[1:])
        assert res.returncode == 0, res.stderr
        for line in expected:
            assert line.strip() in res.stdout.decode()


def test_server_says_what_it_bound_to(plain_server):
    _, line, _ = plain_server
    port = line.rsplit(" port ", 1)[1].split(";")[0]
    from test_readme import tour

    shown = tour("serve")[0][1][0].replace("7878", port)
    assert line.strip() == shown
