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
import shutil
import sys
import tempfile
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
    NT_FILES,
    REASONERS,
    Compiled,
    DamagedCache,
    cache_root,
    current_key,
    default_reasoner,
    key_header,
)
from .errors import UsageError, first_line

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
            tmp = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=root))
        except OSError as exc:
            print(f"probgraph: warning: cache folder {root} is not writable "
                  f"({exc.strerror}); compiling without a cache", file=sys.stderr)
        else:
            lock = _hold_lock(tmp)
            try:
                build(tmp, files, key, reasoner, cached=True, contents=contents)
                if Compiled(entry).is_complete() and not rebuild:
                    shutil.rmtree(tmp, ignore_errors=True)  # another process finished first: use its entry
                    return Compiled(entry)
                if entry.exists():  # stale, damaged or rebuilt on request: move it aside, then drop it
                    trash = Path(tempfile.mkdtemp(prefix=".trash-", dir=root))
                    os.rename(entry, trash / "old")
                    shutil.rmtree(trash, ignore_errors=True)
                os.unlink(tmp / ".lock")
                os.rename(tmp, entry)
            except OSError as exc:
                shutil.rmtree(tmp, ignore_errors=True)
                if Compiled(entry).is_complete():
                    return Compiled(entry)
                raise UsageError(f"cannot write the cache in {root} ({exc.strerror or exc})",
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
    key = cache_key(key_inputs(reasoner), reasoner)
    (tmp / key).mkdir()  # an entry is named by its key, which meta.json must match
    try:
        build(tmp / key, files, key, reasoner, cached=False)
    except OSError as exc:  # a full disk, most often: say so rather than answer nothing
        shutil.rmtree(tmp, ignore_errors=True)
        raise UsageError(f"cannot compile the graph in the temporary folder {tmp.parent} "
                         f"({first_line(exc.strerror or exc)})",
                         "free some disk space there, or set TMPDIR to a folder with room (about 10 MB)") from None
    return Compiled(tmp / key)


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
            shutil.rmtree(child, ignore_errors=True)
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
            shutil.rmtree(child, ignore_errors=True)
    return n


def read_inputs(files: list[Path]) -> list[tuple[Path, list[ox.Triple]]]:
    """Parse every input file (syntax errors carry file:line:col)."""
    from .parsing import read_turtle

    return [(f, read_turtle(f)) for f in files]


def triple_key(t: ox.Triple) -> tuple[str, str, str]:
    """The sort order of triples in every file and listing probgraph writes."""
    return str(t.subject), str(t.predicate), str(t.object)


def blank_lines(data: bytes) -> list[bytes]:
    """The lines of N-Triples or N-Quads text that hold "_:" (a blank node, or those characters in a literal).

    One scan of the whole text for the few such lines: testing `b"_:" in line` on every line costs
    about 1 µs a line."""
    out, i = [], data.find(b"_:")
    while i != -1:
        start, end = data.rfind(b"\n", 0, i) + 1, data.find(b"\n", i)
        end = len(data) if end == -1 else end
        out.append(data[start:end])
        i = data.find(b"_:", end)
    return out


def _without_lines(data: bytes, lines: list[bytes]) -> bytes:
    """The text without these lines of it (found in order, as blank_lines gives them), in one copy."""
    parts, at = [], 0
    for line in lines:
        i = data.index(line, at)
        parts.append(data[at:i])
        at = i + len(line) + 1
    return b"".join(parts) + data[at:]


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


def closure_store(store: ox.Store, reasoner: str, where,
                  asserted_nt: bytes | None = None) -> tuple[ox.Store, bytes | None]:
    """A store whose default graph is the cleaned closure of `store`'s default graph (the asserted triples) by
    the named reasoner, custom rules included, and the N-Triples of the triples it adds when the reasoner
    kept them apart (the native one's semi-naive rounds; else None). The native reasoner closes `store`
    itself. `where(term)` names the file that uses a term the native rules do not handle; `asserted_nt` is
    the default graph as N-Triples, if the caller has it."""
    from . import rules

    rule_files = rules.load_rules()
    if reasoner == "native":
        return store, rules.close(store, rule_files, where, asserted_nt)
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
    import threading

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


def _load_meanwhile(opened, data: bytes, fmt: ox.RdfFormat, graph: object):  # -> Callable[[], ox.Store]
    """In a thread, once `opened()` gives the on-disk store, bulk-load the data into it; the function returned
    waits for it and gives the store (or raises the thread's error).

    pyoxigraph releases the GIL while it loads, so RocksDB's writing overlaps with the work in Python, and
    loads into one store may run at once (each writes its own SST files). `lenient` skips re-validating IRIs:
    the text is what pyoxigraph itself serialised.
    """
    def run() -> ox.Store:
        store = opened()
        store.bulk_load(data, format=fmt, to_graph=graph, lenient=True)
        return store
    return _meanwhile(run, "probgraph-write-store")


def build(target: Path, files: list[Path], key: str, reasoner: str = "native", cached: bool = True,
          contents: dict[str, bytes] | None = None) -> None:
    """Parse, reason, clean and write one cache entry into `target` (a temporary one unless `cached`);
    `contents` are input files' bytes already read (by path), which load_inputs takes.

    The asserted graph is made canonical first and written to the on-disk store while the rules run; the
    triples the rules add are written while asserted.nt and closure.nt are.
    """
    from .rules import where_used

    slow = "" if reasoner == "native" else "; this takes a while" + (" once, then it is cached" if cached else "")
    announce("compiling the graph from %d files (ontology + data + %s)%s", len(files),
             "OWL 2 RL rules" if reasoner == "native" else "owlrl's OWL 2 RL closure", slow)

    nt_, nq = ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS
    opened = _open_meanwhile(target / "store")
    writes = []
    try:
        store = load_inputs(files, contents)
        nt = store.dump(format=nt_, from_graph=ox.DefaultGraph())
        dumped_blank = blank_lines(nt)
        asserted, blank = _canonical_asserted(store, nt, dumped_blank)
        # a bulk load gives a document's blank nodes new labels, so every line with one goes in the last load
        plain = _without_lines(nt, dumped_blank) if blank else nt
        writes += [_load_meanwhile(opened, plain, nt_, ox.DefaultGraph()),
                   _load_meanwhile(opened, plain, nt_, ASSERTED_GRAPH)]
        closed, added = closure_store(store, reasoner, lambda term: where_used(read_inputs(files), term), nt)
        del nt
        if added is None:  # only the store knows what was added: compare its closure with the asserted lines
            closure = sorted(closed.dump(format=nt_, from_graph=ox.DefaultGraph()).splitlines())
            everything = set(asserted)
            new = [line for line in closure if line not in everything]
        else:  # each added triple once, none of them asserted: the closure is two sorted lists merged
            new = sorted(added.splitlines())
            closure = asserted + new
            closure.sort()
        del store, closed, added  # the in-memory store is the largest thing held; from here on only lines
        suffix = f" {ASSERTED_GRAPH} .".encode()
        mark = ox.Quad(CACHE_GRAPH, KEY_PREDICATE, ox.Literal(key), CACHE_GRAPH)
        rest = b"\n".join(new + blank + [line[:-2] + suffix for line in blank])
        writes.append(_load_meanwhile(opened, rest + b"\n" + ox.serialize([mark], format=nq), nq, None))
        meta: dict[str, object] = {"format": CACHE_FORMAT, "version": __version__, "key": key,
                                   "reasoner": reasoner, "inputs": len(files)}
        for which, lines in zip(NT_FILES, (asserted, closure), strict=True):
            size, digest = _write_lines(target / f"{which}.nt", lines)
            meta.update({f"{which}_triples": len(lines), f"{which}_bytes": size, f"{which}_sha256": digest})
        disk = [done() for done in writes][-1]
    except BaseException:
        for done in writes or [opened]:  # let the writing finish, so nothing writes into the folder once the
            with contextlib.suppress(BaseException):  # caller removes it
                done()
        raise
    disk.flush()
    del disk
    (target / "meta.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n", encoding="utf-8")
