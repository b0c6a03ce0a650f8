"""The `probgraph` command: arguments in, one library call, output and an exit code out.

Exit codes: 0 success; 1 validation found violations; 2 bad usage or unreadable input;
3 a remote endpoint failed. Errors are one line (with file:line:col where they apply), never a
traceback.
"""

from __future__ import annotations

import sys

from .errors import EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, ProbgraphError, UsageError, printable, shown

TYPE_CHECKING = False  # typing costs a warm query milliseconds to import
if TYPE_CHECKING:
    from typing import NoReturn

EPILOG = """exit codes:
  0  success
  1  validation found violations (or warnings, with --strict)
  2  bad usage or unreadable input (file:line:col in the message)
  3  a remote endpoint failed (refused, timed out, HTTP error, rejected query)
  130  interrupted (Ctrl-C)

examples:
  probgraph queries
  probgraph query predecessors -p org=north-east-region
  probgraph lineage northumbria-probation-trust
  probgraph validate my-entry.ttl
  probgraph export --format turtle -o probgraph.ttl
  probgraph lineage north-east-region --format svg > lineage.svg
  probgraph site -o site
  probgraph serve --port 7878
"""


OUTPUT_HELP = ("write to FILE instead of standard output: a regular file is replaced atomically (keeping its "
               "mode; a symlink's target is replaced, a hard-linked file rewritten in place); a device, pipe or "
               "- is written to directly")


def _fail(exc: ProbgraphError) -> int:
    lines = [printable(line) for line in str(exc).splitlines()]  # no raw escape sequences reach the terminal
    print("probgraph: error: " + "\n".join(lines), file=sys.stderr)
    return exc.exit_code


def _utf8(value: str | None, what: str) -> str | None:
    """An argument as text; one that holds bytes which are not UTF-8 is refused (they cannot be looked up)."""
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise UsageError(f"{what} {shown(value)} is not valid UTF-8 text",
                             "check the terminal's encoding, or type the name again") from None
    return value


def _in_range(convert, what: str, low: float, high: float, low_open: bool = False):
    """An argparse type: `convert` the text, then require it finite and within [low, high] (or (low, high]).

    argparse and math are imported when argparse calls it: the warm query is parsed without them.
    """

    def check(text: str):
        import argparse
        import math

        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what}") from None
        if not math.isfinite(value) or value > high or (value <= low if low_open else value < low):
            bound = f"above {low:.15g}" if low_open else f"at least {low:.15g}"
            raise argparse.ArgumentTypeError(f"{text!r}: give {what} {bound} and at most {high:.15g}")
        return value

    return check


_seconds = _in_range(float, "a number of seconds", 0, 7 * 24 * 3600, low_open=True)  # at most a week
_megabytes = _in_range(int, "a whole number of MB", 256, 1 << 24)


def _params(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        _utf8(pair, "-p")
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"-p {shown(pair)} is not NAME=VALUE", "e.g. -p org=northumbria-crc")
        if key in out:
            raise UsageError(f"parameter {shown(key)} given twice")
        out[key] = value
    return out


from .bounded import DEFAULT_MEMORY_MB  # noqa: E402 - light: os, time, _signal

QUERY_FORMATS = ("table", "csv", "tsv", "json", "xml", "turtle", "ntriples")


class _Args:
    """What argparse would give for `query NAME [-p K=V]... [--format F]`, parsed without argparse."""

    def __init__(self, name: str, params: list[str], fmt: str | None) -> None:
        self.command, self.name, self.param, self.format = "query", name, params, fmt
        self.file = self.sparql = self.endpoint = self.output = self.default_graph = None
        self.timeout, self.no_cache = 30.0, False
        self.output, self.memory = None, DEFAULT_MEMORY_MB


class _CompileArgs:
    """What argparse would give for a bare `compile`, the first command after an install or an edit: argparse
    would be a twentieth of a cold compile."""

    command, force, reasoner, no_cache = "compile", False, None, False


