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
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from . import __version__, resources

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
    key = cache_key(files)
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
                if entry.exists():  # stale, damaged or rebuilt on request
                    shutil.rmtree(entry, ignore_errors=True)
                try:
                    os.rename(tmp, entry)
                except OSError:
                    shutil.rmtree(tmp, ignore_errors=True)  # another process won the race
                    if not _is_complete(entry):
                        raise
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


def canonical_triples(triples) -> list[ox.Triple]:
    """Blank nodes renamed canonically (RDFC-1.0) and triples sorted, for byte-stable output."""
    ds = ox.Dataset(ox.Quad(t.subject, t.predicate, t.object) for t in triples)
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    out = [q.triple for q in ds]
    out.sort(key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))
    return out


def build(target: Path, files: list[Path], key: str) -> None:
    """Parse, reason, clean and write one cache entry into `target`."""
    log.info("compiling the graph from %d files (ontology + data + OWL 2 RL closure); "
             "this takes a while once, then it is cached", len(files))
    from .parsing import to_rdflib
    from .reasoning import close

    asserted_ox = read_inputs(files)
    asserted = to_rdflib(asserted_ox)
    closure = close(asserted)
    closure_ox = ox.parse(closure.serialize(format="nt", encoding="utf-8"),
                          format=ox.RdfFormat.N_TRIPLES)
    closure_sorted = canonical_triples(q.triple for q in closure_ox)
    asserted_sorted = canonical_triples(asserted_ox)
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

