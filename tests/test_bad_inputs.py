"""Bad inputs across the command line: each gets its documented exit code and one clear line.

The contract (README, `probgraph --help`): exit 0 success, 1 the data is readable but invalid,
2 bad usage or unreadable input (the message names the file, and line:column for syntax errors),
3 a remote endpoint failed. Errors go to stderr as one line starting "probgraph: error:" (hint
lines "  hint: ..." may follow; argparse errors may be preceded by a usage line). Nothing ever
prints a traceback, and an output file is either wholly written or not there at all.

The static corpus lives in tests/bad_inputs/; large files and file-system oddities are made at
test time in tmp_path.
"""

from __future__ import annotations

import http.server
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conftest import PROBGRAPH, ROOT, run_cli

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
DEAD = "http://127.0.0.1:9/query"  # the discard port: nothing listens there
NOBODY = 65534


# --------------------------------------------------------------------------------------------
# helpers

def _text(b: bytes) -> str:
    return b.decode("utf-8", errors="replace")


def assert_clean_error(res: subprocess.CompletedProcess, code: int, *, usage: bool = False,
                       preamble: str | None = None, contains: tuple[str, ...] = (), pattern: str | None = None) -> str:
    """The exit code, no traceback, nothing on stdout and one clear error line; return that line."""
    out, err = _text(res.stdout), _text(res.stderr)
    assert "Traceback" not in out and "Traceback" not in err, f"traceback:\n{err[-2000:]}"
    assert res.returncode == code, f"exit {res.returncode}, expected {code}; stderr:\n{err[-2000:]}"
    assert out == "", f"an error must not print results; stdout:\n{out[:500]}"
    lines = err.splitlines()
    errors = [i for i, line in enumerate(lines) if line.startswith("probgraph: error: ")]
    assert len(errors) == 1, f"expected exactly one 'probgraph: error:' line; stderr:\n{err}"
    first = errors[0]
    before, after = lines[:first], lines[first + 1:]
    if usage:  # argparse prints "usage: ..." (possibly wrapped) before the error line
        assert not before or before[0].startswith("usage: "), f"unexpected text before the error:\n{err}"
    elif preamble:
        assert all(b.startswith(preamble) for b in before), f"unexpected text before the error:\n{err}"
    else:
        assert not before, f"unexpected text before the error line:\n{err}"
    stray = [line for line in after if not line.startswith("  hint: ")]
    assert not stray, "the error is not one line (plus hints); the extra lines are:\n" + "\n".join(stray)
    line = lines[first]
    for needle in contains:
        assert needle in line, f"{needle!r} not in the error line: {line!r}"
    if pattern:
        assert re.search(pattern, line), f"{pattern!r} does not match the error line: {line!r}"
    return line


def assert_no_traceback(res: subprocess.CompletedProcess) -> None:
    both = _text(res.stdout) + _text(res.stderr)
    assert "Traceback" not in both, f"traceback:\n{_text(res.stderr)[-2000:]}"


def part_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.name.endswith(".part"))


def graph_answer() -> bytes:
    """A fingerprint of the graph: a stored query's rows and the triple count."""
    a = run_cli("query", "owners", "-p", "org=northumbria-crc", "--format", "csv")
    b = run_cli("query", "--sparql", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", "--format", "csv")
    assert a.returncode == 0 and b.returncode == 0, _text(a.stderr + b.stderr)
    return a.stdout + b"\n" + b.stdout


def _setpriv_works() -> bool:
    if not shutil.which("setpriv"):
        return False
    try:
        r = subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                            sys.executable, "-c", "import os, probgraph; print(os.getuid())"],
                           capture_output=True, timeout=60, cwd="/")
    except (OSError, subprocess.TimeoutExpired):
        return False
    return r.returncode == 0 and r.stdout.strip() == str(NOBODY).encode()


def run_unprivileged(*args: str, env: dict) -> subprocess.CompletedProcess:
    """Run probgraph as user 'nobody' (only used when the tests run as root)."""
    full_env = {**os.environ, "HOME": "/tmp", **env}
    return subprocess.run(["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups",
                           PROBGRAPH, *args],
                          cwd=ROOT, env=full_env, capture_output=True, timeout=300)


def runner_for_readonly():
    """How to run probgraph so that a chmod 555 folder really is read-only, or skip."""
    if os.geteuid() != 0:
        return lambda *a, env: run_cli(*a, env=env)
    if _setpriv_works():
        return run_unprivileged
    pytest.skip("running as root (chmod does not stop root) and setpriv to 'nobody' is unavailable")


@pytest.fixture
def world_tmp():
    """A temporary folder every user can reach (pytest's tmp_path is private to its owner)."""
    d = Path(tempfile.mkdtemp(prefix="probgraph-bad-inputs-"))
    d.chmod(0o755)
    yield d
    for p in [d, *d.rglob("*")]:
        try:
            p.chmod(0o755 if p.is_dir() else 0o644)
        except OSError:
            pass
    shutil.rmtree(d, ignore_errors=True)


# --------------------------------------------------------------------------------------------
# the table of bad inputs: (arguments, exit code, what the one error line must say)

