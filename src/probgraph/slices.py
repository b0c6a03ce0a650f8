"""N-Triples written into the on-disk store a bounded slice at a time.

pyoxigraph's `bulk_load` buffers about a million quads per call before it writes them (it has no memory
setting), so one call with a million-triple graph costs more than a gigabyte; calls on slices of a few
megabytes cost what a slice does, at about the same speed (docs/design-decisions.md, "1M compile memory").
A bulk load gives a document's blank nodes new labels on every call, so the lines with "_:" are held back
from the slices and returned, to go in one last document together.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import pyoxigraph as ox

# bytes of N-Triples per bulk load: about 220,000 lines of the generated graph, some 270 MB of loader buffers
BLOCK = 32 << 20


def file_blocks(path: Path, size: int | None = None) -> Iterator[bytes]:
    """The file's text in blocks of about `size` bytes (BLOCK), each ending at the end of a line (without its
    newline)."""
    size = size or BLOCK
    rest = b""
    with path.open("rb") as fh:
        while True:
            data = fh.read(size)
            if not data:
                break
            data = rest + data
            cut = data.rfind(b"\n")
            if cut == -1:
                rest = data
                continue
            rest = data[cut + 1:]
            if cut:
                yield data[:cut]
    if rest.strip():
        yield rest


def line_blocks(lines: list[bytes], size: int | None = None) -> Iterator[bytes]:
    """The lines joined into blocks of about `size` bytes (BLOCK; by their mean length)."""
    size = size or BLOCK
    if not lines:
        return
    total = sum(map(len, lines)) + len(lines)
    step = max(1, len(lines) * size // total)
    for i in range(0, len(lines), step):
        yield b"\n".join(lines[i:i + step])


def blank_lines(data: bytes) -> list[bytes]:
    """The lines of N-Triples or N-Quads text that hold "_:" (a blank node, or those characters in a literal).

    One scan of the whole text for the few such lines: testing `b"_:" in line` on every line costs
    about 1 µs a line."""
    out, i = [], data.find(b"_:")
    while i != -1:
        start, end = data.rfind(b"\n", 0, i) + 1, data.find(b"\n", i)
        end = len(data) if end == -1 else end
        out.append(data[start:end])
        i = data.find(b"_:", end)
    return out


def without_lines(data: bytes, lines: list[bytes]) -> bytes:
    """The text without these lines of it (found in order, as blank_lines gives them), in one copy."""
    parts, at = [], 0
    for line in lines:
        i = data.index(line, at)
        parts.append(data[at:i])
        at = i + len(line) + 1
    return b"".join(parts) + data[at:]


def load_slices(store: ox.Store, blocks: Iterable[bytes], graph: ox.NamedNode | ox.DefaultGraph) -> list[bytes]:
    """Bulk-load each block of N-Triples into `graph`, one call per block, except the lines with "_:" (a blank
    node, or those characters in a literal); return those as N-Quads lines of `graph`, for one last load."""
    suffix = b"" if isinstance(graph, ox.DefaultGraph) else f" {graph} .".encode()
    held: list[bytes] = []
    for block in blocks:
        blank = blank_lines(block)
        if blank:
            block = without_lines(block, blank)
            held += [line[:-2] + suffix for line in blank] if suffix else blank
        if block.strip():
            # lenient: the text is pyoxigraph's own serialisation, its IRIs need no second check
            store.bulk_load(block, format=ox.RdfFormat.N_TRIPLES, to_graph=graph, lenient=True)
    return held
