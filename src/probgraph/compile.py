"""Ontology + data -> cleaned OWL 2 RL closure, cached on disk keyed on the inputs' content.

The cache entry is a folder named by the key, holding the closure in a pyoxigraph store (opened
read-only by queries), the asserted and inferred triples as canonical N-Triples (for export), and
meta.json. It is built in a temporary folder and renamed into place, so a reader never sees a
half-written entry and an interrupted compile leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sys
import threading
from collections.abc import Iterable
from pathlib import Path

import pyoxigraph as ox

from . import __version__, resources
from .cache import (
    ASSERTED_GRAPH,
    CACHE_FORMAT,
    CACHE_GRAPH,
    KEY_PREDICATE,
    REASONERS,
    Compiled,
    DamagedCache,
    cache_root,
    current_key,
    default_reasoner,
    key_header,
)
from .errors import UsageError, first_line
from .slices import blank_lines

__all__ = ["ASSERTED_GRAPH", "Compiled", "DamagedCache", "build", "cache_key", "cache_root", "cached_bytes",
           "canonical_lines", "canonical_triples", "clear_cache", "compiled", "key_inputs"]


def key_inputs(reasoner: str) -> list[Path]:
    """Every file an entry depends on: ontology, data and the rule files (custom rules run for both reasoners)."""
    from .rules import rule_paths

    return resources.graph_inputs() + rule_paths()


# While compiled() finds its key, the bytes cache_key hashed, by path, for the build that follows to parse
# (each input is read once); per thread, and set only for that moment, so no other caller keeps them.
_hashed = threading.local()


def cache_key(files: list[Path], reasoner: str = "native") -> str:
    """Hash of the package version, the cache format, the reasoner and every input file's path and bytes."""
    base = os.path.join(resources.root(), "")  # normalised by Path, then one separator at the end
    h = hashlib.sha256(key_header(reasoner))
    keep = getattr(_hashed, "contents", None)
    for f in files:
        shown = str(f)  # a file under the root by its relative path (strings: pathlib's relative_to costs 3 ms)
        h.update((shown[len(base):] if shown.startswith(base) else shown).encode() + b"\0")
        data = f.read_bytes()
        h.update(hashlib.sha256(data).digest())
        if keep is not None:
            keep[shown] = data
    return h.hexdigest()[:32]


def _key_and_contents(reasoner: str) -> tuple[str, dict[str, bytes]]:
    """current_key, and the bytes of the files it hashed to find it (none when the fingerprint knew the key)."""
    _hashed.contents = contents = {}
    try:
        return current_key(reasoner), contents
    finally:
        _hashed.contents = None


