"""How the suite is spread over pytest-xdist workers (`--dist loadgroup`, see pyproject.toml): longest first.

Measured in benchmarks/RESULTS.md ("Test suite speed", "suite-speed-2 branch"): two reference tests (owlrl
and pySHACL on the whole graph) are the longest, and servers or a browser started once per worker cost their
start-up again on every worker. So:

- the longest tests are collected first, so each starts on its own worker at once instead of being queued behind
  other work and ending the run late (longest-processing-time-first), each followed by one short test;
- tests that need Virtuoso and Oxigraph, the browser or the built site, or the wheel, share one worker each (an
  xdist group), so each server, the browser, the site and the wheel start or build once per run rather than
  once per worker;
- the tests of one entry of tests/entries (its shape test and its rudof-against-pySHACL test) share one worker,
  which validates the entry by rudof once for both (corpus.entry_report).

pytest-xdist 3.8 no longer applies the groups under pytest 9 (pytest-xdist#1386); pytest_collection_finish below
applies them as xdist means to.

Nothing here changes what a test checks; it only decides where and when it runs. Without xdist (`-n 0`) only
the order changes.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Longest first, from `pytest --durations`: owlrl's closure of the real graph (about 75 s of CPU) and pySHACL
# on the whole graph (about 25 s since the reference parses each constraint once, parsed_once.py).
LONGEST = (
    "tests/test_native_reasoner.py::test_native_closure_equals_owlrl_on_the_real_graph",
    "tests/test_fast_shacl.py::test_rudof_gives_pyshacl_results_on_the_whole_graph",
)

# Next longest (10-20 s each): started right after the groups, so that none of them is left to end the run.
LONG = (
    "tests/test_native_reasoner.py::test_native_closure_equals_owlrl_on_a_generated_graph",
    "tests/test_site.py::test_build_is_deterministic_and_replaces_only_its_own_folder",
)

# A test that uses one of these fixtures runs on the worker that holds the group's servers.
# (remote_store picks oxigraph or virtuoso with request.getfixturevalue, so it is named too.) The built site
# goes with the browser, which reads it, and the wheel is built once: each was seen built on both workers.
# The session's `probgraph serve` goes there too: the browser reads its pages, and a server on each worker
# made the site's pages twice (about 2.5 s of CPU each, on the first page request).
GROUPS = {
    "triplestores": {"oxigraph", "virtuoso", "remote_store"},
    "browser": {"browser", "built_site", "served"},
    "packaging": {"wheel"},
    "mypy": {"mypy_cache"},
}


ENTRIES = Path(__file__).resolve().parent / "entries"


def entry_group(item: pytest.Item) -> str | None:
    """`entry:<file>` for a test parametrized with a file of tests/entries: test_shapes and test_fast_shacl
    use one report of each entry (corpus.entry_report, once per process), so the two go to one worker."""
    callspec = getattr(item, "callspec", None)
    for value in callspec.params.values() if callspec else ():
        if isinstance(value, Path) and value.parent.parent == ENTRIES:
            return f"entry:{value.parent.name}/{value.name}"
    return None


def group_of(item: pytest.Item) -> str | None:
    used = set(getattr(item, "fixturenames", ()))
    return next((name for name, fixtures in GROUPS.items() if used & fixtures), None)


def rank(item: pytest.Item) -> int:
    """0, 1, ... for the LONGEST tests; then grouped tests; then LONG ones; then the other reference and slow
    tests; then the rest."""
    if item.nodeid in LONGEST:
        return LONGEST.index(item.nodeid)
    if group_of(item):
        return len(LONGEST)
    if item.nodeid.split("[")[0] in LONG:
        return len(LONGEST) + 1
    if item.get_closest_marker("reference") or item.get_closest_marker("slow"):
        return len(LONGEST) + 2
    return len(LONGEST) + 3


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        group = group_of(item) or entry_group(item)
        if group:
            item.add_marker(pytest.mark.xdist_group(group))
    items.sort(key=rank)  # stable: within a rank, collection order
    # xdist hands each worker its next test at once; that one waits until the long test ends, and a group
    # queued there was seen split over two workers. So one short test follows each long one.
    longest = sum(1 for item in items if item.nodeid in LONGEST)
    short = [item for item in items if rank(item) == len(LONGEST) + 3][:longest]
    items[longest:] = short + [item for item in items[longest:] if item not in short]


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which sends the workers' test ids to the controller
def pytest_collection_finish(session: pytest.Session) -> None:
    """On an xdist worker under `--dist loadgroup`, end each grouped test's id with `@<group>`, which is how the
    controller groups tests. xdist renames the tests itself, but with pytest 9's structured ids its renaming no
    longer takes (pytest-xdist#1386): nothing fails, the groups are just dealt out test by test, so the servers,
    the browser and the wheel were started once per worker again. Where xdist's renaming works this does
    nothing."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    for item in session.items:
        names = sorted({str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
                        for mark in item.iter_markers("xdist_group")})
        suffix = "@" + "_".join(names)
        if names and not item.nodeid.endswith(suffix):
            from _pytest.nodeid import NodeId

            item._id = NodeId.parse(item.nodeid + suffix)


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto` starts one worker more than there are cores: some tests wait (on Virtuoso starting, on a query's
    deadline, on Chromium), and a third worker on this 2-core machine uses that time. README's `pytest` on main
    at 00:45-00:57 today: 127.4 s with two workers, 116.7 and 122.3 s with three, 119.3 s with four
    (benchmarks/RESULTS.md, "lead's sixth round")."""
    return len(os.sched_getaffinity(0)) + 1
