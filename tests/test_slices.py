"""The on-disk store written a slice at a time (slices.py, compile's loading threads) holds what one whole load
of the same text holds, blank nodes included, and a compile whose loads are cut into many slices writes the
store its files describe."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from probgraph import compile as comp
from probgraph import resources, slices
from probgraph.cache import ASSERTED_GRAPH, CACHE_GRAPH

NT = ox.RdfFormat.N_TRIPLES
G = ox.NamedNode("https://example.org/g")
LINES = [f'<https://example.org/s{i}> <https://example.org/p> "value {i}{"x" * (i % 37)}" .'.encode()
         for i in range(300)]
LINES[10] = b'_:a <https://example.org/p> <https://example.org/o> .'
LINES[20] = b'<https://example.org/s> <https://example.org/q> _:a .'
LINES[30] = b'<https://example.org/s> <https://example.org/r> "a literal with _:x in it" .'
TEXT = b"\n".join(LINES) + b"\n"


@pytest.mark.parametrize("size", [1, 97, 1000, 1 << 20])
def test_blocks_are_whole_lines_covering_the_text(tmp_path, size):
    path = tmp_path / "t.nt"
    path.write_bytes(TEXT)
    for blocks in (list(slices.file_blocks(path, size)), list(slices.line_blocks(LINES, size))):
        assert b"\n".join(blocks) == TEXT[:-1]
        assert all(block and not block.endswith(b"\n") for block in blocks)
        assert len(blocks) == 1 if size >= len(TEXT) else len(blocks) > 1


def canonical(store: ox.Store) -> list[bytes]:
    return comp.canonical_lines(store.dump(format=ox.RdfFormat.N_QUADS))


@pytest.mark.parametrize("graph", [ox.DefaultGraph(), G])
def test_slices_and_the_held_lines_give_the_store_one_load_gives(tmp_path, graph):
    one = ox.Store(str(tmp_path / "one"))
    one.bulk_load(TEXT, format=NT, to_graph=graph)
    sliced = ox.Store(str(tmp_path / "sliced"))
    held = slices.load_slices(sliced, slices.line_blocks(LINES, 4000), graph)
    assert sorted(held) == sorted(line if isinstance(graph, ox.DefaultGraph) else line[:-2] + f" {G} .".encode()
                                  for line in (LINES[10], LINES[20], LINES[30]))
    sliced.bulk_load(b"\n".join(held), format=ox.RdfFormat.N_QUADS)
    assert len(sliced) == len(one) == len(LINES)
    assert canonical(sliced) == canonical(one)
    # one node for _:a, not one per slice
    assert len({q.subject for q in sliced.quads_for_pattern(None, None, ox.NamedNode("https://example.org/o"))}
               | {q.object for q in sliced.quads_for_pattern(None, ox.NamedNode("https://example.org/q"), None)}) == 1


def test_the_last_load_leaves_out_what_the_clean_up_dropped(tmp_path):
    """A derived triple the clean-up drops after its round was loaded is removed; one held back is not loaded."""
    disk = ox.Store(str(tmp_path / "s"))
    loaded, kept, held_back = LINES[0], LINES[1], LINES[10]
    slices.load_slices(disk, [loaded + b"\n" + kept], ox.DefaultGraph())
    finish = comp._finish_meanwhile(lambda: disk, [], lambda: (disk, [held_back, LINES[20]]), {loaded, held_back},
                                    [], b"")
    assert finish() is disk
    assert [q.triple for q in ox.parse(kept, format=NT)][0] in {q.triple for q in disk}
    assert len(disk) == 2  # `kept` and LINES[20]


def test_a_compile_cut_into_many_slices_writes_the_store_its_files_describe(tmp_path, monkeypatch):
    """The real graph with blocks of 256 KB: the asserted graph in many loads, the rounds' triples loaded
    while the rules run; the store is the files' entry, up to blank-node labels."""
    monkeypatch.setattr(slices, "BLOCK", 256 << 10)
    calls: list[int] = []
    load = slices.load_slices

    def counted(store, blocks, graph):
        blocks = list(blocks)
        calls.append(len(blocks))
        return load(store, blocks, graph)
    monkeypatch.setattr(slices, "load_slices", counted)
    target = tmp_path / "entry"
    target.mkdir()
    comp.build(target, resources.graph_inputs(), "0" * 32)
    assert sum(calls) > 2 * ((target / "asserted.nt").stat().st_size >> 18), "the loads were cut into slices"
    closure = (target / "closure.nt").read_bytes().splitlines()
    asserted = (target / "asserted.nt").read_bytes().splitlines()
    store = ox.Store.read_only(str(target / "store"))
    held = [line for line in canonical(store) if CACHE_GRAPH.value.encode() not in line]
    suffix = f" {ASSERTED_GRAPH} .".encode()
    assert held == comp.canonical_lines(b"\n".join(closure + [line[:-2] + suffix for line in asserted]))


@pytest.mark.parametrize("block", [None, 4000])
def test_the_spool_loads_whole_blocks_and_gives_back_every_round(tmp_path: Path, monkeypatch, block):
    if block:
        monkeypatch.setattr(slices, "BLOCK", block)
    disk = ox.Store(str(tmp_path / "s"))
    spool = comp._Spool(lambda: disk, tmp_path)
    try:
        for i in range(0, len(LINES), 50):
            spool.keep(b"\n".join(LINES[i:i + 50]) + b"\n")
        store, rest = spool.done()
        assert store is disk and spool.read() == TEXT
        if block is None:  # less than a block: all of it waits for the last load
            assert len(disk) == 0 and rest == LINES
        else:  # the blank-node lines and the last part-block wait
            assert {LINES[10], LINES[20], LINES[30]} <= set(rest) and len(rest) < 30
            assert len(disk) + len(rest) == len(LINES)
    finally:
        spool.close()
