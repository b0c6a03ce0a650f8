"""Ontology + data -> cleaned OWL 2 RL closure, cached on disk keyed on the inputs' content.

The cache entry is a folder named by the key, holding the closure in a pyoxigraph store (opened
read-only by queries), the asserted and inferred triples as canonical N-Triples (for export), and
meta.json. It is built in a temporary folder and renamed into place, so a reader never sees a
half-written entry and an interrupted compile leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import __version__, resources
from .errors import UsageError

CACHE_FORMAT = "1"
log = logging.getLogger("probgraph")
ASSERTED_GRAPH = ox.NamedNode("https://w3id.org/probgraph/graph/asserted")


@dataclass(frozen=True)
class Compiled:
    """A compiled graph on disk."""

    path: Path

    @property
    def store_path(self) -> Path:
        return self.path / "store"

    @property
    def asserted_nt(self) -> Path:
        return self.path / "asserted.nt"

    @property
    def closure_nt(self) -> Path:
        return self.path / "closure.nt"

    def meta(self) -> dict:
        return json.loads((self.path / "meta.json").read_text(encoding="utf-8"))


def cache_root() -> Path:
    """$PROBGRAPH_CACHE_DIR, else $XDG_CACHE_HOME/probgraph, else ~/.cache/probgraph."""
    explicit = os.environ.get("PROBGRAPH_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "probgraph"


def cache_key(files: list[Path]) -> str:
    """Hash of the package version, the cache format and every input file's path and bytes."""
    base = resources.root()
    h = hashlib.sha256(f"probgraph {__version__} cache {CACHE_FORMAT}\n".encode())
    for f in files:
        rel = f.relative_to(base).as_posix() if f.is_relative_to(base) else str(f)
        h.update(rel.encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:32]


def compiled(use_cache: bool = True, rebuild: bool = False) -> Compiled:
    """The compiled graph for the current inputs: from the cache, or built now.

    With use_cache=False the graph is built in a temporary folder that is removed at exit.
    If the cache folder cannot be written, the same happens with a warning on stderr.
    """
    files = resources.graph_inputs()
    key = cache_key(files + resources.rule_files())
    if use_cache:
        entry = cache_root() / key
        if not rebuild and _is_complete(entry):
            return Compiled(entry)
        try:
            cache_root().mkdir(parents=True, exist_ok=True)
            tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_root()))
        except OSError as exc:
            print(f"probgraph: warning: cache folder {cache_root()} is not writable "
                  f"({exc.strerror}); compiling without a cache", file=sys.stderr)
        else:
            try:
                build(tmp, files, key)
                if _is_complete(entry) and not rebuild:
                    shutil.rmtree(tmp, ignore_errors=True)  # another process finished first: use its entry
                    return Compiled(entry)
                if entry.exists():  # stale, damaged or rebuilt on request: move it aside, then drop it
                    trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=cache_root()))
                    os.rename(entry, trash / "old")
                    shutil.rmtree(trash, ignore_errors=True)
                os.rename(tmp, entry)
            except OSError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                if _is_complete(entry):
                    return Compiled(entry)
                raise UsageError(f"cannot write the cache in {cache_root()} ({exc.strerror or exc})",
                                 "free some space, or run with --no-cache") from None
            except BaseException:
                shutil.rmtree(tmp, ignore_errors=True)
                raise
            return Compiled(entry)
    tmp = Path(tempfile.mkdtemp(prefix="probgraph-"))
    import atexit

    atexit.register(shutil.rmtree, tmp, True)
    build(tmp, files, key)
    return Compiled(tmp)


def _is_complete(entry: Path) -> bool:
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return meta.get("format") == CACHE_FORMAT and meta.get("version") == __version__


def clear_cache() -> int:
    """Remove every cache entry; return how many were removed."""
    root = cache_root()
    if not root.is_dir():
        return 0
    n = 0
    for child in root.iterdir():
        if child.is_dir():
            shutil.rmtree(child, ignore_errors=True)
            n += 1
    return n


def read_inputs(files: list[Path]) -> list[ox.Triple]:
    """Parse every input file (syntax errors carry file:line:col)."""
    from .parsing import read_turtle

    triples: list[ox.Triple] = []
    for f in files:
        triples.extend(read_turtle(f))
    return triples


def triple_key(t: ox.Triple) -> tuple[str, str, str]:
    """The sort order of triples in every file and listing probgraph writes."""
    return str(t.subject), str(t.predicate), str(t.object)


def canonical_quads(quads: Iterable[ox.Quad]) -> list[ox.Quad]:
    """Blank nodes renamed canonically (RDFC-1.0) over all graphs at once, quads sorted: byte-stable output."""
    ds = ox.Dataset(quads)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return sorted(ds, key=lambda q: (str(q.graph_name), *triple_key(q.triple)))


def canonical_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Blank nodes renamed canonically (RDFC-1.0) and triples sorted, for byte-stable output."""
    return [q.triple for q in canonical_quads(ox.Quad(t.subject, t.predicate, t.object) for t in triples)]


def apply_rules(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """The closure plus what the SPARQL rules in ontology/rules/ derive from it (each run once, in order)."""
    rules = resources.rule_files()
    if not rules:
        return list(triples)
    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    for rule in rules:
        store.update(rule.read_text(encoding="utf-8"))
    return [q.triple for q in store]


def build(target: Path, files: list[Path], key: str) -> None:
    """Parse, reason, clean and write one cache entry into `target`."""
    log.info("compiling the graph from %d files (ontology + data + OWL 2 RL closure); "
             "this takes a while once, then it is cached", len(files))
    from .parsing import to_rdflib
    from .reasoning import close

    asserted_ox = read_inputs(files)
    asserted = to_rdflib(asserted_ox)
    closure = close(asserted)
    closure_ox = apply_rules(ox.parse(closure.serialize(format="nt", encoding="utf-8"),
                                      format=ox.RdfFormat.N_TRIPLES))
    # one renaming over both graphs, so a blank node has the same label in the asserted graph and the closure
    quads = canonical_quads([ox.Quad(q.subject, q.predicate, q.object) for q in closure_ox]
                            + [ox.Quad(t.subject, t.predicate, t.object, ASSERTED_GRAPH) for t in asserted_ox])
    closure_sorted = [q.triple for q in quads if q.graph_name != ASSERTED_GRAPH]
    asserted_sorted = [q.triple for q in quads if q.graph_name == ASSERTED_GRAPH]
    ox.serialize(asserted_sorted, str(target / "asserted.nt"), format=ox.RdfFormat.N_TRIPLES)
    ox.serialize(closure_sorted, str(target / "closure.nt"), format=ox.RdfFormat.N_TRIPLES)
    store = ox.Store(str(target / "store"))
    store.bulk_load(path=str(target / "closure.nt"), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(path=str(target / "asserted.nt"), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ASSERTED_GRAPH)
    store.flush()
    del store
    meta = {"format": CACHE_FORMAT, "version": __version__, "key": key,
            "asserted_triples": len(asserted_sorted), "closure_triples": len(closure_sorted),
            "inputs": len(files)}
    (target / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n",
                                      encoding="utf-8")

