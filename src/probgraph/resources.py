"""Where the project's RDF files live, in a checkout or in an installed wheel.

A wheel carries them under `probgraph/_data/` (hatch force-include); an editable install does
not, so the checkout's top-level folders are the fallback (docs/design-decisions.md, "Measured reasons").
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:  # pathlib costs milliseconds at import; the warm path does without it
    from pathlib import Path

_PACKAGE_DIR = os.path.dirname(os.path.realpath(__file__))
_FOLDERS = ("ontology", "data", "shapes", "queries")


def root_dir() -> str:
    """The folder that holds ontology/, data/, shapes/ and queries/ (a string: the warm path avoids pathlib)."""
    override = os.environ.get("PROBGRAPH_HOME")
    if override:
        if not os.path.isdir(os.path.join(override, "ontology")):
            from .errors import UsageError

            raise UsageError(f"PROBGRAPH_HOME={override} has no ontology/ folder",
                             "point it at a folder with ontology/, data/, shapes/ and queries/, or unset it")
        return override
    bundled = os.path.join(_PACKAGE_DIR, "_data")
    if os.path.isdir(os.path.join(bundled, "ontology")):
        return bundled
    checkout = os.path.dirname(os.path.dirname(_PACKAGE_DIR))
    if os.path.isdir(os.path.join(checkout, "ontology")):
        return checkout
    from .errors import UsageError

    raise UsageError("cannot find probgraph's ontology/ folder", "reinstall probgraph, or set PROBGRAPH_HOME")


def root() -> Path:
    """root_dir() as a Path."""
    from pathlib import Path

    return Path(root_dir())


def folder(name: str) -> Path:
    """One of ontology, data, shapes, queries."""
    if name not in _FOLDERS:
        raise ValueError(name)
    return root() / name


def folder_dir(name: str) -> str:
    """folder() as a string, for the warm path."""
    if name not in _FOLDERS:
        raise ValueError(name)
    return os.path.join(root_dir(), name)


def turtle_files(name: str) -> list[Path]:
    """Every .ttl file under a folder, in a stable order.

    A folder that cannot be read is an error, not a silent gap in the graph; a folder named x.ttl
    is walked, not read; a dangling symlink, a FIFO or a device is refused (reading a FIFO would wait
    for ever).
    """
    import stat

    from .errors import UsageError

    def unreadable(exc: OSError) -> None:
        raise UsageError(f"{exc.filename}: cannot read this folder ({exc.strerror})",
                         "make it readable and searchable (chmod a+rx), or move it out of the folder")

    from pathlib import Path

    found = []
    for top, _, names in os.walk(folder_dir(name), onerror=unreadable):
        for n in names:
            if not n.endswith(".ttl"):
                continue
            path = os.path.join(top, n)
            try:
                mode = os.stat(path).st_mode
            except OSError as exc:
                what = "a symlink to nothing" if os.path.islink(path) else f"cannot be read ({exc.strerror})"
                raise UsageError(f"{path}: {what}", "remove it, or point it at a Turtle file") from None
            if stat.S_ISDIR(mode):
                continue
            if not stat.S_ISREG(mode):
                raise UsageError(f"{path}: not a regular file (a FIFO, socket or device)",
                                 "only Turtle files belong in the folder; remove it")
            found.append(path)
    # Path order (by parts) without making and comparing Path objects, which cost a cold compile milliseconds;
    # and the same names as last time give the same Paths, not made again (half the walk's cost, on every entry
    # a process validates: validation asks for ontology/, data/ and shapes/ each time)
    held = _LISTED.get(name)
    if held is None or held[0] != found:
        held = _LISTED[name] = found, [Path(p) for p in sorted(found, key=lambda p: p.split(os.sep))]
    return list(held[1])


_LISTED: dict[str, tuple[list[str], list[Path]]] = {}  # folder -> (its paths as walked, as turtle_files gives them)


def graph_inputs() -> list[Path]:
    """The files the compiled graph is made from: the ontology and the instance data."""
    return turtle_files("ontology") + turtle_files("data")


def ontology_version() -> str:
    """The ontology's owl:versionInfo, which is also the package's version (pyproject reads it too).

    Read without re or pathlib: every command, the warm query included, asks for the version.
    """
    with open(os.path.join(folder_dir("ontology"), "probgraph.ttl"), "rb") as fh:
        data = fh.read()
    at = data.find(b"owl:versionInfo")
    while at >= 0:
        rest = data[at + len(b"owl:versionInfo"):]
        value = rest.lstrip()
        if len(value) < len(rest) and value.startswith(b'"') and b'"' in value[1:]:
            found = value[1:value.index(b'"', 1)]
            if found:
                return found.decode("ascii")
        at = data.find(b"owl:versionInfo", at + 1)
    raise ValueError("ontology/probgraph.ttl has no owl:versionInfo")
