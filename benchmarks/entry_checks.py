"""Per-entry cost of the engine comparison's path, before and after a change, in interleaved rounds.

Usage: python benchmarks/entry_checks.py --before SRC [--rounds 3]

SRC is the `src` folder of another checkout (e.g. main's, unpacked with `git archive`). Each round runs one
process per tree (SRC, then this checkout's src, first on PYTHONPATH; both read this checkout's inputs through
PROBGRAPH_HOME), and each process does for every entry of tests/entries and examples/ what tests/corpus.py's
entry_reports does: validation.prepare_entries once, then check_entries by rudof and by pySHACL. A first pass
over the corpus is not timed (pySHACL parses its constraints' texts once per process); the second is, and the
process prints the medians, per entry, of each step's CPU (time.process_time, which counts the store's own
threads) and wall, and a digest of every report's results (JSON) so that the two trees' answers are compared.
`python -c pass` and the load average are given with each round. Prints a Markdown table; nothing is asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {**{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}, "PROBGRAPH_HOME": str(ROOT)}
STEPS = ("prepare", "rudof", "pyshacl")

CHILD = """
import hashlib, json, statistics, sys, time
from pathlib import Path
from probgraph import validation

root = Path(sys.argv[1])
entries = sorted((root / "tests" / "entries").rglob("*.ttl")) + sorted((root / "examples").rglob("*.ttl"))
digest = hashlib.sha256()
cpu, wall = {s: [] for s in %(steps)r}, {s: [] for s in %(steps)r}

def timed(step, f):
    c, w = time.process_time(), time.perf_counter()
    got = f()
    cpu[step].append(time.process_time() - c)
    wall[step].append(time.perf_counter() - w)
    return got

for timing in (False, True):
    for path in entries:
        prepared = timed("prepare", lambda: validation.prepare_entries([str(path)]))
        for engine in ("rudof", "pyshacl"):
            report = timed(engine, lambda: validation.check_entries(prepared, engine))
            if timing:
                digest.update(validation.render_report(report, "json"))
    if not timing:
        cpu, wall = {s: [] for s in cpu}, {s: [] for s in wall}
print(json.dumps({"entries": len(entries), "digest": digest.hexdigest()[:16],
                  **{s: [statistics.median(cpu[s]), statistics.median(wall[s])] for s in cpu}}))
"""


def child(src: str) -> dict:
    """One process's medians (seconds of CPU and wall, per entry) and its reports' digest."""
    env = {**ENV, "PYTHONPATH": src}
    out = subprocess.run([sys.executable, "-c", CHILD % {"steps": STEPS}, str(ROOT)], env=env, check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def anchor() -> str:
    """`python -c pass`, wall / CPU of the child, and the 1-minute load."""
    before = os.times()
    t = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], env=ENV, check=True)
    wall, after = time.perf_counter() - t, os.times()
    used = after.children_user + after.children_system - before.children_user - before.children_system
    return f"{wall:.3f} / {used:.3f} s | {os.getloadavg()[0]:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--before", required=True, help="the src folder of the other checkout")
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    sides = {"before": str(Path(args.before).resolve()), "after": str(ROOT / "src")}
    print("| round | tree | UTC | `python -c pass` wall / CPU | load | entries | digest | "
          + " | ".join(f"{s} CPU / wall (ms)" for s in STEPS) + " |")
    print("|---" * (7 + len(STEPS)) + "|")
    for n in range(1, args.rounds + 1):
        for side, src in sides.items():
            pass_time = anchor()
            when = time.strftime("%H:%M:%S", time.gmtime())
            got = child(src)
            steps = " | ".join(f"{got[s][0] * 1000:.1f} / {got[s][1] * 1000:.1f}" for s in STEPS)
            print(f"| {n} | {side} | {when} | {pass_time} | {got['entries']} | {got['digest']} | {steps} |",
                  flush=True)


if __name__ == "__main__":
    main()
