"""The warm query's fourth pass (docs/design-decisions.md): what it changed keeps every guarantee.

The quick exit, the table's width and imports, the store opened on a thread beside the child's other work,
and run_bounded's `start`. Real processes, a real pseudo-terminal, the session's compiled store.
"""

from __future__ import annotations

import pytest

from conftest import PROBGRAPH, ROOT, run_cli


def ok(*args: str) -> str:
    res = run_cli(*args)
    assert res.returncode == 0, res.stderr.decode()
    return res.stdout.decode("utf-8")


def test_a_warm_query_ends_without_teardown_only_when_nothing_is_left_for_it():
    """The fast path's process ends by os._exit once its streams are flushed (docs/design-decisions.md, "Warm path,
    fourth pass"), but never when an atexit callback (or another thread) still has work at the exit."""
    import subprocess
    import sys

    code = ("import sys; sys.argv = ['probgraph'] + sys.argv[1:]; {setup}from probgraph.cli import _quick_exit; "
            "sys.stdout.write('answer'); _quick_exit(int(sys.argv[1])); print(' and the usual exit')")
    quick = subprocess.run([sys.executable, "-c", code.format(setup=""), "3"], capture_output=True)
    assert (quick.returncode, quick.stdout) == (3, b"answer")  # buffered output flushed, nothing after the exit
    hooked = code.format(setup="import atexit; atexit.register(lambda: print('the callback ran')); ")
    usual = subprocess.run([sys.executable, "-c", hooked, "0"], capture_output=True)
    assert (usual.returncode, usual.stdout) == (0, b"answer and the usual exit\nthe callback ran\n")
    threaded = code.format(setup="import threading, time; threading.Thread(target=time.sleep, args=(0.3,)).start(); ")
    waited = subprocess.run([sys.executable, "-c", threaded, "0"], capture_output=True)
    assert waited.stdout == b"answer and the usual exit\n"


def test_a_table_on_a_terminal_fits_the_terminal_the_command_sees():
    """The width is measured by the command, not by the query's child (whose standard output is /dev/null), and
    without shutil: a pseudo-terminal 140 columns wide gets lines of at most 140 (a pipe gets 160), COLUMNS=120
    overrides it."""
    import fcntl
    import os
    import pty
    import struct
    import subprocess
    import termios

    ok("query", "predecessors", "-p", "org=north-east-region")  # compiled, outside the terminal's timeout
    for columns, extra in ((140, {}), (120, {"COLUMNS": "120"})):
        leader, follower = pty.openpty()
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 140, 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")} | extra
        proc = subprocess.Popen([PROBGRAPH, "query", "predecessors", "-p",
                                 "org=north-east-region"], cwd=ROOT, env=env, stdout=follower,
                                stderr=subprocess.PIPE)
        os.close(follower)
        out = b""
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # EIO: the command has ended and closed the terminal
                break
            if not chunk:
                break
            out += chunk
        os.close(leader)
        assert proc.wait(timeout=60) == 0, proc.stderr.read()
        lines = out.decode("utf-8").replace("\r\n", "\n").splitlines()
        assert lines[0].split()[:3] == ["date", "kind", "predecessor"] and lines[-1] == "(12 rows)", lines
        assert max(len(line) for line in lines) <= columns < max(len(line) for line in
                                                                 ok("query", "predecessors", "-p",
                                                                    "org=north-east-region", "--format",
                                                                    "table").splitlines())


def test_a_table_needs_neither_shutil_nor_re():
    """Rendering a table (the format a person at a terminal gets) imports neither: `shutil` and `re` cost a warm
    query tens of milliseconds; a label that needs escaping still gets it."""
    import subprocess
    import sys

    code = ("import sys; import pyoxigraph as ox; from probgraph.output import table; "
            "print(table(['name'], [(ox.Literal('Plain label'),)], 80)); "
            "print(sorted({'shutil', 're'} & set(sys.modules))); from probgraph.errors import printable; "
            "print(printable('bell\\x07 and \\u202e'))")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.splitlines()[2:] == ["Plain label", "(1 row)", "", "[]", "bell\\x07 and \\u202e"]


def test_a_store_opened_on_its_own_thread_is_the_entry_s_store_or_its_error(tmp_path):
    """Opening hands over what the open gave on its thread: the store, or StoreUnreadable for a damaged one."""
    from probgraph.cache import Compiled
    from probgraph.store import Opening, StoreUnreadable, current_entry

    opening = Opening(current_entry())
    opening.start()
    store = opening.store()
    assert len(store) > 8000 and opening.store() is store  # the same store however often it is asked for
    assert len(Opening(current_entry()).store()) == len(store)  # store() starts the open itself if need be
    (tmp_path / "store").write_text("not a store")
    with pytest.raises(StoreUnreadable, match="the cached store does not open"):
        Opening(Compiled(tmp_path)).store()