@dataclass
class Case:
    args: tuple[str, ...]
    code: int = 2
    contains: tuple[str, ...] = ()
    pattern: str | None = None
    usage: bool = False
    preamble: str | None = None  # an informational line allowed before the error (e.g. "uploading ")
    report: tuple[str, ...] = field(default_factory=tuple)  # for exit 1: what the report on stdout says


def c(name: str) -> str:
    return str(CORPUS / name)


def at(name: str, position: str) -> str:
    """A pattern for a message about corpus file `name` at a position (a regex such as r":4:1: .*dot")."""
    return re.escape(c(name)) + position


CASES = {
    # --- Turtle that does not parse: exit 2, FILE:LINE:COL
    "ttl-unterminated-string": Case(("validate", c("unterminated-string.ttl")),
                                    pattern=at("unterminated-string.ttl", r":(\d+):(\d+): ")),
    "ttl-missing-dot": Case(("validate", c("missing-dot.ttl")),
                            pattern=at("missing-dot.ttl", r":4:1: .*dot")),
    "ttl-bad-iri": Case(("validate", c("bad-iri.ttl")),
                        pattern=at("bad-iri.ttl", r":2:\d+: .*IRI")),
    "ttl-undefined-prefix": Case(("validate", c("undefined-prefix.ttl")),
                                 pattern=at("undefined-prefix.ttl", r":2:48: .*foo")),
    "ttl-garbage-bytes": Case(("validate", c("garbage-bytes.ttl")),
                              pattern=at("garbage-bytes.ttl", r":\d+:\d+: ")),
    # --- wrong encodings: exit 2, the position of the first bad byte
    "ttl-latin1": Case(("validate", c("latin1.ttl")),
                       pattern=at("latin1.ttl", r":2:63: .*UTF-8")),
    "ttl-utf16-bom": Case(("validate", c("utf16-bom.ttl")),
                          pattern=at("utf16-bom.ttl", r":1:1: .*UTF-8")),
    # --- not files
    "ttl-directory": Case(("validate", str(CORPUS)), contains=(str(CORPUS), "directory")),
    "ttl-missing-file": Case(("validate", c("no-such-file.ttl")), contains=(c("no-such-file.ttl"), "no such file")),
    # --- three files, the middle one bad: exit 2 naming only that one
    "ttl-three-files-one-bad": Case(("validate", c("wrong-datatype.ttl"), c("missing-dot.ttl"),
                                     c("blank-node-only.ttl")),
                                    pattern=r"error: " + re.escape(c("missing-dot.ttl")) + r":4:1: "),
    # --- readable Turtle, invalid as an entry: exit 1 with the report on stdout
    "ttl-empty": Case(("validate", c("empty.ttl")), code=1, report=(c("empty.ttl"), "no triples")),
    "ttl-comments-only": Case(("validate", c("comments-only.ttl")), code=1,
                              report=(c("comments-only.ttl"), "no triples")),
    "ttl-blank-node-only": Case(("validate", c("blank-node-only.ttl")), code=1,
                                report=(c("blank-node-only.ttl") + ":3:", "blank node")),
    "ttl-wrong-datatype": Case(("validate", c("wrong-datatype.ttl")), code=1,
                               report=(c("wrong-datatype.ttl") + ":3:", "pg:numberOfRecommendations", '"eight"')),
    # --- usage
    "unknown-option": Case(("query", "--bogus"), usage=True, contains=("--bogus",)),
    "unknown-command": Case(("frobnicate",), usage=True, contains=("frobnicate",)),
    "unknown-format": Case(("export", "--format", "rdfxml"), usage=True, contains=("rdfxml",)),
    "timeout-not-a-number": Case(("query", "organisations", "--timeout", "soon"), usage=True, contains=("soon",)),
    "query-nothing-to-run": Case(("query",), contains=("exactly one",)),
    "query-two-things-to-run": Case(("query", "owners", "--sparql", "ASK {}"), contains=("exactly one",)),
    "unknown-stored-query": Case(("query", "predecesors"), contains=("predecesors", "no stored query")),
    "unknown-parameter": Case(("query", "owners", "-p", "bogus=1"), contains=("'bogus'", "owners")),
    "missing-required-parameter": Case(("query", "coverage", "-p", "place=sunderland"),
                                       contains=("coverage", "date")),
    "malformed-p-no-equals": Case(("query", "owners", "-p", "org"), contains=("'org'", "NAME=VALUE")),
    "malformed-p-no-name": Case(("query", "owners", "-p", "=northumbria-crc"), contains=("NAME=VALUE",)),
    "parameter-twice": Case(("query", "owners", "-p", "org=northumbria-crc", "-p", "org=bench-crc"),
                            contains=("'org'", "twice")),
    "bad-date": Case(("query", "chief-inspector", "-p", "date=last tuesday"), contains=("last tuesday", "date")),
    "format-not-for-select": Case(("query", "organisations", "--format", "turtle"), contains=("turtle",)),
    "unknown-org-hostile": Case(("query", "owners", "-p", 'org=x" } ; DROP ALL ; #'),
                                contains=("no org called", 'x" } ; DROP ALL ; #')),
    "lineage-unknown-org": Case(("lineage", "Narnia Probation Trust"), contains=("Narnia Probation Trust",)),
    "show-unknown-entity": Case(("show", "inspection/1066-hastings"), contains=("inspection/1066-hastings",)),
    "show-hostile": Case(("show", "<http://x> } ; DROP ALL ; #"), contains=("DROP ALL",)),
    # --- SPARQL
    "sparql-syntax": Case(("query", "--sparql", "SELECT ?x WHERE { ?x ?y }"), pattern=r"--sparql:1:\d+: SPARQL"),
    "sparql-syntax-multiline": Case(("query", "--sparql", "SELECT ?x\nWHERE {\n  ?x ?y ?z\n  FILTER(\n}"),
                                    pattern=r"--sparql:\d+:\d+: SPARQL"),
    "sparql-syntax-unclosed": Case(("query", "--sparql", "SELECT * WHERE { ?s ?p ?o"),
                                   pattern=r"--sparql:1:\d+: SPARQL"),
    "sparql-update-refused": Case(("query", "--sparql", "DROP ALL"), pattern=r"--sparql:1:\d+: "),
    "query-file-syntax": Case(("query", "--file", c("sparql-syntax-error.rq")),
                              pattern=at("sparql-syntax-error.rq", r":\d+:\d+: SPARQL")),
    "query-file-missing": Case(("query", "--file", c("no-such-query.rq")), contains=(c("no-such-query.rq"),)),
    "query-file-directory": Case(("query", "--file", str(CORPUS)), contains=(str(CORPUS), "directory")),
    "query-file-latin1": Case(("query", "--file", c("latin1.rq")), contains=(c("latin1.rq"), "UTF-8")),
    "sparql-service": Case(("query", "--sparql", "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"),
                           contains=("SERVICE",)),
    "query-file-service": Case(("query", "--file", c("service.rq")), contains=(c("service.rq"), "SERVICE")),
    # --- remote endpoints: exit 3 (or 2 for a URL that is not one)
    "endpoint-dead-port": Case(("query", "--endpoint", DEAD, "predecessors", "-p", "org=north-east-region"),
                               code=3, contains=(DEAD,)),
    "endpoint-dead-port-sparql": Case(("query", "--endpoint", DEAD, "--sparql", "ASK { ?s ?p ?o }"),
                                      code=3, contains=(DEAD,)),
    "endpoint-not-a-url": Case(("query", "--endpoint", "not-a-url", "--sparql", "ASK { ?s ?p ?o }"),
                               code=3, contains=("not-a-url",)),
    "endpoint-broken-ipv6-url": Case(("query", "--endpoint", "http://[::1", "--sparql", "ASK { ?s ?p ?o }"),
                                     code=3, contains=("http://[::1",)),
    "load-dead-port": Case(("load", "--endpoint", DEAD, "--asserted-only"), code=3, contains=("127.0.0.1:9",),
                           preamble="uploading "),
    # --- export -o into places it cannot write
    "export-missing-folder": Case(("export", "-o", str(CORPUS / "no-such-folder" / "out.ttl")),
                                  contains=("no-such-folder",)),
    "export-to-directory": Case(("export", "-o", str(CORPUS)), contains=(str(CORPUS), "directory")),
    "export-below-a-file": Case(("export", "-o", c("empty.ttl") + "/out.ttl"), contains=(c("empty.ttl"),)),
    # --- ill-typed and impossible literals: exit 1, the line and what is wrong
    "literal-date-abc": Case(("validate", c("ill-typed-date.ttl")), code=1,
                             report=(c("ill-typed-date.ttl") + ":4:", "not a valid xsd:date", '"abc"')),
    "literal-date-30-february": Case(("validate", c("impossible-date.ttl")), code=1,
                                     report=(c("impossible-date.ttl") + ":4:", "February 2019 has 28 days")),
    "literal-gyearmonth-13": Case(("validate", c("bad-gyearmonth.ttl")), code=1,
                                  report=("not a valid xsd:gYearMonth: there is no month 13",)),
    "literal-integer-8.0": Case(("validate", c("ill-typed-integer.ttl")), code=1,
                                report=("not a valid xsd:integer", '"8.0"')),
    "literal-decimal-two-points": Case(("validate", c("ill-typed-decimal.ttl")), code=1,
                                       report=("not a valid xsd:decimal", '"0.9.1"')),
    "param-date-30-february": Case(("query", "chief-inspector", "-p", "date=2019-02-30"),
                                   contains=("'2019-02-30' is not a date", "February 2019 has 28 days")),
    # --- entries that change the ontology or merge nodes: exit 1
    "ontology-subclass-of-nothing": Case(("validate", c("ontology-subclass-of-nothing.ttl")), code=1,
                                         report=(":4:", "changes pg:Inspection")),
    "sameas-two-organisations": Case(("validate", c("sameas-two-organisations.ttl")), code=1,
                                     report=(":3:", "owl:sameAs equates two existing nodes")),
    "trust-made-a-class": Case(("validate", c("trust-made-a-class.ttl")), code=1,
                               report=(":3:", "types an existing node as owl:Class")),
    "tag-iri-subject": Case(("validate", c("tag-iri-subject.ttl")), code=1, report=(":2:", "not http(s)")),
    "base-javascript": Case(("validate", c("base-javascript.ttl")), code=1, report=("javascript:alert(1)//x",)),
    # --- bytes that are not UTF-8 in a name or value: exit 2, the byte escaped
    "param-invalid-utf8": Case(("query", "owners", "-p", "org=\udcff"), contains=("'org=\\xff'", "UTF-8")),
    "show-invalid-utf8": Case(("show", "\udcff"), contains=("'\\xff'", "UTF-8")),
    # --- semantics
    "ask-as-turtle": Case(("query", "--sparql", "ASK { ?s ?p ?o }", "--format", "turtle"),
                          contains=("turtle", "ASK")),
    # --- local queries past their limits, or nested too deep to parse: exit 2, never a hang or a crash
    "query-timeout-cross-join-cubed": Case(("query", "--timeout", "0.5", "--sparql",
                                            "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"),
                                           contains=("did not finish within 0.5 s",)),
    "stored-query-timeout": Case(("query", "organisations", "--timeout", "0.000001"),
                                 contains=("did not finish within 1e-06 s",)),
    "query-memory-sorted-cross-join": Case(("query", "--memory", "1024", "--sparql",
                                            "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?c ?f"),
                                           contains=("more memory than the 1024 MB allowed",)),
    "sparql-10000-nested-parentheses": Case(("query", "--sparql",
                                             "SELECT * WHERE { FILTER(" + "(" * 10000 + "1" + ")" * 10000 + ") }"),
                                            pattern=r"--sparql:1:\d+: brackets nested more than 256 deep"),
    "memory-not-a-number": Case(("query", "organisations", "--memory", "lots"), usage=True, contains=("lots",)),
}

