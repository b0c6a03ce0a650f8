"""Run a local query with a deadline and a memory limit: in a child process, or on a thread of this one.

pyoxigraph evaluates a query in Rust without looking at signals, so a query that runs for ever
cannot be stopped from inside the process, and the Rust allocator aborts the whole process when
memory runs out. A forked child runs the work under an address-space limit and sends back its
answer (all of it, or an error); the parent waits until the deadline, and kills the child by pid on
a timeout or Ctrl-C. Measured: pyoxigraph does release the GIL while it evaluates (a Python
thread kept ~87% of its ticks during a 0.6 s query), so a thread gives a deadline but no hard
memory bound. The answer comes with its length, so the parent need not wait for the child's exit.

`run_watched` is that thread, for the stored queries: they ship with the package, their cost is
measured at the real graph, 100k and 1M (benchmarks/), and the fork and its copied pages were a
fifth of a warm query's time (docs/design-decisions.md, "Warm path, seventh pass"). It keeps the
deadline and Ctrl-C exactly, and the memory limit as a watch on the resident size, not a hard cap.
"""

from __future__ import annotations

import _signal as signal  # the C half of `signal`, which imports enum: milliseconds of a warm query's 50
import _thread
import os
import time

from .errors import ProbgraphError, UsageError, first_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

DEFAULT_TIMEOUT = 30.0
DEFAULT_MEMORY_MB = 2048
_MB = 1024 * 1024


class LimitError(UsageError):
    """A local query went over its time or memory limit (exit 2)."""


def run_bounded(work: Callable[[], bytes], timeout: float = DEFAULT_TIMEOUT,
                memory_mb: int | None = DEFAULT_MEMORY_MB, what: str = "the query",
                kinds: tuple[type[ProbgraphError], ...] = (),
                verify: Callable[[], bool] | None = None, start: Callable[[], None] | None = None) -> bytes | None:
    """The bytes `work()` returns, computed in a child; its ProbgraphError is raised here as it was there.

    An error of one of `kinds` comes back as that class (so the caller can act on it). `verify`, if given,
    runs in the parent while the child works: when it returns False the child is killed and the answer is
    None (the work was started on a guess that turned out wrong). `start`, if given, runs in the child just
    before its limits are set, to begin what can go on beside that (a store opening on a thread of its own).
    """
    _reap_exited()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(work, write_end, memory_mb, start)
    os.close(write_end)
    deadline = time.monotonic() + timeout
    try:
        if verify is not None and not verify():
            return None
        data = _message(read_end, deadline, what, timeout)
        if data is not None:  # all of it came: the child is only exiting (ms, once it has opened a store)
            done, _ = os.waitpid(pid, os.WNOHANG)
            if not done:
                _EXITING.append(pid)
            pid = 0
            return _outcome(data, 0, what, memory_mb, kinds)
        _, status = os.waitpid(pid, 0)  # it died before its message was whole
        pid = 0
        return _outcome(b"", status, what, memory_mb, kinds)
    finally:
        os.close(read_end)
        if pid:  # timed out, interrupted or overtaken: stop the child, then reap it
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


# Children that had sent their whole message but not yet exited; reaped (without waiting) by the next call,
# or by init once the process ends.
_EXITING: list[int] = []


def _reap_exited() -> None:
    for pid in list(_EXITING):
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            done = pid
        if done:
            _EXITING.remove(pid)


_HEADER = 9  # a tag byte and the body's length in 8 bytes


def _message(fd: int, deadline: float, what: str, timeout: float) -> bytes | None:
    """The child's whole tagged message, or None if the pipe closed before all of it came.

    `select` (a shared library to load) is imported here, after the fork, where it costs the answer nothing.
    """
    import select

    buf = bytearray()
    want = _HEADER
    while len(buf) < want:
        left = deadline - time.monotonic()
        if left <= 0:
            raise _timeout_error(what, timeout)
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, min(want - len(buf), 1 << 20))
            if not chunk:
                return None
            buf += chunk
            if want == _HEADER and len(buf) == _HEADER:
                want += int.from_bytes(buf[1:], "big")
    return bytes(buf[:1] + buf[_HEADER:])


def _failure(exc: BaseException, what: str, memory_mb: int | None) -> ProbgraphError:
    """The one-line error a failed piece of work becomes (a library's failure included)."""
    if isinstance(exc, ProbgraphError):
        return exc
    if isinstance(exc, MemoryError):
        return _memory_error(what, memory_mb)
    return UsageError(f"{what} failed: {first_line(exc)[:300]}")


def _memory_error(what: str, memory_mb: int | None) -> LimitError:
    limit = f"the {memory_mb} MB allowed" if memory_mb else "the memory available"
    return LimitError(f"{what} needed more memory than {limit}",
                      "narrow the query (LIMIT, fewer cross joins), or raise --memory")