def compiled(use_cache: bool = True, rebuild: bool = False, reasoner: str | None = None) -> Compiled:
    """The compiled graph for the current inputs: from the cache, or built now.

    With use_cache=False the graph is built in a temporary folder that is removed at exit.
    If the cache folder cannot be written, the same happens with a warning on stderr.
    """
    reasoner = reasoner or default_reasoner()
    if reasoner not in REASONERS:
        raise UsageError(f"unknown reasoner {reasoner!r}", f"use one of: {', '.join(REASONERS)}")
    if use_cache:
        key, contents = _key_and_contents(reasoner)
        root = Path(cache_root())
        entry = root / key
        if not rebuild and Compiled(entry).is_complete():
            return Compiled(entry)
        files = resources.graph_inputs()
        try:
            root.mkdir(parents=True, exist_ok=True)
            clean_stale_temporaries()
            tmp = _new_folder(root, f".{key}-")
        except OSError as exc:
            print(f"probgraph: warning: cache folder {root} is not writable "
                  f"({exc.strerror}); compiling without a cache", file=sys.stderr)
        else:
            lock = _hold_lock(tmp)
            try:
                build(tmp, files, key, reasoner, cached=True, contents=contents)
                if Compiled(entry).is_complete() and not rebuild:
                    _remove(tmp)  # another process finished first: use its entry
                    return Compiled(entry)
                if entry.exists():  # stale, damaged or rebuilt on request: move it aside, then drop it
                    trash = _new_folder(root, ".trash-")
                    os.rename(entry, trash / "old")
                    _remove(trash)
                os.unlink(tmp / ".lock")
                os.rename(tmp, entry)
            except OSError as exc:
                _remove(tmp)
                if Compiled(entry).is_complete():
                    return Compiled(entry)
                raise UsageError(f"cannot write the cache in {root} ({exc.strerror or exc})",
                                 "free some space, or run with --no-cache") from None
            except BaseException:
                _remove(tmp)
                raise
            finally:
                os.close(lock)
            return Compiled(entry)
    files = resources.graph_inputs()
    import atexit
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="probgraph-"))
    atexit.register(_remove, tmp)
    key = cache_key(key_inputs(reasoner), reasoner)
    (tmp / key).mkdir()  # an entry is named by its key, which meta.json must match
    try:
        build(tmp / key, files, key, reasoner, cached=False)
    except OSError as exc:  # a full disk, most often: say so rather than answer nothing
        _remove(tmp)
        raise UsageError(f"cannot compile the graph in the temporary folder {tmp.parent} "
                         f"({first_line(exc.strerror or exc)})",
                         "free some disk space there, or set TMPDIR to a folder with room (about 10 MB)") from None
    return Compiled(tmp / key)


def _new_folder(root: Path, prefix: str) -> Path:
    """A new folder `prefix` + random hex in `root`, private to the user (as tempfile.mkdtemp makes one, without
    tempfile's import, which costs a cold compile milliseconds)."""
    while True:
        folder = root / f"{prefix}{os.urandom(6).hex()}"
        try:
            folder.mkdir(mode=0o700)
            return folder
        except FileExistsError:
            continue


def _remove(folder: Path) -> None:
    """Remove a folder and what it holds, whatever is left of it (shutil is imported only when one is)."""
    import shutil

    shutil.rmtree(folder, ignore_errors=True)


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
    for child in Path(cache_root()).iterdir():
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
            _remove(child)
            removed += 1
    return removed


def cached_bytes(which: str, use_cache: bool = True) -> bytes:
    """The verified bytes of asserted.nt or closure.nt; a damaged entry is rebuilt once, then read."""
    try:
        return compiled(use_cache=use_cache).read_nt(which)
    except (DamagedCache, OSError):
        return compiled(use_cache=use_cache, rebuild=True).read_nt(which)


def clear_cache() -> int:
    """Remove every cache entry (and the fingerprints pointing at them); return how many entries."""
    root = Path(cache_root())
    if not root.is_dir():
        return 0
    n = 0
    for child in root.iterdir():
        if child.is_dir():
            n += len(child.name) == 32 and not child.name.startswith(".")
            _remove(child)
    return n


def read_inputs(files: list[Path]) -> list[tuple[Path, list[ox.Triple]]]:
    """Parse every input file (syntax errors carry file:line:col)."""
    from .parsing import read_turtle

    return [(f, read_turtle(f)) for f in files]


def triple_key(t: ox.Triple) -> tuple[str, str, str]:
    """The sort order of triples in every file and listing probgraph writes."""
    return str(t.subject), str(t.predicate), str(t.object)


def canonical_lines(nquads: bytes) -> list[bytes]:
    """N-Quads lines sorted, blank nodes renamed canonically (RDFC-1.0): byte-stable output.

    Only the quads that mention a blank node take part in RDFC-1.0's labelling, so only those lines are
    parsed and canonicalised (the rest cannot change a label); one renaming covers every graph at once.
    A "_:" inside a literal only sends a line through the canonicaliser unchanged.
    """
    lines = nquads.splitlines()
    blank = blank_lines(nquads)
    if not blank:
        return sorted(lines)
    ds = ox.Dataset(ox.parse(b"\n".join(blank), format=ox.RdfFormat.N_QUADS))
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    drop = set(blank)
    return sorted([line for line in lines if line not in drop]
                  + ox.serialize(ds, format=ox.RdfFormat.N_QUADS).splitlines())