def test_run_bounded_starts_its_start_in_the_child_and_reports_its_errors():
    """`start` runs in the child before the limits and the work (not in the caller); its error is the work's."""
    import os

    from probgraph.bounded import run_bounded
    from probgraph.errors import UsageError

    parent = os.getpid()
    seen: list[int] = []

    def start() -> None:
        seen.append(os.getpid())

    assert run_bounded(lambda: str(seen[0] != parent).encode(), timeout=60, start=start) == b"True"
    assert seen == []  # the caller's list is untouched: start ran in the child's copy

    def refuses() -> None:
        raise UsageError("refused at the start", "a hint")

    with pytest.raises(UsageError, match="refused at the start") as raised:
        run_bounded(lambda: b"never", timeout=60, start=refuses, kinds=(UsageError,))
    assert (raised.value.exit_code, raised.value.hint) == (2, "a hint")


def test_run_watched_answers_on_a_thread_and_keeps_the_deadline():
    """A stored query's thread (docs/design-decisions.md, "Warm path, seventh pass"): its answer, its errors as one
    line, and the deadline kept while the work still runs (the work is left behind, as a query in Rust would be)."""
    import threading
    import time

    from probgraph.bounded import LimitError, run_watched
    from probgraph.errors import UsageError

    caller = threading.get_ident()
    assert run_watched(lambda: str(threading.get_ident() != caller).encode(), timeout=60) == b"True"
    with pytest.raises(UsageError, match="no such thing") as raised:
        run_watched(lambda: (_ for _ in ()).throw(UsageError("no such thing", "a hint")), timeout=60)
    assert raised.value.hint == "a hint"
    with pytest.raises(UsageError, match=r"^the query failed: the engine broke$"):
        run_watched(lambda: (_ for _ in ()).throw(RuntimeError("the engine broke\nat line 2")), timeout=60)
    start = time.monotonic()
    with pytest.raises(LimitError, match=r"the query did not finish within 0\.2 s"):
        run_watched(lambda: time.sleep(3) or b"late", timeout=0.2)  # sleep lets go of the GIL, as the engine does
    assert time.monotonic() - start < 2


@pytest.mark.skipif(not __import__("os").path.exists("/proc/self/statm"), reason="the watch reads /proc/self/statm")
def test_run_watched_stops_at_the_memory_it_may_use():
    import time

    from probgraph.bounded import LimitError, run_watched

    def grows() -> bytes:
        held = bytearray(600 * 1024 * 1024)  # zero-filled: every page resident
        time.sleep(5)
        return bytes(held[:1])

    start = time.monotonic()
    with pytest.raises(LimitError, match="needed more memory than the 512 MB allowed"):
        run_watched(grows, timeout=60, memory_mb=512)
    assert time.monotonic() - start < 4


def test_run_watched_gives_way_to_ctrl_c():
    import os
    import signal
    import threading
    import time

    from probgraph.bounded import run_watched

    # Python's own Ctrl-C handler, also where the suite was started with SIGINT ignored (a shell's `&` job)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        timer = threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGINT))
        timer.start()
        start = time.monotonic()
        with pytest.raises(KeyboardInterrupt):
            run_watched(lambda: time.sleep(3) or b"late", timeout=60)
        assert time.monotonic() - start < 2
    finally:
        signal.signal(signal.SIGINT, previous)


def test_a_stored_query_s_error_leaves_the_engine_s_objects_on_their_own_thread():
    """The error a stored query's thread hands over holds no frames: theirs hold pyoxigraph's query solutions,
    which refuse to be dropped on another thread ("Exception ignored ... unsendable", and a leak). Found by
    test_bad_inputs' format-not-for-select, in process."""
    import gc
    import sys

    import probgraph as api
    from probgraph.errors import UsageError

    seen: list = []
    hook, sys.unraisablehook = sys.unraisablehook, seen.append
    try:
        try:  # refused by the output, with the query's solutions in hand
            api.query_output("organisations", fmt="turtle")
        except UsageError as exc:  # dropped, with whatever it holds, at the end of this clause
            message = exc.message
        gc.collect()
    finally:
        sys.unraisablehook = hook
    assert "turtle" in message
    assert [str(u.exc_value) for u in seen] == []