# Run as real processes: every case whose query reaches the engine (a forked child under its limits; the
# in-process runner refuses to fork), argv that is not UTF-8, and at least one case per command and per kind
# of error. The others call the CLI in the test's process (conftest.cli_in_process): same code, same checks.
AS_PROCESS = {
    # a query text or file runs in a forked child (a stored query runs in the command's process, so its cases run
    # in process too)
    "sparql-syntax", "sparql-syntax-multiline", "sparql-syntax-unclosed", "sparql-update-refused",
    "query-file-syntax", "ask-as-turtle", "query-timeout-cross-join-cubed", "query-memory-sorted-cross-join",
    # a stored query past its deadline leaves its thread behind: the command must still end at once
    "stored-query-timeout",
    # the process's argv decoding
    "param-invalid-utf8", "show-invalid-utf8",
    # one per command and kind: validate (syntax, exit 1), argparse usage, SERVICE, remote (exit 3), load,
    # export, lineage, show
    "ttl-missing-dot", "ttl-wrong-datatype", "unknown-command", "sparql-service", "endpoint-dead-port",
    "load-dead-port", "export-missing-folder", "lineage-unknown-org", "show-unknown-entity",
}

def test_every_case_run_as_a_process_is_in_the_table():
    assert AS_PROCESS <= CASES.keys(), AS_PROCESS - CASES.keys()


