"""Benchmarks of the site build and of `probgraph serve` next to `oxigraph serve` on the same graph.

Usage: python benchmarks/serve.py [--requests 400] [--clients 8]. Prints Markdown rows. Figures depend on
the machine and are reported, not asserted. Both servers listen on 127.0.0.1 only; the stored query is
`predecessors -p org=north-east-region`, sent to probgraph by name (/query/predecessors?org=...) and to
Oxigraph as the same query text with the parameter bound as `probgraph query --endpoint` binds it.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

PY = sys.executable
ROWS: list[tuple[str, str]] = []


def row(what: str, value: str) -> None:
    ROWS.append((what, value))
    print(f"{what}: {value}", file=sys.stderr, flush=True)


def wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True)
        times.append(time.perf_counter() - t)
        if res.returncode != 0:
            raise SystemExit(f"{cmd} failed: {res.stderr.decode()[:400]}")
    return statistics.median(times)


def get(request: urllib.request.Request) -> bytes:
    with urllib.request.urlopen(request, timeout=60) as resp:
        return resp.read()


def latency(make, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        get(make())
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def throughput(make, total: int, clients: int) -> float:
    """Requests per second with `clients` threads, each sending its share one after another."""
    share = total // clients
    errors: list[BaseException] = []

    def client() -> None:
        try:
            for _ in range(share):
                get(make())
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.perf_counter() - t
    if errors:
        raise SystemExit(f"requests failed: {errors[0]}")
    return share * clients / elapsed


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=400)
    ap.add_argument("--clients", type=int, default=8)
    ap.add_argument("--latency-runs", type=int, default=50)
    args = ap.parse_args()
    import probgraph
    from probgraph.queries import bind, selector
    from probgraph.queries import get as stored
    from probgraph.store import open_store

    probgraph.compile_graph()
    row("`python -c pass`, whole process (anchor)", f"{wall([PY, '-c', 'pass'], 5):.3f} s")
    row("warm `probgraph query organisations`, whole process (anchor)",
        f"{wall([PY, '-m', 'probgraph', 'query', 'organisations', '--format', 'csv'], 5):.3f} s")
    work = Path(tempfile.mkdtemp(prefix="pg-bench-serve-"))
    try:
        site = work / "site"
        row("`probgraph site -o DIR` on the real graph (every page), whole process, median of 3",
            f"{wall([PY, '-m', 'probgraph', 'site', '-o', str(site)], 3):.2f} s")
        row("site: files / bytes", f"{sum(1 for p in site.rglob('*') if p.is_file())} files, "
            f"{sum(p.stat().st_size for p in site.rglob('*') if p.is_file()) / 1e6:.1f} MB")
        text = bind(stored("predecessors"), {"org": "north-east-region"}, selector(open_store()))
        pg = subprocess.Popen([PY, "-m", "probgraph", "serve", "--port", "0"], stderr=subprocess.PIPE, text=True)
        line = pg.stderr.readline()
        m = re.search(r"port (\d+)", line)
        if not m:
            raise SystemExit(f"probgraph serve did not start: {line}")
        pg_base = f"http://127.0.0.1:{m.group(1)}"
        port = free_port()
        oxi = subprocess.Popen([str(Path(PY).parent / "oxigraph"), "serve", "--location", str(work / "oxi"),
                                "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        oxi_base = f"http://127.0.0.1:{port}"
        try:
            for _ in range(100):
                try:
                    get(urllib.request.Request(f"{oxi_base}/query?query=ASK%7B%7D"))
                    break
                except OSError:
                    time.sleep(0.2)
            res = subprocess.run([PY, "-m", "probgraph", "load", "--endpoint", f"{oxi_base}/query", "--replace"],
                                 capture_output=True)
            if res.returncode:
                raise SystemExit(res.stderr.decode())
            accept = {"Accept": "application/sparql-results+json"}
            body = urllib.parse.urlencode({"query": text}).encode()
            form = {**accept, "Content-Type": "application/x-www-form-urlencoded"}
            cases = {
                "probgraph serve, /query/predecessors?org=north-east-region": lambda: urllib.request.Request(
                    f"{pg_base}/query/predecessors?org=north-east-region", headers=accept),
                "probgraph serve, the bound text POSTed to /sparql": lambda: urllib.request.Request(
                    f"{pg_base}/sparql", data=body, headers=form),
                "oxigraph serve, the bound text POSTed to /query": lambda: urllib.request.Request(
                    f"{oxi_base}/query", data=body, headers=form),
            }
            answers = {name: get(make()) for name, make in cases.items()}
            assert len({a.count(b'"value"') for a in answers.values()}) == 1, "the servers disagree"
            for name, make in cases.items():
                latency(make, 10)  # warm up
                row(f"{name}: median latency of {args.latency_runs} sequential requests",
                    f"{latency(make, args.latency_runs) * 1000:.1f} ms")
            for name, make in cases.items():
                row(f"{name}: throughput, {args.requests} requests from {args.clients} concurrent clients",
                    f"{throughput(make, args.requests, args.clients):.0f} requests/s")
        finally:
            for proc in (pg, oxi):
                proc.terminate()
                proc.wait(timeout=20)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"\nMeasured {time.strftime('%Y-%m-%d')} with `python benchmarks/serve.py --requests {args.requests} "
          f"--clients {args.clients}` ({os.cpu_count()} CPUs).\n")
    print("| measurement | figure |\n|---|---|")
    for what, value in ROWS:
        print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()
