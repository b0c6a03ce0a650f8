"""Warm query against its anchors, before and after a change, in the same rounds (issue 11 item 4).

Usage: python benchmarks/warm.py --before SRC [--homes real,HOME,...] [--runs 20]

SRC is the `src` folder of another checkout (e.g. main's, unpacked with `git archive`); it and this checkout's
src are each put first on PYTHONPATH of this environment's `probgraph` script, so the two differ only in
probgraph's code, and both read the same inputs (PROBGRAPH_HOME is this checkout for `real`). Each HOME (a
PROBGRAPH_HOME, e.g. benchmarks/scale.py's real + 100k) must be compiled into $PROBGRAPH_CACHE_DIR already.
Per home, interleaved rounds (scale.interleaved_rounds) of: the warm `probgraph query predecessors -p
org=north-east-region` as CSV and as a table (COLUMNS=160), before and after; `oxigraph query` of the very
text probgraph runs, on the same store; `python -c pass`; `python -c 'import pyoxigraph'`. Prints a Markdown
table with the load beside it: medians, the median of per-round ratios to `oxigraph query`, and the fastest
round. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import ENV, PY, ROOT, ROWS, bound_text, interleaved_rounds, load, row  # noqa: E402

QUERY = ["query", "predecessors", "-p", "org=north-east-region"]


def store_of(env: dict) -> str:
    """The store of the current inputs' cache entry (compiled beforehand)."""
    code = "from probgraph.cache import warm_entry; e = warm_entry(); print(e.folder if e else '')"
    folder = subprocess.run([PY, "-c", code], env={**ENV, **env}, capture_output=True, check=True,
                            text=True).stdout.strip()
    if not folder:
        raise SystemExit(f"no compiled entry for {env.get('PROBGRAPH_HOME', 'the real graph')}: "
                         "run `probgraph compile` for it first")
    return os.path.join(folder, "store")


def bench_home(label: str, env: dict, before: str, runs: int) -> None:
    script = str(Path(PY).parent / "probgraph")
    sides = {"main": {"PYTHONPATH": before}, "branch": {"PYTHONPATH": str(ROOT / "src")}}
    names, cmds, envs = [], [], []
    for fmt in ("csv", "table"):
        for side, extra in sides.items():
            names.append(f"{side} {fmt}")
            cmds.append([script, *QUERY, "--format", fmt])
            envs.append({**extra, "COLUMNS": "160"})
    oxigraph = [str(Path(PY).parent / "oxigraph"), "query", "--location", store_of(env), "--query",
                bound_text(env), "--results-format", "csv"]
    for name, cmd in (("oxigraph", oxigraph), ("pass", [PY, "-c", "pass"]),
                      ("import", [PY, "-c", "import pyoxigraph"])):
        names.append(name)
        cmds.append(cmd)
        envs.append({})
    load(f"before the {label} rounds")
    rounds = dict(zip(names, interleaved_rounds(cmds, env, runs, envs), strict=True))
    load(f"after the {label} rounds")
    got = {name: statistics.median(times) for name, times in rounds.items()}
    oxi = got["oxigraph"]
    for fmt in ("csv", "table"):
        figures = []
        for side in ("main", "branch"):
            mine = rounds[f"{side} {fmt}"]
            per_round = statistics.median(t / o for t, o in zip(mine, rounds["oxigraph"], strict=True))
            figures.append(f"{got[f'{side} {fmt}'] * 1000:.0f} ms ({got[f'{side} {fmt}'] / oxi:.2f}x; "
                           f"per round {per_round:.2f}x; fastest {min(mine) * 1000:.0f} ms)")
        row(f"{label}: warm `probgraph query predecessors --format {fmt}`, main / branch", " / ".join(figures))
    row(f"{label}: anchors in the same rounds: `oxigraph query` of the very text / `python -c pass` / "
        "`python -c 'import pyoxigraph'`",
        f"{oxi * 1000:.0f} ms (fastest {min(rounds['oxigraph']) * 1000:.0f}) / {got['pass'] * 1000:.0f} ms / "
        f"{got['import'] * 1000:.0f} ms")

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--before", required=True, help="the src folder of the checkout to compare with")
    ap.add_argument("--homes", default="real", help="comma-separated PROBGRAPH_HOME folders; real = this checkout")
    ap.add_argument("--runs", type=int, default=20)
    args = ap.parse_args()
    for home in args.homes.split(","):
        env = {"PROBGRAPH_HOME": str(ROOT) if home == "real" else home}  # both sides query the same inputs
        bench_home("real graph" if home == "real" else Path(home).name, env, args.before, args.runs)
    print("| measurement | figure |\n|---|---|")
    for what, value in ROWS:
        print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()
