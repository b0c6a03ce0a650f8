"""Deterministic serialisation of the graph (files are written by outfile.py).

The compiled cache already holds the asserted and inferred triples with canonical blank-node
labels, sorted; serialising them in that order gives byte-identical output for the same inputs,
whatever PYTHONHASHSEED is.
"""

from __future__ import annotations

import pyoxigraph as ox

from .compile import cached_bytes
from .errors import UsageError
from .namespaces import PREFIXES

EXPORT_FORMATS = {
    "turtle": ox.RdfFormat.TURTLE,
    "ntriples": ox.RdfFormat.N_TRIPLES,
    "nquads": ox.RdfFormat.N_QUADS,
    "jsonld": ox.RdfFormat.JSON_LD,
}


def export_bytes(fmt: str = "turtle", inferred: bool = False, use_cache: bool = True) -> bytes:
    """The asserted graph (or, with inferred, the cleaned closure) in one RDF format."""
    if fmt not in EXPORT_FORMATS:
        raise UsageError(f"unknown export format {fmt!r}", f"use one of: {', '.join(EXPORT_FORMATS)}")
    data = cached_bytes("closure" if inferred else "asserted", use_cache=use_cache)
    if fmt == "ntriples":
        return data
    triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_TRIPLES)]
    prefixes = PREFIXES if fmt == "turtle" else None
    return ox.serialize(triples, format=EXPORT_FORMATS[fmt], prefixes=prefixes) or b""

