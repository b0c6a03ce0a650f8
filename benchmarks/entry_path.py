"""Entry path and coverage benchmark (issue 11 item 6, the entry-path branch): two source trees side by side.

Validating one entry (`probgraph validate` as a whole process; validate_entries in process by each engine;
the engine comparison's pair of reports for every entry of tests/entries and examples/), and the stored coverage
query for one place and for every place at once, at the real graph and with generated data added. Each tree is
run from its own src/ with its own ontology/, shapes/, queries/ and data/ (PROBGRAPH_HOME) and its own cache;
the whole-process rows are interleaved round by round with `python -c pass`, the anchor, so a load that comes
and goes weighs on each alike.

Usage: python benchmarks/entry_path.py --before DIR [--runs 7] [--scale 100000] [--pairs]. DIR is another
checkout, e.g. main's made by `git archive main | tar -x -C DIR`. Prints a Markdown table; figures go to
benchmarks/RESULTS.md. Nothing here is asserted by a test.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import generate  # noqa: E402
from run import ENTRY  # noqa: E402
from scale import ENV, PY, ROWS, interleaved, load, row  # noqa: E402

# in process, in the tree's own interpreter path: best-of timings as JSON
CHILD = """
import json, sys, time
from pathlib import Path
from probgraph import queries, validation
from probgraph.store import open_store

entry, pairs = sys.argv[1], sys.argv[2] == "1"
out = {}
def best(f, n):
    times = []
    for _ in range(n):
        t = time.perf_counter(); f(); times.append(time.perf_counter() - t)
    return min(times)
for engine in ("rudof", "pyshacl"):
    validation.validate_entries([entry], engine=engine)
    out["entry " + engine] = best(lambda: validation.validate_entries([entry], engine=engine), 5)
store, q = open_store(), queries.get("coverage")
select = queries.selector(store)
for place, date in (("middlesbrough", "2019-01-01"), ("sunderland", "2017-06-01")):
    text = queries.bind(q, {"place": place, "date": date}, select)
    out[f"coverage {place} {date}"] = best(lambda: list(store.query(text)), 5)
free = queries.StoredQuery(q.name, q.text, q.source)
free.params = [p for p in q.params if p.name != "place"]
for date in ("2012-06-01", "2016-06-01", "2020-06-01", "2023-06-01"):
    text = queries.bind(free, {"date": date}, select).replace("SELECT DISTINCT ?organisation ",
                                                              "SELECT DISTINCT ?place ?organisation ")
    out[f"coverage every place {date}"] = best(lambda: list(store.query(text)), 2)
if pairs:  # the engine comparison's two reports of every corpus entry, as the test makes them
    root = Path(queries.resources.root())
    entries = sorted((root / "tests" / "entries").rglob("*.ttl")) + sorted((root / "examples").rglob("*.ttl"))
    t = time.perf_counter()
    for path in entries:
        if hasattr(validation, "prepare_entries"):
            prepared = validation.prepare_entries([str(path)])
            [validation.check_entries(prepared, e) for e in ("rudof", "pyshacl")]
        else:
            [validation.validate_entries([str(path)], engine=e) for e in ("rudof", "pyshacl")]
    out[f"both reports of {len(entries)} corpus entries"] = time.perf_counter() - t
print(json.dumps(out))
"""


def home(tree: Path, where: Path, scale: int) -> Path:
    """The tree itself at the real graph; else a home with its ontology, shapes and queries, and its data
    plus a generated file of about `scale` triples."""
    if not scale:
        return tree
    made = where / f"home-{scale}"
    made.mkdir()
    for name in ("ontology", "shapes", "queries", "tests", "examples"):
        (made / name).symlink_to(tree / name)
    shutil.copytree(tree / "data", made / "data")
    generate(scale, made / "data" / "generated.ttl")
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--before", type=Path, required=True, help="the other checkout (e.g. main's)")
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--scale", type=int, default=100_000, help="generated triples added for the second rows")
    ap.add_argument("--pairs", action="store_true", help="also time both engines' reports of every corpus entry")
    args = ap.parse_args()
    trees = {"before": args.before.resolve(), "after": ROOT}
    load("at the start")
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        entry = tmp / "entry.ttl"
        entry.write_text(ENTRY.format(org="sunderland-pdu", src="hmip-2020-02-11-northumbria-crc"))
        for scale in (0, args.scale):
            label = "real graph" if not scale else f"real + {scale // 1000}k"
            envs = {}
            for name, tree in trees.items():
                where = tmp / name
                where.mkdir(exist_ok=True)
                envs[name] = {"PYTHONPATH": str(tree / "src"), "PROBGRAPH_HOME": str(home(tree, where, scale)),
                              "PROBGRAPH_CACHE_DIR": str(where / f"cache-{scale}")}
                subprocess.run([PY, "-m", "probgraph", "compile"], env={**ENV, **envs[name]}, check=True,
                               capture_output=True)
            cli = [PY, "-m", "probgraph", "validate", str(entry)]
            before, after, floor = interleaved([cli, cli, [PY, "-c", "pass"]], {}, args.runs,
                                               [envs["before"], envs["after"], {}])
            row(f"{label}: `probgraph validate` of a 2-node entry, whole process, before / after "
                f"(`python -c pass` in the same rounds: {floor * 1000:.0f} ms)",
                f"{before:.2f} s / {after:.2f} s")
            figures = {}
            for name in trees:
                done = subprocess.run([PY, "-c", CHILD, str(entry), "1" if args.pairs and not scale else "0"],
                                      env={**ENV, **envs[name]}, check=True, capture_output=True, text=True)
                figures[name] = json.loads(done.stdout)
            for what in figures["after"]:
                row(f"{label}: {what} (in process, best of runs), before / after",
                    f"{figures['before'][what] * 1000:.0f} ms / {figures['after'][what] * 1000:.0f} ms")
            load(f"after the {label} rows")
    print("| measurement | figure |\n|---|---|")
    for what, value in ROWS:
        print(f"| {what} | {value} |")


if __name__ == "__main__":
    main()
