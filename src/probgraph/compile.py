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

CACHE_FORMAT = "2"
REASONERS = ("native", "owlrl")
log = logging.getLogger("probgraph")
ASSERTED_GRAPH = ox.NamedNode("https://w3id.org/probgraph/graph/asserted")
# The store records which entry it belongs to here, so a store copied from another entry is caught on opening.
CACHE_GRAPH = ox.NamedNode("https://w3id.org/probgraph/graph/cache")
_KEY = ox.NamedNode("https://w3id.org/probgraph/graph/cache#key")
_NT_FILES = ("asserted", "closure")
_SETTLE_NS = 2_000_000_000  # a file changed this recently may change again within the same mtime tick


class DamagedCache(Exception):
    """A cache entry whose files do not match what its meta.json recorded."""


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
        """meta.json, checked: a dict with every field of the right type, or DamagedCache."""
        return _checked_meta(self.path)

    def read_nt(self, which: str) -> bytes:
        """asserted.nt or closure.nt, verified against the size, hash and triple count in meta.json."""
        meta = self.meta()
        data = (self.path / f"{which}.nt").read_bytes()
        if len(data) != meta[f"{which}_bytes"] or hashlib.sha256(data).hexdigest() != meta[f"{which}_sha256"] \
                or data.count(b"\n") != meta[f"{which}_triples"]:
            raise DamagedCache(f"{which}.nt")
        return data

    def open_store(self) -> ox.Store:
        """The on-disk store, read-only, checked to belong to this entry."""
        store = ox.Store.read_only(str(self.store_path))
        key = ox.Literal(self.meta()["key"])
        if not any(True for _ in store.quads_for_pattern(CACHE_GRAPH, _KEY, key, CACHE_GRAPH)):
            raise DamagedCache("store")
        return store


_META_FIELDS = {"format": str, "version": str, "key": str, "reasoner": str, "inputs": int,
                **{f"{w}_{f}": int for w in _NT_FILES for f in ("triples", "bytes")},
                **{f"{w}_sha256": str for w in _NT_FILES}}


def _checked_meta(entry: Path) -> dict:
    try:
        meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DamagedCache("meta.json") from exc
    if not isinstance(meta, dict) or any(type(meta.get(k)) is not kind for k, kind in _META_FIELDS.items()):
        raise DamagedCache("meta.json")
    if meta["format"] != CACHE_FORMAT or meta["version"] != __version__ or meta["key"] != entry.name:
        raise DamagedCache("meta.json")
    return meta


def cache_root() -> Path:
    """$PROBGRAPH_CACHE_DIR, else $XDG_CACHE_HOME/probgraph, else ~/.cache/probgraph."""
    explicit = os.environ.get("PROBGRAPH_CACHE_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "probgraph"


def default_reasoner() -> str:
    """$PROBGRAPH_REASONER if set (native or owlrl), else native."""
    name = os.environ.get("PROBGRAPH_REASONER") or "native"
    if name not in REASONERS:
        raise UsageError(f"PROBGRAPH_REASONER={name!r} is not a reasoner", f"use one of: {', '.join(REASONERS)}")
    return name


def key_inputs(reasoner: str) -> list[Path]:
    """Every file an entry depends on: ontology, data and (for the native reasoner's checks too) the rules."""
    from .rules import rule_paths

    return resources.graph_inputs() + rule_paths()


def _header(reasoner: str) -> bytes:
    return f"probgraph {__version__} cache {CACHE_FORMAT} reasoner {reasoner}\n".encode()


def _relative(f: Path, base: Path) -> str:
    return f.relative_to(base).as_posix() if f.is_relative_to(base) else str(f)


def cache_key(files: list[Path], reasoner: str = "native") -> str:
    """Hash of the package version, the cache format, the reasoner and every input file's path and bytes."""
    base = resources.root()
    h = hashlib.sha256(_header(reasoner))
    for f in files:
        h.update(_relative(f, base).encode() + b"\0")
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:32]