# exit 3 or 2 are both acceptable for a URL that is not an http(s) URL
REMOTE_OR_USAGE = {"endpoint-not-a-url", "endpoint-broken-ipv6-url"}


@pytest.mark.parametrize("case", list(CASES.values()), ids=list(CASES))
def test_bad_input(case: Case, request, cli_in_process):
    before = sorted(p.name for p in CORPUS.iterdir())
    name = request.node.callspec.id
    res = run_cli(*case.args, timeout=120) if name in AS_PROCESS else cli_in_process(*case.args)
    if case.code == 1:
        assert_no_traceback(res)
        assert res.returncode == 1, f"exit {res.returncode}, expected 1; stderr:\n{_text(res.stderr)}"
        out = _text(res.stdout)
        assert "does not conform" in out.splitlines()[-1], out
        for needle in case.report:
            assert needle in out, f"{needle!r} not in the report:\n{out}"
        assert "Traceback" not in _text(res.stderr)
    else:
        code = case.code
        if name in REMOTE_OR_USAGE and res.returncode == 2:
            code = 2
        assert_clean_error(res, code, usage=case.usage, preamble=case.preamble, contains=case.contains,
                           pattern=case.pattern)
    # nothing left behind in the corpus folder (no half-written output, no .part files)
    assert sorted(p.name for p in CORPUS.iterdir()) == before


# --------------------------------------------------------------------------------------------
# cases that need the file system or a process set up

def test_hostile_org_name_leaves_the_graph_unchanged():
    before = graph_answer()
    hostile = ('x" } ; DROP ALL ; #', "x> } ; DELETE WHERE { ?s ?p ?o } ; #", "<urn:x> } INSERT DATA { <a> <b> <c> }")
    for value in hostile:
        res = run_cli("query", "owners", "-p", f"org={value}")
        assert_clean_error(res, 2, contains=("no org called",))
    assert graph_answer() == before