def canonical_triples(triples: Iterable[ox.Triple]) -> list[ox.Triple]:
    """Blank nodes renamed canonically (RDFC-1.0) and triples sorted, for byte-stable output."""
    lines = canonical_lines(ox.serialize(list(triples), format=ox.RdfFormat.N_TRIPLES))
    return [q.triple for q in ox.parse(b"\n".join(lines), format=ox.RdfFormat.N_TRIPLES)]


def load_inputs(files: list[Path], contents: dict[str, bytes] | None = None) -> ox.Store:
    """An in-memory store holding every input file's triples in its default graph (parsed in Rust).
    `contents` holds bytes already read, by path (taken from it as they are parsed); other files are read."""
    from .parsing import load_turtle

    store = ox.Store()
    for f in files:
        load_turtle(store, f, None if contents is None else contents.pop(str(f), None))
    return store


def closure_store(store: ox.Store, reasoner: str, where, asserted_terms: set[ox.NamedNode] | None = None,
                  keep=None) -> tuple[ox.Store, set[bytes] | None]:  # keep: Callable[[bytes], object] | None
    """A store whose default graph is the cleaned closure of `store`'s default graph (the asserted triples) by
    the named reasoner, custom rules included. When the reasoner keeps what it adds apart (the native one's
    semi-naive rounds), each round's added triples go to `keep` as N-Triples and the lines to leave out of
    them again are returned; else None (only the store says). The native reasoner closes `store` itself.
    `where(term)` names the file that uses a term the native rules do not handle; `asserted_terms` are
    rules.vocabulary_terms of the asserted N-Triples, if the caller has them."""
    from . import rules

    rule_files = rules.load_rules()
    if reasoner == "native":
        return store, rules.close(store, rule_files, where, asserted_terms, keep)
    from .reasoning import close_owlrl

    return close_owlrl([q.triple for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())],
                       rule_files), None


def closure_of(per_file: list[tuple[Path, list[ox.Triple]]], reasoner: str) -> list[ox.Triple]:
    """The cleaned closure's triples (asserted ones included), for comparing reasoners."""
    from .rules import where_used

    store = ox.Store()
    store.extend(ox.Quad(t.subject, t.predicate, t.object) for _, triples in per_file for t in triples)
    closed, _ = closure_store(store, reasoner, lambda term: where_used(per_file, term))
    return [q.triple for q in closed.quads_for_pattern(None, None, None, ox.DefaultGraph())]


def announce(message: str, *args: object) -> None:
    """Tell the user what takes time: on stderr from the command line, else through the "probgraph" logger."""
    from . import cache

    if cache.notice is not None:
        cache.notice(message % args)
        return
    import logging

    logging.getLogger("probgraph").info(message, *args)


def _canonical_asserted(store: ox.Store, nt: bytes, blank: list[bytes]) -> tuple[list[bytes], list[bytes]]:
    """The store's default graph (the asserted triples, `nt` as dumped, `blank` its blank_lines) as sorted
    N-Triples lines, and those of them with blank nodes, renamed canonically (RDFC-1.0) here and in the store,
    so that the closure the rules add inherits the labels.

    The blank-node lines are canonicalised as they will stand in the entry: in the default graph and in the
    asserted graph. When the closure adds no triple about a blank node (the real graph), the labels are
    exactly those of canonicalising the whole entry at once, as compile did before.
    """
    lines = nt.splitlines()
    if not blank:
        return sorted(lines), []
    suffix = f" {ASSERTED_GRAPH} .".encode()
    renamed = [line for line in canonical_lines(b"\n".join(blank + [line[:-2] + suffix for line in blank]))
               if not line.endswith(suffix)]
    for quad in ox.parse(b"\n".join(blank), format=ox.RdfFormat.N_TRIPLES):
        store.remove(quad)
    store.extend(ox.parse(b"\n".join(renamed), format=ox.RdfFormat.N_TRIPLES))  # load() would relabel them
    drop = set(blank)
    return sorted([line for line in lines if line not in drop] + renamed), renamed


