"""Where the project's RDF files live, in a checkout or in an installed wheel.

A wheel carries them under `probgraph/_data/` (hatch force-include); an editable install does
not, so the checkout's top-level folders are the fallback (engineering-anchors.md, section 0.8).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

_PACKAGE_DIR = Path(__file__).resolve().parent
_FOLDERS = ("ontology", "data", "shapes", "queries")


def root() -> Path:
    """The folder that holds ontology/, data/, shapes/ and queries/."""
    override = os.environ.get("PROBGRAPH_HOME")
    if override:
        if not (Path(override) / "ontology").is_dir():
            from .errors import UsageError

            raise UsageError(f"PROBGRAPH_HOME={override} has no ontology/ folder",
                             "point it at a folder with ontology/, data/, shapes/ and queries/, or unset it")
        return Path(override)
    bundled = _PACKAGE_DIR / "_data"
    if (bundled / "ontology").is_dir():
        return bundled
    checkout = _PACKAGE_DIR.parent.parent
    if (checkout / "ontology").is_dir():
        return checkout
    from .errors import UsageError

    raise UsageError("cannot find probgraph's ontology/ folder", "reinstall probgraph, or set PROBGRAPH_HOME")


def folder(name: str) -> Path:
    """One of ontology, data, shapes, queries."""
    if name not in _FOLDERS:
        raise ValueError(name)
    return root() / name


def turtle_files(name: str) -> list[Path]:
    """Every .ttl file under a folder, in a stable order."""
    return sorted(folder(name).rglob("*.ttl"))


def graph_inputs() -> list[Path]:
    """The files the compiled graph is made from: the ontology and the instance data."""
    return turtle_files("ontology") + turtle_files("data")


_VERSION = re.compile(rb'owl:versionInfo\s+"([^"]+)"')


def ontology_version() -> str:
    """The ontology's owl:versionInfo, which is also the package's version (pyproject reads it too)."""
    found = _VERSION.search((folder("ontology") / "probgraph.ttl").read_bytes())
    if not found:
        raise ValueError("ontology/probgraph.ttl has no owl:versionInfo")
    return found.group(1).decode("ascii")