@pytest.fixture(scope="module")
def thirty_mb(tmp_path_factory) -> tuple[Path, int]:
    """~30 MB of valid but pointless triples (made once for the two large-file tests), and its line count."""
    big = tmp_path_factory.mktemp("large") / "big-valid.ttl"
    lines = ["@prefix ex: <http://example.org/pointless/> .\n"]
    size, n = len(lines[0]), 0
    while size < 30 * 1024 * 1024:
        lines.append(f'ex:s{n} ex:p{n % 7} "pointless value number {n}, padded to make the file large" .\n')
        size += len(lines[-1])
        n += 1
    big.write_text("".join(lines), encoding="utf-8")
    return big, len(lines)


@pytest.mark.slow
def test_large_file_syntax_error_at_the_end(tmp_path, thirty_mb):
    """~30 MB of valid triples with a broken last line: exit 2 with that line's number."""
    valid, lines = thirty_mb
    big = tmp_path / "big-broken.ttl"
    big.write_bytes(valid.read_bytes() + b'ex:last ex:p "never closed .\n')
    last_line = lines + 1
    res = run_cli("validate", str(big), timeout=120)
    assert_clean_error(res, 2, pattern=re.escape(str(big)) + rf":{last_line}:14: ")


def test_file_over_the_size_limit(tmp_path):
    """A (sparse) file above the 200 MB input limit is refused before it is read."""
    from probgraph.parsing import MAX_INPUT_BYTES

    huge = tmp_path / "huge.ttl"
    with huge.open("wb") as fh:
        fh.truncate(MAX_INPUT_BYTES + 1)
    start = time.monotonic()
    res = run_cli("validate", str(huge), timeout=60)
    assert_clean_error(res, 2, contains=(str(huge), "limit"))
    assert time.monotonic() - start < 20


@pytest.mark.slow
def test_large_valid_file(thirty_mb):
    """~30 MB of valid but pointless triples: validate finishes (0 or 1) in bounded time, no traceback."""
    big, _ = thirty_mb
    assert big.stat().st_size >= 30 * 1024 * 1024
    limit = float(os.environ.get("PROBGRAPH_BIG_FILE_SECONDS", "60"))
    try:
        res = run_cli("validate", str(big), timeout=limit)
    except subprocess.TimeoutExpired:
        pytest.fail(f"validate of a 30 MB entry did not finish within {limit:g} s")
    assert_no_traceback(res)
    assert res.returncode in (0, 1, 2), _text(res.stderr)
    if res.returncode == 2:
        assert_clean_error(res, 2, contains=(str(big),))


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_endless_input_is_refused_by_the_size_limit():
    """/dev/zero has st_size 0 but never ends: it must be cut off at the input limit, naming the file.

    The child's address space is capped at 1.5 GB so that a bug cannot take the machine's memory.
    """
    import resource

    def cap():
        resource.setrlimit(resource.RLIMIT_AS, (1536 * 1024 * 1024, 1536 * 1024 * 1024))

    res = subprocess.run([PROBGRAPH, "validate", "/dev/zero"], cwd=ROOT,
                         capture_output=True, timeout=120, preexec_fn=cap)
    assert_clean_error(res, 2, contains=("/dev/zero",))


def test_unreadable_file(world_tmp):
    f = world_tmp / "secret.ttl"
    shutil.copy(CORPUS / "wrong-datatype.ttl", f)
    f.chmod(0)
    if os.access(f, os.R_OK):
        run = runner_for_readonly()
    else:
        run = lambda *a, env: run_cli(*a, env=env)  # noqa: E731
    res = run("validate", str(f), env={})
    assert_clean_error(res, 2, contains=(str(f), "permission"))


def test_export_into_read_only_folder(world_tmp, private_cache):
    ro = world_tmp / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    env: dict = {}
    if os.access(ro, os.W_OK):  # root: run as 'nobody' on a world-readable copy of the cache
        run = runner_for_readonly()
        cache = world_tmp / "cache"
        shutil.copytree(private_cache, cache)
        for p in [cache, *cache.rglob("*")]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        env = {"PROBGRAPH_CACHE_DIR": str(cache)}
    else:
        run = lambda *a, env: run_cli(*a, env=env)  # noqa: E731
    out = ro / "probgraph.ttl"
    res = run("export", "-o", str(out), env=env)
    assert_clean_error(res, 2, contains=(str(out),))
    assert not out.exists()
    assert part_files(ro) == []


def test_failed_export_leaves_no_file(tmp_path):
    target = tmp_path / "missing" / "out.ttl"
    res = run_cli("export", "-o", str(target))
    assert_clean_error(res, 2, contains=(str(target),))
    assert not target.parent.exists()
    d = tmp_path / "adir"
    d.mkdir()
    res = run_cli("export", "-o", str(d))
    assert_clean_error(res, 2, contains=("directory",))
    assert list(d.iterdir()) == [] and part_files(tmp_path) == []


