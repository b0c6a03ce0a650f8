"""Scale benchmark (issue 11): compile, warm query, validate one entry, whole-graph validate and peak memory,
at the real graph and with generated data added (100k, 1M); each stored query in process.

Usage: python benchmarks/scale.py [--scales 0,100000,1000000] [--runs 15]. Prints a Markdown table;
figures go to benchmarks/RESULTS.md with the anchors measured in the same run (`python -c pass`, `import
pyoxigraph`, `oxigraph query` on the same store). Whole-process times are medians of wall time; peak memory
is the child's maximum resident set size. Bytecode is cached (as after `pip install`), whatever
PYTHONDONTWRITEBYTECODE says. Nothing here is asserted by a test.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from entries import many_inspections  # noqa: E402
from generate import generate  # noqa: E402
from run import ENTRY  # noqa: E402

PY = sys.executable
ROWS: list[tuple[str, str]] = []
ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def once(cmd: list[str], env: dict) -> tuple[float, float, int, float]:
    """Wall seconds, peak resident MB, exit code and CPU seconds (user + system) of one whole process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env={**ENV, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{cmd} failed: {proc.stderr.read().decode()[:400]}")
    return wall, usage.ru_maxrss / 1024, proc.returncode, usage.ru_utime + usage.ru_stime


def median(cmd: list[str], env: dict, runs: int) -> float:
    once(cmd, env)  # warm-up
    return statistics.median(once(cmd, env)[0] for _ in range(runs))


def interleaved(cmds: list[list[str]], env: dict, runs: int, envs: list[dict] | None = None) -> list[float]:
    """Medians of wall time of commands run in turn, round after round: a load that comes and goes (other jobs
    on this machine's two cores) then weighs on each command alike, so their ratio is fairer than two medians
    taken one after the other. A pause before each command lets what the previous one left running (probgraph's
    query child exits after the parent has answered) finish first, so it is not charged to the next command.
    `envs`, if given, adds to `env` for each command."""
    return [statistics.median(t) for t in interleaved_rounds(cmds, env, runs, envs)]


def interleaved_rounds(cmds: list[list[str]], env: dict, runs: int,
                       envs: list[dict] | None = None) -> list[list[float]]:
    """interleaved()'s wall times themselves, one list per command in round order (for per-round ratios)."""
    each = [{**env, **extra} for extra in envs] if envs else [env] * len(cmds)
    for cmd, cmd_env in zip(cmds, each, strict=True):
        once(cmd, cmd_env)  # warm-up
    times: list[list[float]] = [[] for _ in cmds]
    for _ in range(runs):
        for i, cmd in enumerate(cmds):
            time.sleep(0.2)
            times[i].append(once(cmd, each[i])[0])
    return times


def load(when: str) -> None:
    """The load average as a row: other jobs share this machine's two cores, so figures need it beside them."""
    row(f"load average (1, 5, 15 min) {when}", ", ".join(f"{x:.2f}" for x in os.getloadavg()))


def row(what: str, value: str) -> None:
    ROWS.append((what, value))
    print(f"{what}: {value}", file=sys.stderr, flush=True)


def home_with(scale: int, where: Path) -> Path:
    """A checkout whose data/ is the real data plus a generated file of about `scale` triples."""
    home = where / f"home-{scale}"
    home.mkdir()
    for name in ("ontology", "shapes", "queries"):
        (home / name).symlink_to(ROOT / name)
    shutil.copytree(ROOT / "data", home / "data")
    generate(scale, home / "data" / "generated.ttl")
    return home


def bench(label: str, env: dict, runs: int, tmp: Path, entry: Path, whole_graph: bool = True) -> None:
    cli = [PY, "-m", "probgraph"]
    wall, rss, _, cpu = once(cli + ["compile"], env)
    row(f"{label}: cold `probgraph compile` (native rules), whole process",
        f"{wall:.2f} s ({cpu:.2f} s CPU), peak {rss:.0f} MB")
    cache = Path(env["PROBGRAPH_CACHE_DIR"])
    entry_dir = next(p for p in cache.iterdir() if len(p.name) == 32)
    cold_env = {**env, "PROBGRAPH_CACHE_DIR": str(tmp / f"cold-{label}")}
    query = ["query", "predecessors", "-p", "org=north-east-region", "--format", "csv"]
    wall, _, _, cpu = once(cli + query, cold_env)
    row(f"{label}: cold first `probgraph query predecessors` (empty cache), whole process",
        f"{wall:.2f} s ({cpu:.2f} s CPU)")
    script = [str(Path(PY).parent / "probgraph")]
    warm = median(script + query, env, runs)
    text = (ROOT / "queries" / "predecessors.rq").read_text()
    at = text.index("WHERE {") + len("WHERE {")
    bound = text[:at] + " VALUES ?org { <https://w3id.org/probgraph/id/org/north-east-region> } " + text[at:]
    oxi = median([str(Path(PY).parent / "oxigraph"), "query", "--location", str(entry_dir / "store"),
                  "--query", bound, "--results-format", "csv"], env, runs)
    row(f"{label}: warm `probgraph query predecessors` / `oxigraph query` (the org bound by VALUES, same store)",
        f"{warm * 1000:.0f} ms / {oxi * 1000:.0f} ms = {warm / oxi:.2f}x")
    oxigraph_same = [str(Path(PY).parent / "oxigraph"), "query", "--location", str(entry_dir / "store"),
                     "--query", bound_text(env), "--results-format", "csv"]
    same = median(oxigraph_same, env, runs)
    row(f"{label}: warm `probgraph query predecessors` / `oxigraph query` of the very text probgraph runs",
        f"{warm * 1000:.0f} ms / {same * 1000:.0f} ms = {warm / same:.2f}x")
    warm, same, floor = interleaved([script + query, oxigraph_same, [PY, "-c", "pass"]], env, max(runs, 15))
    row(f"{label}: the same two, interleaved (`python -c pass` in the same rounds: {floor * 1000:.0f} ms)",
        f"{warm * 1000:.0f} ms / {same * 1000:.0f} ms = {warm / same:.2f}x")
    wall = median(cli + ["validate", str(entry)], env, max(3, runs // 5))
    row(f"{label}: `probgraph validate` of a 2-node entry, whole process", f"{wall:.2f} s")
    if not whole_graph:
        return
    wall, rss, code, cpu = once(cli + ["validate"], env)
    row(f"{label}: whole-graph `probgraph validate` (rudof), whole process", f"{wall:.2f} s ({cpu:.2f} s CPU), "
        f"peak {rss:.0f} MB, exit {code}")


def bound_text(env: dict) -> str:
    """The query text `probgraph query predecessors -p org=north-east-region` sends to the engine."""
    code = """
from probgraph import queries
from probgraph.store import open_store
store = open_store()
print(queries.bind(queries.get("predecessors"), {"org": "north-east-region"}, queries.selector(store)))
"""
    return subprocess.run([PY, "-c", code], env={**ENV, **env}, capture_output=True, check=True, text=True).stdout


def stored_queries(label: str, env: dict) -> None:
    """Each stored query with its first example's parameters, in process on the compiled store."""
    code = """
import time
from probgraph import queries
from probgraph.store import open_store
store = open_store()
for name, q in sorted(queries.stored_queries().items()):
    params = {}
    if q.examples:
        parts = q.examples[0].split()
        params = dict(p.split("=", 1) for p in parts[1::2])
    text = queries.bind(q, params, queries.selector(store))
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        list(store.query(text))
        times.append(time.perf_counter() - t0)
    print(f"{name}\t{min(times):.4f}")
"""
    out = subprocess.run([PY, "-c", code], env={**ENV, **env}, capture_output=True, check=True, text=True).stdout
    for line in out.splitlines():
        name, secs = line.split("\t")
        row(f"{label}: stored query `{name}` (in process, best of 3)", f"{float(secs) * 1000:.1f} ms")


def stored_query_processes(label: str, env: dict) -> None:
    """Each stored query with its first example's parameters as the command users run (a stored query is answered
    in the command's own process: docs/design-decisions.md, "Warm path, seventh pass"), one run after a warm-up:
    wall time and the process's peak resident size, which `--memory` (default 2048 MB) watches."""
    code = "from probgraph import queries; print('\\n'.join(sorted(queries.stored_queries())))"
    names = subprocess.run([PY, "-c", code], env={**ENV, **env}, capture_output=True, check=True,
                           text=True).stdout.split()
    script = str(Path(PY).parent / "probgraph")
    for name in names:
        example = subprocess.run([PY, "-c", f"from probgraph import queries; q = queries.get({name!r}); "
                                  "print(q.examples[0] if q.examples else '')"], env={**ENV, **env},
                                 capture_output=True, check=True, text=True).stdout.split()
        cmd = [script, "query", name, *example, "--format", "csv"]
        once(cmd, env)
        wall, rss, _, cpu = once(cmd, env)
        row(f"{label}: `probgraph query {name}` (first example), whole process",
            f"{wall * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU), peak {rss:.0f} MB")


def bench_entries(sizes: list[int], tmp: Path) -> None:
    env = {"PROBGRAPH_CACHE_DIR": str(tmp / "cache-0")}
    for n in sizes:
        path = tmp / f"entry-{n}.ttl"
        many_inspections(n, path)
        wall, rss, code, cpu = once([PY, "-m", "probgraph", "validate", str(path)], env)
        row(f"real graph: `probgraph validate` of an entry of {n} new inspections, whole process",
            f"{wall:.2f} s ({cpu:.2f} s CPU), peak {rss:.0f} MB, exit {code}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--scales", default="0,100000", help="generated triples added to the real data; 0 = real only")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--whole-graph-up-to", type=int, default=10**9,
                    help="run the whole-graph validate only at scales up to this many generated triples")
    ap.add_argument("--no-stored-queries", dest="stored_queries", action="store_false",
                    help="skip the per-query rows (issue-14v's)")
    ap.add_argument("--query-processes", action="store_true",
                    help="also run each stored query as a whole process: wall time and peak memory")
    ap.add_argument("--entries", default="", help="also validate entries of these many new inspections, e.g. 100,1000")
    args = ap.parse_args()
    load("at the start")
    row("`python -c pass`, whole process", f"{median([PY, '-c', 'pass'], {}, args.runs) * 1000:.0f} ms")
    row("`python -c 'import pyoxigraph'`, whole process",
        f"{median([PY, '-c', 'import pyoxigraph'], {}, args.runs) * 1000:.0f} ms")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        entry = tmp / "entry.ttl"
        entry.write_text(ENTRY.format(org="sunderland-pdu", src="hmip-2020-02-11-northumbria-crc"))
        for scale in (int(s) for s in args.scales.split(",")):
            label = "real graph" if scale == 0 else f"real + {scale // 1000}k"
            env = {"PROBGRAPH_CACHE_DIR": str(tmp / f"cache-{scale}")}
            if scale:
                env["PROBGRAPH_HOME"] = str(home_with(scale, tmp))
            bench(label, env, args.runs if scale < 1_000_000 else 5, tmp, entry, scale <= args.whole_graph_up_to)
            if scale < 1_000_000 and args.stored_queries:
                stored_queries(label, env)
            if args.query_processes:
                stored_query_processes(label, env)
            load(f"after the {label} rows")
        if args.entries:
            bench_entries([int(n) for n in args.entries.split(",")], tmp)
            load("after the entries")
    print("| measurement | figure |\n|---|---|")
    for what, value in ROWS:
        print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()