def fast_query_args(argv: list[str]) -> _Args | None:
    """The common warm call, parsed by hand (argparse costs a warm query milliseconds to import and build).

    Anything else, help and every mistake included, returns None and goes through argparse, so the
    messages and exit codes stay argparse's.
    """
    if len(argv) < 2 or argv[0] != "query" or argv[1].startswith("-"):
        return None
    params: list[str] = []
    fmt = None
    rest = iter(argv[2:])
    for arg in rest:
        opt, eq, value = arg.partition("=") if arg.startswith("--") else (arg, "", "")
        if opt in ("-p", "--param", "--format"):
            given = value if eq else next(rest, None)
            if given is None or (not eq and given.startswith("-")):
                return None
            if opt == "--format" and (fmt is not None or given not in QUERY_FORMATS):
                return None
            if opt == "--format":
                fmt = given
            else:
                params.append(given)
        elif arg.startswith("-p") and len(arg) > 2 and arg[2] != "=":
            params.append(arg[2:])
        else:
            return None
    return _Args(argv[1], params, fmt)


def build_parser():  # -> argparse.ArgumentParser
    import argparse

    from . import __version__
    from .bounded import DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT

    class _Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:  # one line and exit 2, as for every other bad input
            self.print_usage(sys.stderr)
            raise SystemExit(_fail(UsageError(message, f"see: {self.prog} --help")))

    class _Version(argparse.Action):
        """--version, looked up only when asked for (it is read from the ontology file)."""

        def __init__(self, option_strings: list[str], dest: str, **kwargs) -> None:
            super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                             help="show the version and exit")

        def __call__(self, parser, namespace, values, option_string=None) -> None:
            print(f"probgraph {__version__}")
            parser.exit()

    p = _Parser(prog="probgraph", description="A knowledge graph of probation in England and Wales.",
                epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--version", action=_Version)
    p.add_argument("--no-cache", action="store_true",
                   help="compile the graph afresh in a temporary folder instead of using the cache")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    sub.add_parser("queries", help="list stored queries, their descriptions and parameters")

    q = sub.add_parser("query", help="run a stored query, a query file or query text")
    q.add_argument("name", nargs="?", help="stored query name (see: probgraph queries)")
    q.add_argument("--file", help="run the SPARQL in this file")
    q.add_argument("--sparql", help="run this SPARQL text")
    q.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                   help="bind a parameter (slug, label or IRI for entities; YYYY[-MM[-DD]] for dates)")
    q.add_argument("--format", choices=QUERY_FORMATS,
                   help="output format (default: table on a terminal, csv when piped; turtle for CONSTRUCT)")
    q.add_argument("--endpoint", help="run on this SPARQL endpoint instead of the embedded graph")
    q.add_argument("--timeout", type=_seconds, default=DEFAULT_TIMEOUT,
                   help="seconds the query may take, on the embedded graph or at the endpoint (default 30)")
    q.add_argument("--memory", type=_megabytes, default=DEFAULT_MEMORY_MB, metavar="MB",
                   help=f"memory a query on the embedded graph may use, in MB (default {DEFAULT_MEMORY_MB})")
    q.add_argument("--default-graph", metavar="IRI",
                   help="with --endpoint: answer from this graph of the store (default-graph-uri)")
    q.add_argument("-o", "--output", metavar="FILE", help=OUTPUT_HELP)

    v = sub.add_parser("validate", help="validate new entries (Turtle) together with the graph")
    v.add_argument("files", nargs="*", metavar="FILE",
                   help="the new entries; with none, the whole graph is validated (a few seconds)")
    v.add_argument("--format", choices=["text", "json", "turtle"], default="text")
    v.add_argument("--strict", action="store_true", help="exit 1 on warnings too")

    e = sub.add_parser("export", help="write the graph as RDF (byte-identical for the same inputs)")
    e.add_argument("--format", choices=["turtle", "ntriples", "nquads", "jsonld"], default="turtle")
    e.add_argument("--inferred", action="store_true", help="include what the OWL 2 RL reasoner derives")
    e.add_argument("-o", "--output", metavar="FILE", help=OUTPUT_HELP)

    ld = sub.add_parser("load", help="upload the graph to a triplestore (Graph Store Protocol)")
    ld.add_argument("--endpoint", required=True,
                    help="the store's SPARQL query URL (Oxigraph: http://HOST:PORT/query) or its GSP URL")
    ld.add_argument("--graph", help="named graph IRI (default: the default graph)")
    ld.add_argument("--asserted-only", action="store_true",
                    help="upload only asserted triples (default: with the reasoner's closure)")
    ld.add_argument("--replace", action="store_true", help="replace the graph's content instead of adding")
    ld.add_argument("--timeout", type=_seconds, default=300.0, help="seconds to wait for the store (default 300)")

    ln = sub.add_parser("lineage", help="an organisation's predecessors and successors with dates")
    ln.add_argument("org", metavar="ORG", help="slug, label or IRI")
    ln.add_argument("--format", choices=["text", "mermaid", "dot", "svg"], default="text",
                    help="indented text, a Mermaid flowchart, Graphviz DOT, or a timeline picture (SVG)")
    ln.add_argument("--scope", choices=["territory", "organisation"], default="territory",
                    help="follow the areas that passed (default) or who succeeded whom")

    st = sub.add_parser("site", help="write a static website of the record (a page per entity, with search)")
    st.add_argument("-o", "--output", required=True, metavar="DIR",
                    help="the folder to write (new, empty, or one an earlier `probgraph site` wrote)")

    sv = sub.add_parser("serve", help="a read-only SPARQL endpoint (/sparql), stored queries and the site's pages")
    sv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1, loopback only)")
    sv.add_argument("--port", type=int, default=7878, help="port (default 7878; 0 picks a free one)")
    sv.add_argument("--timeout", type=_seconds, default=30.0, help="seconds a query may run (default 30)")
    sv.add_argument("--workers", type=int, default=2, help="query processes (default 2)")

    s = sub.add_parser("show", help="everything about one entity, with its sources")
    s.add_argument("entity", metavar="ENTITY", help="slug (org/x or x), label or IRI")

    c = sub.add_parser("compile", help="compile the graph into the cache now")
    c.add_argument("--force", action="store_true", help="rebuild even if the cache is current")
    c.add_argument("--reasoner", choices=["native", "owlrl"],
                   help="native: the OWL 2 RL rule files in ontology/rules (default); owlrl: the reference "
                        "reasoner (slow). Other commands use $PROBGRAPH_REASONER, else native")

    cache = sub.add_parser("cache", help="cache housekeeping")
    cache.add_argument("action", choices=["clear", "info"])
    return p