def _meanwhile(work, name: str):  # -> Callable[[], T]
    """Run `work()` in a thread; the function returned waits for it and gives its result (or raises its error)."""
    box: dict[str, object] = {}

    def run() -> None:
        try:
            box["result"] = work()
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting caller
            box["error"] = exc

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()

    def wait():
        thread.join()
        if "error" in box:
            raise box["error"]
        return box["result"]
    return wait


def _open_meanwhile(path: Path):  # -> Callable[[], ox.Store]
    """Start creating the on-disk store in a thread; the function returned waits for it (or raises its error).

    RocksDB spends about 0.1 s of a cold compile starting its threads, and pyoxigraph releases the GIL
    while it opens, so that time overlaps with parsing and reasoning instead of following them.
    """
    return _meanwhile(lambda: ox.Store(str(path)), "probgraph-open-store")


def _write_lines(path: Path, lines: list[bytes], chunk: int = 1 << 16) -> tuple[int, str]:
    """Write the lines, each ending in a newline, a chunk at a time (no copy of the whole file in memory);
    return the size and SHA-256 of what was written."""
    digest, size = hashlib.sha256(), 0
    with path.open("wb") as fh:
        for i in range(0, len(lines), chunk):
            data = b"\n".join(lines[i:i + chunk]) + b"\n"
            fh.write(data)
            digest.update(data)
            size += len(data)
    return size, digest.hexdigest()


def _load_meanwhile(opened, path: Path, graphs: list[ox.NamedNode | ox.DefaultGraph]):
    """In a thread, once `opened()` gives the on-disk store, bulk-load the N-Triples file into each of `graphs` in
    turn, a block at a time (slices.load_slices); the function returned waits for it and gives the store (or
    raises the thread's error). The lines with "_:" are left for the last load.

    pyoxigraph releases the GIL while it loads, so RocksDB's writing overlaps with the work in Python, and
    loads into one store may run at once (each writes its own SST files).
    """
    from .slices import file_blocks, load_slices

    def run() -> tuple[ox.Store, list[bytes]]:
        store = opened()
        return store, [line for graph in graphs for line in load_slices(store, file_blocks(path), graph)]
    return _meanwhile(run, "probgraph-write-store")


def _unnamed_file(folder: Path):  # -> BinaryIO
    """A temporary file in `folder` that no name points to: gone when closed, or when the process dies.
    Linux's O_TMPFILE makes one without tempfile's import (milliseconds of a cold compile); elsewhere tempfile."""
    if hasattr(os, "O_TMPFILE"):
        try:
            return os.fdopen(os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o600), "w+b")
        except OSError:  # a file system without it
            pass
    import tempfile

    return tempfile.TemporaryFile(dir=folder)


