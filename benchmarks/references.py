"""CPU of the two reference engines, owlrl and pySHACL, before and after a change, in interleaved rounds.

Usage: python benchmarks/references.py --before SRC [--rounds 2]

SRC is the `src` folder of another checkout (e.g. main's, unpacked with `git archive`); each measurement runs in
a fresh process with that tree's or this checkout's src first on PYTHONPATH, so the two differ only in
probgraph's code and read this checkout's inputs. Per round and tree, one process each: owlrl's closure of the
real graph (`compile.closure_of(..., "owlrl")`), of the ontology plus a generated graph of two lineages (the
closure test's input), pySHACL on the whole graph (`validate_graph(engine="pyshacl")`, the compile cached
first) and per entry (`validate_entries` of 40 test entries after one warm-up, mean); CPU by
`time.process_time` inside the process. `python -c pass` and the load average are given with each round.
Prints a Markdown table; nothing here is asserted.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURE = """
import sys, tempfile, time
from pathlib import Path
from probgraph import compile as comp, resources, validation
what, root = sys.argv[1], Path(sys.argv[2])
if what == "owlrl-real":
    per_file = comp.read_inputs(resources.graph_inputs())
elif what == "owlrl-generated":
    sys.path.insert(0, str(root / "benchmarks"))
    from generate import generate
    out = Path(tempfile.mkdtemp()) / "generated.ttl"
    generate(434, out)
    per_file = comp.read_inputs(resources.turtle_files("ontology") + [out])
elif what == "pyshacl-whole":
    validation.validate_graph(engine="rudof")
else:
    entries = [str(e) for e in sorted((root / "tests" / "entries").rglob("*.ttl"))[:40]]
    validation.validate_entries(entries[:1], engine="pyshacl")
start = time.process_time()
if what.startswith("owlrl"):
    size = len(comp.closure_of(per_file, "owlrl"))
elif what == "pyshacl-whole":
    size = len(validation.validate_graph(engine="pyshacl").results)
else:
    size = sum(len(validation.validate_entries([e], engine="pyshacl").results) for e in entries)
cpu = time.process_time() - start
print(cpu / 40 * 1000 if what == "pyshacl-entry" else cpu, size)
"""
WHAT = {"owlrl-real": "owlrl, real graph (s)", "owlrl-generated": "owlrl, generated (s)",
        "pyshacl-whole": "pySHACL, whole graph (s)", "pyshacl-entry": "pySHACL an entry (ms)"}


def measure(what: str, src: Path, cache: str) -> tuple[float, int]:
    env = {**os.environ, "PYTHONPATH": str(src), "PROBGRAPH_CACHE_DIR": cache, "PROBGRAPH_HOME": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", MEASURE, what, str(ROOT)], env=env, capture_output=True,
                          text=True, check=True)
    cpu, size = done.stdout.split()
    return float(cpu), int(size)


def anchor() -> str:
    """`python -c pass`, wall and user seconds."""
    start, before = time.perf_counter(), os.times()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    after = os.times()
    return f"{time.perf_counter() - start:.2f} / {after.children_user - before.children_user:.2f} s"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--before", type=Path, required=True)
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT / "src"}
    caches = {name: tempfile.mkdtemp(prefix=f"references-{name}-") for name in trees}
    print("| round | tree | UTC | load (1 min) | `python -c pass` wall / user | "
          + " | ".join(WHAT.values()) + " | sizes |")
    print("|---" * (6 + len(WHAT)) + "|")
    for n in range(1, args.rounds + 1):
        for name, src in trees.items():
            when, load, base = time.strftime("%H:%M:%S", time.gmtime()), os.getloadavg()[0], anchor()
            figures = [measure(what, src, caches[name]) for what in WHAT]
            print(f"| {n} | {name} | {when} | {load:.2f} | {base} | "
                  + " | ".join(f"{cpu:.2f}" if "(s)" in label else f"{cpu:.1f}"
                               for (cpu, _), label in zip(figures, WHAT.values(), strict=True))
                  + " | " + ", ".join(str(size) for _, size in figures) + " |", flush=True)


if __name__ == "__main__":
    main()