def _notice(message: str) -> None:
    print(f"probgraph: {message}", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        from . import cache  # reads the version from the ontology, so a bad PROBGRAPH_HOME fails here

        cache.notice = _notice
        args = fast_query_args(argv) or (_CompileArgs() if argv == ["compile"] else None)
        if args is None:
            parser = build_parser()
            args = parser.parse_args(argv)
            if not args.command:
                parser.print_help(sys.stderr)
                return EXIT_USAGE
        return _dispatch(args)
    except ProbgraphError as exc:
        return _fail(exc)
    except KeyboardInterrupt:
        print("probgraph: error: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except MemoryError:
        return _fail(UsageError("out of memory", "the input is too large for this machine"))


def _write(data: bytes) -> None:
    from .outfile import write_output

    write_output(None, data)


def _dispatch(args) -> int:  # an argparse.Namespace or _Args
    import probgraph as api

    use_cache = not args.no_cache
    cmd = args.command
    for attr, what in (("name", "query name"), ("sparql", "--sparql"), ("entity", "name"), ("org", "name"),
                       ("endpoint", "--endpoint"), ("graph", "--graph")):
        _utf8(getattr(args, attr, None), what)
    if cmd == "queries":
        _write(api.queries_listing().encode("utf-8"))
        return EXIT_OK
    if cmd == "query":
        from .outfile import write_output

        human = args.output in (None, "-") and sys.stdout is not None and sys.stdout.isatty()
        data = api.query_output(args.name, file=args.file, sparql=args.sparql, params=_params(args.param),
                                fmt=args.format, human=human, endpoint=args.endpoint, use_cache=use_cache,
                                timeout=args.timeout, memory_mb=args.memory,
                                default_graph=args.default_graph)
        write_output(args.output, data)
        return EXIT_OK
    if cmd == "export":
        from .outfile import write_output

        write_output(args.output, api.export(args.format, inferred=args.inferred, use_cache=use_cache))
        return EXIT_OK
    if cmd == "load":
        from .exchange import public_url
        from .remote import store_url

        print(f"uploading the {'asserted' if args.asserted_only else 'inferred'} graph to "
              f"{public_url(store_url(args.endpoint, args.graph))} "
              f"(one Graph Store Protocol request: all or nothing) ...", file=sys.stderr)
        n, url = api.load(args.endpoint, graph=args.graph, inferred=not args.asserted_only,
                          replace=args.replace, timeout=args.timeout)
        print(f"loaded {n} triples into {args.graph or 'the default graph'} at {url} (counted afterwards)",
              file=sys.stderr)
        return EXIT_OK
    if cmd == "lineage":
        _write(api.lineage(args.org, args.format, use_cache=use_cache, scope=args.scope).encode("utf-8"))
        return EXIT_OK
    if cmd == "site":
        pages = api.build_site(args.output, use_cache=use_cache)
        print(f"wrote {pages} pages to {args.output} (open {args.output}/index.html)", file=sys.stderr)
        return EXIT_OK
    if cmd == "serve":
        if not 0 <= args.port <= 65535 or args.workers < 1:
            raise UsageError("--port must be 0 to 65535 and --workers at least 1")
        api.serve(args.host, args.port, timeout=args.timeout, workers=args.workers, use_cache=use_cache)
        return EXIT_OK
    if cmd == "show":
        _write(api.show(args.entity, use_cache=use_cache).encode("utf-8"))
        return EXIT_OK
    if cmd == "validate":
        from .validation import render_report

        report = api.validate(args.files, use_cache=use_cache)
        _write(render_report(report, args.format))
        return report.exit_code(strict=args.strict)
    if cmd == "compile":
        entry = api.compile_graph(rebuild=args.force, use_cache=use_cache, reasoner=args.reasoner)
        meta = entry.meta()
        print(f"compiled: {meta['asserted_triples']} asserted triples, {meta['closure_triples']} "
              f"with the closure ({meta['reasoner']} reasoner); cache {entry.path}", file=sys.stderr)
        return EXIT_OK
    if cmd == "cache":
        from .compile import cache_root, clear_cache

        if args.action == "clear":
            print(f"removed {clear_cache()} cache entries from {cache_root()}", file=sys.stderr)
        else:
            print(str(cache_root()))
        return EXIT_OK
    raise UsageError(f"unknown command {cmd!r}")


def run() -> None:
    """The `probgraph` command (bin/probgraph) and `python -m probgraph`."""
    code = main()
    if fast_query_args(sys.argv[1:]) is not None:
        _quick_exit(code)
    sys.exit(code)


def _quick_exit(code: int) -> None:
    """End a query parsed by the fast path without the interpreter's teardown, when it has nothing to do.

    The teardown (freeing every module and object) made a warm query's process end 3-6 ms after its answer
    was out (docs/design-decisions.md, "Warm path, fourth pass"). It is skipped only once the standard streams
    are flushed and with no atexit callback and no other thread: otherwise this returns and sys.exit runs it.
    """
    import atexit
    import os

    try:
        for stream in (sys.stdout, sys.stderr):
            if stream is not None:
                stream.flush()
    except (OSError, ValueError):  # a closed or broken stream: the usual exit reports it as before
        return
    callbacks = getattr(atexit, "_ncallbacks", None)
    threading = sys.modules.get("threading")
    if callbacks is not None and callbacks() == 0 and (threading is None or threading.active_count() == 1):
        os._exit(code)
