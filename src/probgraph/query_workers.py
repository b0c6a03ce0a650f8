"""Queries run in worker processes, so that one which runs too long can be stopped.

A pyoxigraph query cannot be interrupted from another thread; a process can be ended. Each worker
opens the compiled store read-only once and answers one query at a time; a query past its deadline
has its worker ended and replaced, and the caller gets QueryTimeout.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
import threading
import time
from dataclasses import dataclass


class QueryTimeout(Exception):
    """The query did not finish within the deadline and was stopped."""


@dataclass(frozen=True)
class Answer:
    """What a worker sends back: an HTTP status, a media type and the body."""

    status: int
    media: str
    body: bytes


def _serve(store_path: str, conn) -> None:
    """The worker's loop: (query text, Accept header) in, Answer out."""
    import pyoxigraph as ox

    from .sparql_protocol import NotAcceptable, serialise

    store = ox.Store.read_only(store_path)
    while True:
        try:
            text, accept = conn.recv()
        except EOFError:
            return
        try:
            media, body = serialise(store.query(text), accept)
            answer = Answer(200, media, body)
        except NotAcceptable as exc:
            answer = Answer(406, "text/plain", f"{exc}\n".encode())
        except SyntaxError as exc:
            answer = Answer(400, "text/plain", f"SPARQL syntax error: {exc}\n".encode())
        except (OSError, RuntimeError, ValueError) as exc:
            answer = Answer(400, "text/plain", f"the query failed: {exc}\n".encode())
        conn.send(answer)


class _Worker:
    def __init__(self, ctx, store_path: str) -> None:
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_serve, args=(store_path, child), daemon=True)
        self.process.start()
        child.close()

    def stop(self) -> None:
        self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """A fixed number of query processes; run() waits for a free one, within the same deadline."""

    def __init__(self, store_path: str, size: int = 2) -> None:
        self._ctx = mp.get_context("spawn")  # no fork of a threaded server
        self._path = store_path
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._all: list[_Worker] = []
        self._lock = threading.Lock()
        for _ in range(max(size, 1)):
            self._add()

    def _add(self) -> None:
        worker = _Worker(self._ctx, self._path)
        with self._lock:
            self._all.append(worker)
        self._idle.put(worker)

    def run(self, text: str, accept: str | None, timeout: float) -> Answer:
        """Answer one query, or raise QueryTimeout once `timeout` seconds have passed."""
        deadline = time.monotonic() + timeout
        try:
            worker = self._idle.get(timeout=timeout)
        except queue.Empty:
            raise QueryTimeout(f"every query worker was busy for {timeout:g} s") from None
        try:
            worker.conn.send((text, accept))
            if worker.conn.poll(max(deadline - time.monotonic(), 0.0)):
                answer = worker.conn.recv()
                self._idle.put(worker)
                return answer
        except (EOFError, OSError):  # the worker died (out of memory, say): a fresh one takes its place
            self._replace(worker)
            return Answer(500, "text/plain", b"the query stopped its worker process; try a smaller query\n")
        self._replace(worker)
        raise QueryTimeout(f"the query ran longer than {timeout:g} s and was stopped")

    def _replace(self, worker: _Worker) -> None:
        worker.stop()
        with self._lock:
            self._all.remove(worker)
        self._add()

    def close(self) -> None:
        with self._lock:
            workers, self._all = self._all, []
        for worker in workers:
            worker.stop()
