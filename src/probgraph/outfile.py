"""Write a command's output to `-o PATH` the way `cp` and `curl -o` do.

A regular file (or a new name) is replaced atomically: a temporary file in the same folder,
fsync, rename, keeping the old file's mode. Anything that is not a regular file (`-`, a
terminal, a character device, a FIFO, a socket, `/dev/stdout`) is written to directly, in
order: replacing `/dev/null` or a pipe with a regular file would break everything that uses it.
A symlink is followed and its target replaced; a file with more than one hard link is
overwritten in place, so that every name still reaches the new content.

Paths are written by filewrite.py, imported only for them: it needs contextlib, which (with functools
and collections) costs a warm query's answer on standard output milliseconds.
"""

from __future__ import annotations

import os
import stat
import sys

from .errors import UsageError

TYPE_CHECKING = False  # typing and tempfile cost a warm query milliseconds; tempfile is imported where used
if TYPE_CHECKING:
    from pathlib import Path
    from typing import TextIO


def write_output(path: str | os.PathLike[str] | None, data: bytes) -> None:
    """Write `data` to PATH by the rules above (None or '-' is standard output).

    What is written reaches a regular file only if all of it is written; for a device or pipe what was
    written before an error has already gone to the reader, as with `cp`.
    """
    name = None if path is None else os.fspath(path)
    if name is None or name == "-":
        with WriteErrors("standard output", stdout=True):
            _write_stream(sys.stdout, data)
        return
    if not name:
        raise UsageError("-o needs a file name", "give a file name, or - for standard output")
    own = _own_stream(name)
    if own is not None:  # /dev/stdout, /dev/fd/2, /proc/self/fd/1: the stream we already hold
        with WriteErrors(name, stdout=own is sys.stdout):
            _write_stream(own, data)
        return
    from .filewrite import open_path

    with open_path(name) as out:
        out.write(data)


def terminal_columns(default: int = 160) -> int:
    """The width to fit a table to: $COLUMNS, else the terminal standard output is, else `default`.

    shutil.get_terminal_size's rule for the columns, without importing shutil (a warm table's answer would
    wait tens of milliseconds for it and its imports). Asked in the parent: a query's child writes nowhere.
    """
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    stream = sys.__stdout__
    if columns <= 0 and stream is not None:
        try:
            columns = os.get_terminal_size(stream.fileno()).columns
        except (ValueError, OSError):
            columns = 0
    return columns if columns > 0 else default


def _write_stream(stream: TextIO, data: bytes) -> None:
    stream.buffer.write(data)
    stream.buffer.flush()


def _own_stream(name: str):
    """sys.stdout or sys.stderr when `name` is the very file or pipe that stream writes to."""
    try:
        target = os.stat(name)
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            mine = os.fstat(stream.fileno())
        except (OSError, ValueError, AttributeError):
            continue
        if (mine.st_dev, mine.st_ino) == (target.st_dev, target.st_ino) and not stat.S_ISCHR(mine.st_mode):
            return stream
    return None


class WriteErrors:
    """One line for a failed write; a closed pipe on standard output stays a BrokenPipeError (exit 0).

    A class, not a contextlib generator: contextlib costs a warm query milliseconds to import.
    """

    def __init__(self, shown: str, stdout: bool = False) -> None:
        self.shown, self.stdout = shown, stdout

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: object) -> None:
        if isinstance(exc, BrokenPipeError):
            if self.stdout:
                return  # re-raised as it was
            raise UsageError(f"{self.shown}: the reader closed the pipe before the output was written") from None
        if isinstance(exc, (ValueError, AttributeError)):  # standard output closed (`>&-`): None or closed
            raise UsageError(f"{self.shown}: cannot write (standard output is closed)",
                             "give -o FILE, or leave standard output open") from None
        if isinstance(exc, OSError):
            raise UsageError(f"{self.shown}: cannot write ({exc.strerror or exc})", where_hint(exc)) from None


def where_hint(exc: OSError) -> str | None:
    import errno

    if exc.errno == errno.ENOSPC:
        return "the disk is full: free some space or write elsewhere"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "choose a folder you can write to"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "write into an existing folder"
    return None


SITE_MARK = ".probgraph-site"


def tree_target(path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """The folder write_tree would replace and its parent, or the UsageError it would raise: asked before
    the files are made, too, so that a wrong -o fails at once rather than after a whole site is built."""
    from pathlib import Path

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
    return target, parent


def write_tree(path: str | os.PathLike[str], files: dict[str, bytes]) -> None:
    """Write a folder of files so that it is either wholly the new one or left as it was.

    The files go into a temporary folder beside the target, which then takes the target's place. An
    existing target is replaced only if it is empty or a folder this function wrote (it holds
    SITE_MARK), so a mistyped -o never wipes someone's own folder. The temporary folders are locked while in
    use, so the folders a killed write left behind are removed by the next write of the same target.
    """
    import shutil
    import tempfile
    from pathlib import Path

    from .filewrite import clean_stale_parts

    target, parent = tree_target(path)
    prefix = f".{target.name}."
    clean_stale_parts(os.fsencode(parent), os.fsencode(prefix), (b".part", b".old"))
    try:
        tmp = Path(tempfile.mkdtemp(prefix=prefix, suffix=".part", dir=parent))
    except OSError as exc:
        raise UsageError(f"{target}: cannot write ({exc.strerror})", "choose a folder you can write to") from None
    held = [_locked(tmp)]  # the locks go with the open descriptors, which follow the folders through renames
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
            old = Path(tempfile.mkdtemp(prefix=prefix, suffix=".old", dir=parent))
            held.append(_locked(old))
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
        for fd in held:
            os.close(fd)


def _locked(folder: os.PathLike[str]) -> int:
    """An open descriptor of the folder holding an exclusive lock on it (clean_stale_parts spares it)."""
    import fcntl

    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    return fd
