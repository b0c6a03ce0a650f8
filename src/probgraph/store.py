"""Open the compiled graph for queries: a pyoxigraph store on disk, read-only.

Opening it costs milliseconds, where re-parsing the Turtle into rdflib costs seconds (docs/design-decisions.md,
"Measured reasons"), so the warm query path imports neither rdflib nor the reasoner, and not even compile.py
unless the entry has to be built.
"""

from __future__ import annotations

from .cache import DamagedCache, warm_entry
from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    import pyoxigraph as ox


def open_store(use_cache: bool = True) -> ox.Store:
    """The compiled closure, compiling it first if the inputs changed or the entry is damaged."""
    if use_cache:
        entry = warm_entry()
        if entry is not None:
            try:
                return entry.open_store()
            except (DamagedCache, OSError, RuntimeError, ValueError):
                pass
    from .compile import compiled

    try:
        return compiled(use_cache=use_cache).open_store()
    except (DamagedCache, OSError, RuntimeError, ValueError):
        return compiled(use_cache=use_cache, rebuild=True).open_store()


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
