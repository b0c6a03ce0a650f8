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
from .names import PREFIXES

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


SITE_MARK = ".probgraph-site"


def write_tree(path: str | Path, files: dict[str, bytes]) -> None:
    """Write a folder of files so that it is either wholly the new one or left as it was.

    The files go into a temporary folder beside the target, which then takes the target's place. An
    existing target is replaced only if it is empty or a folder this function wrote (it holds
    SITE_MARK), so a mistyped -o never wipes someone's own folder.
    """
    import shutil

    if not str(path):
        raise UsageError("-o needs a folder name")
    target = Path(path)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise UsageError(f"{target}: {parent} does not exist", "write into an existing folder")
    if target.exists() and not target.is_dir():
        raise UsageError(f"{target}: is a file, not a folder", "give a folder name for -o")
    if target.is_dir() and any(target.iterdir()) and not (target / SITE_MARK).exists():
        raise UsageError(f"{target}: is a folder probgraph did not write",
                         "give a new or empty folder, or one an earlier `probgraph site` wrote")
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".part", dir=parent))
    except OSError as exc:
        raise UsageError(f"{target}: cannot write ({exc.strerror})", "choose a folder you can write to") from None
    old = None
    try:
        for name, data in sorted({**files, SITE_MARK: b"written by probgraph site\n"}.items()):
            dest = tmp / name
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_bytes(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o777 & ~umask)  # mkdtemp makes the folder private; give it the usual mode
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".old", dir=parent))
            os.replace(target, old / "site")
        os.replace(tmp, target)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if old is not None and not target.exists():
            os.replace(old / "site", target)
        if isinstance(exc, OSError):
            raise UsageError(f"{target}: cannot write ({exc.strerror})") from None
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
