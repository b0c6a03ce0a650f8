"""Open the compiled graph for queries: a pyoxigraph store on disk, read-only.

Opening it costs milliseconds, where re-parsing the Turtle into rdflib costs seconds (docs/design-decisions.md,
"Measured reasons"), so the warm query path imports neither rdflib nor the reasoner, and not even compile.py
unless the entry has to be built.
"""

from __future__ import annotations

import _thread
import os
from itertools import islice

from .cache import DamagedCache, warm_entry
from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pyoxigraph as ox

    from .cache import Compiled


def open_store(use_cache: bool = True) -> ox.Store:
    """The compiled closure, compiling it first if the inputs changed or the entry is damaged.

    From the cache, the store this process opened last is given again while it is the current entry's and its
    folder is as it was then (_reopened): opening one costs 14-19 ms of CPU (RocksDB starts and stops about 140
    threads), paid on every entry a library caller such as the test suite or `serve` validates.
    """
    if use_cache:
        entry = warm_entry()
        if entry is not None:
            try:
                return _reopened(entry)
            except (DamagedCache, OSError, RuntimeError, ValueError):
                pass
    from .compile import compiled

    try:
        return _reopened(compiled(use_cache=True)) if use_cache else compiled(use_cache=False).open_store()
    except (DamagedCache, OSError, RuntimeError, ValueError):
        return compiled(use_cache=use_cache, rebuild=True).open_store()


def _reopened(entry: Compiled) -> ox.Store:
    """entry.open_store(), or the store it gave this process last if nothing in the entry's store/ folder has
    changed since (its stamp is taken before the open, so a change made while it opened is seen next time)."""
    global _last
    stamp = (entry.folder, _folder_stamp(os.path.join(entry.folder, "store")))
    last = _last
    if last is not None and last[0] == stamp:
        return last[1]
    store = entry.open_store()
    _last = stamp, store
    return store


def _folder_stamp(folder: str) -> tuple:
    """The folder's and each of its files' inode, size, modification and change times: a store replaced,
    rebuilt, removed or written to in place changes it (an entry is built in a new folder and renamed into
    place, so its store/ is a new inode)."""
    def of(st: os.stat_result) -> tuple[int, int, int, int]:
        return st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns

    with os.scandir(folder) as found:
        files = sorted((e.name, of(e.stat(follow_symlinks=False))) for e in found)
    return of(os.stat(folder)), files


_last: tuple | None = None  # (the entry's folder and its store's stamp, the store opened then), one per process


def for_lookups(store: ox.Store) -> ox.Store:
    """A store to look many single nodes of `store`'s asserted graph up in: from the second time this process
    asks for the same store (open_store gives it again while its entry is unchanged), an in-memory copy of that
    graph, made once; else the store itself.

    A lookup in the on-disk store costs 20-250 us (RocksDB, and the string of every term it answers), ten
    times one in memory, and an entry's slice of the graph takes about 900 of them; copying the real graph's
    12,289 asserted triples costs 150-180 ms, more than a process that validates one entry (the command line)
    would save, so only a process that asks again pays it. The copy holds the same quads, graph names and
    blank-node labels included; a graph over COPY_LIMIT quads is not copied (at 1M, a copy would take seconds
    and hundreds of MB).
    """
    global _copy
    held = _copy
    if held is None or held[0] is not store:
        _copy = store, None
        return store
    if held[1] is None:
        import pyoxigraph as ox

        from .cache import ASSERTED_GRAPH

        quads = list(islice(store.quads_for_pattern(None, None, None, ASSERTED_GRAPH), COPY_LIMIT + 1))
        if len(quads) > COPY_LIMIT:  # a large graph is looked up where it is: no copy of it in memory
            copy = store
        else:
            copy = ox.Store()
            copy.extend(quads)
        held = _copy = store, copy
    return held[1]


COPY_LIMIT = 200_000  # quads of the asserted graph for_lookups copies at most (the real graph has 12,289)


_copy: tuple | None = None  # (the store last asked for by for_lookups, its in-memory copy once made)


class StoreUnreadable(UsageError):
    """A cache entry's store does not open (damaged): the caller rebuilds it."""


def current_entry(use_cache: bool = True):  # -> cache.Compiled
    """The cache entry for the current inputs, compiled first if needed, not yet opened."""
    if use_cache:
        entry = warm_entry()
        if entry is not None:
            return entry
    from .compile import compiled

    return compiled(use_cache=use_cache)


def open_entry(entry) -> ox.Store:
    """One entry's store, or StoreUnreadable (a bounded query's child cannot rebuild the cache itself)."""
    try:
        return entry.open_store()
    except (DamagedCache, OSError, RuntimeError, ValueError) as exc:
        raise StoreUnreadable(f"the cached store does not open ({exc})", "run: probgraph compile --force") from None


class Opening:
    """One entry's store, opened on a thread of its own while the thread that asked goes on.

    Opening a store holds no GIL for its 13-15 ms (RocksDB's own threads open the files), so a query's child
    loads its remaining modules and sets its limits meanwhile (docs/design-decisions.md, "Warm path, fourth
    pass"). `_thread`, built into the interpreter, costs nothing to import, where `threading` costs a
    millisecond.
    """

    __slots__ = ("entry", "_done", "_got", "_started")

    def __init__(self, entry: Compiled) -> None:
        self.entry = entry
        self._done = _thread.allocate_lock()  # held while the store opens
        self._got: list[ox.Store | BaseException] = []
        self._started = False

    def start(self) -> None:
        """Begin opening, once (pyoxigraph is imported first, here: an import on the other thread would hold the
        import lock that this one's imports wait for)."""
        if self._started:
            return
        import pyoxigraph  # noqa: F401

        self._started = True
        self._done.acquire()
        _thread.start_new_thread(self._open, ())

    def _open(self) -> None:
        try:
            self._got.append(open_entry(self.entry))
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that waits, raised there
            self._got.append(exc)
        finally:
            self._done.release()

    def store(self) -> ox.Store:
        """The open store (started here if start() was not called), or what opening it raised."""
        if not self._started:
            self.start()
        with self._done:  # released once the store is open
            got = self._got[0]
        if isinstance(got, BaseException):
            raise got
        return got
