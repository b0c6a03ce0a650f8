"""`probgraph serve`: the compiled graph on a read-only SPARQL 1.1 Protocol endpoint, with the site.

Routes: /sparql (GET and POST, form-encoded or direct), /query/NAME (a stored query, parameters from
the URL bound as `probgraph query -p` binds them), /queries (a page to try queries), and the site's
pages at /. Starlette routes the requests and uvicorn serves them; queries run in worker processes
(query_workers) so a long one can be stopped.
"""

from __future__ import annotations

import json
import threading
import urllib.parse

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from .errors import ProbgraphError
from .query_workers import QueryTimeout, WorkerPool

MAX_QUERY = 100_000  # characters; a longer query is refused before it is parsed
_TEXT = {"html": "text/html; charset=utf-8", "css": "text/css; charset=utf-8", "js": "text/javascript; charset=utf-8",
         "ttl": "text/turtle; charset=utf-8", "svg": "image/svg+xml"}
_FORM = "application/x-www-form-urlencoded"


def _refuse(status: int, message: str) -> PlainTextResponse:
    return PlainTextResponse(message.rstrip("\n") + "\n", status_code=status)


class Pages:
    """The site's files, made on the first request for one rather than before the server listens.

    Making them costs seconds (site.build_site); SPARQL and stored queries need none of it, so they are
    answered at once, and a server that is only queried never makes them. Made once, under a lock.
    """

    def __init__(self, store) -> None:
        self._store = store
        self._files: dict[str, bytes] | None = None
        self._lock = threading.Lock()

    def get(self, path: str) -> bytes | None:
        """The file at `path` (its bytes), or None; the first call makes them all (call it off the event loop)."""
        with self._lock:
            if self._files is None:
                from .site import build_site

                files = build_site(self._store)
                files["assets/query.js"] = resources_asset("query.js")
                self._files = files
        return self._files.get(path)


class Endpoint:
    """The state the routes share: the worker pool, a store for name lookup, the site's files."""

    def __init__(self, pool: WorkerPool, store, pages: Pages, timeout: float) -> None:
        from .queries import stored_queries

        self.pool, self.store, self.pages, self.timeout = pool, store, pages, timeout
        self.stored_queries = stored_queries()

    async def _answer(self, text: str, accept: str | None) -> Response:
        from starlette.concurrency import run_in_threadpool

        from .queries import check_safe, from_text

        if len(text) > MAX_QUERY:
            return _refuse(413, f"the query is {len(text)} characters long; the limit is {MAX_QUERY}")
        try:
            check_safe(from_text(text))
        except ProbgraphError as exc:
            return _refuse(400, exc.message.replace("--sparql: ", ""))
        try:
            answer = await run_in_threadpool(self.pool.run, text, accept, self.timeout)
        except QueryTimeout as exc:
            return _refuse(503, f"{exc} (the limit is set with probgraph serve --timeout)")
        media = answer.media + ("; charset=utf-8" if answer.media.startswith("text/") else "")
        return Response(answer.body, status_code=answer.status, media_type=media,
                        headers={"Vary": "Accept"})

    async def sparql(self, request: Request) -> Response:
        """The SPARQL 1.1 Protocol query operation; update operations are refused."""
        params = request.query_params
        text = params.get("query")
        if request.method == "POST":
            kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
            body = await request.body()
            if kind == "application/sparql-update":
                return _refuse(403, "this endpoint is read-only: SPARQL Update is refused")
            if kind == _FORM:
                form = urllib.parse.parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
                if "update" in form:
                    return _refuse(403, "this endpoint is read-only: SPARQL Update is refused")
                text = form["query"][0] if form.get("query") else None
            elif kind == "application/sparql-query":
                text = body.decode("utf-8", "replace")
            else:
                return _refuse(415, f"POST a query as {_FORM} (query=...) or application/sparql-query, "
                                    f"not {kind or 'no content type'}")
        elif "update" in params:
            return _refuse(403, "this endpoint is read-only: SPARQL Update is refused")
        if text is None:
            if "text/html" in request.headers.get("accept", ""):
                return RedirectResponse("/queries", status_code=303)
            return _refuse(400, "give a query: /sparql?query=... (GET) or POST query=... (see /queries)")
        return await self._answer(text, request.headers.get("accept"))

    def _bound(self, name: str, params: dict[str, str]) -> str:
        from .queries import bind, get, selector

        q = self.stored_queries.get(name) or get(name)  # get() raises with the close names
        return bind(q, params, selector(self.store))

    async def stored(self, request: Request) -> Response:
        """A stored query by name, its parameters from the URL (?org=northumbria-crc)."""
        from starlette.concurrency import run_in_threadpool

        try:  # names are looked up in the store: off the event loop, like the queries
            text = await run_in_threadpool(self._bound, request.path_params["name"], dict(request.query_params))
        except ProbgraphError as exc:
            return _refuse(404 if "no stored query" in exc.message else 400, str(exc))
        return await self._answer(text, request.headers.get("accept"))

    async def queries_page(self, request: Request) -> Response:
        from .templating import render

        examples = [{"name": n, "title": q.title, "description": q.description, "text": q.text,
                     "params": [{"name": p.name, "kind": p.kind, "optional": p.optional, "description": p.description}
                                for p in q.params]}
                    for n, q in self.stored_queries.items()]
        data = json.dumps(examples, ensure_ascii=False, sort_keys=True).replace("</", "<\\/")
        from markupsafe import Markup

        html = render("queries.html", examples=examples, data=Markup(data), root="", version=_version(),
                      label="Query the graph")
        return Response(html.encode("utf-8"), media_type=_TEXT["html"])

    async def page(self, request: Request) -> Response:
        from starlette.concurrency import run_in_threadpool

        path = request.path_params.get("path", "") or "index.html"
        body = await run_in_threadpool(self.pages.get, path)  # the first one makes the pages
        if body is None and not path.endswith((".html", ".ttl", ".css", ".js")):
            body = self.pages.get(path.rstrip("/") + "/index.html")
        if body is None:
            return _refuse(404, f"no page {path!r} (start at /index.html)")
        return Response(body, media_type=_TEXT.get(path.rsplit(".", 1)[-1], "application/octet-stream"))


