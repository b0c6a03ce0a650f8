"""Write to a path the way `cp` does (outfile.py says the rules): a regular file or a new name is replaced
atomically, a device, FIFO or socket written directly, a file with several hard links rewritten in place.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator

from .errors import UsageError
from .outfile import WriteErrors, where_hint

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import BinaryIO

NAME_MAX = 255  # bytes in one path component on Linux, macOS and the BSDs
_SUFFIX = b".part"


@contextlib.contextmanager
def open_path(name: str) -> Iterator[BinaryIO]:
    """A binary stream for a path (not standard output); what is written reaches it only if the block ends
    without error. For a regular file an error leaves the old content untouched; for a device or pipe what
    was written before the error has already gone to the reader, as with `cp`.
    """
    shown = name
    try:
        st = os.stat(name)  # follows symlinks: the rules apply to what the name reaches
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise UsageError(f"{shown}: cannot write ({exc.strerror})", where_hint(exc)) from None
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


@contextlib.contextmanager
def _direct(name: str, shown: str, st: os.stat_result) -> Iterator[BinaryIO]:
    """A device, FIFO or socket: write straight to it (opening a FIFO waits for its reader, as cp does)."""
    with WriteErrors(shown):
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
    with WriteErrors(shown):
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
        raise UsageError(f"{shown}: cannot write ({exc.strerror})", where_hint(exc)) from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # held until the file is closed: a cleaner then knows it is in use
        with WriteErrors(shown), os.fdopen(fd, "wb") as out:
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


def clean_stale_parts(parent: bytes, prefix: bytes, suffixes: tuple[bytes, ...] = (_SUFFIX,)) -> int:
    """Remove the temporary files or folders a killed write of the same name left in `parent`; return how many.

    A writer holds a lock on its temporary file (or folder) until it has been renamed, so one nobody holds is
    left over from a process that could not clean up (SIGKILL, a power cut). One less than two seconds old is
    spared: its writer may not have taken the lock yet.
    """
    import fcntl
    import shutil
    import time

    try:
        names = os.listdir(parent)
    except OSError:
        return 0
    removed = 0
    for name in names:
        # tempfile's names have 8 random characters between the prefix and the suffix
        if not any(len(name) == len(prefix) + 8 + len(end) and name.startswith(prefix) and name.endswith(end)
                   for end in suffixes):
            continue
        path = os.path.join(parent, name)
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            st = os.fstat(fd)
            if time.time() - st.st_mtime > 2:
                if stat.S_ISDIR(st.st_mode):
                    shutil.rmtree(path)
                else:
                    os.unlink(path)
                removed += 1
        except OSError:
            continue  # held by a writer, or already gone
        finally:
            os.close(fd)
    return removed