@pytest.mark.slow
def test_interrupted_export(tmp_path):
    """SIGKILL an export at several moments: the output is absent or complete, never partial.

    A killed process cannot clean up, so it may leave its temporary .part file beside the output;
    the next write of the same name removes such leftovers (nobody holds their lock).
    """
    import pyoxigraph as ox

    out = tmp_path / "out.ttl"
    outcomes = []
    for delay in (0.0, 0.03, 0.06, 0.09, 0.12, 0.15, 0.2, 0.25, 0.3, 0.4, 0.6, 1.0):
        out.unlink(missing_ok=True)
        proc = subprocess.Popen([PROBGRAPH, "export", "--inferred", "-o", str(out)],
                                cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:  # an export that has already ended has nothing left to kill: its output is checked at once
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=60)
        if out.exists():
            data = out.read_bytes()
            triples = list(ox.parse(data, format=ox.RdfFormat.TURTLE))  # complete, or this raises
            assert len(triples) > 10000, f"delay {delay}: a short export ({len(triples)} triples)"
            outcomes.append("complete")
        else:
            outcomes.append("absent")
    strays = part_files(tmp_path)
    old = time.time() - 60  # as if the next write came a minute later (fresher files are spared)
    for p in strays:
        os.utime(p, (old, old))
    res = run_cli("export", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert part_files(tmp_path) == [], f"left after the next write: {part_files(tmp_path)} (killed: {strays})"


def test_next_write_spares_a_temporary_file_in_use(tmp_path):
    """A .part file whose writer holds its lock, or one just created, is not a leftover."""
    import fcntl

    from probgraph.filewrite import _temp_prefix, clean_stale_parts

    prefix = _temp_prefix(str(tmp_path / "out.ttl")).decode()
    held, fresh, stale = (tmp_path / f"{prefix}{tag}.part" for tag in ("heldheld", "freshabc", "staleabc"))
    for p in (held, fresh, stale):
        p.write_bytes(b"partial")
    old = time.time() - 60
    os.utime(held, (old, old))
    os.utime(stale, (old, old))
    with open(held, "rb") as f:
        fcntl.flock(f.fileno(), fcntl.LOCK_EX)
        assert clean_stale_parts(os.fsencode(tmp_path), prefix.encode()) == 1
    assert sorted(p.name for p in part_files(tmp_path)) == sorted([held.name, fresh.name])


# --------------------------------------------------------------------------------------------
# SERVICE: no spelling of it may make a query reach another machine

class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def _any(self):
        type(self).hits.append(f"{self.command} {self.path}")
        self.send_response(500)
        self.end_headers()

    do_GET = do_POST = _any

    def log_message(self, *args):
        pass


@pytest.fixture
def listener():
    _Recorder.hits = []
    server = http.server.HTTPServer(("127.0.0.1", 0), _Recorder)
    # shutdown() waits for serve_forever to look at its flag, once per poll_interval (0.5 s unless told)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", _Recorder.hits
    server.shutdown()
    server.server_close()


SERVICE_SPELLINGS = {
    "service-spaced": "SELECT * WHERE {{ SERVICE <{url}/a> {{ ?s ?p ?o }} }}",
    "service-no-space": "SELECT * WHERE {{ SERVICE<{url}/b> {{ ?s ?p ?o }} }}",
    "service-silent-no-space": "SELECT * WHERE {{ SERVICE SILENT<{url}/c> {{ ?s ?p ?o }} }}",
    "service-prefixed-name": "PREFIX ex: <{url}/> SELECT * WHERE {{ SERVICE ex:d {{ ?s ?p ?o }} }}",
    "service-comment-between": "SELECT * WHERE {{ SERVICE # see below\n <{url}/e> {{ ?s ?p ?o }} }}",
    # "<2)SERVICE?e{...?o>" looks like one IRI to a regex that blanks out <...> before searching
    "service-between-lt-and-gt": ("SELECT*WHERE{{VALUES?e{{<{url}/f>}}"
                                  "LATERAL{{FILTER(1<2)SERVICE?e{{?s?p?o.FILTER(?o>1)}}}}}}"),
}


@pytest.mark.parametrize("template", list(SERVICE_SPELLINGS.values()), ids=list(SERVICE_SPELLINGS))
def test_service_is_refused(template, listener, cli_in_process):
    """In this process: what is tested is the check on the text (test_bad_input's sparql-service case runs the
    command as a process); a query that got past it would run in a forked child, which the fixture refuses."""
    url, hits = listener
    res = cli_in_process("query", "--sparql", template.format(url=url))
    assert hits == [], f"the query reached another endpoint: {hits}"
    assert_clean_error(res, 2, contains=("SERVICE",))


# --------------------------------------------------------------------------------------------
# the cache: damaged, stale or read-only, the command still answers (these recompile, ~15 s each)

def _copy_cache(private_cache: Path, dest: Path) -> Path:
    shutil.copytree(private_cache, dest)
    entries = [p for p in dest.iterdir() if p.is_dir() and (p / "meta.json").exists()]
    assert len(entries) == 1, entries
    return entries[0]


@pytest.fixture(scope="module")
def reference_answer():
    res = run_cli("query", "predecessors", "-p", "org=north-east-region", "--format", "csv")
    assert res.returncode == 0
    return res.stdout


def test_cache_with_garbage_in_the_store(tmp_path, private_cache, reference_answer):
    entry = _copy_cache(private_cache, tmp_path / "cache")
    (entry / "store" / "CURRENT").write_bytes(b"\x00garbage\xff\n")
    res = run_cli("query", "predecessors", "-p", "org=north-east-region", "--format", "csv",
                  env={"PROBGRAPH_CACHE_DIR": str(tmp_path / "cache")})
    assert_no_traceback(res)
    assert res.returncode == 0, _text(res.stderr)
    assert res.stdout == reference_answer


def test_cache_written_by_an_older_version(tmp_path, private_cache, reference_answer):
    entry = _copy_cache(private_cache, tmp_path / "cache")
    meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    meta["version"] = "0.0.1"
    (entry / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    res = run_cli("query", "predecessors", "-p", "org=north-east-region", "--format", "csv",
                  env={"PROBGRAPH_CACHE_DIR": str(tmp_path / "cache")})
    assert_no_traceback(res)
    assert res.returncode == 0, _text(res.stderr)
    assert res.stdout == reference_answer


def test_read_only_cache_folder(world_tmp, reference_answer):
    parent = world_tmp / "locked"
    parent.mkdir()
    parent.chmod(0o555)
    run = runner_for_readonly() if os.access(parent, os.W_OK) else (lambda *a, env: run_cli(*a, env=env))
    cache = parent / "cache"
    res = run("query", "predecessors", "-p", "org=north-east-region", "--format", "csv",
              env={"PROBGRAPH_CACHE_DIR": str(cache)})
    assert_no_traceback(res)
    assert res.returncode == 0, _text(res.stderr)
    assert res.stdout == reference_answer
    assert "probgraph: warning:" in _text(res.stderr) and str(cache) in _text(res.stderr)
    assert not cache.exists()


# --------------------------------------------------------------------------------------------
# hostile input that needs a process or the file system set up (issue 14, local half)

def test_query_file_with_100000_nested_groups(tmp_path):
    q = tmp_path / "deep.rq"
    q.write_text("SELECT * WHERE " + "{" * 100000 + "}" * 100000 + "\n", encoding="utf-8")
    res = run_cli("query", "--file", str(q), timeout=60)
    assert_clean_error(res, 2, pattern=re.escape(str(q)) + r":1:\d+: brackets nested more than 256 deep")


def test_where_inside_a_string_binds_the_real_where():
    res = run_cli("query", "--file", c("where-in-a-string.rq"), "-p", "org=northumbria-crc", "--format", "csv")
    assert res.returncode == 0, _text(res.stderr)
    assert _text(res.stdout).splitlines() == [
        "owner,note", "https://w3id.org/probgraph/id/org/sodexo-justice-services,a WHERE { inside a string"]


def test_ctrl_c_stops_a_long_local_query():
    """SIGINT to the whole process group (what a terminal sends): exit 130 at once, no child left running."""
    proc = subprocess.Popen([PROBGRAPH, "query", "--timeout", "600", "--sparql",
                             "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    wait_for_query_child(proc)
    start = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert time.monotonic() - start < 10
    res = subprocess.CompletedProcess(proc.args, proc.returncode, out, err)
    assert_clean_error(res, 130, contains=("interrupted",))
    gone_by = time.monotonic() + 0.5
    while group_alive(proc.pid) and time.monotonic() < gone_by:
        time.sleep(0.01)
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # the query's worker is gone too, within half a second


def wait_for_query_child(proc: subprocess.Popen, running: float = 0.5) -> None:
    """Until `proc` has forked its query child (bounded.py), and `running` seconds more so the engine is at work
    on the query; a fixed wait of seconds stood in for this before."""
    deadline = time.monotonic() + 60
    while not children_of(proc.pid):
        assert proc.poll() is None and time.monotonic() < deadline, "the query never started its child"
        time.sleep(0.01)
    time.sleep(running)
    assert proc.poll() is None, "the long query ended by itself"


def children_of(pid: int) -> list[int]:
    """The pids whose parent is `pid`, from /proc/*/stat (this kernel has no /proc/PID/task/TID/children)."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                stat = Path(f"/proc/{name}/stat").read_text()
            except OSError:  # it ended while we looked
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:  # the field after the state
                found.append(int(name))
    return found


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_control_characters_in_a_name_are_escaped():
    res = run_cli("show", "a\x1b[31mred\x07")
    line = assert_clean_error(res, 2, contains=("a\\x1b[31mred\\x07",))
    assert "\x1b" not in _text(res.stderr) and "\x07" not in line


def test_a_130_kb_value_is_cut_in_the_message():
    res = run_cli("query", "owners", "-p", "org=" + "x" * 130_000)
    line = assert_clean_error(res, 2, contains=("no org called", "(130000 characters)"))
    assert len(line) < 1000


def test_closed_standard_output():
    res = subprocess.run([PROBGRAPH, "queries"], cwd=ROOT, stderr=subprocess.PIPE,
                         stdout=subprocess.DEVNULL, preexec_fn=lambda: os.close(1), timeout=120)
    res.stdout = b""
    assert_clean_error(res, 2, contains=("standard output is closed",))


def test_permission_denied_path():
    """As root nothing under /tmp is unreadable, but a write-only sysctl file is (mode 0200)."""
    path = "/proc/sys/vm/compact_memory"
    if not os.path.exists(path) or os.access(path, os.R_OK) and _readable(path):
        pytest.skip(f"{path} is readable here")
    assert_clean_error(run_cli("validate", path), 2, contains=(path, "permission denied"))
    assert_clean_error(run_cli("query", "--file", path), 2, contains=(path, "Permission denied"))


def _readable(path: str) -> bool:
    try:
        with open(path, "rb") as fh:
            fh.read(1)
        return True
    except OSError:
        return False


def test_folder_without_the_x_bit(world_tmp):
    folder = world_tmp / "locked"
    folder.mkdir()
    shutil.copy(CORPUS / "wrong-datatype.ttl", folder / "e.ttl")
    folder.chmod(0o644)
    run = runner_for_readonly() if os.geteuid() == 0 else (lambda *a, env: run_cli(*a, env=env))
    res = run("validate", str(folder / "e.ttl"), env={})
    assert_clean_error(res, 2, contains=(str(folder / "e.ttl"),))


@pytest.fixture
def home(tmp_path):
    """A PROBGRAPH_HOME copied from the checkout, to put odd things in its data/ folder."""
    h = tmp_path / "home"
    h.mkdir()
    for name in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / name, h / name)
    return h


def test_folder_named_like_a_turtle_file_in_data(home, reference_answer):
    (home / "data" / "extra.ttl").mkdir()
    res = run_cli("query", "predecessors", "-p", "org=north-east-region", "--format", "csv",
                  env={"PROBGRAPH_HOME": str(home)})
    assert res.returncode == 0 and res.stdout == reference_answer, _text(res.stderr)


def test_dangling_symlink_in_data(home):
    link = home / "data" / "gone.ttl"
    link.symlink_to("nowhere.ttl")
    res = run_cli("query", "organisations", env={"PROBGRAPH_HOME": str(home)})
    assert_clean_error(res, 2, contains=(str(link), "symlink to nothing"))


def test_fifo_in_data_does_not_hang(home):
    fifo = home / "data" / "pipe.ttl"
    os.mkfifo(fifo)
    res = run_cli("query", "organisations", env={"PROBGRAPH_HOME": str(home)}, timeout=60)
    assert_clean_error(res, 2, contains=(str(fifo), "not a regular file"))


@pytest.fixture
def full_tmpfs(tmp_path):
    """A 1 MB tmpfs (root only): a temporary folder with no room for a compile."""
    mount = tmp_path / "full"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {_text(r.stderr).strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


@pytest.mark.slow
def test_no_cache_with_a_full_temporary_folder(full_tmpfs):
    res = run_cli("--no-cache", "query", "organisations", env={"TMPDIR": str(full_tmpfs)}, timeout=300)
    assert_clean_error(res, 2, preamble="probgraph: compiling", contains=("No space left on device",
                                                                          str(full_tmpfs)))
    assert list(full_tmpfs.iterdir()) == []


def test_ctrl_c_that_reaches_only_the_query_child_is_an_interruption():
    """A terminal's SIGINT can kill the query child before the parent sees its own: that is Ctrl-C (exit 130),
    not a crash of the engine (CI saw 'crashed the query engine (SIGINT)' once)."""
    from probgraph.bounded import run_bounded

    def interrupted() -> bytes:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(5)
        return b"never"

    with pytest.raises(KeyboardInterrupt):
        run_bounded(interrupted, timeout=30)


def test_a_bounded_answer_arrives_whole_whatever_its_size():
    """The child's message carries its length, so the parent needs neither the child's exit nor EOF to know it
    has all of it; several pipe-fulls and an empty answer both arrive exactly."""
    from probgraph.bounded import run_bounded

    big = bytes(range(256)) * 20_000  # 5 MB: many pipe-fulls, more than one read
    assert run_bounded(lambda: big, timeout=60) == big
    assert run_bounded(lambda: b"", timeout=60) == b""


def test_a_bounded_child_that_a_check_overtakes_is_killed(tmp_path):
    """verify() returning False (the child started on a stale entry) stops the child at once; None comes back."""
    from probgraph.bounded import run_bounded

    started = tmp_path / "pid"

    def slow() -> bytes:
        part = tmp_path / "pid.part"
        part.write_text(str(os.getpid()))
        part.rename(started)  # whole, or not there
        time.sleep(60)
        return b"stale"

    def stale() -> bool:
        deadline = time.monotonic() + 30
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        return False

    begun = time.monotonic()
    assert run_bounded(slow, timeout=120, verify=stale) is None
    assert time.monotonic() - begun < 30
    with pytest.raises(ProcessLookupError):
        os.kill(int(started.read_text()), 0)  # killed and reaped, not left running