def _timeout_error(what: str, timeout: float) -> LimitError:
    return LimitError(f"{what} did not finish within {timeout:g} s",
                      "narrow the query (LIMIT, more specific patterns), or raise --timeout")


def _child(work: Callable[[], bytes], out: int, memory_mb: int | None, start: Callable[[], None] | None) -> None:
    """Do the work under the limits and write one tagged message: b'O' + answer, b'E' + error or b'M'.

    `json` is imported only for an error: importing it costs every warm query milliseconds.
    """
    code = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # the parent reports the interruption
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 2)  # the allocator's abort message must not reach the user's terminal
        os.dup2(null, 1)  # nor may the child hold the parent's output open while it exits
        try:
            if start is not None:
                start()
            if memory_mb:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (memory_mb * _MB, memory_mb * _MB))
            tag, body = b"O", work()
        except MemoryError:
            tag, body = b"M", b""
        except Exception as exc:  # noqa: BLE001 - a library's failure becomes one line in the parent
            import json

            err = _failure(exc, "the query", memory_mb)
            tag, body = b"E", json.dumps({"code": err.exit_code, "message": err.message, "hint": err.hint,
                                          "kind": type(err).__name__}).encode("utf-8")
        for part in (tag + len(body).to_bytes(_HEADER - 1, "big"), body):
            view = memoryview(part)
            while view:
                view = view[os.write(out, view):]
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the caller
        code = 70
    finally:
        os._exit(code)


_POLL = 0.005  # seconds between two looks at a watched thread's resident size


def run_watched(work: Callable[[], bytes], timeout: float = DEFAULT_TIMEOUT,
                memory_mb: int | None = DEFAULT_MEMORY_MB, what: str = "the query") -> bytes:
    """The bytes `work()` returns, computed on a thread of this process while this thread keeps the limits.

    Past the deadline, over `memory_mb` of resident memory (looked at every few milliseconds, where
    /proc/self/statm exists), or on Ctrl-C, this raises at once (LimitError, KeyboardInterrupt) and leaves the
    thread behind: the engine cannot be stopped, so the command exits without waiting for it.
    """
    done = _thread.allocate_lock()
    done.acquire()
    answer: list[bytes] = []
    failed: list[BaseException] = []

    def run() -> None:
        try:
            answer.append(work())
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting thread, raised there
            failed.append(_without_frames(exc))
        finally:
            done.release()

    deadline = time.monotonic() + timeout
    _thread.start_new_thread(run, ())
    while not done.acquire(timeout=max(min(deadline - time.monotonic(), _POLL), 0)):
        if time.monotonic() >= deadline:
            raise _timeout_error(what, timeout)
        if memory_mb and _resident_bytes() > memory_mb * _MB:
            raise _memory_error(what, memory_mb)
    if answer:
        return answer[0]
    if isinstance(failed[0], Exception):
        raise _failure(failed[0], what, memory_mb) from None
    raise failed[0]  # KeyboardInterrupt, SystemExit


def _without_frames(exc: BaseException) -> BaseException:
    """The exception with no traceback and no chained exceptions, so the frames they hold are freed here: they hold
    the engine's objects, and pyoxigraph's query solutions may only be dropped on the thread that made them."""
    exc.__traceback__ = exc.__context__ = exc.__cause__ = None
    return exc


def _resident_bytes() -> int:
    """This process's resident size (0 where /proc is not there: no watch, the deadline still holds)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _outcome(data: bytes, status: int, what: str, memory_mb: int | None,
             kinds: tuple[type[ProbgraphError], ...]) -> bytes:
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGINT:  # Ctrl-C reached the child before the parent: the same interruption
            raise KeyboardInterrupt
        if sig in (signal.SIGABRT, signal.SIGKILL):  # the allocator's abort, or the kernel's OOM killer
            raise _memory_error(what, memory_mb)
        from signal import Signals

        raise LimitError(f"{what} crashed the query engine ({Signals(sig).name})",
                         "simplify the query; this is worth reporting as a bug")
    tag, body = data[:1], data[1:]
    if tag == b"O" and os.WEXITSTATUS(status) == 0:
        return body
    if tag == b"E":
        import json

        err = json.loads(body.decode("utf-8"))
        kind = next((k for k in kinds if k.__name__ == err.get("kind")), ProbgraphError)
        exc = ProbgraphError.__new__(kind)
        ProbgraphError.__init__(exc, err["message"], err["hint"])
        exc.exit_code = err["code"]
        raise exc
    if tag == b"M":
        raise _memory_error(what, memory_mb)
    raise LimitError(f"{what} failed in its worker process (exit {os.WEXITSTATUS(status)})",
                     first_line(body.decode("utf-8", "replace"), "") or None)
