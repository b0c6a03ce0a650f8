"""Open the compiled graph for queries: a pyoxigraph store on disk, read-only.

Opening it costs milliseconds, where re-parsing the Turtle into rdflib costs seconds
(perf-baseline.md), so the warm query path imports neither rdflib nor the reasoner.
"""

from __future__ import annotations

import pyoxigraph as ox

from .compile import compiled


def open_store(use_cache: bool = True) -> ox.Store:
    """The compiled closure, compiling it first if the inputs changed."""
    entry = compiled(use_cache=use_cache)
    try:
        return ox.Store.read_only(str(entry.store_path))
    except (OSError, RuntimeError, ValueError):
        # a damaged cache entry: build it again rather than fail
        entry = compiled(use_cache=use_cache, rebuild=True)
        return ox.Store.read_only(str(entry.store_path))