def resources_asset(name: str) -> bytes:
    """A file of templates/assets that only the server uses."""
    from pathlib import Path

    return (Path(__file__).parent / "templates" / "assets" / name).read_bytes()


def _version() -> str:
    from . import __version__

    return __version__


def create_app(endpoint: Endpoint) -> Starlette:
    """The ASGI application for an endpoint."""
    return Starlette(routes=[
        Route("/sparql", endpoint.sparql, methods=["GET", "POST"]),
        Route("/query/{name}", endpoint.stored, methods=["GET"]),
        Route("/queries", endpoint.queries_page, methods=["GET"]),
        Route("/", endpoint.page, methods=["GET"]),
        Route("/{path:path}", endpoint.page, methods=["GET"]),
    ])


def serve(host: str = "127.0.0.1", port: int = 7878, timeout: float = 30.0, workers: int = 2,
          use_cache: bool = True) -> None:
    """Serve until interrupted; say on standard error what address it bound to."""
    import socket
    import sys

    import uvicorn

    from .compile import compiled
    from .errors import UsageError
    from .store import open_store

    # bound first, so that a port in use fails at once rather than after the store is opened
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                         "choose another --port, or stop what is using it") from None
    try:
        store = open_store(use_cache=use_cache)
    except BaseException:
        sock.close()
        raise
    sock.listen(128)
    bound_host, bound_port = sock.getsockname()[:2]
    pool = WorkerPool(str(compiled(use_cache=use_cache).store_path), size=workers)
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    if not bound_host.startswith("127.") and bound_host != "::1":
        print(f"probgraph: warning: {bound_host} is not loopback; other machines may reach this endpoint",
              file=sys.stderr)
    print(f"probgraph: serving the graph at http://{url_host}:{bound_port}/sparql "
          f"(read-only; pages at http://{url_host}:{bound_port}/, queries at /queries); "
          f"bound to {bound_host} port {bound_port}; Ctrl-C stops", file=sys.stderr, flush=True)
    config = uvicorn.Config(create_app(Endpoint(pool, store, Pages(store), timeout)), log_level="warning",
                            access_log=False, lifespan="off")
    try:
        uvicorn.Server(config).run(sockets=[sock])
    finally:
        pool.close()
        sock.close()
