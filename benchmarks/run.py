"""Benchmarks: whole-process wall times of probgraph next to bare Python, on the real graph and on a
generated one; cache size; validate; load and remote queries against a local Oxigraph server.

Usage: python benchmarks/run.py [--scale 100000] [--runs 7]. Prints a Markdown table. Nothing here is
a test: figures depend on the machine and are reported, not asserted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402

PY = sys.executable
ROWS: list[tuple[str, str]] = []


def timed(cmd: list[str], env: dict | None = None, runs: int = 5, prepare=None) -> float:
    """Median wall time of a whole process, in seconds."""
    times = []
    for _ in range(runs):
        if prepare:
            prepare()
        t = time.perf_counter()
        res = subprocess.run(cmd, env={**os.environ, **(env or {})}, capture_output=True)
        times.append(time.perf_counter() - t)
        if res.returncode not in (0, 1):
            raise SystemExit(f"{cmd} failed: {res.stderr.decode()[:400]}")
    return statistics.median(times)


def row(what: str, value: str) -> None:
    ROWS.append((what, value))
    print(f"{what}: {value}", file=sys.stderr, flush=True)


def size_of(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def generated_home(scale: int, where: Path) -> Path:
    home = where / f"home-{scale}"
    (home / "data").mkdir(parents=True)
    for name in ("ontology", "shapes", "queries"):
        (home / name).symlink_to(ROOT / name)
    generate(scale, home / "data" / "generated.ttl")
    return home


ENTRY = """@prefix pg: <https://w3id.org/probgraph/ontology#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
<https://w3id.org/probgraph/id/inspection/bench-new> a pg:Inspection ; rdfs:label "bench entry"@en ;
  pg:inspected <https://w3id.org/probgraph/id/org/{org}> ;
  pg:conductedBy <https://w3id.org/probgraph/id/org/hmip> ;
  pg:inspectionProgramme <https://w3id.org/probgraph/vocab/programme/regional-2023> ;
  pg:reportPublished "2026-01"^^xsd:gYearMonth ;
  pg:overallRating <https://w3id.org/probgraph/vocab/rating/good> ;
  prov:wasDerivedFrom <https://w3id.org/probgraph/id/source/{src}> .
<https://w3id.org/probgraph/id/finding/bench-new-1> a pg:Concern ; rdfs:label "bench finding"@en ;
  pg:findingOf <https://w3id.org/probgraph/id/inspection/bench-new> ;
  pg:theme <https://w3id.org/probgraph/vocab/theme/risk-management> ;
  pg:statement "A finding for the benchmark."@en ;
  prov:wasDerivedFrom <https://w3id.org/probgraph/id/source/{src}> .
"""


def bench_graph(label: str, env: dict, query: list[str], entry: Path, runs: int, tmp: Path) -> None:
    cache = Path(env["PROBGRAPH_CACHE_DIR"])
    cli = [PY, "-m", "probgraph"]
    t = time.perf_counter()
    subprocess.run(cli + ["compile"], env={**os.environ, **env}, check=True, capture_output=True)
    row(f"{label}: cold compile (parse + OWL 2 RL closure + store), whole process", f"{time.perf_counter() - t:.2f} s")
    row(f"{label}: cache entry on disk", f"{size_of(cache) / 1e6:.1f} MB")
    warm = timed(cli + ["query", *query, "--format", "csv"], env, runs)
    row(f"{label}: warm `probgraph query {' '.join(query)}`, whole process", f"{warm:.3f} s")
    cold_dir = tmp / f"cold-{label}"

    def wipe():
        shutil.rmtree(cold_dir, ignore_errors=True)

    cold = timed(cli + ["query", *query, "--format", "csv"], {**env, "PROBGRAPH_CACHE_DIR": str(cold_dir)}, 1,
                 prepare=wipe)
    row(f"{label}: cold `probgraph query` (empty cache), whole process", f"{cold:.2f} s")
    same = subprocess.run(cli + ["query", *query, "--format", "csv"], env={**os.environ, **env},
                          capture_output=True).stdout == subprocess.run(
        cli + ["query", *query, "--format", "csv"], env={**os.environ, **env, "PROBGRAPH_CACHE_DIR": str(cold_dir)},
        capture_output=True).stdout
    row(f"{label}: cold and warm rows identical", str(same))
    val = timed(cli + ["validate", str(entry)], env, max(3, runs // 2))
    row(f"{label}: warm `probgraph validate` of a 2-node entry, whole process", f"{val:.2f} s")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def bench_remote(env: dict, query: list[str], runs: int, tmp: Path) -> None:
    binary = Path(PY).parent / "oxigraph"
    if not binary.exists():
        row("remote", "skipped: no oxigraph binary")
        return
    port = free_port()
    proc = subprocess.Popen([str(binary), "serve", "--location", str(tmp / "oxi"), "--bind", f"127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/query"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{url}?query=ASK%7B%7D", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        cli = [PY, "-m", "probgraph"]
        load = timed(cli + ["load", "--endpoint", url, "--replace"], env, 3)
        row("real graph: `probgraph load --replace` (inferred closure), whole process", f"{load:.2f} s")
        nt = subprocess.run(cli + ["export", "--inferred", "--format", "ntriples"], env={**os.environ, **env},
                            capture_output=True, check=True).stdout

        def put() -> float:
            t = time.perf_counter()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/store?default", data=nt, method="PUT",
                                         headers={"Content-Type": "application/n-triples"})
            urllib.request.urlopen(req, timeout=300).read()
            return time.perf_counter() - t

        bare = statistics.median(put() for _ in range(3))
        row("real graph: bare GSP PUT of the same N-Triples (in-process urllib)", f"{bare:.2f} s")
        row("real graph: load / bare PUT", f"{load / bare:.1f}x (includes process start and export)")
        remote = timed(cli + ["query", *query, "--format", "csv", "--endpoint", url], env, runs)
        row(f"real graph: `probgraph query {' '.join(query)} --endpoint` (Oxigraph), whole process",
            f"{remote:.3f} s")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scale", type=int, default=100_000, help="triples in the generated graph (0 to skip)")
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        row("`python -c pass`, whole process", f"{timed([PY, '-c', 'pass'], runs=args.runs):.3f} s")
        row("`python -c 'import rdflib'`, whole process",
            f"{timed([PY, '-c', 'import rdflib'], runs=args.runs):.3f} s")
        entry = tmp / "entry.ttl"
        entry.write_text(ENTRY.format(org="sunderland-pdu", src="hmip-2020-02-11-northumbria-crc"))
        env = {"PROBGRAPH_CACHE_DIR": str(tmp / "cache-real")}
        query = ["predecessors", "-p", "org=north-east-region"]
        bench_graph("real graph", env, query, entry, args.runs, tmp)
        bench_remote(env, query, args.runs, tmp)
        if args.scale:
            home = generated_home(args.scale, tmp)
            gen_entry = tmp / "gen-entry.ttl"
            gen_entry.write_text(ENTRY.format(org="gen-0-pdu-0", src="gen-0"))
            genv = {"PROBGRAPH_HOME": str(home), "PROBGRAPH_CACHE_DIR": str(tmp / "cache-gen")}
            bench_graph(f"generated {args.scale // 1000}k", genv, ["predecessors", "-p", "org=gen-0-region"],
                        gen_entry, args.runs, tmp)
    print("| measurement | figure |\n|---|---|")
    for what, value in ROWS:
        print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()
