"""Find and check the cache entry for the current inputs, cheaply: the warm path of every command.

A warm query should cost little more than `oxigraph query` (issue 11), so this module imports only os and
time on that path (no zlib, json, hashlib, pathlib, logging, dataclasses or typing; compile.py builds entries), and
pyoxigraph only to open a store: the parent of a bounded query never opens one.
The inputs are recognised by a fingerprint, the text of their paths, sizes, inodes and change times, kept
beside the content key it stands for under fingerprints/ (one file per checkout and reasoner); only a
changed fingerprint costs hashing the files' bytes. Comparing the text itself needs no hash at all.
Every read is checked: meta.json must be a sound record whose key is the entry's name, the N-Triples files
must have the recorded sizes (and, when read, hashes and triple counts), and the store must hold the key.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False  # typing is not imported on the warm path
if TYPE_CHECKING:
    from collections.abc import Callable

    import pyoxigraph as ox

CACHE_FORMAT = "2"
REASONERS = ("native", "owlrl")
# ASSERTED_GRAPH, and where the store records which entry it belongs to (so a store copied from another entry
# is caught on opening): pyoxigraph terms, made on first use by __getattr__ below
GRAPH_IRIS = {"ASSERTED_GRAPH": "https://w3id.org/probgraph/graph/asserted",
              "CACHE_GRAPH": "https://w3id.org/probgraph/graph/cache",
              "KEY_PREDICATE": "https://w3id.org/probgraph/graph/cache#key"}
NT_FILES = ("asserted", "closure")
SETTLE_NS = 2_000_000_000  # a file changed this recently may change again within the same mtime tick
_INPUT_SUFFIXES = (".ttl", ".ru", ".rq")
META_FIELDS = {"format": str, "version": str, "key": str, "reasoner": str, "inputs": int,
               **{f"{w}_{f}": int for w in NT_FILES for f in ("triples", "bytes")},
               **{f"{w}_sha256": str for w in NT_FILES}}


# Set by the command line to show what takes time (a compile) on stderr; library callers get the "probgraph"
# logger instead. A hook rather than logging setup, so the warm path never imports logging.
notice: Callable[[str], None] | None = None


def _term(name: str) -> ox.NamedNode:
    term = globals().get(name)
    if term is None:
        import pyoxigraph as ox

        term = globals()[name] = ox.NamedNode(GRAPH_IRIS[name])
    return term


def __getattr__(name: str) -> ox.NamedNode:
    """ASSERTED_GRAPH, CACHE_GRAPH and KEY_PREDICATE as terms; pyoxigraph is imported only when they are used."""
    if name in GRAPH_IRIS:
        return _term(name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class DamagedCache(Exception):
    """A cache entry whose files do not match what its meta.json recorded."""


class Compiled:
    """A compiled graph on disk: a folder with store/, asserted.nt, closure.nt and meta.json."""

    __slots__ = ("folder",)

    def __init__(self, folder: str | os.PathLike) -> None:
        self.folder = os.fspath(folder)

    @property
    def path(self):  # -> pathlib.Path, imported only when asked for
        from pathlib import Path

        return Path(self.folder)

    @property
    def store_path(self):
        return self.path / "store"

    @property
    def asserted_nt(self):
        return self.path / "asserted.nt"

    @property
    def closure_nt(self):
        return self.path / "closure.nt"

    def meta(self) -> dict:
        """meta.json, checked: a dict with every field of the right type, or DamagedCache."""
        return checked_meta(self.folder)

    def is_complete(self) -> bool:
        """meta.json is sound and the files it describes are there with the recorded sizes."""
        try:
            meta = checked_meta(self.folder)
            return all(os.stat(os.path.join(self.folder, f"{w}.nt")).st_size == meta[f"{w}_bytes"]
                       for w in NT_FILES) and os.path.isdir(os.path.join(self.folder, "store"))
        except (DamagedCache, OSError):
            return False

    def read_nt(self, which: str) -> bytes:
        """asserted.nt or closure.nt, verified against the size, hash and triple count in meta.json."""
        import hashlib

        meta = self.meta()
        with open(os.path.join(self.folder, f"{which}.nt"), "rb") as fh:
            data = fh.read()
        if len(data) != meta[f"{which}_bytes"] or hashlib.sha256(data).hexdigest() != meta[f"{which}_sha256"] \
                or data.count(b"\n") != meta[f"{which}_triples"]:
            raise DamagedCache(f"{which}.nt")
        return data

    def open_store(self) -> ox.Store:
        """The on-disk store, read-only, checked to belong to this entry.

        The key it must hold is the folder's name, which checked_meta requires meta.json's key to be; meta.json
        itself is checked by is_complete (warm_entry), not read again here: that read (and the version it
        needs from the ontology) cost the query's child half a millisecond.
        """
        import pyoxigraph as ox

        store = ox.Store.read_only(os.path.join(self.folder, "store"))
        key = ox.Literal(os.path.basename(os.path.normpath(self.folder)))
        graph = _term("CACHE_GRAPH")
        if not any(True for _ in store.quads_for_pattern(graph, _term("KEY_PREDICATE"), key, graph)):
            raise DamagedCache("store")
        return store


def checked_meta(folder: str) -> dict:
    """meta.json of an entry, or DamagedCache if it is unreadable, not a record, or another entry's."""
    try:
        with open(os.path.join(folder, "meta.json"), encoding="utf-8") as fh:
            meta = parse_meta(fh.read())
    except (OSError, ValueError) as exc:
        raise DamagedCache("meta.json") from exc
    if any(type(meta.get(k)) is not kind for k, kind in META_FIELDS.items()):
        raise DamagedCache("meta.json")
    from . import __version__  # read from the ontology when asked for, so not at import

    if meta["format"] != CACHE_FORMAT or meta["version"] != __version__ \
            or meta["key"] != os.path.basename(os.path.normpath(folder)):
        raise DamagedCache("meta.json")
    return meta


