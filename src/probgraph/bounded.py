"""Run a local query in a child process with a deadline and a memory limit.

pyoxigraph evaluates a query in Rust without looking at signals, so a query that runs for ever
cannot be stopped from inside the process, and the Rust allocator aborts the whole process when
memory runs out. A forked child runs the work under an address-space limit and sends back its
answer (all of it, or an error); the parent waits until the deadline, and kills the child by pid on
a timeout or Ctrl-C. Measured: pyoxigraph does release the GIL while it evaluates (a Python
thread kept ~87% of its ticks during a 0.6 s query), so a thread would give a deadline but no
memory bound. The answer comes with its length, so the parent need not wait for the child's exit.
"""

from __future__ import annotations

import _signal as signal  # the C half of `signal`, which imports enum: milliseconds of a warm query's 50
import os
import time

from .errors import EXIT_USAGE, ProbgraphError, UsageError, first_line

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
            raise LimitError(f"{what} did not finish within {timeout:g} s",
                             "narrow the query (LIMIT, more specific patterns), or raise --timeout")
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            chunk = os.read(fd, min(want - len(buf), 1 << 20))
            if not chunk:
                return None
            buf += chunk
            if want == _HEADER and len(buf) == _HEADER:
                want += int.from_bytes(buf[1:], "big")
    return bytes(buf[:1] + buf[_HEADER:])


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
        except ProbgraphError as exc:
            import json

            tag, body = b"E", json.dumps({"code": exc.exit_code, "message": exc.message, "hint": exc.hint,
                                          "kind": type(exc).__name__}).encode("utf-8")
        except MemoryError:
            tag, body = b"M", b""
        except Exception as exc:  # noqa: BLE001 - a library's failure becomes one line in the parent
            import json

            tag, body = b"E", json.dumps({"code": EXIT_USAGE, "message": f"the query failed: {first_line(exc)[:300]}",
                                          "hint": None}).encode("utf-8")
        for part in (tag + len(body).to_bytes(_HEADER - 1, "big"), body):
            view = memoryview(part)
            while view:
                view = view[os.write(out, view):]
    except BaseException:  # noqa: BLE001 - whatever happens, the child must not return into the caller
        code = 70
    finally:
        os._exit(code)


def _outcome(data: bytes, status: int, what: str, memory_mb: int | None,
             kinds: tuple[type[ProbgraphError], ...]) -> bytes:
    limit = f"the {memory_mb} MB allowed" if memory_mb else "the memory available"
    memory_hint = "narrow the query (LIMIT, fewer cross joins), or raise --memory"
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        if sig == signal.SIGINT:  # Ctrl-C reached the child before the parent: the same interruption
            raise KeyboardInterrupt
        if sig in (signal.SIGABRT, signal.SIGKILL):  # the allocator's abort, or the kernel's OOM killer
            raise LimitError(f"{what} needed more memory than {limit}", memory_hint)
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
        raise LimitError(f"{what} needed more memory than {limit}", memory_hint)
    raise LimitError(f"{what} failed in its worker process (exit {os.WEXITSTATUS(status)})",
                     first_line(body.decode("utf-8", "replace"), "") or None)