class _Spool:
    """The semi-naive rounds' added triples: `keep` appends each round's to a temporary file in the entry folder,
    and a thread bulk-loads them from there into the on-disk store's default graph meanwhile, each time a
    whole block is in the file (so a small graph's go in the last load, as one). Nothing is held in Python
    beside the rules' store; `read` gives them all back once that store is gone."""

    def __init__(self, opened, folder: Path) -> None:
        self._file = _unnamed_file(folder)
        self._written, self._ended = 0, False
        self._grown = threading.Condition()  # (the queue module's import costs a cold compile 8 ms)
        self._wait = _meanwhile(lambda: self._load(opened()), "probgraph-write-store")

    def keep(self, data: bytes) -> None:
        self._file.write(data)
        self._file.flush()
        with self._grown:
            self._written += len(data)
            self._grown.notify()

    def _load(self, store: ox.Store) -> tuple[ox.Store, list[bytes]]:
        from .slices import BLOCK, load_slices

        block = BLOCK
        held: list[bytes] = []
        start = 0
        while True:
            with self._grown:
                self._grown.wait_for(lambda at=start: self._ended or self._written - at >= block)
                end, ended = self._written, self._ended
            while end - start >= block:
                data = os.pread(self._file.fileno(), block, start)
                cut = data.rfind(b"\n")
                if cut == -1:  # a line longer than a block: it waits for the last load
                    break
                held += load_slices(store, [data[:cut]], ox.DefaultGraph())
                start += cut + 1
            if ended:
                return store, held + os.pread(self._file.fileno(), end - start, start).splitlines()
            if end - start >= block:  # that long line: wait for the end
                with self._grown:
                    self._grown.wait_for(lambda: self._ended)

    def end(self) -> None:
        """No more rounds: the thread loads what is left of the last whole block and stops."""
        with self._grown:
            self._ended = True
            self._grown.notify()

    def done(self) -> tuple[ox.Store, list[bytes]]:
        """Wait for the thread: the store, and the lines it did not load (with "_:", and the last part-block)."""
        self.end()
        return self._wait()

    def read(self) -> bytes:
        self._file.seek(0)
        return self._file.read()

    def close(self) -> None:
        self._file.close()


def _finish_meanwhile(opened, lines: list[bytes], spooled, drop: set[bytes], held: list[bytes],
                      tail: bytes):  # -> Callable[[], ox.Store]
    """In a thread: `lines` into the on-disk store's default graph a block at a time; once the rounds' loads
    are done (`spooled()`), the triples in `drop` out of it (the clean-up removed them from the closure after
    their round was loaded); then the last block in one document with `held` (the asserted lines with "_:",
    as N-Quads), every line the other loads held back, less `drop`, and `tail`. A bulk load gives a
    document's blank nodes new labels, so every line with one must be in that one document."""
    from .slices import line_blocks, load_slices

    def run() -> ox.Store:
        store = opened()
        blocks = line_blocks(lines)
        last = next(blocks, b"")
        rest: list[bytes] = []
        for block in blocks:
            rest += load_slices(store, [last], ox.DefaultGraph())
            last = block
        rest += spooled()[1]
        if drop:
            loaded = drop.difference(rest)  # the others were held back: left out of the last load below
            rest = [line for line in rest if line not in drop]
            for quad in ox.parse(b"\n".join(loaded), format=ox.RdfFormat.N_TRIPLES):
                store.remove(quad)
        store.bulk_load(b"\n".join([last, *rest, *held, tail]), format=ox.RdfFormat.N_QUADS, lenient=True)
        return store
    return _meanwhile(run, "probgraph-write-store")


# asserted triples above which the freed store is handed back to the system (below, ctypes' import costs more)
_TRIM_ABOVE = 100_000


def _give_back_memory() -> None:
    """Return the heap freed by the rules' store to the system (glibc's malloc_trim), where there is one.

    Rust frees the store into the main thread's malloc arena, which neither Python's own allocator (its small
    objects live in separate mappings) nor the loading threads' arenas reuse: without this, the process stays
    at its peak while the lines are sorted and written (1.4 GB against 0.6-0.8 GB at real + 1M).
    """
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).malloc_trim(0)


def _record(meta: dict[str, object], target: Path, which: str, lines: list[bytes]) -> None:
    """Write `which`.nt and put its triple count, size and SHA-256 in `meta`."""
    size, digest = _write_lines(target / f"{which}.nt", lines)
    meta.update({f"{which}_triples": len(lines), f"{which}_bytes": size, f"{which}_sha256": digest})


