"""Every read of the cache is checked; damaged entries are rebuilt; killed compiles leave nothing behind.

Each test has its own cache folder (and, where it edits inputs, its own copy of the data), so damaging an
entry here never touches the session's.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import probgraph
from probgraph import cache as cachemod
from probgraph.compile import compiled

from conftest import ROOT, run_cli

# What the cache does with an entry does not depend on what the graph says, so these tests run on a small
# checkout: the real ontology, shapes and queries beside three real data files (the organisations, their
# succession and their owners). It compiles in about half the time the whole graph takes, and most tests here
# compile once or twice (benchmarks/RESULTS.md, "lead's suite pass").
SMALL_DATA = ("organisations.ttl", "succession.ttl", "ownership.ttl")


def small_checkout(home: Path) -> Path:
    """A checkout at `home` whose data/ holds copies of SMALL_DATA, so a test can edit an input file."""
    (home / "data").mkdir(parents=True)
    for name in ("ontology", "shapes", "queries"):
        (home / name).symlink_to(ROOT / name)
    for name in SMALL_DATA:
        shutil.copy(ROOT / "data" / name, home / "data" / name)
    return home


@pytest.fixture(scope="module")
def small_entry(tmp_path_factory) -> Path:
    """The small checkout's compiled entry, made once per module and copied by the tests that damage one."""
    folder = tmp_path_factory.mktemp("small")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PROBGRAPH_HOME", str(small_checkout(folder / "home")))
        mp.setenv("PROBGRAPH_CACHE_DIR", str(folder / "cache"))
        return compiled().path


