"""Deterministic serialisation of the graph and atomic writes of files.

The compiled cache already holds the asserted and inferred triples with canonical blank-node
labels, sorted; serialising them in that order gives byte-identical output for the same inputs,
whatever PYTHONHASHSEED is.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pyoxigraph as ox

from .compile import compiled
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
    entry = compiled(use_cache=use_cache)
    source = entry.closure_nt if inferred else entry.asserted_nt
    if fmt == "ntriples":
        return source.read_bytes()
    triples = [q.triple for q in ox.parse(path=str(source), format=ox.RdfFormat.N_TRIPLES)]
    prefixes = PREFIXES if fmt == "turtle" else None
    return ox.serialize(triples, format=EXPORT_FORMATS[fmt], prefixes=prefixes)


def write_atomic(path: str | Path, data: bytes) -> None:
    """Write a file so that it is either wholly there or not changed at all."""
    if not str(path):
        raise UsageError("-o needs a file name")
    target = Path(path)
    if target.is_dir():
        raise UsageError(f"{target}: is a directory", "give a file name for -o")
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        what = "is a file, not a folder" if parent.exists() else "does not exist"
        raise UsageError(f"{target}: {parent} {what}", "write into an existing folder")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=parent)
    except OSError as exc:
        raise UsageError(f"{target}: cannot write ({exc.strerror})",
                         "choose a folder you can write to") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual mode
        os.replace(tmp, target)
    except BaseException as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(exc, OSError):
            raise UsageError(f"{target}: cannot write ({exc.strerror})") from None
        raise