def fingerprint(files: list[Path], reasoner: str) -> tuple[str, bool]:
    """A cheap stand-in for the key: paths, sizes, inodes and change times; and whether it can be trusted.

    It cannot be trusted while a file changed in the last two seconds (it could change again within
    the file system's time resolution, keeping size and times), so then the content is hashed every time.
    """
    import time

    base = resources.root()
    h = hashlib.sha256(_header(reasoner) + str(base).encode() + b"\0")
    newest = 0
    for f in files:
        st = f.stat()
        newest = max(newest, st.st_mtime_ns, st.st_ctime_ns)
        h.update(f"{_relative(f, base)}\0{st.st_size} {st.st_ino} {st.st_mtime_ns} {st.st_ctime_ns}\n".encode())
    return h.hexdigest()[:32], time.time_ns() - newest > _SETTLE_NS


def current_key(reasoner: str) -> str:
    """The cache key of the current inputs: by fingerprint when the files have not changed, else hashed."""
    files = key_inputs(reasoner)
    fp, settled = fingerprint(files, reasoner)
    known = cache_root() / "fingerprints" / fp
    try:
        key = known.read_text(encoding="ascii")
        if len(key) == 32 and key.isalnum():
            return key
    except (OSError, UnicodeDecodeError):
        pass
    key = cache_key(files, reasoner)
    if settled:
        try:
            known.parent.mkdir(parents=True, exist_ok=True)
            tmp = known.with_name(f".{fp}.{os.getpid()}")
            tmp.write_text(key, encoding="ascii")
            os.replace(tmp, known)
        except OSError:
            pass  # an unwritable cache costs a hash per call, nothing else
    return key


def compiled(use_cache: bool = True, rebuild: bool = False, reasoner: str | None = None) -> Compiled:
    """The compiled graph for the current inputs: from the cache, or built now.

    With use_cache=False the graph is built in a temporary folder that is removed at exit.
    If the cache folder cannot be written, the same happens with a warning on stderr.
    """
    reasoner = reasoner or default_reasoner()
    if reasoner not in REASONERS:
        raise UsageError(f"unknown reasoner {reasoner!r}", f"use one of: {', '.join(REASONERS)}")
    if use_cache:
        key = current_key(reasoner)
        entry = cache_root() / key
        if not rebuild and _is_complete(entry):
            return Compiled(entry)
        files = resources.graph_inputs()
        try:
            cache_root().mkdir(parents=True, exist_ok=True)
            clean_stale_temporaries()
            tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=cache_root()))
        except OSError as exc:
            print(f"probgraph: warning: cache folder {cache_root()} is not writable "
                  f"({exc.strerror}); compiling without a cache", file=sys.stderr)
        else:
            lock = _hold_lock(tmp)
            try:
                build(tmp, files, key, reasoner)
                if _is_complete(entry) and not rebuild:
                    shutil.rmtree(tmp, ignore_errors=True)  # another process finished first: use its entry
                    return Compiled(entry)
                if entry.exists():  # stale, damaged or rebuilt on request: move it aside, then drop it
                    trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=cache_root()))
                    os.rename(entry, trash / "old")
                    shutil.rmtree(trash, ignore_errors=True)
                os.unlink(tmp / ".lock")
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
            finally:
                os.close(lock)
            return Compiled(entry)
    files = resources.graph_inputs()
    tmp = Path(tempfile.mkdtemp(prefix="probgraph-"))
    import atexit

    atexit.register(shutil.rmtree, tmp, True)
    build(tmp, files, cache_key(key_inputs(reasoner), reasoner), reasoner)
    return Compiled(tmp)


def _hold_lock(folder: Path) -> int:
    """Lock a temporary folder for as long as this process lives, so a cleaner knows it is in use."""
    import fcntl

    fd = os.open(folder / ".lock", os.O_CREAT | os.O_RDWR, 0o600)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd


def clean_stale_temporaries() -> int:
    """Remove temporary folders that a killed compile left in the cache; return how many.

    A folder is stale when nobody holds its lock (the lock goes with the process that took it);
    a folder without a lock file is in its first moments, or is an old trash folder left by a kill.
    """
    import fcntl
    import time

    removed = 0
    for child in cache_root().iterdir():
        if not (child.name.startswith(".") and child.is_dir()):
            continue
        try:
            fd = os.open(child / ".lock", os.O_RDWR)
        except FileNotFoundError:
            stale = child.name.startswith(".trash-") or time.time() - child.stat().st_mtime > 600
        except OSError:
            continue
        else:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                stale = True
            except OSError:
                stale = False
            finally:
                os.close(fd)
        if stale:
            shutil.rmtree(child, ignore_errors=True)
            removed += 1
    return removed


