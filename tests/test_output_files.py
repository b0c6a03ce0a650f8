"""`-o` writes through devices, pipes and links the way cp and curl -o do (issue 16).

Each test checks what the target is afterwards (still a FIFO, a device, a link, the same inode)
and what a reader of it got. Devices are made with mknod in a temporary folder; the real
/dev/null and /dev/stdout are only ever written through, never replaced.
"""

from __future__ import annotations

import os
import socket
import stat
import threading
from pathlib import Path

import pytest

import probgraph

from conftest import run_cli
from test_bad_inputs import assert_clean_error


@pytest.fixture(scope="module")
def export_bytes() -> bytes:
    data = probgraph.export("turtle")
    assert len(data) > 100_000
    return data


def no_temp_files(folder: Path) -> bool:
    return not [p for p in folder.iterdir() if p.name.endswith(".part")]


class Reader(threading.Thread):
    """Reads a FIFO to its end in the background, as `cat fifo` would."""

    def __init__(self, path: Path) -> None:
        super().__init__(daemon=True)
        self.path, self.got = path, b""

    def run(self) -> None:
        with open(self.path, "rb") as fh:
            self.got = fh.read()


def _device_copy(folder: Path, of: str) -> Path:
    """A character device node with the numbers of `of` (e.g. /dev/null), made in `folder`."""
    rdev = os.stat(of).st_rdev
    node = folder / Path(of).name
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, rdev)
    except PermissionError:
        pytest.skip("mknod needs root")
    return node


@pytest.mark.parametrize("command", [("export",), ("query", "owners", "--format", "csv")], ids=["export", "query"])
def test_fifo_is_written_through(tmp_path, command):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = Reader(fifo)
    reader.start()
    res = run_cli(*command, "-o", str(fifo), timeout=120)
    reader.join(timeout=60)
    assert res.returncode == 0, res.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced"
    expected = run_cli(*command).stdout
    assert reader.got == expected and len(expected) > 100
    assert no_temp_files(tmp_path)


def test_character_device_is_written_through(tmp_path):
    null = _device_copy(tmp_path, "/dev/null")
    before = os.lstat(null)
    res = run_cli("export", "-o", str(null))
    assert res.returncode == 0, res.stderr
    after = os.lstat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    with open(null, "rb") as fh:  # still the null device: a reader gets nothing
        assert fh.read() == b""
    assert no_temp_files(tmp_path)


def test_a_failing_device_write_is_one_line(tmp_path):
    full = _device_copy(tmp_path, "/dev/full")  # every write fails with ENOSPC
    res = run_cli("export", "-o", str(full))
    assert_clean_error(res, 2, contains=(str(full), "No space left on device"))
    assert stat.S_ISCHR(os.lstat(full).st_mode)
    assert no_temp_files(tmp_path)


