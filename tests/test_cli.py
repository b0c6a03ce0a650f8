"""The command line: every command and format, names, hostile values, bad SPARQL and exit codes."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from conftest import PROBGRAPH, ROOT, run_cli

HOSTILE = 'x" } ; DROP ALL ; #'


def ok(*args, **kw) -> str:
    res = run_cli(*args, **kw)
    assert res.returncode == 0, res.stderr.decode()
    assert b"Traceback" not in res.stderr
    return res.stdout.decode("utf-8")


def fails(code: int, *args, **kw) -> str:
    res = run_cli(*args, **kw)
    err = res.stderr.decode("utf-8")
    assert res.returncode == code, (res.returncode, err, res.stdout[:500])
    assert "Traceback" not in err and b"Traceback" not in res.stdout
    return err


def test_help_lists_commands_and_exit_codes():
    out = ok("--help")
    for word in ("queries", "query", "validate", "export", "load", "lineage", "show", "compile", "cache"):
        assert word in out
    assert "exit codes" in out and "3  a remote endpoint failed" in out


@pytest.mark.parametrize("cmd", ["queries", "query", "validate", "export", "load", "lineage", "show", "compile",
                                 "cache"])
def test_every_subcommand_has_help(cmd, cli_in_process):
    """In process (argparse's help is the same text there); the process prints it in test_help_lists_..."""
    res = cli_in_process(cmd, "--help")
    assert res.returncode == 0 and "usage: probgraph" in res.stdout.decode()


def test_version():
    assert ok("--version").startswith("probgraph ")


def test_queries_lists_titles_and_params():
    out = ok("queries")
    assert "predecessors\n  Predecessors of an organisation" in out
    assert "-p org=<org>" in out
    assert out.count("\n  ") > 20


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml", "table"])
def test_query_formats(fmt):
    out = ok("query", "owners", "-p", "org=northumbria-crc", "--format", fmt)
    assert "sodexo-justice-services" in out
    if fmt == "json":
        body = json.loads(out)
        assert body["results"]["bindings"][0]["from"]["value"] == "2015-02-01"
    if fmt in ("tsv", "xml", "json"):
        parsed = ox.parse_query_results(out.encode(), format={"tsv": ox.QueryResultsFormat.TSV,
                                                              "xml": ox.QueryResultsFormat.XML,
                                                              "json": ox.QueryResultsFormat.JSON}[fmt])
        assert len(list(parsed)) == 1
    if fmt == "table":
        assert "(1 row)" in out


def test_piped_output_defaults_to_csv():
    out = ok("query", "owners", "-p", "org=northumbria-crc")
    assert out.splitlines()[0] == "owned,ownedLabel,owner,ownerLabel,from,until"


def test_construct_gives_rdf(tmp_path):
    q = ("PREFIX pg: <https://w3id.org/probgraph/ontology#> CONSTRUCT { ?a pg:succeededBy ?b } "
         "WHERE { ?a pg:succeededBy ?b } ORDER BY ?a ?b")
    out = ok("query", "--sparql", q)
    assert "@prefix pg:" in out
    triples = list(ox.parse(out.encode(), format=ox.RdfFormat.TURTLE))
    assert len(triples) > 100
    nt = ok("query", "--sparql", q, "--format", "ntriples")
    assert len(list(ox.parse(nt.encode(), format=ox.RdfFormat.N_TRIPLES))) == len(triples)


def test_ask():
    q = "ASK { <https://w3id.org/probgraph/id/org/northumbria-crc> ?p ?o }"
    assert ok("query", "--sparql", q).strip() == "true"
    assert '"boolean":true' in ok("query", "--sparql", q, "--format", "json").replace(" ", "")


def test_query_file_with_parameters(tmp_path):
    f = tmp_path / "mine.rq"
    f.write_text("# param: org org An organisation\n"
                 "SELECT ?label WHERE { ?org <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?label\n")
    out = ok("query", "--file", str(f), "-p", "org=NPS North East Division", "--format", "csv")
    assert out.splitlines() == ["label", "National Probation Service North East Division"]


def test_name_resolution_by_slug_label_prefixed_and_iri():
    for value in ("northumbria-crc", "Northumbria CRC", "northumbria community rehabilitation company",
                  "org/northumbria-crc", "organisation:northumbria-crc", "pgid:org/northumbria-crc",
                  "pgid:org\\/northumbria-crc", "<https://w3id.org/probgraph/id/org/northumbria-crc>",
                  "https://w3id.org/probgraph/id/org/northumbria-crc"):
        out = ok("query", "owners", "-p", f"org={value}", "--format", "csv")
        assert len(out.splitlines()) == 2, value


def test_unknown_name_suggests():
    err = fails(2, "query", "successors", "-p", "org=Northumbria Probaton Trust")
    assert "no org called 'Northumbria Probaton Trust'" in err
    assert "did you mean organisation:northumbria-probation-trust" in err


def test_hostile_parameter_is_an_unknown_name_and_changes_nothing():
    before = ok("query", "owners", "--format", "csv")
    err = fails(2, "query", "owners", "-p", f"org={HOSTILE}")
    assert "no org called" in err
    fails(2, "query", "chief-inspector", "-p", f"date={HOSTILE}")
    assert ok("query", "owners", "--format", "csv") == before


def test_bad_sparql_names_line_and_column():
    err = fails(2, "query", "--sparql", "SELECT ?x WHERE {\n  ?x ?y \n}")
    assert "--sparql:3:" in err and "SPARQL syntax error" in err


def test_bad_sparql_in_a_file(tmp_path):
    f = tmp_path / "bad.rq"
    f.write_text("SELECT ?x\nWHERE { ?x ?y ?z \n")
    err = fails(2, "query", "--file", str(f))
    assert f"{f}:" in err and "SPARQL syntax error" in err


def test_service_is_refused():
    err = fails(2, "query", "--sparql", "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }")
    assert "SERVICE is not allowed" in err


def test_usage_errors_exit_2():
    fails(2)
    fails(2, "query")
    fails(2, "query", "owners", "--sparql", "ASK {}")
    fails(2, "query", "no-such-query")
    fails(2, "query", "owners", "-p", "nonsense")
    fails(2, "query", "owners", "-p", "colour=red")
    fails(2, "query", "chief-inspector")
    fails(2, "bogus-command")
    fails(2, "query", "owners", "--format", "yaml")


def test_unknown_query_suggests():
    assert "did you mean owners" in fails(2, "query", "owner")


def test_lineage_text_and_mermaid():
    out = ok("lineage", "north-east-region")
    assert "preceded by:" in out and "<- Northumbria Community Rehabilitation Company" in out
    assert "<- Northumbria Probation Trust" in out
    mer = ok("lineage", "north-east-region", "--format", "mermaid")
    assert mer.startswith("graph LR") and "-->|unification, 2021-06-26; Northumbria|" in mer
    org = ok("lineage", "north-east-region", "--format", "mermaid", "--scope", "organisation")
    assert "-->|unification, 2021-06-26|" in org and "Lincolnshire Probation Trust" in org
    assert "Lincolnshire Probation Trust" not in mer
    dot = ok("lineage", "northumbria-crc", "--format", "dot")
    assert dot.startswith("digraph lineage {") and dot.rstrip().endswith("}")
    assert '[label="Northumbria Community Rehabilitation Company (2014-06-01 to 2021-06-26)", style=bold]' in dot
    assert dot.count(" -> ") == 2  # trust -> CRC, CRC -> region


def test_show_entity_with_sources():
    out = ok("show", "northumbria-crc")
    assert out.startswith("organisation:northumbria-crc")
    assert "Sources:" in out and "seed file 001_c2b5aeafec162f3d.txt" in out
    assert "Derived by reasoning:" in out and "pg:succeededBy" in out
    fails(2, "show", "nothing-like-this-exists")


def test_export_to_stdout_and_file(tmp_path):
    out = ok("export", "--format", "ntriples")
    assert out.count("\n") > 5000
    target = tmp_path / "g.ttl"
    ok("export", "-o", str(target))
    assert target.read_bytes().startswith(b"@prefix")


def test_validate_exit_codes():
    ok("validate", str(ROOT / "examples" / "valid" / next(iter(sorted(
        p.name for p in (ROOT / "examples" / "valid").glob("*.ttl"))))))
    fails(1, "validate", str(ROOT / "examples" / "invalid" / "inspection-rating-as-string.ttl"))


def test_validate_json_and_turtle_reports(cli_in_process):
    """The report's formats, in process (test_validate_exit_codes runs validate as a process)."""
    f = str(ROOT / "examples" / "invalid" / "inspection-rating-as-string.ttl")
    res = cli_in_process("validate", f, "--format", "json")
    body = json.loads(res.stdout)
    assert res.returncode == 1 and body["conforms"] is False and body["violations"] == 1
    assert body["results"][0]["path"] == "pg:overallRating"
    res = cli_in_process("validate", f, "--format", "turtle")
    report = list(ox.parse(res.stdout, format=ox.RdfFormat.TURTLE))
    assert any(t.predicate.value == "http://www.w3.org/ns/shacl#conforms" for t in report)


def test_remote_failure_exits_3():
    err = fails(3, "query", "owners", "--endpoint", "http://127.0.0.1:9/query", "--timeout", "3")
    assert "cannot connect" in err


def test_compile_and_cache_info():
    res = run_cli("compile")
    assert res.returncode == 0 and b"compiled:" in res.stderr
    assert ok("cache", "info").strip()


def test_review_regressions(tmp_path):
    # a control character in a name is an unknown name, not a crash
    assert "no org called" in fails(2, "query", "owners", "-p", "org=a\x01b")
    # timeouts must be finite and positive
    assert "above 0" in fails(2, "query", "owners", "--timeout", "nan")
    assert "above 0" in fails(2, "load", "--endpoint", "http://127.0.0.1:9/query", "--timeout", "-1")
    # a missing PROBGRAPH_HOME is named, not an empty graph
    assert "has no ontology/ folder" in fails(2, "queries", env={"PROBGRAPH_HOME": str(tmp_path / "none")})


def test_full_disk_is_one_line():
    import os

    if not os.path.exists("/dev/full"):
        pytest.skip("no /dev/full here")
    with open("/dev/full", "wb") as full:
        import subprocess

        res = subprocess.run([PROBGRAPH, "export"], stdout=full, stderr=subprocess.PIPE)
    assert res.returncode == 2 and b"standard output: cannot write (No space left on device)" in res.stderr
    assert b"Traceback" not in res.stderr


def test_construct_with_blank_nodes_is_stable():
    q = ("CONSTRUCT { _:b <http://example.org/about> ?o } WHERE { "
         "BIND(<https://w3id.org/probgraph/id/org/northumbria-crc> AS ?o) }")
    a = run_cli("query", "--sparql", q, "--format", "ntriples", env={"PYTHONHASHSEED": "1"})
    b = run_cli("query", "--sparql", q, "--format", "ntriples", env={"PYTHONHASHSEED": "2"})
    assert a.returncode == 0 and a.stdout == b.stdout and a.stdout.startswith(b"_:")


FAST_PATH_CASES = [
    # routed by hand: what argparse makes of them must be what the fast path makes
    ["query", "predecessors"],
    ["query", "predecessors", "-p", "org=north-east-region"],
    ["query", "predecessors", "-porg=north-east-region", "--format", "csv"],
    ["query", "owners", "--param", "org=x", "--param=date=2019", "--format=json"],
    ["query", "owners", "-p", "org=a=b", "-p", "=x", "-p", "noequals"],  # -p's own checks come later, for both
    ["query", "owners", "-p", "org=", "--format", "turtle", "--param="],
    ["query", "x y", "-p", "org=\udcff"],
    # left to argparse: help, mistakes, every other option
    ["query", "owners", "--format", "yaml"],
    ["query", "owners", "--format="],
    ["query", "owners", "-p=org=x"],
    ["query", "owners", "--format", "csv", "--format", "json"],
    ["query", "owners", "-p"],
    ["query", "owners", "-p", "--format"],
    ["query", "owners", "--help"],
    ["query", "owners", "-h"],
    ["query", "owners", "--timeout", "5"],
    ["query", "owners", "--memory", "512"],
    ["query", "owners", "-o", "out.csv"],
    ["query", "owners", "--sparql", "ASK {}"],
    ["query", "owners", "extra"],
    ["query", "owners", "--form", "csv"],
    ["query", "--file", "q.rq"],
    ["query", "-p", "org=x", "owners"],
    ["query"],
    ["--no-cache", "query", "owners"],
    ["show", "owners"],
    [],
]


@pytest.mark.parametrize("argv", FAST_PATH_CASES, ids=[" ".join(a) or "(none)" for a in FAST_PATH_CASES])
def test_the_fast_argument_path_agrees_with_argparse(argv):
    """A warm query's arguments are read without argparse; whatever that path accepts, argparse reads the same."""
    from probgraph.cli import build_parser, fast_query_args

    fast = fast_query_args(argv)
    if fast is None:
        return  # argparse reads it (its help, messages and exit codes), as every test of those runs it
    parsed = vars(build_parser().parse_args(argv))
    assert {k: getattr(fast, k) for k in parsed} == parsed
    assert set(vars(fast)) == set(parsed)


def test_the_fast_argument_path_takes_the_common_calls():
    """The cases above that it should route are routed (else the agreement test would check nothing)."""
    from probgraph.cli import fast_query_args

    assert all(fast_query_args(argv) is not None for argv in FAST_PATH_CASES[:7])
    assert all(fast_query_args(argv) is None for argv in FAST_PATH_CASES[7:])


def test_a_warm_query_imports_nothing_the_answer_does_not_need():
    """A warm query's process reads arguments, checks the inputs and writes the answer: none of these modules,
    each of which costs it milliseconds (docs/design-decisions.md, "Warm path, third pass"). A stored query is
    answered on a thread of this process ("Warm path, seventh pass"): pyoxigraph is the one module it adds."""
    import subprocess
    import sys
    import time

    from probgraph import cache, resources

    for _ in range(30):  # a fingerprint is recorded (and the store opens on it) once the files have settled
        if cache.fingerprint(resources.root_dir(), cache.default_reasoner())[1]:
            break
        time.sleep(0.1)
    code = ("import sys; from probgraph.cli import main; code = main(['query', 'predecessors', '-p', "
            "'org=north-east-region', '--format', 'csv']); sys.stderr.write(' '.join(sys.modules)); sys.exit(code)")
    ok("query", "predecessors", "-p", "org=north-east-region")  # the cache entry and its fingerprint exist
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert res.returncode == 0, res.stderr
    assert b"north-east-region" in res.stdout
    loaded = set(res.stderr.decode().split())
    assert {"probgraph.cli", "pyoxigraph"} <= loaded
    assert not loaded & {"re", "enum", "typing", "argparse", "contextlib", "json", "collections",
                         "zlib", "shutil", "resource", "threading", "select"}


def test_a_bare_compile_read_without_argparse_is_what_argparse_reads():
    """`probgraph compile` skips argparse (a twentieth of a cold compile); it must mean what argparse says."""
    from probgraph.cli import _CompileArgs, build_parser

    parsed = vars(build_parser().parse_args(["compile"]))
    assert {k: getattr(_CompileArgs(), k) for k in parsed} == parsed