def _is_complete(entry: Path) -> bool:
    """meta.json is sound and the files it describes are there with the recorded sizes (hashes: on reading)."""
    try:
        meta = _checked_meta(entry)
        return all((entry / f"{w}.nt").stat().st_size == meta[f"{w}_bytes"] for w in _NT_FILES) \
            and (entry / "store").is_dir()
    except (DamagedCache, OSError):
        return False


def cached_bytes(which: str, use_cache: bool = True) -> bytes:
    """The verified bytes of asserted.nt or closure.nt; a damaged entry is rebuilt once, then read."""
    try:
        return compiled(use_cache=use_cache).read_nt(which)
    except (DamagedCache, OSError):
        return compiled(use_cache=use_cache, rebuild=True).read_nt(which)


def clear_cache() -> int:
    """Remove every cache entry (and the fingerprints pointing at them); return how many entries."""
    root = cache_root()
    if not root.is_dir():
        return 0
    n = 0
    for child in root.iterdir():
        if child.is_dir():
            n += len(child.name) == 32 and not child.name.startswith(".")
            shutil.rmtree(child, ignore_errors=True)
    return n


def read_inputs(files: list[Path]) -> list[tuple[Path, list[ox.Triple]]]:
    """Parse every input file (syntax errors carry file:line:col)."""
    from .parsing import read_turtle

    return [(f, read_turtle(f)) for f in files]


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


def closure_of(per_file: list[tuple[Path, list[ox.Triple]]], reasoner: str) -> list[ox.Triple]:
    """The cleaned closure (asserted triples included) by the named reasoner, custom rules included."""
    from . import rules

    asserted = [t for _, triples in per_file for t in triples]
    rule_files = rules.load_rules()
    if reasoner == "native":
        rules.check_supported(per_file, rule_files)
        return rules.close(asserted, rule_files)
    from .reasoning import close_owlrl

    return close_owlrl(asserted, rule_files)


def build(target: Path, files: list[Path], key: str, reasoner: str = "native") -> None:
    """Parse, reason, clean and write one cache entry into `target`."""
    log.info("compiling the graph from %d files (ontology + data + %s)%s", len(files),
             "OWL 2 RL rules" if reasoner == "native" else "owlrl's OWL 2 RL closure",
             "" if reasoner == "native" else "; this takes a while once, then it is cached")
    per_file = read_inputs(files)
    asserted_ox = [t for _, triples in per_file for t in triples]
    closure_ox = closure_of(per_file, reasoner)
    # one renaming over both graphs, so a blank node has the same label in the asserted graph and the closure
    quads = canonical_quads([ox.Quad(t.subject, t.predicate, t.object) for t in closure_ox]
                            + [ox.Quad(t.subject, t.predicate, t.object, ASSERTED_GRAPH) for t in asserted_ox])
    sorted_triples = {"closure": [q.triple for q in quads if q.graph_name != ASSERTED_GRAPH],
                      "asserted": [q.triple for q in quads if q.graph_name == ASSERTED_GRAPH]}
    meta: dict[str, object] = {"format": CACHE_FORMAT, "version": __version__, "key": key, "reasoner": reasoner,
                               "inputs": len(files)}
    for which in _NT_FILES:
        data = ox.serialize(sorted_triples[which], format=ox.RdfFormat.N_TRIPLES)
        (target / f"{which}.nt").write_bytes(data)
        meta.update({f"{which}_triples": len(sorted_triples[which]), f"{which}_bytes": len(data),
                     f"{which}_sha256": hashlib.sha256(data).hexdigest()})
    store = ox.Store(str(target / "store"))
    store.bulk_load(path=str(target / "closure.nt"), format=ox.RdfFormat.N_TRIPLES)
    store.bulk_load(path=str(target / "asserted.nt"), format=ox.RdfFormat.N_TRIPLES, to_graph=ASSERTED_GRAPH)
    store.add(ox.Quad(CACHE_GRAPH, _KEY, ox.Literal(key), CACHE_GRAPH))
    store.flush()
    del store
    (target / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
