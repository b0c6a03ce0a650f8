"""Open the compiled graph for queries: a pyoxigraph store on disk, read-only.

Opening it costs milliseconds, where re-parsing the Turtle into rdflib costs seconds
(perf-baseline.md), so the warm query path imports neither rdflib nor the reasoner.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from .compile import compiled
from .errors import UsageError


class StoreUnreadable(UsageError):
    """The cache entry's store does not open (damaged): the caller rebuilds it."""


def open_store_at(path: Path) -> ox.Store:
    """The store of one cache entry, read-only, or StoreUnreadable."""
    try:
        return ox.Store.read_only(str(path))
    except (OSError, RuntimeError, ValueError) as exc:
        raise StoreUnreadable(f"{path}: the cached store does not open ({exc})",
                              "run: probgraph compile --force") from None


def open_store(use_cache: bool = True) -> ox.Store:
    """The compiled closure, compiling it first if the inputs changed."""
    entry = compiled(use_cache=use_cache)
    try:
        return open_store_at(entry.store_path)
    except StoreUnreadable:
        # a damaged cache entry: build it again rather than fail
        entry = compiled(use_cache=use_cache, rebuild=True)
        return open_store_at(entry.store_path)