def test_real_dev_null_stays_a_device():
    before = os.lstat("/dev/null")
    res = run_cli("query", "organisations", "-o", "/dev/null")
    assert res.returncode == 0 and res.stdout == b"", res.stderr
    after = os.lstat("/dev/null")
    assert stat.S_ISCHR(after.st_mode) and (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


@pytest.mark.parametrize("target", ["/dev/stdout", "-"])
def test_standard_output_through_a_pipe(target, export_bytes):
    before = os.lstat("/dev/stdout")
    res = run_cli("export", "-o", target)  # run_cli's stdout is a pipe
    assert res.returncode == 0, res.stderr
    assert res.stdout == export_bytes
    after = os.lstat("/dev/stdout")
    assert stat.S_ISLNK(after.st_mode) and after.st_ino == before.st_ino


def test_unix_socket_is_written_through(tmp_path):
    path = tmp_path / "s"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    got = bytearray()

    def serve() -> None:
        conn, _ = server.accept()
        with conn:
            while chunk := conn.recv(65536):
                got.extend(chunk)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    res = run_cli("query", "owners", "--format", "csv", "-o", str(path))
    t.join(timeout=60)
    server.close()
    assert res.returncode == 0, res.stderr
    assert bytes(got) == run_cli("query", "owners", "--format", "csv").stdout
    assert stat.S_ISSOCK(os.lstat(path).st_mode)


def test_symlink_target_is_replaced(tmp_path, export_bytes):
    target = tmp_path / "real.ttl"
    target.write_bytes(b"old\n")
    target.chmod(0o640)
    link = tmp_path / "link.ttl"
    link.symlink_to(target.name)
    res = run_cli("export", "-o", str(link))
    assert res.returncode == 0, res.stderr
    assert link.is_symlink() and os.readlink(link) == target.name
    assert target.read_bytes() == export_bytes
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert no_temp_files(tmp_path)


def test_dangling_symlink_creates_its_target(tmp_path, export_bytes):
    link = tmp_path / "link.ttl"
    link.symlink_to("made.ttl")
    res = run_cli("export", "-o", str(link))
    assert res.returncode == 0, res.stderr
    assert link.is_symlink() and (tmp_path / "made.ttl").read_bytes() == export_bytes


def test_hard_linked_file_is_rewritten_in_place(tmp_path, export_bytes):
    first = tmp_path / "a.ttl"
    first.write_bytes(b"old\n")
    first.chmod(0o600)
    second = tmp_path / "b.ttl"
    os.link(first, second)
    inode = first.stat().st_ino
    res = run_cli("export", "-o", str(first))
    assert res.returncode == 0, res.stderr
    for name in (first, second):
        st = name.stat()
        assert (st.st_ino, st.st_nlink, stat.S_IMODE(st.st_mode)) == (inode, 2, 0o600)
        assert name.read_bytes() == export_bytes
    assert no_temp_files(tmp_path)


def test_regular_file_is_replaced_atomically_keeping_its_mode(tmp_path, export_bytes):
    out = tmp_path / "out.ttl"
    out.write_bytes(b"old\n")
    out.chmod(0o604)
    inode = out.stat().st_ino
    res = run_cli("export", "-o", str(out))
    assert res.returncode == 0, res.stderr
    st = out.stat()
    assert st.st_ino != inode, "a regular file is replaced by rename, not rewritten"
    assert stat.S_IMODE(st.st_mode) == 0o604 and out.read_bytes() == export_bytes
    assert no_temp_files(tmp_path)


def test_new_file_gets_the_umask_mode(tmp_path, export_bytes):
    out = tmp_path / "new.ttl"
    res = run_cli("export", "-o", str(out))
    assert res.returncode == 0, res.stderr
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(out.stat().st_mode) == 0o666 & ~umask and out.read_bytes() == export_bytes


def test_a_250_byte_name(tmp_path, export_bytes):
    out = tmp_path / ("n" * 246 + ".ttl")
    assert len(out.name.encode()) == 250
    res = run_cli("export", "-o", str(out))
    assert res.returncode == 0, res.stderr
    assert out.read_bytes() == export_bytes
    assert no_temp_files(tmp_path)


def test_library_function_writes_the_same_way(tmp_path):
    """The public helper other commands (site) call: a FIFO, then a regular file."""
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = Reader(fifo)
    reader.start()
    probgraph.write_output(str(fifo), b"through the pipe\n")
    reader.join(timeout=30)
    assert reader.got == b"through the pipe\n" and stat.S_ISFIFO(os.lstat(fifo).st_mode)
    probgraph.write_output(str(tmp_path / "f.txt"), b"a file\n")
    assert (tmp_path / "f.txt").read_bytes() == b"a file\n"


def test_a_site_write_removes_the_folders_a_killed_write_left_but_spares_one_in_use(tmp_path):
    """`probgraph site -o DIR` killed mid-write leaves .DIR.*.part (or .old) folders; the next write removes
    the ones nobody holds, and keeps one whose writer still holds its lock."""
    import fcntl
    import time

    from probgraph.outfile import write_tree

    target = tmp_path / "site"
    stale_part, stale_old, held = (tmp_path / name for name in (".site.abcdefgh.part", ".site.ijklmnop.old",
                                                                 ".site.qrstuvwx.part"))
    for folder in (stale_part, stale_old, held):
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "page.html").write_bytes(b"partial")
        old = time.time() - 60
        os.utime(folder, (old, old))
    fd = os.open(held, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        write_tree(target, {"index.html": b"<p>new</p>"})
    finally:
        os.close(fd)
    assert (target / "index.html").read_bytes() == b"<p>new</p>"
    assert sorted(p.name for p in tmp_path.iterdir()) == [".site.qrstuvwx.part", "site"]