@pytest.fixture
def own_home(tmp_path, monkeypatch) -> Path:
    """A small checkout of the test's own, with a cache folder of its own."""
    home = small_checkout(tmp_path / "home")
    monkeypatch.setenv("PROBGRAPH_HOME", str(home))
    monkeypatch.setenv("PROBGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    return home


@pytest.fixture
def own_cache(own_home, tmp_path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def good(own_cache, small_entry):
    """A sound entry and the bytes of its exports, to compare with after damage.

    A copy of the module's entry (a compile writes the same bytes), taken up by compiled().
    """
    shutil.copytree(small_entry, own_cache / small_entry.name)
    entry = compiled()
    assert entry.path == own_cache / small_entry.name, "the copy is the entry in use"
    return entry, {w: entry.read_nt(w) for w in ("asserted", "closure")}


def temporaries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("meta", ["[]", "null", "{}", '{"format": "2"}', "", "{\n  \"key\": \"x\"\n}\n"])
def test_a_meta_json_that_is_not_a_sound_record_rebuilds_the_entry(good, meta):
    entry, expected = good
    (entry.path / "meta.json").write_text(meta)
    assert probgraph.export("ntriples", inferred=True) == expected["closure"]
    assert compiled().meta()["closure_triples"] == expected["closure"].count(b"\n")


def test_meta_json_without_one_count_rebuilds_the_entry(good):
    entry, expected = good
    text = (entry.path / "meta.json").read_text()
    lines = [line for line in text.splitlines() if '"asserted_triples"' not in line]
    (entry.path / "meta.json").write_text("\n".join(lines) + "\n")
    assert probgraph.export("ntriples") == expected["asserted"]


@pytest.mark.parametrize("which", ["asserted", "closure"])
def test_a_truncated_export_file_is_rebuilt_not_served_short(good, which):
    entry, expected = good
    path = entry.path / f"{which}.nt"
    path.write_bytes(expected[which][: len(expected[which]) // 2])
    assert probgraph.export("ntriples", inferred=which == "closure") == expected[which]


@pytest.mark.parametrize("which", ["asserted", "closure"])
def test_a_scrambled_export_file_of_the_same_size_is_rebuilt(good, which):
    entry, expected = good
    data = bytearray(expected[which])
    data[100:110] = bytes(reversed(data[100:110]))  # same size, same line count, other bytes
    assert bytes(data) != expected[which]
    (entry.path / f"{which}.nt").write_bytes(bytes(data))
    assert probgraph.export("ntriples", inferred=which == "closure") == expected[which]


def test_a_foreign_export_file_is_rebuilt(good):
    entry, expected = good
    # the asserted triples where the closure should be: a well-formed file with the wrong content
    shutil.copy(entry.path / "asserted.nt", entry.path / "closure.nt")
    assert probgraph.export("ntriples", inferred=True) == expected["closure"]


def test_a_foreign_store_is_rebuilt(good, tmp_path):
    import pyoxigraph as ox

    entry, _ = good
    shutil.rmtree(entry.store_path)
    other = ox.Store(str(entry.store_path))  # a store of the right shape that belongs to no entry
    other.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/b"),
                      ox.NamedNode("https://example.org/c")))
    other.flush()
    del other
    rows = probgraph.select("owners", {"org": "northumbria-crc"})
    assert any(r["ownerLabel"] == "Sodexo Justice Services" for r in rows)


def test_a_process_opens_the_store_again_only_when_its_entry_s_store_changes(good):
    """open_store gives again the store it opened last while the entry's store/ folder is as it was; a rebuilt
    entry, a file written in the folder, or a foreign store put in its place is opened (and checked) anew."""
    import pyoxigraph as ox

    from probgraph.store import open_store

    entry, _ = good
    first = open_store()
    assert open_store() is first
    compiled(rebuild=True)
    rebuilt = open_store()
    assert rebuilt is not first and open_store() is rebuilt
    (entry.store_path / "extra").write_bytes(b"")
    written = open_store()
    assert written is not rebuilt and open_store() is written
    shutil.rmtree(entry.store_path)
    ox.Store(str(entry.store_path)).flush()  # an empty store of the right shape that belongs to no entry
    again = open_store()
    assert again is not written
    assert any(True for _ in again.quads_for_pattern(ox.NamedNode("https://w3id.org/probgraph/id/org/northumbria-crc"),
                                                      None, None))


def test_lookups_go_to_a_copy_of_the_asserted_graph_only_once_the_same_store_is_asked_for_again(good):
    from probgraph.cache import ASSERTED_GRAPH
    from probgraph.store import for_lookups, open_store

    store = open_store()
    assert for_lookups(store) is store, "a process that validates one entry copies nothing"
    copy = for_lookups(open_store())
    assert copy is not store and for_lookups(store) is copy
    assert set(copy) == set(store.quads_for_pattern(None, None, None, ASSERTED_GRAPH))
    compiled(rebuild=True)
    assert for_lookups(open_store()) is not copy


def test_a_graph_over_the_copy_limit_is_looked_up_where_it_is(good, monkeypatch):
    from probgraph import store as stores

    monkeypatch.setattr(stores, "COPY_LIMIT", 1000)  # the real graph's 12,289 asserted triples are over it
    compiled(rebuild=True)
    store = stores.open_store()
    assert stores.for_lookups(store) is store and stores.for_lookups(stores.open_store()) is store


def test_a_damaged_entry_gives_the_cli_full_rows(good):
    entry, _ = good
    expected = run_cli("query", "owners", "--format", "csv")
    (entry.path / "meta.json").write_text("null")
    shutil.rmtree(entry.store_path)
    again = run_cli("query", "owners", "--format", "csv")
    assert again.returncode == 0 and again.stdout == expected.stdout and expected.stdout.count(b"\n") > 5


def test_stale_temporary_folders_are_cleaned_but_live_ones_kept(own_cache):
    compiled()
    dead = own_cache / ".0123abcd-dead"
    dead.mkdir()
    (dead / ".lock").write_text("")  # nobody holds it: its compile was killed
    live = own_cache / ".4567cdef-live"
    live.mkdir()
    fd = os.open(live / ".lock", os.O_CREAT | os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # a compile in progress (this process)
    try:
        compiled(rebuild=True)
        assert temporaries(own_cache) == [".4567cdef-live"]
    finally:
        os.close(fd)


def test_a_compile_killed_before_its_rename_leaves_nothing_after_the_next_compile(own_cache):
    # the child compiles, then kills itself with SIGKILL between building and renaming into place
    script = ("import os, signal\n"
              "import probgraph.compile as c\n"
              "real = c.build\n"
              "def build(*a, **k):\n"
              "    real(*a, **k)\n"
              "    os.kill(os.getpid(), signal.SIGKILL)\n"
              "c.build = build\n"
              "c.compiled()\n")
    res = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, timeout=300)
    assert res.returncode == -9
    assert temporaries(own_cache), "the kill should have left its temporary folder"
    res = run_cli("compile")
    assert res.returncode == 0, res.stderr
    assert temporaries(own_cache) == []


def label_of(org: str) -> str:
    rows = probgraph.select(sparql=f"SELECT ?l WHERE {{ <https://w3id.org/probgraph/id/org/{org}> "
                                   f"<http://www.w3.org/2000/01/rdf-schema#label> ?l }}")
    return rows[0]["l"]


def test_a_changed_input_file_recompiles_by_itself(own_home, monkeypatch):
    monkeypatch.setattr(cachemod, "SETTLE_NS", 0)  # trust the fingerprint at once, so it is what is tested
    assert label_of("northumbria-crc") == "Northumbria Community Rehabilitation Company"
    path = own_home / "data" / "organisations.ttl"
    text = path.read_text(encoding="utf-8")
    before = path.stat()
    # the same size, and the modification time put back: only the change time and the bytes differ
    path.write_text(text.replace("Northumbria Community Rehabilitation Company",
                                 "Northumbria Community Rehabilitation Companx", 1), encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert label_of("northumbria-crc") == "Northumbria Community Rehabilitation Companx"


def test_a_new_data_file_recompiles_by_itself(own_home):
    (own_home / "data" / "extra.ttl").write_text(
        '<https://w3id.org/probgraph/id/org/test-org> <http://www.w3.org/2000/01/rdf-schema#label> "Test org"@en .\n')
    assert label_of("test-org") == "Test org"


def test_the_fingerprint_is_trusted_only_once_files_settle(own_home, monkeypatch):
    root = str(own_home)
    text, settled = cachemod.fingerprint(root, "native")
    assert not settled  # the copies were just made
    probgraph.compile_graph()
    assert not list((Path(os.environ["PROBGRAPH_CACHE_DIR"]) / "fingerprints").glob("*"))
    monkeypatch.setattr(cachemod, "SETTLE_NS", 0)
    assert cachemod.fingerprint(root, "native") == (text, True)
    (own_home / "data" / "extra.ttl").write_text("")
    assert cachemod.fingerprint(root, "native")[0] != text


def test_a_query_started_on_the_recorded_entry_gives_the_new_answer_after_a_change(own_home, monkeypatch):
    """The bounded query's child starts on the entry the fingerprint record names while the parent checks the
    inputs; a changed file makes the parent drop that answer and run the query on the recompiled entry."""
    monkeypatch.setattr(cachemod, "SETTLE_NS", 0)
    sparql = ("SELECT ?l WHERE { <https://w3id.org/probgraph/id/org/northumbria-crc> "
              "<http://www.w3.org/2000/01/rdf-schema#label> ?l }")
    assert probgraph.query_output(sparql=sparql, fmt="csv") == b"l\r\nNorthumbria Community Rehabilitation Company\r\n"
    guess = cachemod.recorded_entry()
    assert guess is not None and guess.is_complete(), "the next query starts on this entry"
    path = own_home / "data" / "organisations.ttl"
    before = path.stat()
    path.write_text(path.read_text(encoding="utf-8").replace("Northumbria Community Rehabilitation Company",
                                                             "Northumbria Community Rehabilitation Companx", 1),
                    encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))  # same size and mtime: only ctime and bytes differ
    assert probgraph.query_output(sparql=sparql, fmt="csv") == b"l\r\nNorthumbria Community Rehabilitation Companx\r\n"
    assert cachemod.recorded_entry().folder != guess.folder
    assert guess.is_complete(), "the old entry was there to answer from, so it is the check that refused it"


def test_a_record_naming_a_removed_entry_still_answers(own_home, monkeypatch):
    """The guess opens nothing (its folder is gone), the check finds no entry, and the query compiles and runs."""
    monkeypatch.setattr(cachemod, "SETTLE_NS", 0)
    probgraph.compile_graph()
    guess = cachemod.recorded_entry()
    assert guess is not None
    shutil.rmtree(guess.folder)
    csv = probgraph.query_output("owners", params={"org": "northumbria-crc"}, fmt="csv").decode()
    assert "Sodexo Justice Services" in csv
    assert cachemod.recorded_entry().folder == guess.folder and guess.is_complete()
