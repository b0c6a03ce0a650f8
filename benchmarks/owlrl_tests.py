"""CPU and wall of the suite's owlrl tests before and after a change, in interleaved rounds.

Usage: python benchmarks/owlrl_tests.py --before TREE [--rounds 3]

TREE is another checkout (e.g. main's, unpacked with `git archive`), whose tests run from its own folder with
its `src` first on PYTHONPATH; "after" is this checkout, run twice a round: with `--cache-clear` (owlrl runs,
as on CI's fresh clone) and then with the pytest cache that run left (tests/test_native_reasoner.py keeps
owlrl's closure there). Each is one `pytest -n 0` process running a cheap test first (it takes the session's
compile) and then the three owlrl tests; a small plugin records each test's own CPU and that of the processes
it reaped, and its wall. `python -c pass` and the load average are given with each round. Prints a Markdown
table; nothing here is asserted.
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
FILE = "tests/test_native_reasoner.py::"
FIRST = FILE + "test_rule_text_in_iris_strings_and_comments_is_not_mistaken_for_keywords"
TESTS = {"real graph": "test_native_closure_equals_owlrl_on_the_real_graph",
         "generated graph": "test_native_closure_equals_owlrl_on_a_generated_graph",
         "fresh-process closure": "test_owlrl_through_reasoning_close_on_the_held_graph_gives_owlrl_s_own_closure"}

PLUGIN = '''
import os, resource, time
import pytest

def _cpu():
    own, reaped = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + reaped.ru_utime + reaped.ru_stime

@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    wall, cpu = time.perf_counter(), _cpu()
    yield
    with open(os.environ["OWLRL_TESTS_OUT"], "a") as out:
        out.write(f"{item.name}\\t{time.perf_counter() - wall:.3f}\\t{_cpu() - cpu:.3f}\\n")
'''


def run(cmd: list[str], cwd: Path, env: dict) -> tuple[float, float]:
    """Wall and CPU (user + sys) of one process."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    if status:
        sys.exit(f"{cmd} in {cwd} failed:\n{proc.stderr.read().decode()}")
    return time.perf_counter() - start, usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp())
    (folder / "owlrl_tests_plugin.py").write_text(PLUGIN, encoding="utf-8")
    out = folder / "tests.tsv"
    print("| round | tree | UTC | load (1 min) | `python -c pass` wall / CPU | pytest process wall / CPU | "
          + " | ".join(f"{name} CPU / wall" for name in TESTS) + " |")
    print("|" + "---|" * (6 + len(TESTS)))
    for number in range(1, args.rounds + 1):
        for tree, where, extra in (("before", args.before.resolve(), []), ("after, cold", ROOT, ["--cache-clear"]),
                                   ("after, warm", ROOT, [])):
            anchor = run([sys.executable, "-c", "pass"], folder, dict(os.environ))
            env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(folder), str(where / "src")]),
                       OWLRL_TESTS_OUT=str(out))
            out.write_text("", encoding="utf-8")
            load, utc = os.getloadavg()[0], time.strftime("%H:%M:%S", time.gmtime())
            whole = run([sys.executable, "-m", "pytest", "-p", "owlrl_tests_plugin", "-n", "0", "-q", *extra,
                         FIRST, *(FILE + name for name in TESTS.values())], where, env)
            rows = dict(line.split("\t", 1) for line in out.read_text(encoding="utf-8").splitlines())
            cells = []
            for name in TESTS.values():
                wall, cpu = rows[name].split("\t")
                cells.append(f"{float(cpu):.2f} / {float(wall):.2f} s")
            print(f"| {number} | {tree} | {utc} | {load:.2f} | {anchor[0]:.2f} / {anchor[1]:.2f} s | "
                  f"{whole[0]:.1f} / {whole[1]:.1f} s | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
