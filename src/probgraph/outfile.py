"""Write a command's output to `-o PATH` the way `cp` and `curl -o` do.

A regular file (or a new name) is replaced atomically: a temporary file in the same folder,
fsync, rename, keeping the old file's mode. Anything that is not a regular file (`-`, a
terminal, a character device, a FIFO, a socket, `/dev/stdout`) is written to directly, in
order: replacing `/dev/null` or a pipe with a regular file would break everything that uses it.
A symlink is followed and its target replaced; a file with more than one hard link is
overwritten in place, so that every name still reaches the new content.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator

from .errors import UsageError

TYPE_CHECKING = False  # typing and tempfile cost a warm query milliseconds; tempfile is imported where used
if TYPE_CHECKING:
    from typing import BinaryIO

NAME_MAX = 255  # bytes in one path component on Linux, macOS and the BSDs
_SUFFIX = b".part"


def write_output(path: str | os.PathLike[str] | None, data: bytes) -> None:
    """Write `data` to PATH by the rules above (None or '-' is standard output)."""
    with open_output(path) as out:
        out.write(data)


@contextlib.contextmanager
def open_output(path: str | os.PathLike[str] | None) -> Iterator[BinaryIO]:
    """A binary stream for PATH; what is written reaches PATH only if the block ends without error.

    For a regular file an error leaves the old content untouched; for a device or pipe what was
    written before the error has already gone to the reader, as with `cp`.
    """
    shown = "standard output" if path is None or os.fspath(path) == "-" else os.fspath(path)
    if path is None or os.fspath(path) == "-":
        with _errors(shown, stdout=True):
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
        return
    name = os.fspath(path)
    if not name:
        raise UsageError("-o needs a file name", "give a file name, or - for standard output")
    own = _own_stream(name)
    if own is not None:  # /dev/stdout, /dev/fd/2, /proc/self/fd/1: the stream we already hold
        with _errors(shown, stdout=own is sys.stdout):
            yield own.buffer
            own.buffer.flush()
        return
    try:
        st = os.stat(name)  # follows symlinks: the rules apply to what the name reaches
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write ({exc.strerror})", _where_hint(exc)) from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise UsageError(f"{shown}: is a directory", "give a file name for -o")
    if st is not None and not stat.S_ISREG(st.st_mode):
        with _direct(name, shown, st) as out:
            yield out
        return
    if st is not None and st.st_nlink > 1:
        with _in_place(name, shown) as out:
            yield out
        return
    with _atomic(os.path.realpath(name), shown, st) as out:
        yield out


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


@contextlib.contextmanager
def _errors(shown: str, stdout: bool = False) -> Iterator[None]:
    """One line for a failed write; a closed pipe on standard output stays a BrokenPipeError (exit 0)."""
    try:
        yield
    except BrokenPipeError:
        if stdout:
            raise
        raise UsageError(f"{shown}: the reader closed the pipe before the output was written") from None
    except (ValueError, AttributeError):  # standard output closed (`>&-`): sys.stdout is None or closed
        raise UsageError(f"{shown}: cannot write (standard output is closed)",
                         "give -o FILE, or leave standard output open") from None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write ({exc.strerror or exc})", _where_hint(exc)) from None


def _where_hint(exc: OSError) -> str | None:
    import errno

    if exc.errno == errno.ENOSPC:
        return "the disk is full: free some space or write elsewhere"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "choose a folder you can write to"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return "write into an existing folder"
    return None


@contextlib.contextmanager
def _direct(name: str, shown: str, st: os.stat_result) -> Iterator[BinaryIO]:
    """A device, FIFO or socket: write straight to it (opening a FIFO waits for its reader, as cp does)."""
    with _errors(shown):
        if stat.S_ISSOCK(st.st_mode):
            import socket

            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.connect(name)
                with sock.makefile("wb") as out:
                    yield out
            finally:
                sock.close()
            return
        fd = os.open(name, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
        with os.fdopen(fd, "wb") as out:
            yield out


@contextlib.contextmanager
def _in_place(name: str, shown: str) -> Iterator[BinaryIO]:
    """A file with several hard links: truncate and rewrite it, so every link sees the new content."""
    with _errors(shown):
        with open(name, "r+b") as out:
            out.truncate(0)
            yield out
            out.flush()
            os.fsync(out.fileno())


def _temp_prefix(target: str) -> bytes:
    """'.NAME.' cut so that the temporary name (prefix, 8 random characters, '.part') fits NAME_MAX."""
    base = os.fsencode(os.path.basename(target))
    room = NAME_MAX - len(_SUFFIX) - 8 - 2
    return b"." + base[:room] + b"."


@contextlib.contextmanager
def _atomic(target: str, shown: str, st: os.stat_result | None) -> Iterator[BinaryIO]:
    """A new name or a regular file: temporary file beside it, fsync, rename; the old mode is kept."""
    import fcntl
    import tempfile

    parent = os.path.dirname(target) or "."
    if not os.path.isdir(parent):
        what = "is a file, not a folder" if os.path.exists(parent) else "does not exist"
        raise UsageError(f"{shown}: {parent} {what}", "write into an existing folder")
    prefix = _temp_prefix(target)
    clean_stale_parts(os.fsencode(parent), prefix)
    try:
        fd, tmp = tempfile.mkstemp(prefix=prefix, suffix=_SUFFIX, dir=os.fsencode(parent))
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write ({exc.strerror})", _where_hint(exc)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until the file is closed: a cleaner then knows it is in use
        with _errors(shown), os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
            if st is not None:
                os.chmod(tmp, stat.S_IMODE(st.st_mode))
                with contextlib.suppress(OSError):  # only root may give a file away; others keep theirs
                    os.chown(tmp, st.st_uid, st.st_gid)
            else:
                umask = os.umask(0)
                os.umask(umask)
                os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes the file private; give it the usual mode
            os.replace(tmp, os.fsencode(target))
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def clean_stale_parts(parent: bytes, prefix: bytes) -> int:
    """Remove the temporary files a killed write of the same name left in `parent`; return how many.

    A writer holds a lock on its temporary file until it has been renamed, so a file nobody holds is
    left over from a process that could not clean up (SIGKILL, a power cut). A file less than two
    seconds old is spared: its writer may not have taken the lock yet.
    """
    import fcntl
    import time

    try:
        names = os.listdir(parent)
    except OSError:
        return 0
    size = len(prefix) + 8 + len(_SUFFIX)  # tempfile's names have 8 random characters
    removed = 0
    for name in names:
        if len(name) != size or not (name.startswith(prefix) and name.endswith(_SUFFIX)):
            continue
        path = os.path.join(parent, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            if time.time() - os.fstat(fd).st_mtime > 2:
                os.unlink(path)
                removed += 1
        except OSError:
            continue  # held by a writer, or already gone
        finally:
            os.close(fd)
    return removed


SITE_MARK = ".probgraph-site"


def write_tree(path: str | os.PathLike[str], files: dict[str, bytes]) -> None:
    """Write a folder of files so that it is either wholly the new one or left as it was.

    The files go into a temporary folder beside the target, which then takes the target's place. An
    existing target is replaced only if it is empty or a folder this function wrote (it holds
    SITE_MARK), so a mistyped -o never wipes someone's own folder.
    """
    import shutil
    import tempfile
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