def parse_meta(text: str) -> dict[str, str | int]:
    """Read meta.json as compile writes it (json.dumps, indent 2, sorted keys, flat strings and integers).

    Anything else is a damaged entry (ValueError). Parsed by hand: `json` imports `re`, which costs a
    warm query milliseconds.
    """
    lines = text.split("\n")
    if len(lines) < 3 or lines[0] != "{" or lines[-2:] != ["}", ""]:
        raise ValueError("not a meta.json record")
    meta: dict[str, str | int] = {}
    for i, line in enumerate(lines[1:-2], start=2):
        body = line[:-1] if i < len(lines) - 2 else line  # every line but the last ends with a comma
        key, sep, value = body[3:].partition('": ')
        if not body.startswith('  "') or not sep or key in meta:
            raise ValueError("not a meta.json record")
        if len(value) >= 2 and value[0] == value[-1] == '"' and not set(value[1:-1]) & {'"', "\\"}:
            meta[key] = value[1:-1]
        elif value.isascii() and value.isdigit():
            meta[key] = int(value)
        else:
            raise ValueError("not a meta.json record")
    return meta


def cache_root() -> str:
    """$PROBGRAPH_CACHE_DIR, else $XDG_CACHE_HOME/probgraph, else ~/.cache/probgraph."""
    explicit = os.environ.get("PROBGRAPH_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "probgraph")


def default_reasoner() -> str:
    """$PROBGRAPH_REASONER if set (native or owlrl), else native."""
    name = os.environ.get("PROBGRAPH_REASONER") or "native"
    if name not in REASONERS:
        from .errors import UsageError

        raise UsageError(f"PROBGRAPH_REASONER={name!r} is not a reasoner", f"use one of: {', '.join(REASONERS)}")
    return name


def key_header(reasoner: str) -> bytes:
    """What every key and fingerprint starts from: the package version, the cache format, the reasoner."""
    from . import __version__

    return f"probgraph {__version__} cache {CACHE_FORMAT} reasoner {reasoner}\n".encode()


def fingerprint(root: str, reasoner: str) -> tuple[str, bool]:
    """Paths, sizes, inodes and change times of every input under ontology/ and data/; and whether it settled.

    It covers every .ttl, .ru and .rq file there (a superset of the key's inputs). It cannot be trusted
    while a file changed in the last two seconds (it could change again within the file system's time
    resolution, keeping size and times), so then the content is hashed every time.
    """
    files = _walk(root)
    newest = max((max(st.st_mtime_ns, st.st_ctime_ns) for _, st in files), default=0)
    lines = "".join(f"{rel}\0{st.st_size} {st.st_ino} {st.st_mtime_ns} {st.st_ctime_ns}\n" for rel, st in files)
    return key_header(reasoner).decode() + root + "\n" + lines, time.time_ns() - newest > SETTLE_NS


def _walk(root: str) -> list[tuple[str, os.stat_result]]:
    found = []
    pending = ["ontology", "data"]
    while pending:
        rel = pending.pop()
        try:
            entries = list(os.scandir(os.path.join(root, rel)))
        except OSError:
            continue
        for e in entries:
            child = f"{rel}/{e.name}"
            if e.is_dir():
                pending.append(child)
            elif e.name.endswith(_INPUT_SUFFIXES):
                try:
                    st = e.stat()
                except OSError:  # a dangling symlink: it changes the fingerprint, and resources refuses it
                    st = e.stat(follow_symlinks=False)
                found.append((child, st))
    return sorted(found, key=lambda item: item[0])


def _record_path(root: str, reasoner: str) -> str:
    """Where the fingerprint of a checkout's inputs is kept beside their key.

    The file name only spreads checkouts over files; the whole fingerprint is compared. Its eight hex digits
    are the 32-bit FNV-1a hash of the root's path, computed here: zlib's crc32 meant loading a shared library
    before the query's fork (0.7 ms).
    """
    spread = 0x811C9DC5
    for byte in root.encode():
        spread = ((spread ^ byte) * 0x01000193) & 0xFFFFFFFF
    return os.path.join(cache_root(), "fingerprints", f"{spread:08x}-{reasoner}")


def _recorded(path: str) -> tuple[str, str] | None:
    """The key and fingerprint text recorded at `path`, or None if there is no sound record."""
    try:
        with open(path, encoding="utf-8") as fh:
            key, _, recorded = fh.read().partition("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return (key, recorded) if len(key) == 32 and key.isalnum() else None


def current_key(reasoner: str) -> str:
    """The cache key of the current inputs: by fingerprint when the files have not changed, else hashed."""
    from .resources import root_dir

    root = root_dir()
    text, settled = fingerprint(root, reasoner)
    known = _record_path(root, reasoner)
    record = _recorded(known)
    if record is not None and record[1] == text:
        return record[0]
    from .compile import cache_key, key_inputs

    key = cache_key(key_inputs(reasoner), reasoner)
    if settled:
        try:
            os.makedirs(os.path.dirname(known), exist_ok=True)
            tmp = f"{known}.{os.getpid()}.part"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(f"{key}\n{text}")
            os.replace(tmp, known)
        except OSError:
            pass  # an unwritable cache costs a hash per call, nothing else
    return key


def recorded_entry(reasoner: str | None = None) -> Compiled | None:
    """The entry the inputs had when their fingerprint was last recorded: a guess, not checked here.

    A bounded query's child opens it while the parent checks the inputs (warm_entry), so that the fingerprint
    walk runs beside the store's open on a second core; an answer from it is used only if warm_entry finds
    the same entry.
    """
    from .resources import root_dir

    record = _recorded(_record_path(root_dir(), reasoner or default_reasoner()))
    return None if record is None else Compiled(os.path.join(cache_root(), record[0]))


def warm_entry(reasoner: str | None = None) -> Compiled | None:
    """The complete cache entry for the current inputs, or None when it must be built."""
    entry = Compiled(os.path.join(cache_root(), current_key(reasoner or default_reasoner())))
    return entry if entry.is_complete() else None