def build(target: Path, files: list[Path], key: str, reasoner: str = "native", cached: bool = True,
          contents: dict[str, bytes] | None = None) -> None:
    """Parse, reason, clean and write one cache entry into `target` (a temporary one unless `cached`);
    `contents` are input files' bytes already read (by path), which load_inputs takes.

    The asserted graph is made canonical first and written to asserted.nt, and from there into the on-disk
    store a slice at a time while the rules run, so that no copy of it is held beside the rules' store (the
    largest thing in memory: at real + 1M most of the peak). The rounds' added triples go to a temporary file
    and from there into the store meanwhile (_Spool); once the rules' store is gone they are read back, sorted
    and merged with the asserted lines into closure.nt.
    """
    from . import slices
    from .rules import vocabulary_terms, where_used

    slow = "" if reasoner == "native" else "; this takes a while" + (" once, then it is cached" if cached else "")
    announce("compiling the graph from %d files (ontology + data + %s)%s", len(files),
             "OWL 2 RL rules" if reasoner == "native" else "owlrl's OWL 2 RL closure", slow)

    opened = _open_meanwhile(target / "store")
    writes: list = []
    spool = None
    try:
        store = load_inputs(files, contents)
        nt = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
        asserted, blank = _canonical_asserted(store, nt, blank_lines(nt))
        terms = vocabulary_terms(nt) if reasoner == "native" else None
        del nt
        meta: dict[str, object] = {"format": CACHE_FORMAT, "version": __version__, "key": key,
                                   "reasoner": reasoner, "inputs": len(files)}
        _record(meta, target, "asserted", asserted)
        large = len(asserted) > _TRIM_ABOVE
        del asserted  # read back once the rules' store is gone
        # into both graphs at once when it is one block (0.1 s less at the real graph), else one block at a time
        # (one loader's buffers beside the rules' store); the lines they hold back are `blank`, in each graph:
        # the last load has them from here, not waiting
        graphs: list[ox.NamedNode | ox.DefaultGraph] = [ox.DefaultGraph(), ASSERTED_GRAPH]
        path = target / "asserted.nt"
        parts = [graphs] if path.stat().st_size > slices.BLOCK else [[graph] for graph in graphs]
        writes += [_load_meanwhile(opened, path, part) for part in parts]
        suffix = f" {ASSERTED_GRAPH} .".encode()
        blank += [line[:-2] + suffix for line in blank]
        spool = _Spool(opened, target)
        writes.append(spool.done)
        closed, gone = closure_store(store, reasoner, lambda term: where_used(read_inputs(files), term),
                                     terms, spool.keep)
        spool.end()
        del store
        if gone is None:  # only the store knows what was added: compare its closure with the asserted lines
            closure = sorted(closed.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()).splitlines())
        del closed
        if large:
            _give_back_memory()
        if gone is None:
            everything = set((target / "asserted.nt").read_bytes().splitlines())
            new = [line for line in closure if line not in everything]
            del everything
        else:  # each added triple once, none of them asserted: the closure is two sorted lists merged
            new = sorted(line for line in spool.read().splitlines() if line not in gone)
            closure = (target / "asserted.nt").read_bytes().splitlines() + new
            closure.sort()
            new = []  # the spool's thread has them (or holds them for the last load)
        mark = ox.Quad(CACHE_GRAPH, KEY_PREDICATE, ox.Literal(key), CACHE_GRAPH)
        writes.append(_finish_meanwhile(opened, new, spool.done, gone or set(), blank,
                                        ox.serialize([mark], format=ox.RdfFormat.N_QUADS)))
        _record(meta, target, "closure", closure)
        del closure, new
        disk = [done() for done in writes][-1]
    except BaseException:
        for done in writes or [opened]:  # let the writing finish, so nothing writes into the folder once the
            with contextlib.suppress(BaseException):  # caller removes it
                done()
        raise
    finally:
        if spool is not None:
            spool.close()
    disk.flush()
    del disk
    (target / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
