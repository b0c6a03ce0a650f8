"""The one corpus of example entries: tests/entries/bad and tests/entries/good, and its one header grammar.

examples/invalid and examples/valid hold links to a few of these entries, the ones the README and
CONTRIBUTING.md walk through (examples/README.md lists them). Every entry starts with comment lines:

    # BAD: <what is wrong>            (GOOD: <what it shows> in tests/entries/good)
    # <more prose, optional>
    # shape: pgsh:InspectionShape    (the shape it breaks or exercises; also the start of the file name)
    # focus: inspection:2026-sunderland-pdu     (bad entries: the node the result is about)
    # severity: Violation            (bad entries: Violation or Warning)
    # expect: <a substring of the message>      (bad entries)
    # xfail: <reason>                (optional: a known problem; the test then fails, strictly)
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRIES = ROOT / "tests" / "entries"
EXAMPLES = ROOT / "examples"
KEYS = ("shape", "focus", "severity", "expect", "xfail")
# the examples' folders, and the entries' folder each links into
EXAMPLE_KINDS = {"invalid": "bad", "valid": "good"}


def header(path: Path) -> dict[str, str]:
    """The `# key: value` lines at the top of an entry, before its first non-comment line."""
    out: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line[1:].strip().partition(":")
        if sep and key.strip() in KEYS:
            out[key.strip()] = value.strip()
    return out


def first_line(path: Path) -> str:
    return path.read_text(encoding="utf-8").splitlines()[0]


def entry_files(kind: str) -> list[Path]:
    """tests/entries/<kind>/*.ttl (kind: bad or good), sorted."""
    return sorted((ENTRIES / kind).glob("*.ttl"))


def example_files(kind: str) -> list[Path]:
    """examples/<kind>/*.ttl (kind: invalid or valid), sorted: each a link into tests/entries."""
    return sorted((EXAMPLES / kind).glob("*.ttl"))


def entry_report(path: Path, engine: str = "rudof"):
    """`validate_entries([str(path)], engine=engine)` for one entry, computed once per process.

    test_shapes checks rudof's report on each entry against the entry's header, and test_fast_shacl checks
    the same report against pySHACL's; suite_speed.py sends the tests of one entry to one xdist worker, so
    rudof validates each entry once per run instead of twice. Each caller gets its own list of results."""
    return entry_reports(path, (engine,))[0]


def entry_reports(path: Path, engines: tuple[str, ...] = ("rudof", "pyshacl")) -> list:
    """entry_report for each engine; the engines not yet asked for check one preparation of the entry
    (validation.prepare_entries: parsing, the store, the focus and the graph's slice), made for them together."""
    from probgraph.validation import Report, check_entries, prepare_entries

    missing = [e for e in engines if (str(path), e) not in _REPORTS]
    if missing:
        prepared = prepare_entries([str(path)])
        for engine in missing:
            _REPORTS[str(path), engine] = check_entries(prepared, engine)
    return [Report(list(r.results), r.report_turtle) for r in (_REPORTS[str(path), e] for e in engines)]


_REPORTS: dict = {}  # (entry, engine) -> its report, for this process
